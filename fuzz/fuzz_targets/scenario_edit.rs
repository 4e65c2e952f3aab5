//! A bundled scenario with a few edits, through the scenario loader.
#![no_main]

use tokensim_fuzz::edit::{Edits, edited};

libfuzzer_sys::fuzz_target!(|input: Edits| {
    let base = tokensim_fuzz::SCENARIOS[usize::from(input.base) % tokensim_fuzz::SCENARIOS.len()];
    tokensim_fuzz::scenario(&edited(base, &input.edits));
});
