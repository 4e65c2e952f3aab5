//! `Ledger::run_month` pays whole months or days as one sum where it can;
//! these properties pin that it ends exactly where walking every job through
//! `begin_day` and `submit` ends, on every plan kind and policy: each month's
//! tally, the pools and the flows.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use tokensim::catalog::{Billing, Catalog, Family};
use tokensim::ledger::{
    Charge, Days, Deliverable, Job, Ledger, Month, MonthTally, Pack, Policy, Recipe, Terms, Totals, Unit,
};

/// A month of demand: recipes, and per day the deliverables.
#[derive(Debug, Clone)]
struct Demand {
    recipes: Vec<Recipe>,
    months: Vec<Vec<Vec<Deliverable>>>,
}

fn charge(max_tokens: u64) -> impl Strategy<Value = Charge> {
    (0..=max_tokens, prop::option::weighted(0.9, 0u64..200_000), 0..Family::ALL.len(), any::<bool>()).prop_map(
        |(tokens, api_micros, family, relaxed_ok)| Charge {
            tokens,
            api_micros,
            family: Family::ALL[family],
            relaxed_ok,
        },
    )
}

fn recipe(max_tokens: u64) -> impl Strategy<Value = Recipe> {
    // Up to 5 steps and 19 attempts: a daily plan records jumps for at most 4 and 16.
    (charge(max_tokens), prop::collection::vec(charge(max_tokens / 4 + 1), 0..6))
        .prop_map(|(attempt, steps)| Recipe { attempt, steps })
}

fn demand() -> impl Strategy<Value = Demand> {
    prop::sample::select(vec![10u64, 60, 400, 3_000])
        .prop_flat_map(|max_tokens| prop::collection::vec(recipe(max_tokens), 1..4))
        .prop_flat_map(|recipes| {
            let n = recipes.len() as u32;
            let attempts = prop_oneof![4 => 0u32..6, 1 => 15u32..20];
            let job = (0..n, attempts, 0u32..64, prop::bool::weighted(0.8))
                .prop_map(|(recipe, attempts, steps, usable)| Deliverable::new(recipe, attempts, steps, usable));
            let day = prop::collection::vec(job, 0..6);
            let month = prop::collection::vec(day, 1..=12);
            (Just(recipes), prop::collection::vec(month, 1..=4))
        })
        .prop_map(|(recipes, months)| Demand { recipes, months })
}

/// The catalog's plans, and small hand-made terms that run out within days.
fn terms() -> impl Strategy<Value = Terms> {
    let catalog = Catalog::leonardo();
    let listed: Vec<Terms> = ["free", "essential", "premium", "ultimate", "team-starter", "api"]
        .iter()
        .flat_map(|id| [1, 5].map(|seats| catalog.terms(catalog.plan(id).expect("plan"), seats, Billing::Monthly)))
        .collect();
    let small = (
        any::<bool>(),
        // Daily allowances of 4,096 tokens and more are walked without recorded jumps.
        prop_oneof![4 => 0u64..800, 1 => 4_000u64..5_000],
        0u64..1_000,
        0u64..2_000,
        prop::option::of(1u64..500),
        prop::array::uniform5(0u64..3),
        prop::option::weighted(0.2, 0u64..300),
        any::<bool>(),
    )
        .prop_map(|(daily_reset, allowance, inflow_cap, bank_cap, pack, relaxed_per_day, below, api)| Terms {
            unit: if api { Unit::MicroUsd } else { Unit::Tokens },
            daily_reset: daily_reset && !api,
            allowance: if api { 0 } else { allowance },
            inflow_cap: if daily_reset || api { 0 } else { inflow_cap },
            bank_cap: if daily_reset || api { 0 } else { bank_cap },
            subscription: 1_000_000,
            pack: pack.map(|units| Pack { units, price: units * 1_400 }),
            auto_refill_below: below.filter(|_| api),
            relaxed_per_day,
        });
    prop_oneof![prop::sample::select(listed), small]
}

fn policy() -> impl Strategy<Value = Policy> {
    prop::sample::select(vec![Policy::TopUp, Policy::RelaxedThenTopUp, Policy::Wait, Policy::Drop])
}

/// A fixed seed: the same cases on every run, so CI cannot fail by chance.
fn config(cases: u32) -> Config {
    Config { cases, rng_seed: RngSeed::Fixed(20_261_125), failure_persistence: None, ..Config::default() }
}

/// The month in the form `run_month` takes: jobs of all days in one list.
fn month_view<'a>(
    recipes: &'a [Recipe],
    jobs: &'a mut Vec<Deliverable>,
    (ends, days): &'a mut (Vec<u32>, Vec<Totals>),
    month: &[Vec<Deliverable>],
) -> Month<'a> {
    jobs.clear();
    ends.clear();
    days.clear();
    let mut total = Totals::default();
    for (number, day) in (1..).zip(month) {
        let mut totals = Totals::default();
        for job in day {
            totals.add(&recipes[job.recipe as usize].totals(job));
        }
        jobs.extend(day.iter().map(|&job| job.on_day(number)));
        ends.push(jobs.len() as u32);
        days.push(totals);
        total.add(&totals);
    }
    Month { recipes, jobs, days: Days::each(ends, days), total }
}

/// The charges of a deliverable, one by one.
fn charges(recipes: &[Recipe], job: &Deliverable) -> Vec<Charge> {
    let recipe = &recipes[job.recipe as usize];
    recipe.runs(job).flat_map(|run| std::iter::repeat_n(run.charge, run.count as usize)).collect()
}

