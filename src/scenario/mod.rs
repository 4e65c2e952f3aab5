//! Scenario files: how a creator or a team works, read and checked before any run.

mod param;
mod validate;

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use param::{Domain, Param};

use crate::catalog::{Billing, Catalog};
use crate::input::{InputError, InputErrors, Source};
use crate::ledger::Policy;

/// A scenario file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// A title for reports; default: the file name.
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub run: RunSettings,
    /// People working, each a creator sampled on its own; on a team plan they share one pool.
    #[serde(default = "one_seat")]
    pub seats: u32,
    #[serde(default)]
    pub rhythm: Rhythm,
    pub workflows: Vec<Workflow>,
    /// What the creator does when a charge cannot be paid.
    #[serde(default = "default_policy")]
    pub on_exhaustion: Policy,
    #[serde(default)]
    pub api: ApiSettings,
}

/// The longest horizon: enough for any plan comparison, and memory grows with it.
pub const MAX_MONTHS: u32 = 240;
/// The most paths: beyond this a run takes days on one machine (and 2^64 never ends).
pub const MAX_PATHS: u64 = 1_000_000_000;

fn one_seat() -> u32 {
    1
}
fn default_policy() -> Policy {
    Policy::Wait
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunSettings {
    /// Months per path (the horizon).
    pub months: u32,
    /// Independent paths (creators' possible years).
    pub paths: u64,
    pub seed: u64,
    pub days_per_month: u32,
    /// Plans to compare; default: every plan that fits the seats.
    pub plans: Option<Vec<String>>,
    pub billing: Billing,
    /// Highest acceptable exhaustion probability and unmet share, for the recommendation.
    pub target: f64,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            months: 12,
            paths: 10_000,
            seed: 1,
            days_per_month: 30,
            plans: None,
            billing: Billing::Monthly,
            target: 0.05,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rhythm {
    /// Active days per 7; each day is active with probability this / 7.
    pub active_days_per_week: Param,
    /// Mean deliverables per active day (Poisson, or negative binomial with `dispersion`).
    pub deliverables_per_day: Param,
    /// How the day's count varies around its mean.
    pub daily_count: DailyCount,
    /// Negative-binomial shape k: variance = mean + mean^2 / k (with `daily_count = "poisson"`).
    pub dispersion: Option<Param>,
    /// Probability that a month is a burst (campaign) month.
    pub burst_probability: Param,
    /// How many times the usual work a burst month brings.
    pub burst_factor: Param,
}

impl Default for Rhythm {
    fn default() -> Self {
        Rhythm {
            active_days_per_week: Param::Fixed(5.0),
            deliverables_per_day: Param::Fixed(1.0),
            daily_count: DailyCount::Poisson,
            dispersion: None,
            burst_probability: Param::Fixed(0.0),
            burst_factor: Param::Fixed(1.0),
        }
    }
}

/// How many deliverables an active day brings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DailyCount {
    /// Poisson around the mean (negative binomial when `dispersion` is given).
    Poisson,
    /// The mean itself: its whole part, plus one with probability its fraction
    /// (a planned schedule; with a whole mean, no randomness at all).
    Exact,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workflow {
    pub name: String,
    /// Share of deliverables that follow this workflow.
    pub share: Param,
    /// The generation each attempt runs (an action id of the catalog).
    pub action: String,
    /// Images per attempt (1 to 4), rounded.
    #[serde(default = "one_param")]
    pub images: Param,
    /// Probability that one attempt is accepted.
    pub accept: Param,
    /// Reference images per attempt, rounded.
    #[serde(default = "zero_param")]
    pub references: Param,
    /// Attempts after which the deliverable is abandoned, rounded.
    #[serde(default = "ten_param")]
    pub max_attempts: Param,
    /// Post-processing of an accepted deliverable.
    #[serde(default)]
    pub steps: Vec<Step>,
}

fn one_param() -> Param {
    Param::Fixed(1.0)
}
fn zero_param() -> Param {
    Param::Fixed(0.0)
}
fn ten_param() -> Param {
    Param::Fixed(10.0)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub action: String,
    /// Probability that an accepted deliverable gets this step.
    pub probability: Param,
    /// Items processed per call (for per-item actions), rounded.
    #[serde(default = "one_param")]
    pub images: Param,
}

/// The API route's automatic top-up; absent figures come from the catalog.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiSettings {
    pub auto_topup: bool,
    /// Dollars.
    pub threshold: Option<f64>,
    pub amount: Option<f64>,
}

impl Default for ApiSettings {
    fn default() -> Self {
        ApiSettings { auto_topup: true, threshold: None, amount: None }
    }
}

/// A checked scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file stem: outputs go to `OUT/NAME/`.
    pub name: String,
    pub path: PathBuf,
    pub title: String,
    pub file: ScenarioFile,
    /// Plan ids to compare, resolved.
    pub plans: Vec<String>,
}

