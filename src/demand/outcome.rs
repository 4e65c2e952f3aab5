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
#[derive(Debug, PartialEq)]
pub struct WorkflowLaw {
    pub share: f64,
    pub accept: f64,
    pub max_attempts: u32,
    /// Probability of each step, in the recipe's order.
    pub steps: Vec<f64>,
}

impl Clone for WorkflowLaw {
    fn clone(&self) -> Self {
        WorkflowLaw { steps: self.steps.clone(), ..*self }
    }

    /// Reuses the steps' memory: tables copy a path's laws for every path.
    fn clone_from(&mut self, source: &Self) {
        (self.share, self.accept, self.max_attempts) = (source.share, source.accept, source.max_attempts);
        self.steps.clone_from(&source.steps);
    }
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
    pub(super) tally: u64,
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
    listing: Listing,
    /// The pairs' own entries are the listing's candidates, all of them.
    pairs_list_all: bool,
}

/// Every outcome the workflows can list, whatever its weight, with its
/// costs: these depend on the recipes and each law's cap and number of
/// steps only, so paths that share those (most do) list them once.
#[derive(Debug, Clone, Default)]
struct Listing {
    recipes: Vec<Recipe>,
    /// Each law's `max_attempts` and number of steps.
    shapes: Vec<(u32, usize)>,
    first_recipe: u32,
    candidates: Vec<Entry>,
    /// [`most_plain_draws`] of all the candidates.
    plain_limit: u64,
}

impl Listing {
    fn lists(&self, laws: &[WorkflowLaw], recipes: &[Recipe], first_recipe: u32) -> bool {
        self.first_recipe == first_recipe
            && self.recipes == recipes
            && self.shapes.iter().copied().eq(laws.iter().map(|l| (l.max_attempts, l.steps.len())))
    }

    fn relist(&mut self, laws: &[WorkflowLaw], recipes: &[Recipe], first_recipe: u32) {
        self.recipes.clear();
        self.recipes.extend_from_slice(recipes);
        self.shapes.clear();
        self.shapes.extend(laws.iter().map(|l| (l.max_attempts, l.steps.len())));
        self.first_recipe = first_recipe;
        self.candidates.clear();
        for (w, (law, charges)) in laws.iter().zip(recipes).enumerate() {
            let recipe = first_recipe + w as u32;
            let mut push =
                |job: Deliverable, resolve| self.candidates.push(Entry::new(job, &charges.totals(&job), resolve));
            let head = law.max_attempts.min(HEAD);
            for attempts in 1..=head {
                let job = Deliverable::new(recipe, attempts, 0, true);
                if law.steps.len() > LISTED_STEPS {
                    push(job, Resolve::Steps);
                } else {
                    for steps in 0..1u32 << law.steps.len() {
                        push(Deliverable::new(recipe, attempts, steps, true), Resolve::Nothing);
                    }
                }
            }
            let abandoned = Deliverable::new(recipe, law.max_attempts, 0, false);
            push(abandoned, if law.max_attempts > head { Resolve::Tail } else { Resolve::Nothing });
        }
        self.plain_limit = most_plain_draws(&self.candidates);
    }
}

impl Outcomes {
    /// Lists the outcomes of `laws` (shares need not add up to 1), whose
    /// recipes are `recipes[first_recipe..]` in the same order.
    pub fn rebuild(&mut self, laws: &[WorkflowLaw], recipes: &[Recipe], first_recipe: u32) {
        let recipes = &recipes[first_recipe as usize..][..laws.len()];
        if !self.listing.lists(laws, recipes, first_recipe) {
            self.listing.relist(laws, recipes, first_recipe);
            self.pairs_list_all = false;
        }
        self.entries.clear();
        self.weights.clear();
        copy_into(&mut self.laws, laws);
        self.first_recipe = first_recipe;
        let total: f64 = laws.iter().map(|w| w.share).sum();
        let mut candidates = self.listing.candidates.iter();
        for law in laws {
            weigh(law, law.share / total, &mut candidates, &mut self.weights, &mut self.entries);
        }
        self.table.rebuild(&self.weights);
        let all = self.entries.len() == self.listing.candidates.len();
        if all && self.pairs_list_all {
            // Each column's own entry is as last path's: only its alias moves.
            for (pair, (keep, alias)) in self.pairs.iter_mut().zip(self.table.columns()) {
                (pair.keep, pair.entries[1]) = (keep, self.entries[alias]);
            }
        } else {
            self.pairs.clear();
            self.pairs.extend(
                (self.table.columns().enumerate())
                    .map(|(own, (keep, alias))| Pair { keep, entries: [self.entries[own], self.entries[alias]] }),
            );
        }
        self.pairs_list_all = all;
        self.plain_limit = if all { self.listing.plain_limit } else { most_plain_draws(&self.entries) };
    }

    /// Draws a deliverable demanded on `day` into each of `slots`, adding
    /// them to the day's `totals`.
    #[inline(always)]
    pub fn fill<R: Rng + ?Sized>(
        &self,
        slots: &mut [Deliverable],
        day: u16,
        recipes: &[Recipe],
        rng: &mut R,
        totals: &mut Totals,
    ) {
        *totals = if self.fits(slots.len() as u64, totals) {
            self.draw_listed(slots, day, rng, *totals)
        } else {
            self.draw_any(slots, day, recipes, rng, *totals)
        };
    }

