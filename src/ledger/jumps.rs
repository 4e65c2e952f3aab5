//! A memo for daily plans: a deliverable started with `left` of today's
//! allowance ends how many days later, with how much left, having spent how
//! much on how many charges, or dropped?
//!
//! The answer depends only on the deliverable's charges and on `left` (the
//! plan's terms are fixed), so the exact walk records it the first time and
//! later deliverables of the same shape reuse it, in later paths too: each
//! recipe keeps its jumps for as long as there is room, so that paths whose
//! recipes are drawn (images, references) find those of earlier paths with
//! the same charges. Keys are dense: each recipe with at most [`STEPS`]
//! steps has a block of shapes, one per attempt count up to [`HEAD`] and set
//! of steps, and each shape has a slot per allowance left.
//! A job's shape is one lookup ([`Jumps::base`]), off the chain of lookups
//! from job to job, which adds only what is left.

use super::{Deliverable, Recipe};

/// Attempt counts with slots (the demand tables list as many one by one).
const HEAD: u32 = 16;
/// Recipes with more steps have no slots.
const STEPS: u32 = 4;
/// A recipe's rows of bases: attempt counts 0 to `HEAD` and beyond, by set of steps.
const ROWS: usize = ((HEAD + 2) as usize) << STEPS;
/// At most 1 MB of slots (8 bytes each).
const MAX_SLOTS: usize = 1 << 17;

/// A slot's fields, low to high: where the job ends (allowance left, days
/// later, dropped), then what it cost (allowance spent, charges paid). The
/// cost is read as one word, `slot >> COST`: spent, and paid from bit
/// [`PAID_AT`] of it, so that the walk adds both with one addition and the
/// sums of up to [`Slot::SUMS`] jobs stay apart.
const LEFT: u32 = 12;
const DAYS: u32 = 8;
const COST: u32 = LEFT + DAYS + 1;
/// Allowance spent by one job: below 2^12 a day for under 2^8 days.
const SPENT: u32 = LEFT + DAYS;
const PAID_AT: u32 = 38;
/// Charges paid by one job: at most `HEAD` attempts and `STEPS` steps.
const PAID: u32 = 64 - COST - PAID_AT;
const _: () = assert!(HEAD + STEPS < 1 << PAID, "a job's charges fit its field");
/// The days of an empty slot: more than any month has, so that the walk's
/// test "does it end within the month" refuses it too.
const NO_DAYS: u32 = (1 << DAYS) - 1;
const EMPTY: u64 = (NO_DAYS as u64) << LEFT;

/// A slot as the walk reads it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Slot(u64);

impl Slot {
    /// Jobs whose [`Slot::cost`] words can be summed without one field reaching the next.
    pub const SUMS: usize = 1 << (PAID_AT - SPENT);

    #[inline]
    pub fn left(self) -> u64 {
        self.0 & ((1 << LEFT) - 1)
    }
    /// Days later that it ended; [`NO_DAYS`] for none recorded.
    #[inline]
    pub fn days(self) -> u32 {
        (self.0 >> LEFT) as u32 & NO_DAYS
    }
    #[inline]
    pub fn dropped(self) -> bool {
        self.0 >> (LEFT + DAYS) & 1 == 1
    }
    /// The job ran out of the day's allowance: it ended a later day, or was dropped.
    #[inline]
    pub fn ran_out(self) -> bool {
        self.0 & ((1 << (DAYS + 1)) - 1) << LEFT != 0
    }
    /// Spent and paid in one word: sum up to [`Slot::SUMS`] of these, then
    /// read them apart with [`Slot::spent_and_paid`].
    #[inline]
    pub fn cost(self) -> u64 {
        self.0 >> COST
    }
    pub fn spent_and_paid(costs: u64) -> (u64, u64) {
        (costs & ((1 << PAID_AT) - 1), costs >> PAID_AT)
    }
}

/// A shape's slots, from the one for no allowance left.
#[derive(Debug, Clone, Copy)]
pub(super) struct Row<'a>(&'a [u64]);

impl Row<'_> {
    /// The slot for a job started with `left`.
    #[inline]
    pub fn at(self, left: u64) -> Slot {
        Slot(self.0[left as usize])
    }
}

/// The key of a deliverable's shape: its row of [`Jumps`]'s bases, by
/// recipe, attempt count (up to `HEAD`, then beyond) and set of steps.
/// Steps past a recipe's own are not done, and its rows ignore them.
/// Recipes too many to key have `u32::MAX`, past every table.
pub(super) const fn shape(recipe: u32, attempts: u32, steps: u32) -> u32 {
    let attempts = if attempts > HEAD { HEAD + 1 } else { attempts };
    let row = attempts << STEPS | steps & ((1 << STEPS) - 1);
    match recipe as u64 * ROWS as u64 + row as u64 {
        key if key < u32::MAX as u64 => key as u32,
        _ => u32::MAX,
    }
}

