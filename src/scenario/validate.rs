//! Checks a scenario against itself and the catalog, collecting every problem.

use super::param::{gamma_tail, show};
use super::{DailyCount, Domain, MAX_MONTHS, MAX_PATHS, Param, ScenarioFile, Workflow};
use crate::catalog::{Catalog, PlanKind};
use crate::input::nearest;
use crate::ledger::Recipe;

type Problems = Vec<(String, String)>;

/// Plans that fit when the scenario names none: individual plans for one
/// person, team plans for several; the API route where every action has an API price.
pub fn plans_to_compare(file: &ScenarioFile, catalog: &Catalog) -> Vec<String> {
    if let Some(plans) = &file.run.plans {
        return plans.clone();
    }
    catalog
        .plans
        .iter()
        .filter(|plan| match plan.kind {
            PlanKind::Individual => file.seats == 1,
            PlanKind::Team => file.seats > 1,
            PlanKind::Api => unpriced_on_api(file, catalog).is_none(),
        })
        .map(|plan| plan.id.clone())
        .collect()
}

/// The first action the scenario uses that has no API price.
fn unpriced_on_api(file: &ScenarioFile, catalog: &Catalog) -> Option<String> {
    let used = file.workflows.iter().flat_map(|w| std::iter::once(&w.action).chain(w.steps.iter().map(|s| &s.action)));
    used.into_iter().find(|id| catalog.action(id).is_some_and(|a| a.api.is_none())).cloned()
}

pub fn check(file: &ScenarioFile, catalog: &Catalog) -> Problems {
    let mut problems = Problems::new();
    check_run(file, catalog, &mut problems);
    let rhythm = &file.rhythm;
    param(&mut problems, "rhythm.active_days_per_week", &rhythm.active_days_per_week, Domain::Range(0.0, 7.0));
    param(&mut problems, "rhythm.deliverables_per_day", &rhythm.deliverables_per_day, Domain::Rate(10_000.0));
    if let Some(k) = &rhythm.dispersion {
        param(&mut problems, "rhythm.dispersion", k, Domain::Range(1e-6, f64::INFINITY));
        if rhythm.daily_count == DailyCount::Exact {
            problems.push((
                "rhythm.dispersion".into(),
                "an exact daily count has no dispersion; remove it or set daily_count = \"poisson\"".into(),
            ));
        }
    }
    param(&mut problems, "rhythm.burst_probability", &rhythm.burst_probability, Domain::Probability);
    param(&mut problems, "rhythm.burst_factor", &rhythm.burst_factor, Domain::Rate(100.0));
    if file.seats == 0 || file.seats > 1_000 {
        problems.push(("seats".into(), format!("{} seats: give 1 to 1,000", file.seats)));
    }
    check_workflows(file, catalog, &mut problems);
    if let Some(t) = file.api.threshold.filter(|t| !(t.is_finite() && (0.0..=1e6).contains(t))) {
        problems.push(("api.threshold".into(), format!("{} dollars: give 0 to 1,000,000", show(t))));
    }
    if let Some(a) = file.api.amount.filter(|a| !(a.is_finite() && (0.01..=1e6).contains(a))) {
        problems.push(("api.amount".into(), format!("{} dollars: give 0.01 to 1,000,000", show(a))));
    }
    if problems.is_empty() {
        check_daily_load(file, &mut problems);
    }
    problems
}

/// Deliverables one simulated day may hold, all seats together (16 bytes
/// each): beyond 1,000 seats x 1,000 deliverables, and within 16 MB.
const MAX_DELIVERABLES_PER_DAY: f64 = 1e6;

/// The deliverables a day brings at most, but for about one day in a billion:
/// seats x deliverables (burst month, negative-binomial spread).
fn check_daily_load(file: &ScenarioFile, problems: &mut Problems) {
    let rhythm = &file.rhythm;
    let burst = if rhythm.burst_probability.practical_max() > 0.0 { rhythm.burst_factor.practical_max() } else { 1.0 };
    let mean = rhythm.deliverables_per_day.practical_max() * burst.max(1.0);
    // The negative binomial draws each day's mean from a gamma with sd mean / sqrt(k).
    let deliverables = rhythm.dispersion.as_ref().map_or(mean, |k| gamma_tail(mean, mean / k.lowest().sqrt()));
    let per_day = f64::from(file.seats) * deliverables;
    // NaN: an infinite mean over an infinite spread.
    if per_day.is_nan() || per_day > MAX_DELIVERABLES_PER_DAY {
        let per_day = if per_day.is_finite() { format!("{per_day:.3e}") } else { "unboundedly many".into() };
        problems.push((
            "rhythm.deliverables_per_day".into(),
            format!(
                "one simulated day could bring {per_day} deliverables (seats x deliverables per day x burst \
                 factor); at most {MAX_DELIVERABLES_PER_DAY:.0e} fit in memory: lower one of them"
            ),
        ));
    }
}

fn param(problems: &mut Problems, field: &str, value: &Param, domain: Domain) {
    if let Err(message) = value.check(domain) {
        problems.push((field.into(), message));
    }
}