    /// Draws into `slots` when every entry is final and the sums cannot
    /// saturate: no branch but the loop's, and the generator's state can stay
    /// in registers (nothing else in the loop touches it).
    fn draw_listed<R: Rng + ?Sized>(&self, slots: &mut [Deliverable], day: u16, rng: &mut R, totals: Totals) -> Totals {
        let (mut tally, mut tokens, mut micros) = (0, totals.tokens, totals.micros);
        for slot in slots {
            let entry = self.draw(rng);
            tally += entry.tally;
            tokens += entry.tokens;
            micros += entry.micros;
            *slot = entry.job;
            slot.day = day;
        }
        let (usable, charges) = (tally & u64::from(u32::MAX), tally >> 32);
        Totals { usable: totals.usable + usable, charges: totals.charges + charges, tokens, micros, ..totals }
    }

    /// Draws into `slots`, resolving outcomes and saturating the sums as needed.
    fn draw_any<R: Rng + ?Sized>(
        &self,
        slots: &mut [Deliverable],
        day: u16,
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
            slot.day = day;
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

    /// Most outcomes that can be drawn with plain sums from zero (see
    /// [`Outcomes::fits`]); 0 if some needs further draws.
    pub(super) fn plain_limit(&self) -> u64 {
        self.plain_limit
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
        let job = entry.job;
        let law = &self.laws[(job.recipe - self.first_recipe) as usize];
        let (mut attempts, mut usable) = (job.attempts, job.usable);
        if entry.resolve == Resolve::Tail {
            // Failures after the first HEAD: geometric, one uniform in (0, 1].
            let u = 1.0 - rng.random::<f64>();
            let more = (u.ln() / (-law.accept).ln_1p()).floor();
            if f64::from(HEAD) + more >= f64::from(law.max_attempts) {
                return job;
            }
            (attempts, usable) = (HEAD + more as u32 + 1, true);
        }
        let mut steps = job.steps;
        for (i, &p) in law.steps.iter().enumerate() {
            if p >= 1.0 || (p > 0.0 && rng.random::<f64>() < p) {
                steps |= 1 << i;
            }
        }
        Deliverable::new(job.recipe, attempts, steps, usable)
    }

    /// Each listed outcome with its probability, for tests.
    pub fn listed(&self) -> Vec<(Deliverable, f64)> {
        let p = self.table.probabilities();
        self.entries.iter().zip(p).map(|(e, p)| (e.job, p)).collect()
    }
}

/// Weighs the law's candidates (in [`Listing::relist`]'s order), keeping
/// those of positive weight.
fn weigh<'a>(
    law: &WorkflowLaw,
    share: f64,
    candidates: &mut impl Iterator<Item = &'a Entry>,
    weights: &mut Vec<f64>,
    entries: &mut Vec<Entry>,
) {
    let mut push = |weight: f64| {
        let entry = candidates.next().expect("a candidate for each outcome");
        if weight > 0.0 {
            weights.push(weight);
            entries.push(*entry);
        }
    };
    let fail = 1.0 - law.accept;
    let head = law.max_attempts.min(HEAD);
    let listed = law.steps.len() <= LISTED_STEPS;
    let (sets, count) = if listed { step_sets(&law.steps) } else { ([0.0; 1 << LISTED_STEPS], 0) };
    let mut first_k = share * law.accept; // P(the first success is attempt k), k = 1
    for _ in 1..=head {
        if listed {
            for &p in &sets[..count] {
                // An impossible step set is skipped whatever the attempt's weight.
                push(if p > 0.0 { first_k * p } else { 0.0 });
            }
        } else {
            push(first_k);
        }
        first_k *= fail;
    }
    // Every one of the first `head` attempts failed.
    push(share * fail.powi(head as i32));
}

/// The most draws whose sums cannot carry (see [`Outcomes::fits`]); 0 if
/// some entry needs further draws.
fn most_plain_draws(entries: &[Entry]) -> u64 {
    let (mut cost, mut charges) = (0, 1);
    for entry in entries {
        if !entry.is_final() {
            return 0;
        }
        cost = cost.max(entry.tokens).max(entry.micros);
        charges = charges.max(entry.charges);
    }
    let by_cost = (u64::MAX / 2).checked_div(cost).unwrap_or(u64::MAX);
    by_cost.min(u64::from(u32::MAX / charges))
}

/// The probability of every set of steps (as a bit mask), and how many sets
/// there are: each a product of the steps' factors in the steps' order, as
/// a product over the mask would be.
fn step_sets(steps: &[f64]) -> ([f64; 1 << LISTED_STEPS], usize) {
    let mut sets = [0.0; 1 << LISTED_STEPS];
    sets[0] = 1.0;
    for (i, &p) in steps.iter().enumerate() {
        let p = p.min(1.0);
        // Sets of the first i steps gain step i (high half) or not (low half).
        for mask in 0..1 << i {
            sets[mask | 1 << i] = sets[mask] * p;
            sets[mask] *= 1.0 - p;
        }
    }
    (sets, 1 << steps.len())
}

/// Copies `from` into `to`, reusing the memory of the elements `to` holds.
fn copy_into<T: Clone>(to: &mut Vec<T>, from: &[T]) {
    to.truncate(from.len());
    let (head, tail) = from.split_at(to.len());
    to.clone_from_slice(head);
    to.extend_from_slice(tail);
}