/// Where a whole deliverable took the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Jump {
    /// Days later that it ended (0: the day it started); [`NO_DAYS`] for none recorded.
    pub days: u32,
    /// Allowance left that day.
    pub left: u64,
    /// Allowance it spent on its charges.
    pub spent: u64,
    /// Charges paid.
    pub paid: u64,
    pub dropped: bool,
}

/// A recipe's block of shapes: where it starts, and its step count.
#[derive(Debug, Clone, Copy)]
struct Block {
    first: usize,
    steps: u32,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Jumps {
    /// Each slot's end and cost ([`Slot`]); [`EMPTY`] if none.
    slots: Vec<u64>,
    blocks: Vec<Option<Block>>,
    /// Each recipe's [`ROWS`] bases, by attempt count (up to `HEAD`, then
    /// beyond) and set of steps: a job's base is one lookup.
    bases: Vec<u32>,
    /// Allowance + 1: the slots per shape.
    width: usize,
    /// Slots written since the memo was last emptied, which empties just these.
    written: Vec<u32>,
    /// Every recipe with a block, and where it starts; and the next free shape.
    known: Vec<(Recipe, usize)>,
    next: usize,
}

impl Jumps {
    /// Ready for a path's recipes and a daily allowance: a recipe seen
    /// before (under the same allowance) keeps what was recorded for it. The
    /// ledger calls this only when they change.
    pub fn prepare(&mut self, recipes: &[Recipe], allowance: u64) {
        let width = (allowance + 1) as usize;
        if width != self.width {
            self.forget();
            self.width = width;
        }
        self.blocks.clear();
        if allowance >= 1 << LEFT {
            // Too wide a slot: nothing is recorded (or held).
            self.forget();
            self.slots = Vec::new();
            self.bases.clear();
            return;
        }
        if !self.place(recipes) {
            // Full: start afresh with this path's recipes, if they fit at all.
            self.forget();
            if !self.place(recipes) {
                self.blocks.clear();
                self.bases.clear();
                return;
            }
        }
        self.slots.resize(self.next * self.width, EMPTY);
        // Paths whose recipes differ rebuild this for each path: row by row,
        // each the row's first base plus the same offset per set of steps.
        self.bases.clear();
        self.bases.resize(self.blocks.len() * ROWS, 0);
        for (block, rows) in self.blocks.iter().zip(self.bases.chunks_exact_mut(ROWS)) {
            let Some(block) = block else { continue };
            let offsets: [u32; 1 << STEPS] =
                std::array::from_fn(|set| ((set & ((1 << block.steps) - 1)) * self.width) as u32);
            for (attempts, row) in rows.chunks_exact_mut(1 << STEPS).take(HEAD as usize + 1).enumerate() {
                let first = ((block.first + (attempts << block.steps)) * self.width) as u32;
                for (base, offset) in row.iter_mut().zip(offsets) {
                    *base = first + offset;
                }
            }
        }
    }

    /// Finds each recipe's block, or makes one after the others; false if
    /// the slots would pass [`MAX_SLOTS`].
    fn place(&mut self, recipes: &[Recipe]) -> bool {
        self.blocks.clear();
        for recipe in recipes {
            let steps = recipe.steps.len() as u32;
            if steps > STEPS {
                self.blocks.push(None);
                continue;
            }
            let first = match self.known.iter().find(|(known, _)| known == recipe) {
                Some(&(_, first)) => first,
                None => {
                    let (first, next) = (self.next, self.next + (((HEAD + 1) as usize) << steps));
                    if next * self.width > MAX_SLOTS {
                        return false;
                    }
                    self.next = next;
                    self.known.push((recipe.clone(), first));
                    first
                }
            };
            self.blocks.push(Some(Block { first, steps }));
        }
        true
    }

    /// Empties every slot written, and every block.
    fn forget(&mut self) {
        for &slot in &self.written {
            self.slots[slot as usize] = EMPTY;
        }
        self.written.clear();
        self.known.clear();
        // Shape 0 is never written: jobs without a shape of their own look there.
        self.next = 1;
    }

    /// False when the plan's allowance or recipes leave no room to record anything.
    pub fn records(&self) -> bool {
        !self.blocks.is_empty()
    }

    /// Where the slots of `job`'s shape start: the empty shape 0 past the
    /// listed attempts or steps, or when the plan has no slots.
    #[inline]
    pub fn base(&self, job: &Deliverable) -> u32 {
        self.bases.get(job.shape() as usize).copied().unwrap_or(0)
    }

