//! Inputs the fuzzer found (see `fuzz/README.md`): every file under
//! `tests/fuzz_corpus/` goes through its loader, which must answer `Ok` or
//! located errors and never panic; what it accepts must start to run.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use tokensim::catalog::{Billing, Catalog};
use tokensim::demand::{MonthWork, Profile};
use tokensim::input::{InputErrors, Source};
use tokensim::scenario::{Overrides, Scenario};
use tokensim::simulation::{path_rng, plan_terms};

fn corpus(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_corpus").join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).expect("corpus dir").map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(!files.is_empty(), "no files in {}", dir.display());
    files
}

/// Every error says what is wrong, names its file, and has a line when the
/// file has content; errors found after parsing also name their field.
fn check_errors(source: &Source, errors: &InputErrors) {
    assert!(!errors.0.is_empty(), "Err without an error");
    let has_content = source.text.lines().any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let lines = source.text.lines().count() + 1;
    let parses = has_content && toml::from_str::<toml::Table>(&source.text).is_ok();
    for e in &errors.0 {
        assert_eq!(e.file, source.name);
        assert!(!e.message.trim().is_empty(), "empty message: {e:?}");
        if has_content {
            let line = e.line.unwrap_or_else(|| panic!("no line: {e:?}"));
            assert!((1..=lines).contains(&line), "line {line} outside the file: {e:?}");
        }
        // An empty field is the whole file: a missing top-level key, or one spelt "".
        let whole_file = e.message.starts_with("missing field") || e.message.starts_with("unknown field ``");
        if parses && !whole_file {
            assert!(!e.field.is_empty(), "no field: {e:?}");
        }
    }
}

/// Runs `check` on every file of `kind`, then names every file that panicked.
fn each_file(kind: &str, check: impl Fn(&Source)) {
    let mut panicked = Vec::new();
    for path in corpus(kind) {
        let source = match Source::read(&path) {
            Ok(source) => source,
            Err(e) => {
                assert!(!e.message.is_empty() && e.line.is_some(), "{e:?}");
                continue;
            }
        };
        if catch_unwind(AssertUnwindSafe(|| check(&source))).is_err() {
            panicked.push(path.display().to_string());
        }
    }
    assert!(panicked.is_empty(), "panicked on: {panicked:#?}");
}

/// The first steps of a run: plan terms, one path's profile, a few days of demand.
fn starts_to_run(scenario: &Scenario, catalog: &Catalog) {
    let file = &scenario.file;
    assert_eq!(plan_terms(scenario, catalog).len(), scenario.plans.len());
    let mut rng = path_rng(file.run.seed, 0);
    let profile = Profile::sample(file, catalog, &mut rng).expect("a validated scenario samples");
    let mut work = MonthWork::default();
    profile.month(file.run.days_per_month.min(3), &mut rng, &mut work);
}

#[test]
fn every_scenario_in_the_corpus_loads_or_is_refused_with_located_errors() {
    let catalog = Catalog::leonardo();
    each_file("scenario", |source| {
        match Scenario::from_source(source, Path::new(&source.name), &catalog, &Overrides::default()) {
            Ok(scenario) => starts_to_run(&scenario, &catalog),
            Err(errors) => check_errors(source, &errors),
        }
    });
}

#[test]
fn every_catalog_in_the_corpus_loads_or_is_refused_with_located_errors() {
    each_file("catalog", |source| match Catalog::from_source(source) {
        Err(errors) => check_errors(source, &errors),
        Ok(catalog) => {
            let dumped = catalog.to_toml();
            assert_eq!(Catalog::from_source(&Source::new("dump", dumped)).as_ref(), Ok(&catalog));
            for plan in &catalog.plans {
                let _ = catalog.terms(plan, 1_000, Billing::Yearly);
            }
            for action in &catalog.actions {
                for images in 0..=5 {
                    let _ = catalog.charge(action, images, catalog.references.extra.len() as u32);
                }
            }
        }
    });
}

/// The errors `text` gets as a scenario, with the embedded catalog.
fn scenario_errors(text: &str) -> InputErrors {
    let source = Source::new("s.toml", text);
    Scenario::from_source(&source, Path::new("s.toml"), &Catalog::leonardo(), &Overrides::default())
        .expect_err("the scenario should be refused")
}

fn bundled(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name)).unwrap()
}

// The fuzzer's finds, each as the error that now stops it before the run.

#[test]
fn a_day_too_large_to_hold_in_memory_is_refused() {
    // 4,294,967,295 deliverables a day ran the first simulated day out of
    // memory; such a count is now out of range, but 1,000 seats of 5,000 a day
    // (each within range) still make 5 million deliverables a day.
    let text = bundled("studio-team.toml").replace("seats = 5", "seats = 1000").replace(
        "deliverables_per_day = { dist = \"lognormal\", median = 3, sigma = 0.35 }",
        "deliverables_per_day = 5000",
    );
    let errors = scenario_errors(&text);
    assert_eq!(errors.0.len(), 1, "{errors}");
    assert_eq!(errors.0[0].field, "rhythm.deliverables_per_day");
    assert!(errors.0[0].message.contains("fit in memory"), "{errors}");
}

