//! The Monte Carlo run: paths in parallel, the same demand through every plan.
//!
//! Paths are split into fixed-size batches; each path draws from its own
//! generator seeded from (seed, path index) alone, so results do not depend on
//! the batch, the thread or the machine that ran it. The accumulators hold
//! integers only and merge exactly, so any merge order gives the same bytes.

use std::sync::atomic::{AtomicBool, Ordering};

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use crate::catalog::{Catalog, PlanKind, micros};
use crate::demand::{MonthWork, Profile};
use crate::ledger::{Ledger, MonthTally, Pack, Terms};
use crate::scenario::Scenario;
use crate::statistics::ScenarioStats;

/// Set by the command line's Ctrl-C handler: every run stops at its next batch.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Why a run stopped without a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    Interrupted,
    /// A path could not be simulated (for example its figures outgrew exact integers).
    Failed(String),
}

/// Paths per batch: large enough to amortise the accumulator, small enough to balance threads.
pub const BATCH: u64 = 256;

/// The generator of path `path` under `seed`: Xoshiro256++ (a named,
/// portable generator; its step of adds, shifts and rotations is faster
/// here than PCG-64's 128-bit multiply). Each word of its state is a
/// bijection of the path for a given seed, so no two paths of a run share
/// a state.
pub fn path_rng(seed: u64, path: u64) -> Xoshiro256PlusPlus {
    let mut state = [0u8; 32];
    for (i, word) in state.chunks_exact_mut(8).enumerate() {
        let lane = path ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        word.copy_from_slice(&splitmix(seed ^ splitmix(lane)).to_le_bytes());
    }
    Xoshiro256PlusPlus::from_seed(state)
}

/// SplitMix64's output function: a well-mixed 64-bit hash.
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The ledger terms of each plan the scenario compares, in its order.
pub fn plan_terms(scenario: &Scenario, catalog: &Catalog) -> Vec<Terms> {
    let file = &scenario.file;
    scenario
        .plans
        .iter()
        .filter_map(|id| catalog.plan(id))
        .map(|plan| {
            let mut terms = catalog.terms(plan, file.seats, file.run.billing);
            if plan.kind == PlanKind::Api {
                if let Some(amount) = file.api.amount {
                    terms.pack = Some(Pack { units: micros(amount), price: micros(amount) });
                }
                let threshold = file.api.threshold.map(micros).or(terms.auto_refill_below);
                terms.auto_refill_below = if file.api.auto_topup { threshold } else { None };
            }
            terms
        })
        .collect()
}

/// Runs every path of the scenario; `progress` is told how many paths each finished batch held.
pub fn run(scenario: &Scenario, catalog: &Catalog, progress: &(dyn Fn(u64) + Sync)) -> Result<ScenarioStats, Stop> {
    let terms = plan_terms(scenario, catalog);
    let run = &scenario.file.run;
    let batches = run.paths.div_ceil(BATCH);
    let empty = || ScenarioStats::new(terms.len(), run.months, run.days_per_month);
    // One accumulator and one set of buffers per rayon split, not per batch,
    // and at most four splits per thread: each holds a whole accumulator.
    let splits = 4 * rayon::current_num_threads() as u64;
    (0..batches as usize)
        .into_par_iter()
        .with_min_len(batches.div_ceil(splits).max(1) as usize)
        .try_fold(
            || (empty(), PathRunner::new(scenario, catalog, &terms)),
            |(mut stats, mut paths), batch| {
                if INTERRUPTED.load(Ordering::Relaxed) {
                    return Err(Stop::Interrupted);
                }
                let first = batch as u64 * BATCH;
                let last = (first + BATCH).min(run.paths);
                for path in first..last {
                    paths.run(path, &mut stats).map_err(Stop::Failed)?;
                }
                paths.flush(&mut stats);
                progress(last - first);
                Ok((stats, paths))
            },
        )
        .map(|folded| folded.map(|(stats, _)| stats))
        .try_reduce(empty, |mut a, b| {
            a.merge(&b);
            Ok(a)
        })
        .and_then(|stats| {
            if stats.saturated() {
                return Err(Stop::Failed("the totals over all paths outgrew 64-bit integers: run fewer paths".into()));
            }
            Ok(stats)
        })
}

/// Largest demand a month may bring, in tokens or API micro-dollars: with
/// at most 240 months every ledger sum stays far inside 64-bit integers.
pub const MONTH_LIMIT: u64 = 1 << 50;
/// Largest cost of a whole path, in micro-dollars ($281 million): the
/// accumulators' sums of squares over a billion paths stay exact.
pub const PATH_COST_LIMIT: u64 = 1 << 48;

