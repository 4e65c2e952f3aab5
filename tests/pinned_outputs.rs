//! The bundled batch's CSV outputs for a fixed seed, pinned byte for byte.
//!
//! An optimisation that keeps the random stream keeps these bytes. One that
//! changes a sampler changes them: it must then update `tests/pinned/` in the
//! same commit, saying why, and `tests/sampler_agreement.rs` checks the new
//! figures against the last run of the previous samplers within their intervals.
//!
//! To regenerate after a deliberate change of stream:
//! `cargo run --release -- run scenarios --paths 4000 --seed 7 --no-plots --quiet --out tests/pinned`

use std::path::Path;

use assert_cmd::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The files compared: every CSV of the batch.
fn csv_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "csv") {
                files.push(path.strip_prefix(dir).expect("under dir").to_path_buf());
            }
        }
    }
    files.sort();
    files
}

#[test]
fn the_bundled_batch_reproduces_the_pinned_csv_files() {
    let out = tempfile::tempdir().expect("temporary directory");
    let status = Command::cargo_bin("tokensim")
        .expect("the tokensim binary")
        .current_dir(ROOT)
        .args(["run", "scenarios", "--paths", "4000", "--seed", "7", "--no-plots", "--quiet", "--out"])
        .arg(out.path())
        .output()
        .expect("tokensim runs");
    assert_eq!(status.status.code(), Some(0), "{}", String::from_utf8_lossy(&status.stderr));
    let pinned = Path::new(ROOT).join("tests/pinned");
    let files = csv_files(&pinned);
    assert!(files.len() >= 20, "the pinned batch has a summary, months and comparisons per scenario");
    assert_eq!(files, csv_files(out.path()), "the run writes the pinned set of files");
    for file in files {
        let (want, got) =
            (std::fs::read_to_string(pinned.join(&file)), std::fs::read_to_string(out.path().join(&file)));
        let (want, got) = (want.expect("pinned file"), got.expect("written file"));
        for (n, (w, g)) in want.lines().zip(got.lines()).enumerate() {
            assert_eq!(w, g, "{} line {} differs from the pinned output", file.display(), n + 1);
        }
        assert_eq!(want.lines().count(), got.lines().count(), "{}: line count", file.display());
    }
}