fn bulk_equals_walking(terms: Terms, policy: Policy, demand: &Demand) -> Result<(), TestCaseError> {
    let (mut bulk, mut walked) = (Ledger::new(terms.clone(), policy), Ledger::new(terms, policy));
    let (mut jobs, mut days) = (Vec::new(), Default::default());
    for (m, month) in demand.months.iter().enumerate() {
        let fast = bulk.run_month(&month_view(&demand.recipes, &mut jobs, &mut days, month));
        walked.begin_month();
        for day in month {
            walked.begin_day();
            for job in day {
                walked.submit(Job { charges: &charges(&demand.recipes, job), usable: job.usable });
            }
        }
        let slow = walked.end_month();
        prop_assert_eq!(&fast, &slow, "month {}", m + 1);
        prop_assert_eq!(bulk.pools(), walked.pools());
        prop_assert_eq!(bulk.flows(), walked.flows());
        prop_assert_eq!(bulk.waiting_jobs(), walked.waiting_jobs());
    }
    Ok(())
}

#[test]
fn a_month_in_bulk_ends_where_walking_every_job_ends() {
    let mut runner = TestRunner::new(config(3_000));
    let strategy = (terms(), policy(), demand());
    runner
        .run(&strategy, |(terms, policy, demand)| bulk_equals_walking(terms, policy, &demand))
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_reset_ledger_runs_like_a_new_one() {
    let mut runner = TestRunner::new(config(300));
    let strategy = (terms(), policy(), demand(), demand(), any::<bool>());
    runner
        .run(&strategy, |(terms, policy, first, mut second, same_recipes)| {
            if same_recipes {
                // What the ledger learnt of the first path's recipes (a daily plan's jumps) must still hold.
                for job in second.months.iter_mut().flatten().flatten() {
                    let recipe = job.recipe % first.recipes.len() as u32;
                    *job = Deliverable::new(recipe, job.attempts, job.steps, job.usable).on_day(job.day);
                }
                second.recipes = first.recipes.clone();
            }
            let (mut reused, mut fresh) = (Ledger::new(terms.clone(), policy), Ledger::new(terms, policy));
            let (mut jobs, mut days) = (Vec::new(), Default::default());
            for month in &first.months {
                reused.run_month(&month_view(&first.recipes, &mut jobs, &mut days, month));
            }
            reused.reset();
            // The reused ledger writes each month's tally over the last one's, as a run does.
            let mut a = MonthTally { demanded: 99, exhausted_day: Some(3), ..MonthTally::default() };
            for month in &second.months {
                reused.run_month_into(&month_view(&second.recipes, &mut jobs, &mut days, month), &mut a);
                let b = fresh.run_month(&month_view(&second.recipes, &mut jobs, &mut days, month));
                prop_assert_eq!(&a, &b);
            }
            prop_assert_eq!(reused.flows(), fresh.flows());
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_month_bought_in_bulk_runs_out_on_the_day_after_its_pools_are_spent_to_the_token() {
    let attempt = Charge { tokens: 50, api_micros: None, family: Family::ALL[0], relaxed_ok: false };
    let demand = Demand {
        recipes: vec![Recipe { attempt, steps: vec![] }],
        // Day 1 spends the 100 tokens exactly; day 2 needs a pack.
        months: vec![vec![
            vec![Deliverable::new(0, 2, 0, true).on_day(1)],
            vec![Deliverable::new(0, 1, 0, true).on_day(2)],
        ]],
    };
    let terms = Terms {
        unit: Unit::Tokens,
        daily_reset: false,
        allowance: 100,
        inflow_cap: 0,
        bank_cap: 0,
        subscription: 0,
        pack: Some(Pack { units: 40, price: 1 }),
        auto_refill_below: None,
        relaxed_per_day: [0; Family::ALL.len()],
    };
    bulk_equals_walking(terms.clone(), Policy::TopUp, &demand).unwrap_or_else(|e| panic!("{e}"));
    let (mut jobs, mut days) = (Vec::new(), Default::default());
    let tally = Ledger::new(terms, Policy::TopUp).run_month(&month_view(
        &demand.recipes,
        &mut jobs,
        &mut days,
        &demand.months[0],
    ));
    assert_eq!((tally.exhausted_day, tally.packs), (Some(2), 2));
}

/// Both forms of a month's days name the same first day past the pools as
/// adding their tokens day by day: the running sums' bisection included,
/// at every boundary (pools that end a day exactly, none, all and more).
#[test]
fn the_first_day_past_the_pools_is_the_same_from_running_sums_and_from_each_days_totals() {
    let days = prop::collection::vec(prop::collection::vec(0u64..500, 0..5), 0..31);
    TestRunner::new(config(256))
        .run(&days, |days| {
            let (mut ends, mut sums, mut totals) = (Vec::new(), vec![[0u64; 3]], Vec::new());
            for day in &days {
                for &tokens in day {
                    let last = *sums.last().expect("a sum before the first job");
                    sums.push([last[0], last[1] + tokens, last[2]]);
                }
                ends.push(sums.len() as u32 - 1);
                totals.push(Totals { jobs: day.len() as u64, tokens: day.iter().sum(), ..Totals::default() });
            }
            let (running, each) = (Days::running(&ends, &sums), Days::each(&ends, &totals));
            let mut by_day: Vec<u64> = totals.iter().map(|day| day.tokens).collect();
            by_day.iter_mut().fold(0, |sum, tokens| {
                *tokens += sum;
                *tokens
            });
            let pools = by_day.iter().flat_map(|&sum| [sum.saturating_sub(1), sum, sum + 1]).chain([0, u64::MAX]);
            for pools in pools {
                let expected = by_day.iter().position(|&sum| sum > pools).map(|day| day as u32 + 1);
                prop_assert_eq!(running.first_past(pools), expected, "running sums, pools {}", pools);
                prop_assert_eq!(each.first_past(pools), expected, "each day's totals, pools {}", pools);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}
