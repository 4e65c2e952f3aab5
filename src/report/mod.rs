//! Reports: the figures of a finished run, one file per output kind.

pub mod by_month;
pub mod charts;
pub mod comparisons;
pub mod format;
pub mod html;
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
        self.plan_name_of(&self.scenario.plans[i])
    }

    pub fn plan_name_of<'s>(&'s self, id: &'s str) -> &'s str {
        self.catalog.plan(id).map_or(id, |p| p.name.as_str())
    }

    /// Tokens plan `i` grants in a month (a daily plan: its daily grant times the days).
    pub fn monthly_allowance(&self, i: usize) -> u64 {
        let Some(terms) = crate::simulation::plan_terms(self.scenario, self.catalog).into_iter().nth(i) else {
            return 0;
        };
        let days = u64::from(self.scenario.file.run.days_per_month);
        if terms.daily_reset { terms.allowance.saturating_mul(days) } else { terms.allowance }
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

/// The files a run writes per scenario: the CSVs, and the charts unless `plot_size` is `None`.
pub fn exporters(plot_size: Option<(u32, u32)>) -> Vec<Box<dyn Exporter>> {
    let mut all: Vec<Box<dyn Exporter>> =
        vec![Box::new(summary::SummaryCsv), Box::new(by_month::ByMonthCsv), Box::new(comparisons::ComparisonsCsv)];
    if let Some(size) = plot_size {
        all.extend(charts::scenario_charts(size));
    }
    all
}

/// Files rendered in memory: (file name, bytes).
pub type Rendered = Vec<(String, Vec<u8>)>;

/// Renders every file of a scenario in memory.
pub fn render_scenario(report: &ScenarioReport, plot_size: Option<(u32, u32)>) -> Result<Rendered, Error> {
    exporters(plot_size).iter().map(|e| Ok((e.file_name().to_string(), e.render(report)?))).collect()
}

/// Writes rendered files atomically into `dir`.
pub fn write_files(dir: &Path, files: &Rendered) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::Run(format!("cannot create {}: {e}", dir.display())))?;
    for (name, bytes) in files {
        write_atomically(&dir.join(name), bytes)?;
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
    // Outputs are for reading: not the 0600 of a temporary file.
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut file = builder.tempfile_in(dir).map_err(fail)?;
    std::io::Write::write_all(&mut file, bytes).map_err(fail)?;
    file.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}