#[test]
fn a_day_of_infinite_size_is_refused() {
    // A huge median times a burst factor up to 1.8e308 is infinite; with a dispersion
    // the tail estimate became inf / inf = NaN, which compared as small enough.
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_corpus/scenario/oom-infinite-burst-over-a-spread.toml");
    // The range checks of each field now refuse it first; the daily-load check
    // stays as the backstop (it runs only when every field is in range).
    let errors = scenario_errors(&std::fs::read_to_string(path).unwrap());
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert!(fields.contains(&"rhythm.deliverables_per_day"), "{errors}");
    assert!(fields.contains(&"rhythm.burst_factor"), "{errors}");
    // No deliverables at all, with a dispersion, gives 0 / 0 in the same estimate: still a valid day.
    let idle = bundled("studio-team.toml").replace("median = 3, sigma = 0.35", "median = 0, sigma = 0");
    let idle = idle.replace("{ dist = \"lognormal\", median = 0, sigma = 0 }", "0");
    let catalog = Catalog::leonardo();
    let loaded = Scenario::from_source(&Source::new("s", idle), Path::new("s"), &catalog, &Overrides::default());
    assert!(loaded.is_ok(), "{:?}", loaded.err());
}

#[test]
fn a_horizon_over_twenty_years_is_refused() {
    // Memory grows with the months of the horizon; 4,294,967,295 asked for terabytes.
    let text = bundled("hobbyist.toml").replace("months = 12", "months = 4294967295");
    let errors = scenario_errors(&text);
    assert_eq!(errors.0.len(), 1, "{errors}");
    assert_eq!((errors.0[0].field.as_str(), errors.0[0].line), ("run.months", Some(9)));
    assert!(errors.0[0].message.contains("at most 240"), "{errors}");
    let ok = bundled("hobbyist.toml").replace("months = 12", "months = 240");
    let catalog = Catalog::leonardo();
    assert!(Scenario::from_source(&Source::new("s", ok), Path::new("s"), &catalog, &Overrides::default()).is_ok());
}

#[test]
fn a_vendor_with_control_characters_dumps_to_a_catalog_that_reads_back() {
    // The dump's header comment quoted the vendor raw: a newline in it ended the comment.
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_corpus/catalog/crash-dump-vendor-control-characters.toml");
    let catalog = Catalog::load(&path).expect("a valid catalog");
    assert_eq!(catalog.vendor, "a\u{0}\nb = 1");
    let dumped = catalog.to_toml();
    assert!(dumped.starts_with("# tokensim catalog: a\\0\\nb = 1 plans"), "{dumped}");
    assert_eq!(Catalog::from_source(&Source::new("dump", dumped)), Ok(catalog));
}

#[test]
fn reference_costs_are_bounded_like_token_costs() {
    // extra = [3273348430600077409]: added to every charge, a day's token sum overflowed.
    for (file, field) in [
        ("crash-reference-extra-huge.toml", "references.extra[0]"),
        ("crash-reference-api-extra-huge.toml", "references.api_extra_usd"),
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_corpus/catalog").join(file);
        let errors = Catalog::load(&path).expect_err("refused");
        assert_eq!(errors.0.len(), 1, "{errors}");
        assert_eq!((errors.0[0].field.as_str(), errors.0[0].line), (field, Some(4)), "{errors}");
        assert!(errors.0[0].message.contains("give a smaller figure"), "{errors}");
    }
}

#[test]
fn a_team_plan_bills_at_most_a_thousand_seats() {
    // min_seats = 1224979098651394049 saturated the allowance; the second month's grant overflowed.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_corpus/catalog/crash-min-seats-huge.toml");
    let errors = Catalog::load(&path).expect_err("refused");
    assert_eq!(errors.0.len(), 1, "{errors}");
    assert_eq!((errors.0[0].field.as_str(), errors.0[0].line), ("plans[0].min_seats", Some(16)), "{errors}");
    assert!(errors.0[0].message.contains("1 to 1,000"), "{errors}");
    let text = std::fs::read_to_string(&path).unwrap().replace("1224979098651394049", "1000");
    assert!(Catalog::from_source(&Source::new("c", text)).is_ok());
}

#[test]
fn an_error_about_an_unwritten_table_is_located_at_the_top_of_the_file() {
    // seats = 0 leaves no plan to compare, and `run.plans` had no line: no [run] table is written.
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_corpus/scenario/crash-no-plan-and-no-run-table.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let errors = scenario_errors(&text);
    let located: Vec<(&str, Option<usize>)> = errors.0.iter().map(|e| (e.field.as_str(), e.line)).collect();
    assert_eq!(located, [("run.plans", Some(1)), ("seats", Some(2))], "{errors}");
}

