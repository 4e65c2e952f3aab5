//! The simulation against answers known without it: hand-computed months of a
//! scenario with no randomness, the exact Poisson tail, the closed form of a
//! capped geometric number of attempts, and the coverage of the intervals.

use std::path::Path;

use tokensim::catalog::Catalog;
use tokensim::input::Source;
use tokensim::scenario::{Overrides, Scenario};
use tokensim::simulation;
use tokensim::statistics::{PlanSummary, ScenarioStats, Z95};

/// A small catalog: one 30-token action; a plan with a fixed monthly allowance
/// and no bank; a plan that buys every token at $0.001 in 1-token packs.
const CATALOG: &str = r#"
vendor = "Test"
as_of = "2026-11"
currency = "USD"
[references]
extra = [0]
basis = "list"

[[plans]]
id = "meter"
name = "Fixed allowance"
kind = "individual"
reset = "monthly"
allowance = 2900
rollover_inflow_cap = 0
bank_cap = 0
price_monthly = 10
price_yearly = 10

[[plans]]
id = "metered"
name = "Pay per token"
kind = "individual"
reset = "monthly"
allowance = 0
rollover_inflow_cap = 0
bank_cap = 0
price_monthly = 0
price_yearly = 0
topup = { allowed = true, pack_tokens = 1, pack_price = 0.001 }

[[actions]]
id = "job"
name = "A 30-token job"
family = "image"
tokens = { each = 30, basis = "list" }
relaxed = false
"#;

fn run(catalog: &Catalog, scenario_text: &str) -> (Scenario, ScenarioStats) {
    let source = Source::new("test.toml", scenario_text);
    let scenario = Scenario::from_source(&source, Path::new("test.toml"), catalog, &Overrides::default())
        .unwrap_or_else(|e| panic!("the test scenario is valid: {e}"));
    let stats = simulation::run(&scenario, catalog, &|_| {}).expect("the run succeeds");
    (scenario, stats)
}

fn summaries(stats: &ScenarioStats) -> Vec<PlanSummary> {
    stats.plans.iter().map(|p| p.summary(stats.months)).collect()
}

fn test_catalog() -> Catalog {
    Catalog::from_source(&Source::new("catalog.toml", CATALOG)).expect("the test catalog is valid")
}

/// Ten 30-token jobs a day, every day, each accepted at once: 300 tokens a day.
const FIXED_DEMAND: &str = r#"
on_exhaustion = "wait"
[run]
months = 2
paths = 3
plans = ["free", "essential"]
[rhythm]
active_days_per_week = 7
deliverables_per_day = 10
daily_count = "exact"
[[workflows]]
name = "texture"
share = 1
action = "texture-3d"
accept = 1
max_attempts = 1
"#;

