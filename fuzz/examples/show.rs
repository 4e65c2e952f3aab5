//! Prints the TOML text an input of `scenario_edit` or `catalog_edit` stands
//! for, to turn a crash into a reproducer file:
//! `cargo run --example show -- scenario_edit artifacts/scenario_edit/crash-…`.

use arbitrary::{Arbitrary, Unstructured};
use tokensim_fuzz::SCENARIOS;
use tokensim_fuzz::edit::{Edits, edited};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, target, file] = args.as_slice() else {
        eprintln!("usage: show scenario_edit|catalog_edit FILE");
        std::process::exit(2);
    };
    let bytes = std::fs::read(file).expect("readable input");
    let input = Edits::arbitrary_take_rest(Unstructured::new(&bytes)).expect("an Edits value");
    let base = match target.as_str() {
        "scenario_edit" => SCENARIOS[usize::from(input.base) % SCENARIOS.len()],
        _ => tokensim::catalog::LEONARDO_TOML,
    };
    print!("{}", edited(base, &input.edits));
}
