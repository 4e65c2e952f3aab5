//! Any text through the catalog loader.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        tokensim_fuzz::catalog(text);
    }
});
