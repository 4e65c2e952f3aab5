//! `index.csv`: one row per scenario of the batch, with its recommendation.

use serde::Serialize;

use super::{ScenarioReport, cell, csv_bytes};
use crate::error::Error;

#[derive(Serialize)]
struct Row<'a> {
    scenario: &'a str,
    title: &'a str,
    file: String,
    paths: u64,
    months: u32,
    seed: u64,
    target: f64,
    plans: String,
    recommended: &'a str,
    recommended_cost_usd_mean: Option<f64>,
    recommended_cost_per_usable: Option<f64>,
    vendor: &'a str,
    catalog_as_of: &'a str,
    outputs: String,
}

pub fn render(reports: &[ScenarioReport]) -> Result<Vec<u8>, Error> {
    csv_bytes(reports.iter().map(|r| {
        let run = &r.scenario.file.run;
        let best = r.recommended.map(|i| &r.summaries[i]);
        Row {
            scenario: &r.scenario.name,
            title: &r.scenario.title,
            file: r.scenario.path.display().to_string(),
            paths: r.stats.paths,
            months: run.months,
            seed: run.seed,
            target: run.target,
            plans: r.plan_ids().join(" "),
            recommended: r.recommended.map_or("none", |i| r.plan_ids()[i].as_str()),
            recommended_cost_usd_mean: best.and_then(|s| cell(s.cost.value, 4)),
            recommended_cost_per_usable: best.and_then(|s| cell(s.cost_per_usable.value, 6)),
            vendor: &r.catalog.vendor,
            catalog_as_of: &r.catalog.as_of,
            outputs: format!("{}/", r.scenario.name),
        }
    }))
}
