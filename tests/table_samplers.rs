//! The table samplers hold the exact probabilities: each table is checked
//! against the law computed independently (statrs for the counts, the closed
//! form for a deliverable's outcome), with the error bound stated, and draws
//! (including the rare outcomes resolved by further draws) are checked
//! against the exact law within four standard errors, with fixed seeds.

use rand_pcg::Pcg64;
use statrs::distribution::{Discrete, NegativeBinomial, Poisson};
use tokensim::catalog::Family;
use tokensim::demand::{AliasTable, DayCount, HEAD, LISTED_STEPS, Law, Outcomes, TAIL, WorkflowLaw};
use tokensim::ledger::{Charge, Recipe};

/// Largest difference allowed between a table's probability and the exact
/// one: floating-point rounding of the pmf recurrence and of Vose's
/// construction over a few hundred entries (the 64-bit draw adds n / 2^64 more).
const TABLE_ERROR: f64 = 1e-12;

fn exact_count(law: Law, c: u64) -> f64 {
    match law {
        Law::Poisson(mean) => Poisson::new(mean).expect("valid mean").pmf(c),
        Law::NegativeBinomial { mean, shape } => {
            NegativeBinomial::new(shape, shape / (shape + mean)).expect("valid law").pmf(c)
        }
        Law::Exact(mean) => {
            let (whole, fraction) = (mean.floor(), mean - mean.floor());
            if c as f64 == whole {
                1.0 - fraction
            } else if c as f64 == whole + 1.0 {
                fraction
            } else {
                0.0
            }
        }
    }
}

const LAWS: [Law; 5] = [
    Law::Poisson(3.0),
    Law::Poisson(40.0),
    Law::NegativeBinomial { mean: 4.5, shape: 4.0 },
    Law::NegativeBinomial { mean: 12.0, shape: 0.7 },
    Law::Exact(2.4),
];

#[test]
fn day_count_tables_hold_the_exact_probabilities() {
    for law in LAWS {
        for active in [1.0, 5.5 / 7.0, 0.1] {
            let mut table = DayCount::default();
            table.rebuild(active, law);
            let listed = table.probabilities().expect("a compact law is tabulated");
            for (c, &p) in listed.iter().enumerate() {
                let exact = active * exact_count(law, c as u64) + if c == 0 { 1.0 - active } else { 0.0 };
                assert!((p - exact).abs() <= TABLE_ERROR, "{law:?} active {active}: P({c}) {p} vs {exact}");
            }
            let above: f64 = 1.0 - (0..listed.len() as u64).map(|c| exact_count(law, c)).sum::<f64>();
            assert!(table.tail_mass() <= TAIL, "{law:?}: tail {} above {TAIL}", table.tail_mass());
            assert!((table.tail_mass() - above.max(0.0)).abs() <= TABLE_ERROR, "{law:?}: tail mass");
        }
    }
}

#[test]
fn wide_laws_are_sampled_directly() {
    let mut table = DayCount::default();
    table.rebuild(1.0, Law::Poisson(5_000.0));
    assert!(table.probabilities().is_none());
}

/// Draws against the exact law, each count and the mass above `last`, within 4 se.
fn check_draws(table: &DayCount, active: f64, law: Law, last: u64, n: u64, seed: u64) {
    let mut rng = Pcg64::new(u128::from(seed), 1);
    let mut counts = vec![0u64; last as usize + 2];
    for _ in 0..n {
        counts[table.sample(&mut rng).min(last + 1) as usize] += 1;
    }
    let exact: Vec<f64> = (0..=last)
        .map(|c| active * exact_count(law, c) + if c == 0 { 1.0 - active } else { 0.0 })
        .chain(std::iter::once(active * (1.0 - (0..=last).map(|c| exact_count(law, c)).sum::<f64>())))
        .collect();
    for (c, (&seen, &p)) in counts.iter().zip(&exact).enumerate() {
        let se = (p * (1.0 - p) / n as f64).sqrt();
        let share = seen as f64 / n as f64;
        assert!((share - p).abs() <= 4.0 * se + 1e-12, "{law:?}: count {c} seen {share}, exact {p}");
    }
}

#[test]
fn draws_follow_the_law_including_the_tail_resolved_by_inversion() {
    // A tail of 20% makes the inversion path common enough to test.
    for (i, law) in LAWS.into_iter().enumerate() {
        let mut table = DayCount::default();
        table.rebuild_with_tail(0.8, law, 0.2);
        let listed = table.probabilities().expect("tabulated").len() as u64;
        check_draws(&table, 0.8, law, listed + 6, 200_000, 11 + i as u64);
    }
}

#[test]
fn a_month_of_counts_filled_at_once_is_the_counts_sampled_day_by_day() {
    // A tabulated law with a tail common enough to be drawn, and a law sampled directly.
    let mut tabulated = DayCount::default();
    tabulated.rebuild_with_tail(0.8, Law::NegativeBinomial { mean: 4.5, shape: 4.0 }, 0.2);
    let mut direct = DayCount::default();
    direct.rebuild(0.7, Law::Poisson(5_000.0));
    for table in [tabulated, direct] {
        let (mut at_once, mut day_by_day) = (Pcg64::new(5, 3), Pcg64::new(5, 3));
        let mut filled = vec![0; 3_000];
        table.fill(&mut filled, &mut at_once);
        let sampled: Vec<u64> = (0..filled.len()).map(|_| table.sample(&mut day_by_day)).collect();
        assert_eq!(filled, sampled);
        assert_eq!(at_once, day_by_day, "the generators end in the same state");
        assert!(filled.iter().collect::<std::collections::HashSet<_>>().len() > 10, "the draws vary");
    }
}

