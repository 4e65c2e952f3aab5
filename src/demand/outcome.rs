//! A deliverable's whole outcome (workflow, attempts, steps, hence its
//! charges) as one table draw.
//!
//! For each workflow the table lists every attempt count up to [`HEAD`] (or
//! the cap), crossed with every set of steps when a workflow has at most
//! [`LISTED_STEPS`] of them, plus the abandoned outcome, each with its exact
//! probability: share x (1-p)^(k-1) p x P(steps). Rare or numerous outcomes
//! stand as one entry resolved by further draws: attempts beyond `HEAD`
//! (geometric again, by memorylessness) and steps drawn one by one.

use rand::{Rng, RngExt};

use super::alias::{self, AliasTable};
use crate::ledger::{Deliverable, Recipe, Totals};

/// Attempt counts listed one by one; beyond, one entry for the tail.
pub const HEAD: u32 = 16;
/// Workflows with at most this many steps list every set of them.
pub const LISTED_STEPS: usize = 4;

/// One workflow as a path's creator works it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowLaw {
    pub share: f64,
    pub accept: f64,
    pub max_attempts: u32,
    /// Probability of each step, in the recipe's order.
    pub steps: Vec<f64>,
}

/// What a table entry still needs drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resolve {
    Nothing,
    /// The steps, one draw each.
    Steps,
    /// Attempts beyond `HEAD`, then (if accepted) the steps.
    Tail,
}

/// One listed outcome and what it costs, laid out for the hot loop.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub job: Deliverable,
    pub tokens: u64,
    pub micros: u64,
    /// `charges << 32 | usable`: both counts in one add (see [`Outcomes::fits`]).
    tally: u64,
    pub charges: u32,
    resolve: Resolve,
}

impl Entry {
    fn new(job: Deliverable, totals: &Totals, resolve: Resolve) -> Entry {
        let charges = u32::try_from(totals.charges).unwrap_or(u32::MAX);
        let tally = u64::from(charges) << 32 | u64::from(job.usable);
        Entry { job, tokens: totals.tokens, micros: totals.micros, tally, charges, resolve }
    }

    pub fn is_final(&self) -> bool {
        self.resolve == Resolve::Nothing
    }
}

/// An alias column with its own outcome and its alias's side by side, so
/// that a draw picks one of the two by arithmetic and reads nothing else.
#[derive(Debug, Clone, Copy)]
struct Pair {
    /// Below this fraction (in units of 2^-64) the column keeps `entries[0]`.
    keep: u64,
    entries: [Entry; 2],
}

/// A seat's deliverable outcomes, rebuilt in place for each path.
#[derive(Debug, Clone, Default)]
pub struct Outcomes {
    table: AliasTable,
    entries: Vec<Entry>,
    /// The table's columns with their entries, for drawing.
    pairs: Vec<Pair>,
    weights: Vec<f64>,
    laws: Vec<WorkflowLaw>,
    /// Index of each workflow's recipe in the path's recipes.
    first_recipe: u32,
    /// Most draws summed with plain adds (see [`Outcomes::fits`]).
    plain_limit: u64,
}

impl Outcomes {
    /// Lists the outcomes of `laws` (shares need not add up to 1), whose
    /// recipes are `recipes[first_recipe..]` in the same order.
    pub fn rebuild(&mut self, laws: &[WorkflowLaw], recipes: &[Recipe], first_recipe: u32) {
        self.entries.clear();
        self.weights.clear();
        self.laws.clear();
        self.laws.extend_from_slice(laws);
        self.first_recipe = first_recipe;
        let total: f64 = laws.iter().map(|w| w.share).sum();
        for (w, law) in laws.iter().enumerate() {
            let recipe = first_recipe + w as u32;
            self.list(law, law.share / total, recipe, &recipes[recipe as usize]);
        }
        self.table.rebuild(&self.weights);
        self.pairs.clear();
        self.pairs.extend(
            (self.table.columns().enumerate())
                .map(|(own, (keep, alias))| Pair { keep, entries: [self.entries[own], self.entries[alias]] }),
        );
        self.plain_limit = self.most_plain_draws();
    }

    /// The most draws whose sums cannot carry (see [`Outcomes::fits`]); 0
    /// if some entry needs further draws.
    fn most_plain_draws(&self) -> u64 {
        let (mut cost, mut charges) = (0, 1);
        for entry in &self.entries {
            if !entry.is_final() {
                return 0;
            }
            cost = cost.max(entry.tokens).max(entry.micros);
            charges = charges.max(entry.charges);
        }
        let by_cost = (u64::MAX / 2).checked_div(cost).unwrap_or(u64::MAX);
        by_cost.min(u64::from(u32::MAX / charges))
    }

    fn list(&mut self, law: &WorkflowLaw, share: f64, recipe: u32, charges: &Recipe) {
        let mut push = |weight: f64, job: Deliverable, resolve: Resolve| {
            if weight > 0.0 {
                self.weights.push(weight);
                self.entries.push(Entry::new(job, &charges.totals(&job), resolve));
            }
        };
        let fail = 1.0 - law.accept;
        let head = law.max_attempts.min(HEAD);
        let mut first_k = share * law.accept; // P(the first success is attempt k), k = 1
        for attempts in 1..=head {
            let job = Deliverable { recipe, attempts, steps: 0, usable: true };
            if law.steps.len() > LISTED_STEPS {
                push(first_k, job, Resolve::Steps);
            } else {
                for (steps, p) in step_sets(&law.steps) {
                    push(first_k * p, Deliverable { steps, ..job }, Resolve::Nothing);
                }
            }
            first_k *= fail;
        }
        // Every one of the first `head` attempts failed.
        let rest = share * fail.powi(head as i32);
        let abandoned = Deliverable { recipe, attempts: law.max_attempts, steps: 0, usable: false };
        push(rest, abandoned, if law.max_attempts > head { Resolve::Tail } else { Resolve::Nothing });
    }