#[test]
fn a_scenario_without_randomness_matches_the_hand_computation() {
    let catalog = Catalog::leonardo();
    let (_, stats) = run(&catalog, FIXED_DEMAND);
    let [free, essential] = &stats.plans[..] else { panic!("two plans") };

    // Essential, month 1: 8,500 tokens; 28 days x 300 = 8,400, then 3 jobs
    // (90) leave 10 tokens: the 4th job of day 29 cannot be paid. 7 jobs of
    // day 29 and 10 of day 30 wait: 17 of 300 unmet, 283 usable, 8,490 spent.
    let m1 = essential.by_month[0].summary();
    assert_eq!(m1.exhaustion.value, 1.0);
    assert_eq!(m1.exhaustion_day, 29.0);
    assert_eq!(m1.usable, 283.0);
    assert_eq!(m1.unmet_share, 17.0 / 300.0);
    assert_eq!(m1.spent, 8_490.0);
    // At the reset the 10 unused tokens move to the bank (under both caps).
    assert_eq!(m1.bank_mean, 0.0);
    let m2 = essential.by_month[1].summary();
    assert_eq!(m2.expired, 0.0);
    // Month 2: 8,500 + 10 banked = 8,510 for the 17 waiting jobs (510) and
    // 300 a day: 510 + 26 x 300 = 8,310, then 6 jobs (180) leave 20: day 27.
    // Usable: 17 + 260 + 6 = 283; waiting from this month: 4 + 30 = 34.
    assert_eq!(m2.exhaustion_day, 27.0);
    assert_eq!(m2.usable, 283.0);
    assert_eq!(m2.unmet_share, 34.0 / 300.0);
    assert_eq!(m2.spent, 8_490.0);
    // Fast tokens are spent first: 10 Fast + 10 bank are left at the end.
    assert_eq!(m2.bank_mean, 10.0);
    let s = essential.summary(2);
    assert_eq!(s.cost.value, 12.0);
    assert!((s.cost_per_usable.value - 24.0 / 566.0).abs() < 1e-12);
    assert_eq!(s.exhaustion_day, 28.0);

    // Free: 150 tokens a day pay 5 jobs a day, so every day ends with a queue.
    // Month 1 completes 150 jobs and leaves 150 of its 300 waiting; month 2
    // completes month 1's 150 and leaves all of its own 300 waiting.
    let f1 = free.by_month[0].summary();
    let f2 = free.by_month[1].summary();
    assert_eq!((f1.exhaustion_day, f2.exhaustion_day), (1.0, 1.0));
    assert_eq!((f1.usable, f2.usable), (150.0, 150.0));
    assert_eq!((f1.unmet_share, f2.unmet_share), (0.5, 1.0));
    assert_eq!((f1.spent, f1.expired), (4_500.0, 0.0));
    // Day d completes 5 jobs demanded on day ceil(d/2): they waited floor(d/2)
    // days. Sum of floor(d/2) for d = 1..60 is 900; times 5 jobs, over 300 jobs.
    let fs = free.summary(2);
    assert_eq!(fs.waiting_days, 900.0 * 5.0 / 300.0);
    assert_eq!(fs.cost.value, 0.0);
}

/// ln P(X = k) for X ~ Poisson(mean).
fn ln_poisson_pmf(k: u64, mean: f64) -> f64 {
    let ln_factorial: f64 = (1..=k).map(|i| (i as f64).ln()).sum();
    k as f64 * mean.ln() - mean - ln_factorial
}

/// P(X >= k) for X ~ Poisson(mean).
fn poisson_tail(k: u64, mean: f64) -> f64 {
    1.0 - (0..k).map(|i| ln_poisson_pmf(i, mean).exp()).sum::<f64>()
}

fn poisson_scenario(paths: u64, months: u32, rate: &str, seed: u64) -> String {
    format!(
        r#"
on_exhaustion = "drop"
[run]
months = {months}
paths = {paths}
seed = {seed}
plans = ["meter", "metered"]
[rhythm]
active_days_per_week = 7
deliverables_per_day = {rate}
[[workflows]]
name = "job"
share = 1
action = "job"
accept = 1
max_attempts = 1
"#
    )
}

#[test]
fn monthly_exhaustion_matches_the_exact_poisson_tail() {
    // Poisson(3) jobs a day for 30 days: N ~ Poisson(90) jobs of 30 tokens.
    // 2,900 tokens pay 96 jobs (2,880); the month runs out iff N >= 97.
    let catalog = test_catalog();
    let paths = 20_000;
    let (_, stats) = run(&catalog, &poisson_scenario(paths, 1, "3", 17));
    let exact = poisson_tail(97, 90.0);
    let seen = summaries(&stats)[0].exhaustion.value;
    let se = (exact * (1.0 - exact) / paths as f64).sqrt();
    assert!((seen - exact).abs() < 4.0 * se, "P(run out) {seen} vs exact {exact} (se {se})");
    // The demand histogram's mean is 30 x 90 tokens.
    let demand = stats.demand.mean();
    let demand_se = 30.0 * (90.0f64 / paths as f64).sqrt();
    assert!((demand - 2_700.0).abs() < 4.0 * demand_se + 2.7, "mean demand {demand}");
}

fn attempts_scenario(paths: u64, months: u32, accept: &str, seed: u64) -> String {
    format!(
        r#"
on_exhaustion = "top-up"
[run]
months = {months}
paths = {paths}
seed = {seed}
plans = ["metered"]
[rhythm]
active_days_per_week = 5
deliverables_per_day = 2
[[workflows]]
name = "job"
share = 1
action = "job"
accept = {accept}
max_attempts = 4
"#
    )
}