#[test]
fn alias_tables_imply_the_weights_they_were_built_from() {
    let weights: Vec<f64> =
        (0..300).map(|i| ((i * 7919) % 101) as f64 + if i % 13 == 0 { 1e-9 } else { 0.0 }).collect();
    let total: f64 = weights.iter().sum();
    let table = AliasTable::new(&weights);
    for (p, w) in table.probabilities().iter().zip(&weights) {
        assert!((p - w / total).abs() <= TABLE_ERROR, "{p} vs {}", w / total);
    }
}

fn charge(tokens: u64) -> Charge {
    Charge { tokens, api_micros: Some(tokens * 1_000), family: Family::Image, relaxed_ok: false }
}

/// Two workflows: one with a cap beyond HEAD and listed steps, one with more
/// steps than are listed (drawn one by one).
fn outcomes() -> (Vec<WorkflowLaw>, Vec<Recipe>, Outcomes) {
    let many = LISTED_STEPS + 2;
    let laws = vec![
        WorkflowLaw { share: 0.7, accept: 0.15, max_attempts: HEAD + 14, steps: vec![0.6, 0.25] },
        WorkflowLaw { share: 0.3, accept: 0.5, max_attempts: 4, steps: (0..many).map(|i| 0.1 * i as f64).collect() },
    ];
    let recipes = vec![
        Recipe { attempt: charge(26), steps: vec![charge(5), charge(2)] },
        Recipe { attempt: charge(250), steps: (0..many as u64).map(|i| charge(i + 1)).collect() },
    ];
    let mut table = Outcomes::default();
    table.rebuild(&laws, &recipes, 0);
    (laws, recipes, table)
}

/// P(first success at attempt k) of a workflow.
fn geometric(law: &WorkflowLaw, k: u32) -> f64 {
    (1.0 - law.accept).powi(k as i32 - 1) * law.accept
}

#[test]
fn outcome_tables_hold_the_exact_probabilities() {
    let (laws, _, table) = outcomes();
    let total: f64 = laws.iter().map(|l| l.share).sum();
    for (job, p) in table.listed() {
        let law = &laws[job.recipe as usize];
        let share = law.share / total;
        let exact = if !job.usable {
            // Every listed attempt failed (the tail, or abandonment at the cap).
            share * (1.0 - law.accept).powi(law.max_attempts.min(HEAD) as i32)
        } else if law.steps.len() > LISTED_STEPS {
            share * geometric(law, job.attempts)
        } else {
            let steps: f64 =
                law.steps.iter().enumerate().map(|(i, &q)| if job.steps >> i & 1 == 1 { q } else { 1.0 - q }).product();
            share * geometric(law, job.attempts) * steps
        };
        assert!((p - exact).abs() <= TABLE_ERROR, "{job:?}: {p} vs {exact}");
    }
}

#[test]
fn drawn_outcomes_follow_the_capped_geometric_law_and_the_step_probabilities() {
    let (laws, recipes, table) = outcomes();
    let n = 400_000u64;
    let mut rng = Pcg64::new(5, 3);
    let cap = laws[0].max_attempts as usize;
    let mut attempts = vec![0u64; cap + 1]; // index 0: abandoned, first workflow
    let mut step_counts = vec![0u64; laws[1].steps.len()];
    let mut second = 0u64;
    for _ in 0..n {
        let drawn = table.draw(&mut rng);
        let entry = if drawn.is_final() { *drawn } else { table.resolved(drawn, &recipes, &mut rng) };
        let job = entry.job;
        assert_eq!(entry.tokens, recipes[job.recipe as usize].totals(&job).tokens, "listed cost of {job:?}");
        if job.recipe == 0 {
            attempts[if job.usable { job.attempts as usize } else { 0 }] += 1;
        } else if job.usable {
            second += 1;
            for (i, count) in step_counts.iter_mut().enumerate() {
                *count += u64::from(job.steps >> i & 1);
            }
        }
    }
    let first = n as f64 * 0.7;
    for (k, &seen) in attempts.iter().enumerate() {
        let p = if k == 0 { (1.0 - laws[0].accept).powi(cap as i32) } else { geometric(&laws[0], k as u32) };
        let se = (p * (1.0 - p) / first).sqrt();
        assert!((seen as f64 / first - p).abs() <= 4.0 * se + 1e-3 / first, "attempts {k}: {seen} of {first}");
    }
    for (i, &seen) in step_counts.iter().enumerate() {
        let p = laws[1].steps[i];
        let se = (p * (1.0 - p) / second as f64).sqrt();
        assert!((seen as f64 / second as f64 - p).abs() <= 4.0 * se + 1e-12, "step {i}: {seen} of {second}");
    }
}
