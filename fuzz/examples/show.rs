//! Prints the TOML text an input of `scenario_edit` or `catalog_edit` stands
//! for, to turn a crash into a reproducer file:
//! `cargo run --example show -- scenario_edit artifacts/scenario_edit/crash-…`;
//! with `--into DIR`, writes one `NAME.toml` per input into DIR instead.

use std::path::Path;

use arbitrary::{Arbitrary, Unstructured};
use tokensim_fuzz::SCENARIOS;
use tokensim_fuzz::edit::{Edits, edited};

fn text(target: &str, file: &Path) -> String {
    let bytes = std::fs::read(file).expect("readable input");
    let input = Edits::arbitrary_take_rest(Unstructured::new(&bytes)).expect("an Edits value");
    let base = match target {
        "scenario_edit" => SCENARIOS[usize::from(input.base) % SCENARIOS.len()],
        _ => tokensim::catalog::LEONARDO_TOML,
    };
    edited(base, &input.edits)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [target, file] => print!("{}", text(target, Path::new(file))),
        [target, into, dir, files @ ..] if into == "--into" => {
            for file in files.iter().map(Path::new) {
                let name = file.file_name().expect("a file name").to_string_lossy();
                std::fs::write(Path::new(dir).join(format!("{name}.toml")), text(target, file)).expect("writable");
            }
        }
        _ => {
            eprintln!("usage: show scenario_edit|catalog_edit FILE | show TARGET --into DIR FILE...");
            std::process::exit(2);
        }
    }
}
