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
/// At most 1 MB of slots.
const MAX_SLOTS: usize = 1 << 17;

/// Field widths of a packed slot; a zero slot is empty.
const LEFT: u32 = 12;
const DAYS: u32 = 8;
const WASTED: u32 = 20;
const PAID: u32 = 8;
const GENERATION: u32 = 64 - LEFT - DAYS - WASTED - PAID - 1;

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
    slots: Vec<u64>,
    blocks: Vec<Option<Block>>,
    /// Allowance + 1: the slots per shape.
    width: usize,
    /// Stamped on every slot written; slots of other generations are empty.
    generation: u64,
    recipes: Vec<Recipe>,
}

impl Jumps {
    /// Ready for a path with these recipes and daily allowance; what is known
    /// stays if they are those of the last path.
    pub fn prepare(&mut self, recipes: &[Recipe], allowance: u64) {
        if self.recipes == recipes && self.width as u64 == allowance + 1 {
            return;
        }
        self.recipes.clear();
        self.recipes.extend_from_slice(recipes);
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
            self.slots.fill(0);
            self.generation = 1;
        }
        self.slots.resize(next * self.width, 0);
    }

    fn slot(&self, job: &Deliverable, left: u64) -> Option<usize> {
        let block = (*self.blocks.get(job.recipe as usize)?)?;
        if job.attempts > HEAD {
            return None;
        }
        let steps = job.steps as usize & ((1 << block.steps) - 1);
        let shape = block.first + ((job.attempts as usize) << block.steps) + steps;
        Some(shape * self.width + left as usize)
    }

    #[inline]
    pub fn get(&self, job: &Deliverable, left: u64) -> Option<Jump> {
        let packed = *self.slots.get(self.slot(job, left)?)?;
        (packed >> (64 - GENERATION) == self.generation).then(|| unpack(packed))
    }

    /// Records a jump, unless its figures do not fit a slot.
    pub fn put(&mut self, job: &Deliverable, left: u64, jump: Jump) {
        let fits = jump.left < 1 << LEFT && jump.days < 1 << DAYS && jump.wasted < 1 << WASTED && jump.paid < 1 << PAID;
        if let Some(slot) = self.slot(job, left).filter(|_| fits) {
            self.slots[slot] = pack(jump, self.generation);
        }
    }
}

fn pack(jump: Jump, generation: u64) -> u64 {
    let mut packed = generation;
    for (value, bits) in [(u64::from(jump.dropped), 1), (jump.paid, PAID), (jump.wasted, WASTED), (jump.days, DAYS)] {
        packed = packed << bits | value;
    }
    packed << LEFT | jump.left
}

fn unpack(packed: u64) -> Jump {
    let field = |shift: u32, bits: u32| packed >> shift & ((1 << bits) - 1);
    Jump {
        left: field(0, LEFT),
        days: field(LEFT, DAYS),
        wasted: field(LEFT + DAYS, WASTED),
        paid: field(LEFT + DAYS + WASTED, PAID),
        dropped: field(LEFT + DAYS + WASTED + PAID, 1) == 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jump_unpacks_as_packed() {
        let jump = Jump { days: 255, left: 4095, wasted: (1 << WASTED) - 1, paid: 200, dropped: true };
        assert_eq!(unpack(pack(jump, 7)), jump);
        assert_eq!(pack(jump, 7) >> (64 - GENERATION), 7);
        let small = Jump { days: 1, left: 0, wasted: 3, paid: 0, dropped: false };
        assert_eq!(unpack(pack(small, 1)), small);
    }
}
