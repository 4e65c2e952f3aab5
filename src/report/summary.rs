//! `summary.csv`: one row per plan. Every column is defined in the README.

use serde::Serialize;

use super::{Exporter, ScenarioReport, cell, csv_bytes};
use crate::error::Error;
use crate::statistics::meets_target;

pub struct SummaryCsv;

#[derive(Serialize)]
struct Row<'a> {
    scenario: &'a str,
    plan: &'a str,
    plan_name: &'a str,
    vendor: &'a str,
    catalog_as_of: &'a str,
    paths: u64,
    months: u32,
    p_exhaust: Option<f64>,
    p_exhaust_lo: Option<f64>,
    p_exhaust_hi: Option<f64>,
    mean_exhaust_day: Option<f64>,
    demanded_per_month: Option<f64>,
    usable_per_month: Option<f64>,
    abandoned_per_month: Option<f64>,
    unmet_per_month: Option<f64>,
    unmet_share: Option<f64>,
    charges_per_month: Option<f64>,
    tokens_charged_mean: Option<f64>,
    tokens_charged_p50: Option<f64>,
    tokens_charged_p95: Option<f64>,
    tokens_expired_per_month: Option<f64>,
    waste_share: Option<f64>,
    topup_tokens_per_month: Option<f64>,
    topup_usd_per_month: Option<f64>,
    relaxed_share: Option<f64>,
    waiting_days_per_deliverable: Option<f64>,
    cost_usd_mean: Option<f64>,
    cost_usd_mean_lo: Option<f64>,
    cost_usd_mean_hi: Option<f64>,
    cost_usd_p50: Option<f64>,
    cost_usd_p95: Option<f64>,
    cost_per_usable: Option<f64>,
    cost_per_usable_lo: Option<f64>,
    cost_per_usable_hi: Option<f64>,
    cost_per_usable_p50: Option<f64>,
    cost_per_usable_p95: Option<f64>,
    meets_target: bool,
    recommended: bool,
    price_basis: String,
}

impl Exporter for SummaryCsv {
    fn file_name(&self) -> &'static str {
        "summary.csv"
    }

    fn render(&self, r: &ScenarioReport) -> Result<Vec<u8>, Error> {
        let run = &r.scenario.file.run;
        let rows = r.summaries.iter().enumerate().map(|(i, s)| {
            let tokens = |x: f64| if r.counts_tokens(i) { cell(x, 1) } else { None };
            Row {
                scenario: &r.scenario.name,
                plan: &r.plan_ids()[i],
                plan_name: r.plan_name(i),
                vendor: &r.catalog.vendor,
                catalog_as_of: &r.catalog.as_of,
                paths: r.stats.paths,
                months: run.months,
                p_exhaust: cell(s.exhaustion.value, 6),
                p_exhaust_lo: cell(s.exhaustion.low, 6),
                p_exhaust_hi: cell(s.exhaustion.high, 6),
                mean_exhaust_day: cell(s.exhaustion_day, 2),
                demanded_per_month: cell(s.demanded, 3),
                usable_per_month: cell(s.usable, 3),
                abandoned_per_month: cell(s.abandoned, 3),
                unmet_per_month: cell(s.unmet, 3),
                unmet_share: cell(s.unmet_share, 6),
                charges_per_month: cell(s.charges, 3),
                tokens_charged_mean: tokens(s.spent_mean),
                tokens_charged_p50: tokens(s.spent_p50),
                tokens_charged_p95: tokens(s.spent_p95),
                tokens_expired_per_month: tokens(s.expired),
                waste_share: if r.counts_tokens(i) { cell(s.waste_share, 6) } else { None },
                topup_tokens_per_month: tokens(s.topup_units),
                topup_usd_per_month: cell(s.topup_usd, 4),
                relaxed_share: cell(s.relaxed_share, 6),
                waiting_days_per_deliverable: cell(s.waiting_days, 4),
                cost_usd_mean: cell(s.cost.value, 4),
                cost_usd_mean_lo: cell(s.cost.low, 4),
                cost_usd_mean_hi: cell(s.cost.high, 4),
                cost_usd_p50: cell(s.cost_p50, 4),
                cost_usd_p95: cell(s.cost_p95, 4),
                cost_per_usable: cell(s.cost_per_usable.value, 6),
                cost_per_usable_lo: cell(s.cost_per_usable.low, 6),
                cost_per_usable_hi: cell(s.cost_per_usable.high, 6),
                cost_per_usable_p50: cell(s.cost_per_usable_p50, 6),
                cost_per_usable_p95: cell(s.cost_per_usable_p95, 6),
                meets_target: meets_target(s, run.target),
                recommended: r.recommended == Some(i),
                price_basis: r.price_basis(i),
            }
        });
        csv_bytes(rows)
    }
}
