//! Faults and extreme inputs: an interrupted run, figures near the integer
//! limits, and extreme but valid scenarios (100 seats, acceptance 0.001, the
//! longest horizon). Each finishes correctly or stops with a clear message,
//! and never leaves earlier outputs changed or half-written.

mod common;

use std::collections::BTreeMap;
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use assert_cmd::cargo::cargo_bin;
use tokensim::catalog::LEONARDO_TOML;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn tokensim() -> Command {
    let mut command = Command::cargo_bin("tokensim").expect("the tokensim binary");
    command.current_dir(ROOT);
    command
}

/// A scenario of one workflow on `action`, `per_day` deliverables every day exactly.
fn scenario(extra_run: &str, seats: u32, per_day: f64, action: &str, accept: f64, max_attempts: u32) -> String {
    format!(
        r#"title = "Extreme"
seats = {seats}
on_exhaustion = "top-up"

[run]
months = 1
paths = 200
seed = 3
{extra_run}

[rhythm]
active_days_per_week = 7
deliverables_per_day = {per_day}
daily_count = "exact"

[[workflows]]
name = "only"
share = 1
action = "{action}"
accept = {accept}
max_attempts = {max_attempts}
"#
    )
}

/// Runs `text` as a scenario on `paths` paths; its plan's summary row.
fn run_summary(text: &str, paths: u32) -> BTreeMap<String, String> {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(dir.path().join("s.toml"), text).expect("scenario written");
    tokensim()
        .args(["run", "--quiet", "--no-plots", "--paths", &paths.to_string()])
        .arg(dir.path().join("s.toml"))
        .arg("--out")
        .arg(dir.path())
        .assert()
        .success();
    let mut reader = csv::Reader::from_path(dir.path().join("s/summary.csv")).expect("summary.csv");
    let header = reader.headers().expect("header").clone();
    let row = reader.records().next().expect("a plan's row").expect("readable row");
    header.iter().zip(&row).map(|(h, v)| (h.into(), v.into())).collect()
}

fn number(row: &BTreeMap<String, String>, column: &str) -> f64 {
    row[column].parse().unwrap_or_else(|_| panic!("{column} = {}", row[column]))
}