#[test]
fn cost_per_usable_matches_the_capped_geometric_closed_form() {
    // Attempts K ~ Geometric(p = 0.3) capped at c = 4: a deliverable costs
    // 30 E[min(K, c)] = 30 (1 - q^c) / p tokens and is usable with probability
    // 1 - q^c, so a usable one costs 30 / p tokens = $0.1 at $0.001 a token.
    let catalog = test_catalog();
    let (_, stats) = run(&catalog, &attempts_scenario(4_000, 2, "0.3", 5));
    let s = &summaries(&stats)[0];
    let exact = 0.001 * 30.0 / 0.3;
    let se = (s.cost_per_usable.high - s.cost_per_usable.low) / (2.0 * Z95);
    assert!((s.cost_per_usable.value - exact).abs() < 4.0 * se, "{:?} vs {exact}", s.cost_per_usable);
    // Abandoned share: q^c of the deliverables that end.
    let q4 = 0.7f64.powi(4);
    let ended = s.usable + s.abandoned;
    let se_share = (q4 * (1.0 - q4) / (ended * stats.paths as f64 * 2.0)).sqrt();
    assert!((s.abandoned / ended - q4).abs() < 4.0 * se_share, "abandoned share {}", s.abandoned / ended);
}

/// The mean of `f(x)` for x uniform on [low, high], by Simpson's rule.
fn uniform_mean(low: f64, high: f64, f: impl Fn(f64) -> f64) -> f64 {
    let steps = 2_000;
    let h = (high - low) / steps as f64;
    let sum: f64 = (0..=steps)
        .map(|i| {
            let weight = if i == 0 || i == steps {
                1.0
            } else if i % 2 == 1 {
                4.0
            } else {
                2.0
            };
            weight * f(low + i as f64 * h)
        })
        .sum();
    sum * h / 3.0 / (high - low)
}

#[test]
fn intervals_cover_the_known_answer_95_percent_of_the_time() {
    // Each path's rate is uncertain, so its months are correlated: an interval
    // that treated path-months as independent would be too narrow and cover
    // far less often. 200 runs: coverage within 4 standard errors of 95%.
    // P(run out) when each path draws its daily rate uniformly from [2.5, 3.5]:
    // the mean over the rate of P(Poisson(30 rate) >= 97).
    let exact_p = uniform_mean(2.5, 3.5, |rate| poisson_tail(97, 30.0 * rate));
    // Cost per usable when each path draws its acceptance uniformly from
    // [0.2, 0.4]: a ratio of means over p, E[30 (1 - q^4) / p] / E[1 - q^4].
    let tokens = uniform_mean(0.2, 0.4, |p| 30.0 * (1.0 - (1.0 - p).powi(4)) / p);
    let usable = uniform_mean(0.2, 0.4, |p| 1.0 - (1.0 - p).powi(4));
    let exact_cost = 0.001 * tokens / usable;
    let catalog = test_catalog();
    let runs = 200;
    let (mut p_covered, mut cost_covered) = (0, 0);
    for seed in 0..runs {
        let text = poisson_scenario(150, 4, r#"{ dist = "uniform", low = 2.5, high = 3.5 }"#, 1_000 + seed);
        let (_, stats) = run(&catalog, &text);
        p_covered += u32::from(summaries(&stats)[0].exhaustion.contains(exact_p));
        let text = attempts_scenario(150, 4, r#"{ dist = "uniform", low = 0.2, high = 0.4 }"#, 5_000 + seed);
        let (_, stats) = run(&catalog, &text);
        cost_covered += u32::from(summaries(&stats)[0].cost_per_usable.contains(exact_cost));
    }
    let se = (0.95f64 * 0.05 / f64::from(runs as u32)).sqrt();
    for (name, covered) in [("P(run out)", p_covered), ("cost per usable", cost_covered)] {
        let rate = f64::from(covered) / f64::from(runs as u32);
        assert!((rate - 0.95).abs() < 4.0 * se, "{name}: coverage {rate} (exact p {exact_p})");
    }
}
