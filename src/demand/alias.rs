//! Walker's alias method: one 64-bit draw picks an outcome of a finite
//! distribution in constant time.
//!
//! The draw `u` is multiplied by the table's length `n` in 128 bits: the high
//! word is a uniform column, the low word a uniform fraction within it, on a
//! grid of `n / 2^64`. Each column keeps its own outcome when the fraction is
//! below its threshold and gives its alias otherwise. The probabilities the
//! table implies ([`AliasTable::probabilities`]) differ from the weights by
//! floating-point rounding only; the sampling adds at most `n / 2^64` more.

use rand::Rng;

/// An alias table, rebuilt in place so that a path's tables reuse their memory.
#[derive(Debug, Clone, Default)]
pub struct AliasTable {
    columns: Vec<Column>,
    scaled: Vec<f64>,
    /// Vose's two stacks in one: columns short of 1 from the front, the
    /// others from the back (no column is on both).
    stacks: Vec<u32>,
}

/// One column: its threshold and its alias side by side, so that a draw
/// reads one 16-byte slot.
#[derive(Debug, Clone, Copy)]
struct Column {
    /// Below this fraction (in units of 2^-64) the column keeps its own outcome.
    keep: u64,
    alias: u32,
}

const TWO_64: f64 = 18_446_744_073_709_551_616.0;

impl AliasTable {
    /// A table for outcomes `0..weights.len()` with probabilities proportional
    /// to `weights` (finite, non-negative, not all zero).
    pub fn new(weights: &[f64]) -> AliasTable {
        let mut table = AliasTable::default();
        table.rebuild(weights);
        table
    }

    /// Vose's construction: pair each column short of 1 with one above it.
    pub fn rebuild(&mut self, weights: &[f64]) {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        debug_assert!(n > 0 && total > 0.0 && total.is_finite(), "alias weights {weights:?}");
        self.columns.clear();
        self.columns.extend((0..n as u32).map(|alias| Column { keep: u64::MAX, alias }));
        self.scaled.clear();
        self.scaled.extend(weights.iter().map(|w| w * n as f64 / total));
        self.stacks.resize(n, 0);
        let (stacks, scaled) = (&mut self.stacks[..n], &mut self.scaled[..]);
        let (mut small, mut large) = (0, 0);
        for (i, &s) in scaled.iter().enumerate() {
            if s < 1.0 {
                stacks[small] = i as u32;
                small += 1;
            } else {
                large += 1;
                stacks[n - large] = i as u32;
            }
        }
        while small > 0 && large > 0 {
            let (s, l) = (stacks[small - 1] as usize, stacks[n - large]);
            self.columns[s] = Column { keep: (scaled[s] * TWO_64) as u64, alias: l };
            let l = l as usize;
            scaled[l] = (scaled[l] + scaled[s]) - 1.0;
            if scaled[l] < 1.0 {
                // l leaves the large stack and takes s's place on top of the small one.
                large -= 1;
                stacks[small - 1] = l as u32;
            } else {
                small -= 1;
            }
        }
        // Columns left over are full (up to rounding): they keep their own outcome.
    }

    pub fn len(&self) -> usize {
        self.columns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        let (column, fraction) = split(rng.next_u64(), self.columns.len());
        let Column { keep, alias } = self.columns[column];
        // Keep or alias is a coin toss: a mask, not a branch the CPU would mispredict.
        let kept = u32::from(fraction < keep).wrapping_neg();
        (column as u32 & kept | alias & !kept) as usize
    }

    /// Each column's threshold and alias, for tables that copy them next to their outcomes.
    pub(super) fn columns(&self) -> impl Iterator<Item = (u64, usize)> + '_ {
        self.columns.iter().map(|c| (c.keep, c.alias as usize))
    }

    /// The probability of each outcome as the table stands (for checking it
    /// against the exact distribution).
    pub fn probabilities(&self) -> Vec<f64> {
        let n = self.len() as f64;
        let mut p = vec![0.0; self.len()];
        for (column, &Column { keep, alias }) in self.columns.iter().enumerate() {
            let kept = if alias as usize == column { 1.0 } else { keep as f64 / TWO_64 };
            p[column] += kept / n;
            p[alias as usize] += (1.0 - kept) / n;
        }
        p
    }
}

/// A draw `u` as a column of a table of `n` and a fraction within it: the
/// high and low words of `u * n`.
#[inline]
pub(super) fn split(u: u64, n: usize) -> (usize, u64) {
    let wide = u128::from(u) * n as u128;
    ((wide >> 64) as usize, wide as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implied_probabilities_match_the_weights() {
        let weights = [0.5, 0.0, 3.0, 1e-9, 2.0, 0.25];
        let table = AliasTable::new(&weights);
        let total: f64 = weights.iter().sum();
        for (p, w) in table.probabilities().iter().zip(weights) {
            assert!((p - w / total).abs() < 1e-15, "{p} vs {}", w / total);
        }
    }

    #[test]
    fn a_zero_weight_is_never_drawn_and_draws_follow_the_weights() {
        let table = AliasTable::new(&[1.0, 0.0, 3.0]);
        let mut rng = rand_pcg::Pcg64::new(7, 9);
        let n = 100_000;
        let mut counts = [0u64; 3];
        for _ in 0..n {
            counts[table.sample(&mut rng)] += 1;
        }
        assert_eq!(counts[1], 0);
        let se = (0.25f64 * 0.75 / n as f64).sqrt();
        assert!((counts[0] as f64 / n as f64 - 0.25).abs() < 4.0 * se, "{counts:?}");
    }
}