#[test]
fn ctrl_c_stops_promptly_with_130_and_leaves_earlier_outputs_untouched() {
    let out = tempfile::tempdir().expect("temporary directory");
    tokensim()
        .args(["run", "scenarios/hobbyist.toml", "--paths", "200", "--quiet", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let before = common::files_under(out.path());
    // A run far too long to finish, into the same directory.
    let mut child = Process::new(cargo_bin("tokensim"))
        .current_dir(ROOT)
        .args(["run", "scenarios/hobbyist.toml", "--paths", "1000000000", "--quiet", "--out"])
        .arg(out.path())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tokensim starts");
    std::thread::sleep(Duration::from_millis(800));
    let status = Process::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill runs");
    assert!(status.success());
    let sent = Instant::now();
    // A hang guard, not a speed test: a stuck run would never exit.
    while child.try_wait().expect("waitable").is_none() {
        assert!(sent.elapsed() < Duration::from_secs(60), "the run did not stop after Ctrl-C");
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("output");
    assert_eq!(output.status.code(), Some(130));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("interrupted") && stderr.contains("earlier outputs"), "{stderr}");
    assert_eq!(common::files_under(out.path()), before, "the interrupted run changed earlier outputs");
}

#[test]
fn a_month_too_large_to_sum_exactly_stops_with_a_message_and_writes_nothing() {
    // An action at the catalog's largest token cost, 40 times a day, for 1 seat.
    let catalog = LEONARDO_TOML.replacen(
        "tokens = { each = 2500, basis = \"list\"",
        "tokens = { each = 1000000000000, basis = \"list\"",
        1,
    );
    assert_ne!(catalog, LEONARDO_TOML, "the Veo 3 cost line was found");
    let stderr = fails_with_catalog(&catalog, &scenario("plans = [\"ultimate\"]", 1, 40.0, "veo-3", 1.0, 1));
    // 40 x 30 x 1e12 = 1.2e15 tokens, above 2^50.
    assert!(stderr.contains("s.toml") && stderr.contains("1200000000000000 tokens") && stderr.contains("sums exactly"));
}

/// Runs `scenario` against `catalog`, both written to a temporary folder,
/// checks the run failed (exit code 1, no panic, no output) and returns its errors.
fn fails_with_catalog(catalog: &str, scenario: &str) -> String {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(dir.path().join("catalog.toml"), catalog).expect("catalog written");
    std::fs::write(dir.path().join("s.toml"), scenario).expect("scenario written");
    let out = dir.path().join("out");
    let output = tokensim()
        .args(["run", "--quiet", "--catalog"])
        .arg(dir.path().join("catalog.toml"))
        .arg(dir.path().join("s.toml"))
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.join("s").exists(), "no output for a failed run");
    stderr
}

#[test]
fn a_path_too_costly_to_sum_exactly_stops_with_a_message_and_writes_nothing() {
    // Essential's top-up packs at 1 token for $1,000,000: 60 Veo 3 clips a
    // month (150,000 tokens) buy about 141,500 packs, $1.4e11, above 2^48 micro-dollars.
    let pack = "pack_tokens = { value = 5000, basis = \"assumed\", source = \"pack sizes not found\" }, \
                pack_price = { value = 7.0";
    let catalog = LEONARDO_TOML.replacen(
        pack,
        "pack_tokens = { value = 1, basis = \"assumed\", source = \"pack sizes not found\" }, \
         pack_price = { value = 1000000.0",
        1,
    );
    assert_ne!(catalog, LEONARDO_TOML, "Essential's pack line was found");
    let stderr = fails_with_catalog(&catalog, &scenario("plans = [\"essential\"]", 1, 2.0, "veo-3", 1.0, 1));
    assert!(stderr.contains("s.toml") && stderr.contains("micro-dollars over the horizon"), "{stderr}");
    assert!(stderr.contains("$281474976"), "{stderr}");
}

#[test]
fn a_horizon_beyond_the_longest_is_refused_before_running() {
    let output = tokensim().args(["run", "scenarios/hobbyist.toml", "--months", "1000"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("at most 240"));
}

#[test]
fn the_longest_horizon_runs() {
    let out = tempfile::tempdir().expect("temporary directory");
    tokensim()
        .args(["run", "scenarios/hobbyist.toml", "--months", "240", "--paths", "50", "--quiet", "--no-plots", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let months = std::fs::read_to_string(out.path().join("hobbyist/by_month.csv")).expect("by_month.csv");
    assert!(months.lines().any(|l| l.contains(",240,")), "month 240 is reported");
}

#[test]
fn a_hundred_seats_bring_a_hundred_times_the_work_into_a_team_pool() {
    let row = &run_summary(&scenario("plans = [\"team-growth\"]", 100, 2.0, "phoenix", 1.0, 3), 200);
    // Exactly 2 a day for 30 days for each of 100 seats, each accepted at once.
    assert_eq!(number(row, "demanded_per_month"), 6_000.0);
    assert_eq!(number(row, "usable_per_month"), 6_000.0);
    // 6,000 phoenix calls of one image (16 tokens) against 100 x 60,000 tokens.
    assert_eq!(number(row, "tokens_charged_mean"), 96_000.0);
    assert_eq!(number(row, "p_exhaust"), 0.0);
}

#[test]
fn an_acceptance_of_one_in_a_thousand_abandons_at_the_exact_rate() {
    let row = &run_summary(&scenario("plans = [\"ultimate\"]", 1, 20.0, "image", 0.001, 1_000), 500);
    let (demanded, abandoned) = (number(row, "demanded_per_month"), number(row, "abandoned_per_month"));
    assert_eq!(demanded, 600.0);
    // P(abandoned) = 0.999^1000 over 500 x 600 independent deliverables.
    let p = 0.999f64.powi(1_000);
    let se = (p * (1.0 - p) / 300_000.0).sqrt();
    assert!((abandoned / demanded - p).abs() < 4.0 * se, "abandoned share {} vs {p}", abandoned / demanded);
}
