//! What every fuzz target checks: the loaders return `Ok` or located errors,
//! never panic, and what they accept can be used by the engine.

pub mod edit;

use std::path::Path;
use std::sync::OnceLock;

use tokensim::catalog::{Billing, Catalog, Plan, PlanKind, render_tables};
use tokensim::demand::{MonthWork, Profile};
use tokensim::input::{InputErrors, Source};
use tokensim::scenario::{Overrides, Scenario};
use tokensim::simulation::{path_rng, plan_terms};
use toml_edit::Value;

/// The bundled scenarios, the seeds of the structure-aware targets.
pub const SCENARIOS: [&str; 7] = [
    include_str!("../../scenarios/api-pipeline.toml"),
    include_str!("../../scenarios/ecommerce-catalogue.toml"),
    include_str!("../../scenarios/game-artist.toml"),
    include_str!("../../scenarios/hobbyist.toml"),
    include_str!("../../scenarios/social-media-manager.toml"),
    include_str!("../../scenarios/studio-team.toml"),
    include_str!("../../scenarios/video-creator.toml"),
];

/// Seat-days small enough to simulate whole inside one fuzz iteration (x 100 for charges).
const SMALL_RUN: u64 = 100;

pub fn leonardo() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::leonardo)
}

/// Every error names its file, says something, and has a line when the file
/// has content; errors found after parsing also name their field.
pub fn check_errors(source: &Source, errors: &InputErrors) {
    assert!(!errors.0.is_empty(), "Err with no error");
    let has_content = source.text.lines().any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let lines = source.text.lines().count() + 1;
    let parses = has_content && toml::from_str::<toml::Table>(&source.text).is_ok();
    for e in &errors.0 {
        // An empty field is the whole file: a missing top-level key, or one spelt "".
        let whole_file = e.message.starts_with("missing field") || e.message.starts_with("unknown field ``");
        if parses && !whole_file {
            assert!(!e.field.is_empty(), "no field: {e:?}");
        }
        assert_eq!(e.file, source.name);
        assert!(!e.message.trim().is_empty(), "empty message: {e:?}");
        if has_content {
            let line = e.line.unwrap_or_else(|| panic!("no line: {e:?}"));
            assert!((1..=lines).contains(&line), "line {line} outside the file: {e:?}");
        }
    }
}

/// Loads a scenario against `catalog`; what loads must also start to run.
pub fn scenario_with(text: &str, catalog: &Catalog) {
    let source = Source::new("fuzz.toml", text);
    match Scenario::from_source(&source, Path::new("fuzz.toml"), catalog, &Overrides::default()) {
        Err(errors) => check_errors(&source, &errors),
        Ok(scenario) => smoke(&scenario, catalog),
    }
}

pub fn scenario(text: &str) {
    scenario_with(text, leonardo());
}

/// The engine's first steps on an accepted scenario: plan terms, one path's
/// profile and a few days of demand; a whole one-path run when it is small.
fn smoke(scenario: &Scenario, catalog: &Catalog) {
    let file = &scenario.file;
    assert_eq!(plan_terms(scenario, catalog).len(), scenario.plans.len(), "a compared plan is not in the catalog");
    let mut rng = path_rng(file.run.seed, 0);
    let profile = match Profile::sample(file, catalog, &mut rng) {
        Ok(profile) => profile,
        Err(message) => panic!("validated, yet a path cannot be sampled: {message}"),
    };
    let mut work = MonthWork::default();
    profile.month(file.run.days_per_month.min(3), &mut rng, &mut work);
    let charges = work.total.charges;
    let days = u64::from(file.run.months) * u64::from(file.run.days_per_month);
    if days * u64::from(file.seats) <= SMALL_RUN && days * (charges + 1) <= SMALL_RUN * 100 {
        let mut one = scenario.clone();
        one.file.run.paths = 1;
        if let Err(message) = tokensim::simulation::run(&one, catalog, &|_| {}) {
            panic!("validated, yet the run failed: {message:?}");
        }
    }
}

/// Loads a catalog; what loads must dump to TOML that reads back equal, print,
/// give ledger terms and charges, and check the bundled scenarios.
pub fn catalog(text: &str) {
    let source = Source::new("catalog.toml", text);
    let catalog = match Catalog::from_source(&source) {
        Err(errors) => return check_errors(&source, &errors),
        Ok(catalog) => catalog,
    };
    let dumped = catalog.to_toml();
    match Catalog::from_source(&Source::new("dump.toml", dumped.as_str())) {
        Ok(again) => assert_eq!(again, catalog, "the dump does not read back equal:\n{dumped}"),
        Err(errors) => panic!("the dump does not read back: {errors}\n{dumped}"),
    }
    let _ = render_tables(&catalog);
    for plan in &catalog.plans {
        for seats in [1, 1_000] {
            for billing in [Billing::Monthly, Billing::Yearly] {
                let _ = catalog.terms(plan, seats, billing);
            }
        }
    }
    let references = catalog.references.extra.len().min(8) as u32;
    for action in &catalog.actions {
        for images in [0, 1, 2, 3, 4, 5, 1_000] {
            for r in 0..=references {
                let _ = catalog.charge(action, images, r);
            }
        }
    }
    for text in SCENARIOS {
        scenario_with(text, &catalog);
    }
    // One plan and action per input (a whole run is slow under the sanitizer),
    // picked from the text so that the input decides which.
    let (plan, action) = (text.len() % catalog.plans.len(), text.len() / 7 % catalog.actions.len());
    scenario_with(&tiny_scenario(&catalog.plans[plan], &catalog.actions[action].id), &catalog);
}

/// A scenario small enough to run whole, on one plan and one action, so that
/// the catalog's figures go through the ledger and the statistics.
fn tiny_scenario(plan: &Plan, action: &str) -> String {
    let seats = if plan.kind == PlanKind::Team { 2 } else { 1 };
    let per_day = 3.0 / f64::from(seats);
    let (plan, action) = (Value::from(plan.id.as_str()), Value::from(action));
    format!(
        "seats = {seats}\non_exhaustion = \"relaxed-then-top-up\"\n\
         [run]\nmonths = 2\npaths = 1\ndays_per_month = 1\nplans = [{plan}]\n\
         [rhythm]\nactive_days_per_week = 7\ndeliverables_per_day = {per_day}\n\
         [[workflows]]\nname = \"w\"\nshare = 1\naction = {action}\naccept = 0.5\nmax_attempts = 3\n"
    )
}