fn check_run(file: &ScenarioFile, catalog: &Catalog, problems: &mut Problems) {
    let run = &file.run;
    if !(1..=MAX_PATHS).contains(&run.paths) {
        problems.push(("run.paths".into(), format!("{} paths: give 1 or more, at most {MAX_PATHS}", run.paths)));
    }
    if !(1..=MAX_MONTHS).contains(&run.months) {
        problems.push(("run.months".into(), format!("{} months: give 1 or more, at most {MAX_MONTHS}", run.months)));
    }
    if !(1..=31).contains(&run.days_per_month) {
        problems.push(("run.days_per_month".into(), format!("{}: give 1 to 31", run.days_per_month)));
    }
    if !(run.target.is_finite() && (0.0..=1.0).contains(&run.target)) {
        problems.push(("run.target".into(), format!("{}: give a probability from 0 to 1", show(run.target))));
    }
    let plans = plans_to_compare(file, catalog);
    if plans.is_empty() {
        problems.push((
            "run.plans".into(),
            "no plan to compare: list plan ids, e.g. plans = [\"premium\", \"ultimate\"]".into(),
        ));
    }
    for (i, id) in plans.iter().enumerate() {
        let field = format!("run.plans[{i}]");
        if plans[..i].contains(id) {
            problems.push((field, format!("plan `{id}` is listed twice; list each plan once")));
            continue;
        }
        let Some(plan) = catalog.plan(id) else {
            let hint = nearest(id, catalog.plans.iter().map(|p| p.id.as_str()))
                .map_or(String::new(), |n| format!("; did you mean `{n}`?"));
            let known: Vec<&str> = catalog.plans.iter().map(|p| p.id.as_str()).collect();
            problems.push((field, format!("unknown plan `{id}`{hint} (known: {})", known.join(", "))));
            continue;
        };
        if plan.kind == PlanKind::Individual && file.seats > 1 {
            problems
                .push((field, format!("plan `{id}` is for one person, and seats = {}; use a team plan", file.seats)));
        } else if plan.kind == PlanKind::Api {
            if let Some(action) = unpriced_on_api(file, catalog) {
                problems.push((field, format!("the API route has no price for action `{action}` in the catalog")));
            }
        }
    }
}

fn check_workflows(file: &ScenarioFile, catalog: &Catalog, problems: &mut Problems) {
    if file.workflows.is_empty() {
        problems.push(("workflows".into(), "no workflows: add at least one [[workflows]] table".into()));
        return;
    }
    for (i, workflow) in file.workflows.iter().enumerate() {
        check_workflow(workflow, &format!("workflows[{i}]"), catalog, problems);
    }
    let shares: Vec<&Param> = file.workflows.iter().map(|w| &w.share).collect();
    if !shares.iter().all(|s| s.is_fixed()) && shares.iter().all(|s| s.can_be_zero()) {
        // The run would stop at the first path that draws them all 0.
        problems.push((
            "workflows".into(),
            "every workflow's share can be drawn as 0 at once; make at least one share always above 0".into(),
        ));
    }
    if shares.iter().all(|s| s.is_fixed()) {
        let total: f64 = shares.iter().map(|s| s.mean()).sum();
        if (total - 1.0).abs() > 1e-6 {
            problems.push((
                "workflows".into(),
                format!("the workflow shares add up to {total}, not 1; make them add up to 1"),
            ));
        }
    }
}

fn check_workflow(workflow: &Workflow, at: &str, catalog: &Catalog, problems: &mut Problems) {
    if workflow.name.trim().is_empty() {
        problems.push((format!("{at}.name"), "the name is empty; give the workflow a name, e.g. \"feed post\"".into()));
    }
    param(problems, &format!("{at}.share"), &workflow.share, Domain::Probability);
    param(problems, &format!("{at}.accept"), &workflow.accept, Domain::PositiveProbability);
    param(problems, &format!("{at}.references"), &workflow.references, Domain::Range(0.0, max_references(catalog)));
    param(problems, &format!("{at}.max_attempts"), &workflow.max_attempts, Domain::Range(1.0, 1_000.0));
    if let Some(action) = action(catalog, &workflow.action, &format!("{at}.action"), problems) {
        let max = f64::from(action.tokens.max_images().min(1_000));
        param(problems, &format!("{at}.images"), &workflow.images, Domain::Range(1.0, max));
    }
    if workflow.steps.len() > Recipe::MAX_STEPS {
        let message = format!("{} steps; a workflow has at most {}", workflow.steps.len(), Recipe::MAX_STEPS);
        problems.push((format!("{at}.steps"), message));
    }
    for (j, step) in workflow.steps.iter().enumerate() {
        let at = format!("{at}.steps[{j}]");
        param(problems, &format!("{at}.probability"), &step.probability, Domain::Probability);
        if let Some(action) = action(catalog, &step.action, &format!("{at}.action"), problems) {
            let max = f64::from(action.tokens.max_images().min(1_000));
            param(problems, &format!("{at}.images"), &step.images, Domain::Range(1.0, max));
        }
    }
}

fn max_references(catalog: &Catalog) -> f64 {
    catalog.references.extra.len().saturating_sub(1) as f64
}

fn action<'c>(
    catalog: &'c Catalog,
    id: &str,
    field: &str,
    problems: &mut Problems,
) -> Option<&'c crate::catalog::Action> {
    let found = catalog.action(id);
    if id.trim().is_empty() {
        problems.push((field.into(), "no action given: name an action id (`tokensim catalog` lists them)".into()));
    } else if found.is_none() {
        let hint = nearest(id, catalog.actions.iter().map(|a| a.id.as_str()))
            .map_or(String::new(), |n| format!("; did you mean `{n}`?"));
        problems.push((field.into(), format!("unknown action `{id}`{hint} (`tokensim catalog` lists them)")));
    }
    found
}