// Random edits of the bundled scenarios' text, in the spirit of the fuzzer but
// bounded so that it runs with the tests.

const BUNDLED: [&str; 7] = [
    include_str!("../scenarios/api-pipeline.toml"),
    include_str!("../scenarios/ecommerce-catalogue.toml"),
    include_str!("../scenarios/game-artist.toml"),
    include_str!("../scenarios/hobbyist.toml"),
    include_str!("../scenarios/social-media-manager.toml"),
    include_str!("../scenarios/studio-team.toml"),
    include_str!("../scenarios/video-creator.toml"),
];

/// Values at the edges of casts, sums and domains, and of the wrong type.
const EXTREMES: &[&str] = &[
    "1e308",
    "-1e308",
    "-1",
    "0",
    "-0.0",
    "5e-324",
    "nan",
    "inf",
    "-inf",
    "\"\"",
    "[]",
    "{}",
    "4294967296",
    "18446744073709551615",
    "9223372036854775807",
    "-9223372036854775808",
    "1000000000000",
    "\"free\"",
    "{ dist = \"gamma\", mean = 1e308, sd = 1e-308 }",
    "{ dist = \"gamma\", mean = 1, sd = 1e9 }",
    "{ dist = \"lognormal\", median = 1e300, sigma = 700 }",
    "{ dist = \"uniform\", low = nan, high = 1 }",
    "{ dist = \"triangular\", min = -1e308, mode = 0, max = 1e308 }",
    "{ dist = \"beta\", alpha = 1e-300, beta = 1e300 }",
    "{ dist = \"discrete\", values = [], weights = [] }",
    "{ dist = \"discrete\", values = [1e308, 1e308], weights = [1e308, 1e308] }",
];

#[derive(Debug, Clone)]
enum Mutation {
    /// Deletes `len` bytes from the fraction `at` of the text.
    Delete { at: f64, len: usize },
    /// Copies `len` bytes from `from` to `to`.
    Duplicate { from: f64, len: usize, to: f64 },
    /// Replaces the value of the `nth` `key = value` line.
    SetValue { nth: usize, extreme: usize },
    /// Replaces the `nth` number in the text.
    SetNumber { nth: usize, extreme: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0.0..1.0, 0usize..60).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (0.0..1.0, 0usize..400, 0.0..1.0).prop_map(|(from, len, to)| Mutation::Duplicate { from, len, to }),
        (0usize..60, 0..EXTREMES.len()).prop_map(|(nth, extreme)| Mutation::SetValue { nth, extreme }),
        (0usize..60, 0..EXTREMES.len()).prop_map(|(nth, extreme)| Mutation::SetNumber { nth, extreme }),
    ]
}

/// The byte offset at the fraction `f` of `text`, moved back to a character boundary.
fn offset(text: &str, f: f64) -> usize {
    let mut at = (f * text.len() as f64) as usize;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn span(text: &str, from: f64, len: usize) -> (usize, usize) {
    let start = offset(text, from);
    let mut end = (start + len).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (start, end)
}

fn apply(text: &mut String, mutation: &Mutation) {
    match *mutation {
        Mutation::Delete { at, len } => {
            let (start, end) = span(text, at, len);
            text.replace_range(start..end, "");
        }
        Mutation::Duplicate { from, len, to } => {
            let (start, end) = span(text, from, len);
            let copy = text[start..end].to_string();
            text.insert_str(offset(text, to), &copy);
        }
        Mutation::SetValue { nth, extreme } => {
            let lines: Vec<usize> = text.match_indices(" = ").map(|(i, _)| i + 3).collect();
            if let Some(&start) = lines.get(nth % lines.len().max(1)) {
                let end = text[start..].find(['\n', '#']).map_or(text.len(), |e| start + e);
                text.replace_range(start..end, EXTREMES[extreme]);
            }
        }
        Mutation::SetNumber { nth, extreme } => {
            let bytes = text.as_bytes();
            let starts: Vec<usize> = (0..bytes.len())
                .filter(|&i| bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()))
                .collect();
            if let Some(&start) = starts.get(nth % starts.len().max(1)) {
                let len = text[start..].find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len() - start);
                text.replace_range(start..start + len, EXTREMES[extreme]);
            }
        }
    }
}

proptest! {
    // About 2 ms a case in a release build.
    #![proptest_config(ProptestConfig {
        cases: 1_000,
        rng_seed: RngSeed::Fixed(20_261_125),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn an_edited_scenario_loads_or_is_refused_with_located_errors(
        base in 0..BUNDLED.len(),
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let mut text = BUNDLED[base].to_string();
        for m in &mutations {
            apply(&mut text, m);
        }
        let catalog = Catalog::leonardo();
        let source = Source::new("edited.toml", text);
        match Scenario::from_source(&source, Path::new("edited.toml"), &catalog, &Overrides::default()) {
            Ok(scenario) => starts_to_run(&scenario, &catalog),
            Err(errors) => check_errors(&source, &errors),
        }
    }
}