/// Command-line values that replace the scenario's own.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub paths: Option<u64>,
    pub months: Option<u32>,
    pub seed: Option<u64>,
    pub plans: Option<Vec<String>>,
    pub target: Option<f64>,
}

impl Scenario {
    /// Reads, applies the overrides and checks one scenario file.
    pub fn load(path: &Path, catalog: &Catalog, overrides: &Overrides) -> Result<Scenario, InputErrors> {
        let source = Source::read(path)?;
        Scenario::from_source(&source, path, catalog, overrides)
    }

    pub fn from_source(
        source: &Source,
        path: &Path,
        catalog: &Catalog,
        overrides: &Overrides,
    ) -> Result<Scenario, InputErrors> {
        let mut file: ScenarioFile =
            source.parse_document("a scenario needs at least one [[workflows]] table").map_err(|error| {
                let catalog =
                    "this is a catalog file, not a scenario: pass it as `--catalog FILE` with a scenario to run";
                source.other_kind(&["workflows", "rhythm", "run"], &["actions", "vendor"], catalog).unwrap_or(error)
            })?;
        let run = &mut file.run;
        run.paths = overrides.paths.unwrap_or(run.paths);
        run.months = overrides.months.unwrap_or(run.months);
        run.seed = overrides.seed.unwrap_or(run.seed);
        run.target = overrides.target.unwrap_or(run.target);
        if let Some(plans) = &overrides.plans {
            run.plans = Some(plans.clone());
        }
        let problems = validate::check(&file, catalog);
        if !problems.is_empty() {
            let from_flag = overrides.plans.is_some();
            return Err(InputErrors(
                problems
                    .into_iter()
                    .map(|(field, message)| match field.starts_with("run.plans") && from_flag {
                        // The plans came from the command line: blame the flag, not a line of the file.
                        true => InputError {
                            file: source.name.clone(),
                            line: None,
                            field: "--plans".into(),
                            message: format!("{message} (in this scenario)"),
                        },
                        false => source.error(field, message),
                    })
                    .collect(),
            ));
        }
        let name = path.file_stem().map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
        Ok(Scenario {
            title: file.title.clone().unwrap_or_else(|| name.clone()),
            plans: validate::plans_to_compare(&file, catalog),
            name,
            path: path.to_path_buf(),
            file,
        })
    }
}

/// The scenario files named on the command line: files as given, directories
/// expanded to their `*.toml` files in name order.
pub fn discover(args: &[PathBuf]) -> Result<Vec<PathBuf>, InputErrors> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for arg in args {
        let problem =
            |message: String| InputError { file: arg.display().to_string(), line: None, field: String::new(), message };
        if arg.is_dir() {
            match std::fs::read_dir(arg) {
                Ok(entries) => {
                    let mut found: Vec<PathBuf> = entries
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
                        .collect();
                    found.sort();
                    if found.is_empty() {
                        errors.push(problem("the directory has no scenario files (*.toml)".into()));
                    }
                    files.extend(found);
                }
                Err(e) => errors.push(problem(format!("cannot read the directory: {e}"))),
            }
        } else if arg.is_file() {
            files.push(arg.clone());
        } else {
            errors.push(problem("no such file or directory".into()));
        }
    }
    if errors.is_empty() { Ok(files) } else { Err(InputErrors(errors)) }
}