    /// The slots of the shape at `base` (from [`Jumps::base`]), by the
    /// allowance left when a job of it starts. Taken before that allowance
    /// is known, so that the chain from one job's slot to the next one's is
    /// a load at an offset from this row, not an add and then a load.
    #[inline]
    pub fn row(&self, base: u32) -> Row<'_> {
        Row(&self.slots[base as usize..])
    }

    /// The jump recorded at `base` for a job started with `left`; its
    /// `days` are [`NO_DAYS`] if none was.
    #[cfg(test)]
    pub fn at(&self, base: u32, left: u64) -> Jump {
        let slot = self.row(base).at(left);
        let (spent, paid) = Slot::spent_and_paid(slot.cost());
        Jump { days: slot.days(), left: slot.left(), dropped: slot.dropped(), spent, paid }
    }

    /// Records a jump, unless its figures do not fit a slot or its job has no shape.
    pub fn put(&mut self, job: &Deliverable, left: u64, jump: Jump) {
        let fits = jump.left < 1 << LEFT && jump.days < NO_DAYS && jump.spent < 1 << SPENT && jump.paid < 1 << PAID;
        let base = self.base(job) as usize;
        if fits && base > 0 {
            let slot = base + left as usize;
            let end = (u64::from(jump.dropped) << DAYS | u64::from(jump.days)) << LEFT | jump.left;
            self.slots[slot] = (jump.paid << PAID_AT | jump.spent) << COST | end;
            self.written.push(slot as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Family;

    fn recipe(tokens: u64) -> Vec<Recipe> {
        let attempt = super::super::Charge { tokens, api_micros: None, family: Family::ALL[0], relaxed_ok: false };
        vec![Recipe { attempt, steps: vec![] }]
    }

    /// A memo for one 50-token recipe under the widest allowance a slot
    /// holds, and a job of it.
    fn one_recipe_memo() -> (Jumps, Deliverable) {
        let mut jumps = Jumps::default();
        jumps.prepare(&recipe(50), 4095);
        (jumps, Deliverable::new(0, 2, 0, true).on_day(1))
    }

    #[test]
    fn a_jump_reads_back_as_recorded_and_an_empty_slot_spans_no_month() {
        let (mut jumps, job) = one_recipe_memo();
        let jump =
            Jump { days: NO_DAYS - 1, left: 4095, spent: (1 << SPENT) - 1, paid: (1 << PAID) - 1, dropped: true };
        jumps.put(&job, 7, jump);
        assert_eq!(jumps.at(jumps.base(&job), 7), jump);
        assert_eq!(jumps.at(jumps.base(&job), 8).days, NO_DAYS);
        // A job past the listed attempts has no shape: it finds nothing, and records nothing.
        let long = Deliverable::new(0, HEAD + 1, 0, true);
        assert_eq!(jumps.base(&long), 0);
        jumps.put(&long, 7, jump);
        assert_eq!(jumps.at(jumps.base(&long), 7).days, NO_DAYS);
    }

    #[test]
    fn a_job_ran_out_when_it_ended_a_later_day_or_was_dropped_whatever_it_left_or_cost() {
        let (mut jumps, job) = one_recipe_memo();
        let full = Jump { days: 0, left: 4095, spent: (1 << SPENT) - 1, paid: (1 << PAID) - 1, dropped: false };
        let cases = [
            (full, false),
            (Jump { days: 1, ..full }, true),
            (Jump { days: NO_DAYS - 1, left: 0, spent: 0, paid: 0, ..full }, true),
            (Jump { dropped: true, ..full }, true),
        ];
        for (left, (jump, ran_out)) in cases.into_iter().enumerate() {
            jumps.put(&job, left as u64, jump);
            assert_eq!(jumps.row(jumps.base(&job)).at(left as u64).ran_out(), ran_out, "{jump:?}");
        }
    }

    #[test]
    fn the_costs_of_as_many_jobs_as_sums_allows_stay_apart_and_larger_ones_are_not_recorded() {
        let (mut jumps, job) = one_recipe_memo();
        let most = Jump { days: 3, left: 4095, spent: (1 << SPENT) - 1, paid: (1 << PAID) - 1, dropped: false };
        jumps.put(&job, 0, most);
        let cost = jumps.row(jumps.base(&job)).at(0).cost();
        let sums = (0..Slot::SUMS).fold(0u64, |sum, _| sum + cost);
        assert_eq!(Slot::spent_and_paid(sums), (most.spent * Slot::SUMS as u64, most.paid * Slot::SUMS as u64));
        // A job that spent or paid more than a slot holds is walked again.
        jumps.put(&job, 1, Jump { spent: 1 << SPENT, ..most });
        jumps.put(&job, 2, Jump { paid: 1 << PAID, ..most });
        assert_eq!(jumps.at(jumps.base(&job), 1).days, NO_DAYS);
        assert_eq!(jumps.at(jumps.base(&job), 2).days, NO_DAYS);
    }

    #[test]
    fn a_jobs_base_ignores_steps_its_recipe_lacks_and_is_distinct_per_shape() {
        let mut jumps = Jumps::default();
        let charge =
            |tokens| super::super::Charge { tokens, api_micros: None, family: Family::ALL[0], relaxed_ok: false };
        let one_step = Recipe { attempt: charge(10), steps: vec![charge(5)] };
        let other = Recipe { attempt: charge(11), ..one_step.clone() };
        jumps.prepare(&[one_step, other], 150);
        let job = |recipe, attempts, steps| Deliverable::new(recipe, attempts, steps, true).on_day(1);
        assert_eq!(jumps.base(&job(0, 3, 0b1)), jumps.base(&job(0, 3, 0b1111_1111)));
        assert_eq!(jumps.base(&job(2, 3, 0)), 0, "no such recipe");
        let mut bases: Vec<u32> = (0..2)
            .flat_map(|recipe| {
                (0..=HEAD).flat_map(move |attempts| (0..2).map(move |steps| job(recipe, attempts, steps)))
            })
            .map(|job| jumps.base(&job))
            .collect();
        assert!(bases.iter().all(|&base| base > 0 && base as usize % 151 == 0));
        bases.sort_unstable();
        bases.dedup();
        assert_eq!(bases.len(), 2 * 17 * 2, "one base per recipe, attempt count and set of steps");
    }

    #[test]
    fn a_recipe_seen_before_finds_its_jumps_and_a_full_memo_starts_afresh() {
        let charge =
            |tokens| super::super::Charge { tokens, api_micros: None, family: Family::ALL[0], relaxed_ok: false };
        let recipe = |tokens| Recipe { attempt: charge(tokens), steps: vec![] };
        let job = |recipe| Deliverable::new(recipe, 2, 0, true).on_day(1);
        let jump = Jump { days: 0, left: 100, spent: 50, paid: 2, dropped: false };
        let mut jumps = Jumps::default();
        jumps.prepare(&[recipe(25), recipe(10)], 150);
        jumps.put(&job(0), 150, jump);
        // The next path's recipes: the same charges in the second place, and another.
        jumps.prepare(&[recipe(30), recipe(25)], 150);
        assert_eq!(jumps.at(jumps.base(&job(1)), 150), jump, "the 25-token recipe's jump is kept");
        assert_eq!(jumps.at(jumps.base(&job(0)), 150).days, NO_DAYS, "the 30-token recipe has none");
        // Identical recipes in one path share their block.
        jumps.prepare(&[recipe(25), recipe(25)], 150);
        assert_eq!(jumps.base(&job(0)), jumps.base(&job(1)));
        // As many recipes as fill the slots: the memo starts afresh, and the last ones fit.
        let blocks = MAX_SLOTS / 151 / (HEAD as usize + 1);
        for tokens in 100..100 + blocks as u64 {
            jumps.prepare(&[recipe(tokens)], 150);
        }
        assert!(jumps.records() && jumps.slots.len() <= MAX_SLOTS);
        jumps.prepare(&[recipe(25)], 150);
        assert_eq!(jumps.at(jumps.base(&job(0)), 150).days, NO_DAYS, "forgotten when the memo filled");
        assert!(jumps.slots.iter().all(|&end| end == EMPTY), "every written slot emptied");
    }

    #[test]
    fn a_jump_recorded_for_other_recipes_or_allowances_is_never_read() {
        let job = Deliverable::new(0, 1, 0, true).on_day(1);
        let jump = Jump { days: 0, left: 100, spent: 50, paid: 1, dropped: false };
        let mut jumps = Jumps::default();
        for path in 0..20u64 {
            jumps.prepare(&recipe(50 + path % 2), 150 + path % 3);
            assert_eq!(jumps.at(jumps.base(&job), 150).days, NO_DAYS, "path {path}");
            jumps.put(&job, 150, jump);
            assert_eq!(jumps.at(jumps.base(&job), 150), jump);
        }
        assert_eq!(jumps.slots.iter().filter(|&&end| end != EMPTY).count(), 1);
        // Allowances of 4,096 tokens and more have no slots at all.
        jumps.prepare(&recipe(50), 4096);
        assert!(!jumps.records() && jumps.slots.is_empty());
        jumps.put(&job, 150, jump);
        assert!(jumps.slots.is_empty());
    }
}
