//! The embedded catalog with a few edits, through the catalog loader.
#![no_main]

use tokensim_fuzz::edit::{Edits, edited};

libfuzzer_sys::fuzz_target!(|input: Edits| {
    tokensim_fuzz::catalog(&edited(tokensim::catalog::LEONARDO_TOML, &input.edits));
});