/// Paths whose tallies wait to be added to the accumulators together. A
/// path's demand and ledgers push the accumulators out of cache, so each is
/// visited once for all of them, not once per path.
const PENDING: usize = 16;

/// Buffers reused from path to path, so that no path, month or day allocates.
struct PathRunner<'a> {
    scenario: &'a Scenario,
    catalog: &'a Catalog,
    profile: Profile,
    ledgers: Vec<Ledger>,
    /// The pending paths' tallies, `[(path * plans + plan) * months + month]`,
    /// and the tokens each month demanded, `[path * months + month]`.
    tallies: Vec<MonthTally>,
    demand: Vec<u64>,
    /// How many paths are pending.
    pending: usize,
    work: MonthWork,
}

impl<'a> PathRunner<'a> {
    fn new(scenario: &'a Scenario, catalog: &'a Catalog, terms: &[Terms]) -> Self {
        let months = scenario.file.run.months as usize;
        PathRunner {
            scenario,
            catalog,
            profile: Profile::default(),
            ledgers: terms.iter().map(|t| Ledger::new(t.clone(), scenario.file.on_exhaustion)).collect(),
            tallies: vec![MonthTally::default(); PENDING * months * terms.len()],
            demand: vec![0; PENDING * months],
            pending: 0,
            work: MonthWork::default(),
        }
    }

    /// Runs one path; its tallies are added to `stats` once [`PENDING`] paths are.
    fn run(&mut self, path: u64, stats: &mut ScenarioStats) -> Result<(), String> {
        let file = &self.scenario.file;
        let months = file.run.months as usize;
        let per_path = months * self.ledgers.len();
        let tallies = &mut self.tallies[self.pending * per_path..][..per_path];
        let demand = &mut self.demand[self.pending * months..][..months];
        let mut rng = path_rng(file.run.seed, path);
        self.profile.resample(file, self.catalog, &mut rng)?;
        self.ledgers.iter_mut().for_each(Ledger::reset);
        for month in 0..months {
            self.profile.month(file.run.days_per_month, &mut rng, &mut self.work);
            let total = &self.work.total;
            if total.tokens > MONTH_LIMIT || total.micros > MONTH_LIMIT {
                return Err(format!(
                    "path {path}, month {}: the work would cost {} tokens (or {} API micro-dollars), more than the \
                     {MONTH_LIMIT} a month that tokensim sums exactly; lower the scenario's counts or the catalog's costs",
                    month + 1,
                    total.tokens,
                    total.micros
                ));
            }
            let view = self.work.view(&self.profile.recipes);
            for (p, ledger) in self.ledgers.iter_mut().enumerate() {
                ledger.run_month_into(&view, &mut tallies[p * months + month]);
            }
            demand[month] = self.work.total.tokens;
        }
        for plan in tallies.chunks(months) {
            let cost = plan.iter().fold(0u64, |sum, t| sum.saturating_add(t.cost()));
            if cost > PATH_COST_LIMIT {
                return Err(format!(
                    "path {path}: a plan would cost {cost} micro-dollars over the horizon, more than the \
                     {PATH_COST_LIMIT} (${}) that tokensim sums exactly; lower the catalog's prices or the work",
                    PATH_COST_LIMIT / 1_000_000
                ));
            }
        }
        self.pending += 1;
        if self.pending == PENDING {
            self.flush(stats);
        }
        Ok(())
    }

    /// Adds the pending paths to `stats`.
    fn flush(&mut self, stats: &mut ScenarioStats) {
        let months = self.scenario.file.run.months as usize;
        let paths = self.pending;
        stats.add_paths(&self.tallies[..paths * months * self.ledgers.len()], &self.demand[..paths * months]);
        self.pending = 0;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use rand::Rng;

    use super::path_rng;

    #[test]
    fn each_path_and_each_seed_draws_its_own_stream() {
        // 100,000 first draws, all different (a collision by chance: about 3 in 10^10).
        let firsts: HashSet<u64> = (0..100_000).map(|path| path_rng(7, path).next_u64()).collect();
        assert_eq!(firsts.len(), 100_000, "two paths share a stream");
        // The same path under other seeds, and a path's later draws, differ too.
        let seeds: HashSet<u64> = (0..1_000).map(|seed| path_rng(seed, 3).next_u64()).collect();
        assert_eq!(seeds.len(), 1_000, "two seeds give path 3 the same stream");
        let mut rng = path_rng(7, 0);
        let draws: HashSet<u64> = (0..1_000).map(|_| rng.next_u64()).collect();
        assert_eq!(draws.len(), 1_000);
    }
}
