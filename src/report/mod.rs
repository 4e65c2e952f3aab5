//! Reports: the figures of a finished run, one file per output kind.

pub mod by_month;
pub mod comparisons;
pub mod format;
pub mod index;
pub mod summary;
pub mod table;

use std::path::Path;

use crate::catalog::{Basis, Catalog, PlanKind};
use crate::error::Error;
use crate::scenario::Scenario;
use crate::statistics::{PlanSummary, ScenarioStats, recommend};

/// A finished scenario with everything its reports show.
pub struct ScenarioReport<'a> {
    pub scenario: &'a Scenario,
    pub catalog: &'a Catalog,
    pub stats: ScenarioStats,
    pub summaries: Vec<PlanSummary>,
    pub recommended: Option<usize>,
}

impl<'a> ScenarioReport<'a> {
    pub fn new(scenario: &'a Scenario, catalog: &'a Catalog, stats: ScenarioStats) -> Self {
        let summaries: Vec<PlanSummary> = stats.plans.iter().map(|p| p.summary(stats.months)).collect();
        let recommended = recommend(&summaries, scenario.file.run.target);
        ScenarioReport { scenario, catalog, stats, summaries, recommended }
    }

    /// Plan ids in report order.
    pub fn plan_ids(&self) -> &[String] {
        &self.scenario.plans
    }

    pub fn plan_name(&self, i: usize) -> &str {
        self.catalog.plan(&self.scenario.plans[i]).map_or("", |p| p.name.as_str())
    }

    /// Whether plan `i` counts tokens (the API route counts dollars).
    pub fn counts_tokens(&self, i: usize) -> bool {
        self.catalog.plan(&self.scenario.plans[i]).is_some_and(|p| p.kind != PlanKind::Api)
    }

    /// Which figures behind plan `i`'s numbers are not published as they stand.
    pub fn price_basis(&self, i: usize) -> String {
        let Some(plan) = self.catalog.plan(&self.scenario.plans[i]) else { return String::new() };
        let file = &self.scenario.file;
        let price = match file.run.billing {
            crate::catalog::Billing::Monthly => &plan.price_monthly,
            crate::catalog::Billing::Yearly => &plan.price_yearly,
        };
        let mut figures = vec![("subscription price".to_string(), price.basis)];
        if let Some(topup) = plan.topup.as_ref().filter(|t| t.allowed.value) {
            figures.push(("top-up allowed".into(), topup.allowed.basis));
            figures.extend(topup.pack_tokens.as_ref().map(|f| ("pack size".into(), f.basis)));
            figures.extend(topup.pack_price.as_ref().map(|f| ("pack price".into(), f.basis)));
        }
        figures.extend(plan.relaxed.iter().map(|l| (format!("relaxed {} per day", l.family.name()), l.per_day.basis)));
        let actions =
            file.workflows.iter().flat_map(|w| std::iter::once(&w.action).chain(w.steps.iter().map(|s| &s.action)));
        for action in actions.filter_map(|id| self.catalog.action(id)) {
            let basis = match (&action.api, plan.kind) {
                (Some(api), PlanKind::Api) => api.usd.basis,
                _ => action.tokens.basis,
            };
            figures.push((format!("{} cost", action.id), basis));
        }
        describe_bases(figures)
    }
}

/// "list", or e.g. "list; assumed: pack size, pack price; inferred: …".
fn describe_bases(figures: Vec<(String, Basis)>) -> String {
    let mut parts = vec!["list".to_string()];
    for basis in [Basis::Inferred, Basis::Assumed, Basis::User] {
        let mut names: Vec<&str> = Vec::new();
        for (name, _) in figures.iter().filter(|(_, b)| *b == basis) {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        if !names.is_empty() {
            parts.push(format!("{basis}: {}", names.join(", ")));
        }
    }
    parts.join("; ")
}

/// One output file of a scenario, rendered in memory.
pub trait Exporter {
    fn file_name(&self) -> &'static str;
    fn render(&self, report: &ScenarioReport) -> Result<Vec<u8>, Error>;
}

/// The files every run writes per scenario.
pub fn exporters() -> Vec<Box<dyn Exporter>> {
    vec![Box::new(summary::SummaryCsv), Box::new(by_month::ByMonthCsv), Box::new(comparisons::ComparisonsCsv)]
}

/// Renders every file first, then writes each atomically into `dir`.
pub fn write_scenario(report: &ScenarioReport, dir: &Path) -> Result<(), Error> {
    let rendered =
        exporters().iter().map(|e| Ok((e.file_name(), e.render(report)?))).collect::<Result<Vec<_>, Error>>()?;
    std::fs::create_dir_all(dir).map_err(|e| Error::Run(format!("cannot create {}: {e}", dir.display())))?;
    for (name, bytes) in rendered {
        write_atomically(&dir.join(name), &bytes)?;
    }
    Ok(())
}

/// A CSV writer into memory whose errors become run errors.
pub fn csv_bytes<R: serde::Serialize>(rows: impl IntoIterator<Item = R>) -> Result<Vec<u8>, Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.serialize(row).map_err(|e| Error::Run(format!("cannot write CSV: {e}")))?;
    }
    writer.into_inner().map_err(|e| Error::Run(format!("cannot write CSV: {e}")))
}

/// A figure for a CSV cell: rounded to `digits` decimals, empty when undefined.
pub fn cell(x: f64, digits: i32) -> Option<f64> {
    if x.is_finite() {
        let scale = 10f64.powi(digits);
        Some((x * scale).round() / scale)
    } else {
        None
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it into place,
/// so that `path` is never seen half-written.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let fail = |e: std::io::Error| Error::Run(format!("cannot write {}: {e}", path.display()));
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    std::io::Write::write_all(&mut file, bytes).map_err(fail)?;
    file.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}
