//! A memo for daily plans: a deliverable started with `left` of today's
//! allowance ends how many days later, with how much left, having let how
//! much expire on the way and paid how many charges, or dropped?
//!
//! The answer depends only on the deliverable's charges and on `left` (the
//! plan's terms are fixed), so the exact walk records it the first time and
//! later deliverables of the same shape reuse it, in later paths too while
//! the recipes stay the same. Keys are dense: each recipe with at most
//! [`STEPS`] steps has a block of slots, one per attempt count up to
//! [`HEAD`], set of steps and allowance left.

use super::{Deliverable, Recipe};

/// Attempt counts with slots (the demand tables list as many one by one).
const HEAD: u32 = 16;
/// Recipes with more steps have no slots.
const STEPS: u32 = 4;
/// At most 1 MB of slots (8 bytes each).
const MAX_SLOTS: usize = 1 << 17;

/// Field widths of a slot's two halves. Where a job ends (what the next job
/// waits for) is apart from what it cost, so that the chain of lookups from
/// job to job reads half the memory. An end of zero is an empty slot.
const LEFT: u32 = 12;
const DAYS: u32 = 8;
const GENERATION: u32 = 32 - LEFT - DAYS - 1;
const WASTED: u32 = 24;
const PAID: u32 = 32 - WASTED;

/// Where a whole deliverable took the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Jump {
    /// Days later that it ended (0: the day it started).
    pub days: u64,
    /// Allowance left that day.
    pub left: u64,
    /// Allowance that expired on the days it spanned.
    pub wasted: u64,
    /// Charges paid.
    pub paid: u64,
    pub dropped: bool,
}

/// A recipe's block of slots: where it starts, and its step count.
#[derive(Debug, Clone, Copy)]
struct Block {
    first: usize,
    steps: u32,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Jumps {
    /// Each slot's end: allowance left, days later, dropped, generation.
    ends: Vec<u32>,
    /// Each slot's cost: allowance wasted, charges paid.
    costs: Vec<u32>,
    blocks: Vec<Option<Block>>,
    /// Allowance + 1: the slots per shape.
    width: usize,
    /// Stamped on every slot written; slots of other generations are empty.
    generation: u32,
}

impl Jumps {
    /// Ready for new recipes and a daily allowance: what was recorded for
    /// others is forgotten. (The ledger calls this only when they change.)
    pub fn prepare(&mut self, recipes: &[Recipe], allowance: u64) {
        self.blocks.clear();
        self.width = (allowance + 1) as usize;
        let mut next = 0;
        for recipe in recipes {
            let steps = recipe.steps.len() as u32;
            self.blocks.push((steps <= STEPS).then_some(Block { first: next, steps }));
            if steps <= STEPS {
                next += ((HEAD + 1) as usize) << steps;
            }
        }
        if allowance >= 1 << LEFT || next * self.width > MAX_SLOTS {
            self.blocks.clear();
            return;
        }
        self.generation += 1;
        if self.generation >= 1 << GENERATION {
            self.ends.fill(0);
            self.generation = 1;
        }
        self.ends.resize(next * self.width, 0);
        self.costs.resize(next * self.width, 0);
    }

    /// The slot of `job` started with `left`: none past the listed attempts
    /// or steps, or when the plan has no slots.
    fn slot(&self, job: &Deliverable, left: u64) -> Option<usize> {
        let block = (*self.blocks.get(job.recipe as usize)?)?;
        if job.attempts > HEAD {
            return None;
        }
        let steps = job.steps as usize & ((1 << block.steps) - 1);
        let shape = block.first + ((job.attempts as usize) << block.steps) + steps;
        Some(shape * self.width + left as usize)
    }

    /// The jump recorded for `job` started with `left`, if any.
    #[inline]
    pub fn get(&self, job: &Deliverable, left: u64) -> Option<Jump> {
        let slot = self.slot(job, left)?;
        let end = *self.ends.get(slot)?;
        (end >> (32 - GENERATION) == self.generation).then(|| unpack(end, self.costs[slot]))
    }

    /// Records a jump, unless its figures do not fit a slot.
    pub fn put(&mut self, job: &Deliverable, left: u64, jump: Jump) {
        let fits = jump.left < 1 << LEFT && jump.days < 1 << DAYS && jump.wasted < 1 << WASTED && jump.paid < 1 << PAID;
        if let Some(slot) = self.slot(job, left).filter(|_| fits) {
            (self.ends[slot], self.costs[slot]) = pack(jump, self.generation);
        }
    }
}

/// A jump's end and cost, its figures known to fit.
fn pack(jump: Jump, generation: u32) -> (u32, u32) {
    let end = (generation << 1 | u32::from(jump.dropped)) << DAYS | jump.days as u32;
    (end << LEFT | jump.left as u32, (jump.paid as u32) << WASTED | jump.wasted as u32)
}

fn unpack(end: u32, cost: u32) -> Jump {
    let field = |value: u32, shift: u32, bits: u32| u64::from(value >> shift & ((1 << bits) - 1));
    Jump {
        left: field(end, 0, LEFT),
        days: field(end, LEFT, DAYS),
        dropped: field(end, LEFT + DAYS, 1) == 1,
        wasted: field(cost, 0, WASTED),
        paid: field(cost, WASTED, PAID),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jump_unpacks_as_packed() {
        let jump = Jump { days: 255, left: 4095, wasted: (1 << WASTED) - 1, paid: 200, dropped: true };
        let (end, cost) = pack(jump, 7);
        assert_eq!(unpack(end, cost), jump);
        assert_eq!(end >> (32 - GENERATION), 7);
        let small = Jump { days: 1, left: 0, wasted: 3, paid: 0, dropped: false };
        let (end, cost) = pack(small, (1 << GENERATION) - 1);
        assert_eq!(unpack(end, cost), small);
    }

    #[test]
    fn a_jump_recorded_for_other_recipes_is_never_read_even_after_the_generations_wrap() {
        use crate::catalog::Family;
        let recipe = |tokens| {
            let attempt = super::super::Charge { tokens, api_micros: None, family: Family::ALL[0], relaxed_ok: false };
            vec![Recipe { attempt, steps: vec![] }]
        };
        let job = Deliverable { recipe: 0, attempts: 1, steps: 0, usable: true, day: 1 };
        let jump = Jump { days: 0, left: 100, wasted: 0, paid: 1, dropped: false };
        let mut jumps = Jumps::default();
        jumps.prepare(&recipe(50), 150);
        jumps.put(&job, 150, jump);
        assert_eq!(jumps.get(&job, 150), Some(jump));
        // Every other path has other recipes, until the generation comes round again.
        for path in 0..(1 << GENERATION) + 1 {
            jumps.prepare(&recipe(51 + path % 2), 150);
            assert_eq!(jumps.get(&job, 150), None, "path {path}");
        }
        jumps.prepare(&recipe(50), 150);
        assert_eq!(jumps.get(&job, 150), None);
    }
}