    /// Draws a deliverable into each of `slots`, adding them to the day's `totals`.
    #[inline]
    pub fn fill<R: Rng + ?Sized>(
        &self,
        slots: &mut [Deliverable],
        recipes: &[Recipe],
        rng: &mut R,
        totals: &mut Totals,
    ) {
        *totals = if self.fits(slots.len() as u64, totals) {
            self.draw_listed(slots, rng, *totals)
        } else {
            self.draw_any(slots, recipes, rng, *totals)
        };
    }

    /// Draws into `slots` when every entry is final and the sums cannot
    /// saturate: no branch but the loop's, and the generator's state can stay
    /// in registers (nothing else in the loop touches it).
    fn draw_listed<R: Rng + ?Sized>(&self, slots: &mut [Deliverable], rng: &mut R, totals: Totals) -> Totals {
        let (mut tally, mut tokens, mut micros) = (0, totals.tokens, totals.micros);
        for slot in slots {
            let entry = self.draw(rng);
            tally += entry.tally;
            tokens += entry.tokens;
            micros += entry.micros;
            *slot = entry.job;
        }
        let (usable, charges) = (tally & u64::from(u32::MAX), tally >> 32);
        Totals { usable: totals.usable + usable, charges: totals.charges + charges, tokens, micros, ..totals }
    }

    /// Draws into `slots`, resolving outcomes and saturating the sums as needed.
    fn draw_any<R: Rng + ?Sized>(
        &self,
        slots: &mut [Deliverable],
        recipes: &[Recipe],
        rng: &mut R,
        mut sums: Totals,
    ) -> Totals {
        for slot in slots {
            let drawn = self.draw(rng);
            let entry = if drawn.is_final() { *drawn } else { self.resolved(drawn, recipes, rng) };
            sums.usable += u64::from(entry.job.usable);
            sums.charges += u64::from(entry.charges);
            sums.tokens = sums.tokens.saturating_add(entry.tokens);
            sums.micros = sums.micros.saturating_add(entry.micros);
            *slot = entry.job;
        }
        sums
    }

    /// Whether `count` draws can be added to `totals` with plain sums: all
    /// entries are final, `count` times the largest cost is at most
    /// `u64::MAX / 2`, as are the totals, so no sum can reach 2^64; and
    /// `count` times the most charges is below 2^32, so the tallies' halves
    /// cannot carry into each other.
    #[inline]
    fn fits(&self, count: u64, totals: &Totals) -> bool {
        count <= self.plain_limit && totals.tokens.max(totals.micros) <= u64::MAX / 2
    }

    /// Draws one outcome: final as listed, or to be completed by [`Outcomes::resolved`].
    #[inline]
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> &Entry {
        let (column, fraction) = alias::split(rng.next_u64(), self.pairs.len());
        let pair = &self.pairs[column];
        &pair.entries[usize::from(fraction >= pair.keep)]
    }

    /// Completes an outcome that needs more draws (attempts beyond the head, or steps).
    #[cold]
    pub fn resolved<R: Rng + ?Sized>(&self, entry: &Entry, recipes: &[Recipe], rng: &mut R) -> Entry {
        let job = self.resolve(entry, rng);
        Entry::new(job, &recipes[job.recipe as usize].totals(&job), Resolve::Nothing)
    }

    fn resolve<R: Rng + ?Sized>(&self, entry: &Entry, rng: &mut R) -> Deliverable {
        let mut job = entry.job;
        let law = &self.laws[(job.recipe - self.first_recipe) as usize];
        if entry.resolve == Resolve::Tail {
            // Failures after the first HEAD: geometric, one uniform in (0, 1].
            let u = 1.0 - rng.random::<f64>();
            let more = (u.ln() / (-law.accept).ln_1p()).floor();
            if f64::from(HEAD) + more >= f64::from(law.max_attempts) {
                return job;
            }
            job = Deliverable { attempts: HEAD + more as u32 + 1, usable: true, ..job };
        }
        for (i, &p) in law.steps.iter().enumerate() {
            if p >= 1.0 || (p > 0.0 && rng.random::<f64>() < p) {
                job.steps |= 1 << i;
            }
        }
        job
    }

    /// Each listed outcome with its probability, for tests.
    pub fn listed(&self) -> Vec<(Deliverable, f64)> {
        let p = self.table.probabilities();
        self.entries.iter().zip(p).map(|(e, p)| (e.job, p)).collect()
    }
}

/// Every set of steps (as a bit mask) with its probability, skipping the impossible.
fn step_sets(steps: &[f64]) -> impl Iterator<Item = (u32, f64)> + '_ {
    (0..1u32 << steps.len()).filter_map(move |mask| {
        let p: f64 = steps
            .iter()
            .enumerate()
            .map(|(i, &p)| if mask >> i & 1 == 1 { p.min(1.0) } else { 1.0 - p.min(1.0) })
            .product();
        (p > 0.0).then_some((mask, p))
    })
}
