//! The short human summary printed on stdout after a run.

use comfy_table::{CellAlignment, Table, presets::UTF8_FULL_CONDENSED};

use super::ScenarioReport;
use super::format::{dollars_cents, percent};

pub fn render(r: &ScenarioReport) -> String {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED).set_header(vec![
        "plan",
        "P(run out) [95% CI]",
        "unmet",
        "$/month",
        "$/usable [95% CI]",
        "",
    ]);
    for (i, s) in r.summaries.iter().enumerate() {
        table.add_row(vec![
            r.plan_ids()[i].clone(),
            format!("{} [{}, {}]", percent(s.exhaustion.value), percent(s.exhaustion.low), percent(s.exhaustion.high)),
            percent(s.unmet_share),
            dollars_cents(s.cost.value),
            format!(
                "{} [{}, {}]",
                dollars_cents(s.cost_per_usable.value),
                dollars_cents(s.cost_per_usable.low),
                dollars_cents(s.cost_per_usable.high)
            ),
            if r.recommended == Some(i) { "← recommended".into() } else { String::new() },
        ]);
    }
    for column in 1..5 {
        if let Some(c) = table.column_mut(column) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    let run = &r.scenario.file.run;
    let verdict = match r.recommended {
        Some(i) => format!(
            "Recommended: {} — the cheapest plan with P(run out) and unmet share at most {}.",
            r.plan_name(i),
            percent(run.target)
        ),
        None => format!("No plan keeps P(run out) and the unmet share at most {}.", percent(run.target)),
    };
    format!(
        "{} ({} paths x {} months, seed {}; {} prices as of {})\n{table}\n{verdict}\n",
        r.scenario.title, r.stats.paths, run.months, run.seed, r.catalog.vendor, r.catalog.as_of
    )
}
