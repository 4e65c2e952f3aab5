//! `by_month.csv`: one row per plan and month of the horizon, so the rollover
//! bank's effect over the first months shows.

use serde::Serialize;

use super::{Exporter, ScenarioReport, cell, csv_bytes};
use crate::error::Error;

pub struct ByMonthCsv;

#[derive(Serialize)]
struct Row<'a> {
    scenario: &'a str,
    plan: &'a str,
    month: usize,
    vendor: &'a str,
    catalog_as_of: &'a str,
    p_exhaust: Option<f64>,
    p_exhaust_lo: Option<f64>,
    p_exhaust_hi: Option<f64>,
    mean_exhaust_day: Option<f64>,
    demanded: Option<f64>,
    usable: Option<f64>,
    unmet_share: Option<f64>,
    tokens_charged_mean: Option<f64>,
    tokens_expired_mean: Option<f64>,
    bank_end_mean: Option<f64>,
    bank_end_p10: Option<f64>,
    bank_end_p50: Option<f64>,
    bank_end_p90: Option<f64>,
    topup_usd_mean: Option<f64>,
    cost_usd_mean: Option<f64>,
    cost_per_usable: Option<f64>,
    cost_per_usable_lo: Option<f64>,
    cost_per_usable_hi: Option<f64>,
}

impl Exporter for ByMonthCsv {
    fn file_name(&self) -> &'static str {
        "by_month.csv"
    }

    fn render(&self, r: &ScenarioReport) -> Result<Vec<u8>, Error> {
        let mut rows = Vec::new();
        for (i, plan) in r.stats.plans.iter().enumerate() {
            let tokens = |x: f64| if r.counts_tokens(i) { cell(x, 1) } else { None };
            for (m, month) in plan.by_month.iter().enumerate() {
                let s = month.summary();
                rows.push(Row {
                    scenario: &r.scenario.name,
                    plan: &r.plan_ids()[i],
                    month: m + 1,
                    vendor: &r.catalog.vendor,
                    catalog_as_of: &r.catalog.as_of,
                    p_exhaust: cell(s.exhaustion.value, 6),
                    p_exhaust_lo: cell(s.exhaustion.low, 6),
                    p_exhaust_hi: cell(s.exhaustion.high, 6),
                    mean_exhaust_day: cell(s.exhaustion_day, 2),
                    demanded: cell(s.demanded, 3),
                    usable: cell(s.usable, 3),
                    unmet_share: cell(s.unmet_share, 6),
                    tokens_charged_mean: tokens(s.spent),
                    tokens_expired_mean: tokens(s.expired),
                    bank_end_mean: tokens(s.bank_mean),
                    bank_end_p10: tokens(s.bank_p10),
                    bank_end_p50: tokens(s.bank_p50),
                    bank_end_p90: tokens(s.bank_p90),
                    topup_usd_mean: cell(s.topup_usd, 4),
                    cost_usd_mean: cell(s.cost, 4),
                    cost_per_usable: cell(s.cost_per_usable.value, 6),
                    cost_per_usable_lo: cell(s.cost_per_usable.low, 6),
                    cost_per_usable_hi: cell(s.cost_per_usable.high, 6),
                });
            }
        }
        csv_bytes(rows)
    }
}
