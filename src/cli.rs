//! The command line, turned into calls of the library.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::catalog::{Catalog, render_tables};
use crate::error::Error;
use crate::input::InputErrors;
use crate::report::{self, ScenarioReport};
use crate::scenario::{MAX_MONTHS, MAX_PATHS, Overrides, Scenario, discover};
use crate::simulation::{self, Stop};

#[derive(Debug, Parser)]
#[command(
    name = "tokensim",
    version,
    about = "How likely you are to run out on each AI-generation plan, and what one usable deliverable really costs"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate scenarios and write summary.csv, by_month.csv and comparisons.csv per scenario.
    Run(RunArgs),
    /// Check scenario files (and the catalog) and print every problem found.
    Validate(ValidateArgs),
    /// Print the catalog (plans and action costs) as tables, or dump it as TOML.
    Catalog(CatalogArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files or directories of them.
    #[arg(value_name = "SCENARIO_OR_DIR", default_value = "scenarios")]
    pub inputs: Vec<PathBuf>,
    /// Output directory.
    #[arg(long, value_name = "DIR", default_value = "output")]
    pub out: PathBuf,
    /// Paths (independent simulated creators' horizons) per scenario.
    #[arg(long, value_name = "N")]
    pub paths: Option<u64>,
    /// Months per path.
    #[arg(long, value_name = "M")]
    pub months: Option<u32>,
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, value_name = "T")]
    pub threads: Option<usize>,
    /// Plans to compare, comma-separated (default: the scenario's, or all that fit).
    #[arg(long, value_name = "A,B,...", value_delimiter = ',')]
    pub plans: Option<Vec<String>>,
    /// Highest acceptable probability of running out and unmet share (0 to 1).
    #[arg(long, value_name = "P", allow_negative_numbers = true)]
    pub target: Option<f64>,
    #[command(flatten)]
    pub catalog: CatalogFile,
    /// Write no charts and no report page (faster).
    #[arg(long)]
    pub no_plots: bool,
    /// Chart size in pixels.
    #[arg(long, value_name = "WxH", default_value = "1000x600", value_parser = report::charts::parse_size)]
    pub plot_size: (u32, u32),
    /// No progress bar and no summary table.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[arg(value_name = "SCENARIO_OR_DIR", default_value = "scenarios")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub catalog: CatalogFile,
}

#[derive(Debug, Args)]
pub struct CatalogFile {
    /// Use this catalog file instead of the embedded Leonardo.Ai catalog.
    #[arg(long = "catalog", value_name = "FILE")]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CatalogArgs {
    #[command(flatten)]
    pub catalog: CatalogFile,
    /// Write the catalog as editable TOML: to FILE, or to stdout without one.
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "-")]
    pub dump: Option<PathBuf>,
}

/// Runs one parsed command.
pub fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Run(args) => simulate(args),
        Command::Validate(args) => validate(args),
        Command::Catalog(args) => catalog(args),
    }
}

impl CatalogFile {
    /// The catalog named by `--catalog`, or the embedded one.
    pub fn load(&self) -> Result<Catalog, Error> {
        match &self.path {
            Some(path) => Ok(Catalog::load(path)?),
            None => Ok(Catalog::leonardo()),
        }
    }
}

/// Loads every scenario, collecting the problems of all files before failing.
fn load_scenarios(inputs: &[PathBuf], catalog: &Catalog, overrides: &Overrides) -> Result<Vec<Scenario>, Error> {
    let mut scenarios: Vec<Scenario> = Vec::new();
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    for path in discover(inputs)? {
        // The same file named twice (e.g. as a file and through its folder) runs once.
        let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
        if seen.contains(&canonical) {
            continue;
        }
        seen.push(canonical);
        match Scenario::load(&path, catalog, overrides) {
            Ok(scenario) => {
                if let Some(other) = scenarios.iter().find(|s| s.name == scenario.name) {
                    problems.push(crate::input::InputError {
                        file: path.display().to_string(),
                        line: None,
                        field: String::new(),
                        message: format!(
                            "{} has the same name, and both would write to OUT/{}/; rename one",
                            other.path.display(),
                            scenario.name
                        ),
                    });
                }
                scenarios.push(scenario);
            }
            Err(InputErrors(errors)) => problems.extend(errors),
        }
    }
    if problems.is_empty() { Ok(scenarios) } else { Err(InputErrors(problems).into()) }
}

fn validate(args: ValidateArgs) -> Result<(), Error> {
    let catalog = args.catalog.load()?;
    let scenarios = load_scenarios(&args.inputs, &catalog, &Overrides::default())?;
    let names: Vec<String> = scenarios.iter().map(|s| s.path.display().to_string()).collect();
    print_stdout(&format!("ok: {} scenario file(s): {}\n", names.len(), names.join(", ")))
}

