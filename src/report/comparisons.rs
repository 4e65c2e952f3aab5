//! `comparisons.csv`: every pair of plans on the same sampled months.

use serde::Serialize;

use super::{Exporter, ScenarioReport, cell, csv_bytes};
use crate::error::Error;

pub struct ComparisonsCsv;

#[derive(Serialize)]
struct Row<'a> {
    scenario: &'a str,
    plan_a: &'a str,
    plan_b: &'a str,
    vendor: &'a str,
    catalog_as_of: &'a str,
    p_a_cheaper: Option<f64>,
    p_equal: Option<f64>,
    p_b_cheaper: Option<f64>,
    mean_difference_usd: Option<f64>,
    mean_difference_usd_lo: Option<f64>,
    mean_difference_usd_hi: Option<f64>,
}

impl Exporter for ComparisonsCsv {
    fn file_name(&self) -> &'static str {
        "comparisons.csv"
    }

    fn render(&self, r: &ScenarioReport) -> Result<Vec<u8>, Error> {
        let rows = r.stats.pairs.iter().map(|pair| {
            let s = pair.summary(r.stats.months);
            Row {
                scenario: &r.scenario.name,
                plan_a: &r.plan_ids()[pair.a],
                plan_b: &r.plan_ids()[pair.b],
                vendor: &r.catalog.vendor,
                catalog_as_of: &r.catalog.as_of,
                p_a_cheaper: cell(s.a_cheaper, 6),
                p_equal: cell(s.equal, 6),
                p_b_cheaper: cell(s.b_cheaper, 6),
                mean_difference_usd: cell(s.difference.value, 4),
                mean_difference_usd_lo: cell(s.difference.low, 4),
                mean_difference_usd_hi: cell(s.difference.high, 4),
            }
        });
        csv_bytes(rows)
    }
}
