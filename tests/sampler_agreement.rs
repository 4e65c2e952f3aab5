//! The table samplers changed the random stream, not the model: the bundled
//! batch run with them (`tests/pinned/`) must agree with the last run of the
//! sequential samplers they replaced (`tests/reference/sequential-samplers/`,
//! same paths and seed) within the two runs' intervals.
//!
//! For each scenario and plan, the probability of running out, the mean
//! monthly cost and the cost per usable deliverable are compared: the two
//! runs are independent, so their difference has standard error
//! sqrt(se_a^2 + se_b^2), each se read off its 95% interval. Four standard
//! errors keep the chance of a false alarm over all ~55 comparisons under 1%.

use std::collections::BTreeMap;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const Z95: f64 = 1.959_963_984_540_054;

/// (estimate, low, high) column triples compared.
const ESTIMATES: [[&str; 3]; 3] = [
    ["p_exhaust", "p_exhaust_lo", "p_exhaust_hi"],
    ["cost_usd_mean", "cost_usd_mean_lo", "cost_usd_mean_hi"],
    ["cost_per_usable", "cost_per_usable_lo", "cost_per_usable_hi"],
];

type Rows = BTreeMap<(String, String), BTreeMap<String, String>>;

/// Every summary.csv under `dir`, keyed by (scenario, plan).
fn summaries(dir: &Path) -> Rows {
    let mut rows = Rows::new();
    for entry in std::fs::read_dir(dir).expect("directory of scenario outputs") {
        let path = entry.expect("entry").path().join("summary.csv");
        if !path.exists() {
            continue;
        }
        let mut reader = csv::Reader::from_path(&path).expect("readable summary");
        let header = reader.headers().expect("header").clone();
        for record in reader.records() {
            let record = record.expect("row");
            let row: BTreeMap<String, String> = header.iter().zip(&record).map(|(h, v)| (h.into(), v.into())).collect();
            rows.insert((row["scenario"].clone(), row["plan"].clone()), row);
        }
    }
    rows
}

fn number(row: &BTreeMap<String, String>, column: &str) -> Option<f64> {
    row[column].parse::<f64>().ok().filter(|x| x.is_finite())
}

#[test]
fn table_samplers_agree_with_the_sequential_samplers_within_their_intervals() {
    let old = summaries(&Path::new(ROOT).join("tests/reference/sequential-samplers"));
    let new = summaries(&Path::new(ROOT).join("tests/pinned"));
    assert!(old.len() >= 15, "the reference holds every scenario's plans");
    assert_eq!(old.keys().collect::<Vec<_>>(), new.keys().collect::<Vec<_>>(), "same scenarios and plans");
    let mut compared = 0;
    for (key, a) in &old {
        let b = &new[key];
        for [value, low, high] in ESTIMATES {
            let (Some(x), Some(y)) = (number(a, value), number(b, value)) else { continue };
            let se = |row: &BTreeMap<String, String>| {
                (number(row, high).unwrap_or(0.0) - number(row, low).unwrap_or(0.0)) / (2.0 * Z95)
            };
            let tolerance = 4.0 * (se(a).powi(2) + se(b).powi(2)).sqrt();
            assert!(
                (x - y).abs() <= tolerance.max(1e-9),
                "{key:?} {value}: sequential {x}, tables {y}, differ by more than 4 standard errors ({tolerance})"
            );
            compared += 1;
        }
    }
    assert!(compared >= 40, "only {compared} estimates compared");
}