fn simulate(args: RunArgs) -> Result<(), Error> {
    if args.threads == Some(0) {
        return Err(Error::Usage("--threads 0: give 1 or more threads".into()));
    }
    if let Some(n) = args.paths.filter(|n| !(1..=MAX_PATHS).contains(n)) {
        return Err(Error::Usage(format!("--paths {n}: give 1 or more paths, at most {MAX_PATHS}")));
    }
    if let Some(m) = args.months.filter(|m| !(1..=MAX_MONTHS).contains(m)) {
        return Err(Error::Usage(format!("--months {m}: give 1 or more months, at most {MAX_MONTHS}")));
    }
    if let Some(t) = args.target.filter(|t| !(0.0..=1.0).contains(t)) {
        return Err(Error::Usage(format!("--target {t}: give a probability from 0 to 1")));
    }
    let catalog = args.catalog.load()?;
    if let Some(plans) = &args.plans {
        check_plan_flag(plans, &catalog)?;
    }
    let overrides = Overrides {
        paths: args.paths,
        months: args.months,
        seed: args.seed,
        plans: args.plans.clone(),
        target: args.target,
    };
    let scenarios = load_scenarios(&args.inputs, &catalog, &overrides)?;
    check_writable(&args.out)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .map_err(|e| Error::Run(format!("cannot start worker threads: {e}")))?;
    stop_on_ctrl_c();
    let mut reports = Vec::with_capacity(scenarios.len());
    for scenario in &scenarios {
        let bar = progress_bar(scenario, args.quiet);
        let stats = pool.install(|| simulation::run(scenario, &catalog, &|paths| bar.inc(paths)));
        bar.finish_and_clear();
        let stats = stats.map_err(|stop| match stop {
            Stop::Interrupted => Error::Interrupted,
            Stop::Failed(e) => Error::Run(format!("{}: {e}", scenario.path.display())),
        })?;
        reports.push(ScenarioReport::new(scenario, &catalog, stats));
    }
    if simulation::INTERRUPTED.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    // From here on a first Ctrl-C is ignored: writing takes well under a
    // second and leaves every file whole.
    write_outputs(&reports, &args)?;
    if !args.quiet {
        let tables: Vec<String> = reports.iter().map(report::table::render).collect();
        print_stdout(&format!("{}\nOutputs in {}\n", tables.join("\n"), args.out.display()))?;
    }
    Ok(())
}

/// The first Ctrl-C (or SIGTERM) asks the run to stop at its next batch and
/// write nothing; a second one exits at once (outputs are replaced by
/// renaming whole files, so none is ever half-written).
fn stop_on_ctrl_c() {
    let handler = || {
        if simulation::INTERRUPTED.swap(true, Ordering::SeqCst) {
            eprintln!("error: interrupted twice: stopped at once");
            std::process::exit(130);
        }
    };
    // A handler already set (a second command in one process) keeps working.
    let _ = ctrlc::set_handler(handler);
}

/// Renders every output in memory, then writes them, so that a failure while
/// rendering leaves earlier outputs as they were.
fn write_outputs(reports: &[ScenarioReport], args: &RunArgs) -> Result<(), Error> {
    let plot_size = (!args.no_plots).then_some(args.plot_size);
    let per_scenario =
        reports.iter().map(|r| report::render_scenario(r, plot_size)).collect::<Result<Vec<_>, Error>>()?;
    let mut batch: report::Rendered = vec![("index.csv".into(), report::index::render(reports)?)];
    if let Some(size) = plot_size {
        let chart = report::charts::BatchChart { size };
        batch.push((report::charts::BATCH_FILE.into(), chart.render(reports)?));
        let names: Vec<Vec<String>> =
            per_scenario.iter().map(|files| files.iter().map(|(name, _)| name.clone()).collect()).collect();
        batch.push(("report.html".into(), report::html::render(reports, &names).into_bytes()));
    }
    for (r, files) in reports.iter().zip(&per_scenario) {
        report::write_files(&args.out.join(&r.scenario.name), files)?;
    }
    report::write_files(&args.out, &batch)
}

/// Every plan named by `--plans` exists, once.
fn check_plan_flag(plans: &[String], catalog: &Catalog) -> Result<(), Error> {
    for (i, id) in plans.iter().enumerate() {
        if catalog.plan(id).is_none() {
            let known: Vec<&str> = catalog.plans.iter().map(|p| p.id.as_str()).collect();
            let hint = crate::input::nearest(id, known.iter().copied())
                .filter(|_| !id.is_empty())
                .map_or(String::new(), |n| format!("; did you mean `{n}`?"));
            return Err(Error::Usage(format!("--plans: unknown plan `{id}`{hint} (known: {})", known.join(", "))));
        }
        if plans[..i].contains(id) {
            return Err(Error::Usage(format!("--plans: `{id}` is listed twice; list each plan once")));
        }
    }
    Ok(())
}

/// Fails before any simulation if the output directory cannot be written.
fn check_writable(out: &Path) -> Result<(), Error> {
    let fail = |e: std::io::Error| Error::Run(format!("cannot write to the output directory {}: {e}", out.display()));
    std::fs::create_dir_all(out).map_err(fail)?;
    tempfile::NamedTempFile::new_in(out).map_err(fail)?;
    Ok(())
}

fn progress_bar(scenario: &Scenario, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(scenario.file.run.paths);
    let style = ProgressStyle::with_template("{prefix:>24} [{bar:30}] {pos}/{len} paths, {eta} left")
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_prefix(scenario.name.clone());
    bar
}

fn catalog(args: CatalogArgs) -> Result<(), Error> {
    let catalog = args.catalog.load()?;
    match args.dump {
        None => print_stdout(&render_tables(&catalog)),
        Some(path) if path.as_os_str() == "-" => print_stdout(&catalog.to_toml()),
        Some(path) => report::write_atomically(&path, catalog.to_toml().as_bytes()),
    }
}

fn print_stdout(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`tokensim catalog | head`) is not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|e| Error::Run(format!("cannot write to stdout: {e}"))),
    }
}
