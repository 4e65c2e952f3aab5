//! How many deliverables a seat brings on one day, as one table draw.
//!
//! The day's law folds three things together: whether the seat works that
//! day (probability `active`), and if so a count that is Poisson, negative
//! binomial (the gamma-Poisson mixture with shape `k`) or the mean itself
//! (the floor or the ceiling, in proportion). The table holds the exact
//! probabilities of 0..=C, where C leaves at most [`TAIL`] above it; one more
//! entry stands for "above C" and is resolved, rarely, by inverting the
//! exact tail with a second draw. Laws too wide for a table (a mean in the
//! hundreds) are sampled directly.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Gamma, Poisson};

use super::alias::AliasTable;

/// Mass left above the table's last count, drawn by inversion.
pub const TAIL: f64 = 1e-4;
/// Longest table; wider laws are sampled directly.
pub const MAX_COUNTS: usize = 512;

/// The count of a working day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Law {
    /// The mean itself: its floor, or its ceiling with probability its fraction.
    Exact(f64),
    Poisson(f64),
    /// Negative binomial with this mean and shape (gamma-Poisson mixture).
    NegativeBinomial {
        mean: f64,
        shape: f64,
    },
}

impl Law {
    fn mean(&self) -> f64 {
        match *self {
            Law::Exact(mean) | Law::Poisson(mean) | Law::NegativeBinomial { mean, .. } => mean,
        }
    }

    fn variance(&self) -> f64 {
        match *self {
            Law::Exact(_) => 0.25,
            Law::Poisson(mean) => mean,
            Law::NegativeBinomial { mean, shape } => mean + mean * mean / shape,
        }
    }

    /// P(0) and the ratio P(c + 1) / P(c), for the recurrence that lists the law.
    fn start_and_ratio(self) -> Option<(f64, impl Fn(u64) -> f64)> {
        let (p0, numerator, scale) = match self {
            Law::Exact(_) => return None,
            Law::Poisson(mean) => ((-mean).exp(), 0.0, mean),
            Law::NegativeBinomial { mean, shape } => {
                let success = shape / (shape + mean);
                ((shape * success.ln()).exp(), shape, mean / (shape + mean))
            }
        };
        // Poisson: P(c+1)/P(c) = m/(c+1); negative binomial: (c+k)/(c+1) (1-p).
        let ratio = move |c: u64| {
            let c = c as f64;
            if numerator == 0.0 { scale / (c + 1.0) } else { (c + numerator) / (c + 1.0) * scale }
        };
        Some((p0, ratio))
    }
}

/// A day's count sampler, rebuilt in place for each path.
#[derive(Debug, Clone)]
pub struct DayCount {
    table: AliasTable,
    weights: Vec<f64>,
    /// The entry that stands for counts above the listed ones (`usize::MAX`
    /// if none), and its mass.
    tail: usize,
    tail_mass: f64,
    /// `None` when sampled from the table.
    direct: Option<(f64, Law)>,
    law: Option<Law>,
}

impl Default for DayCount {
    fn default() -> Self {
        let (table, weights) = Default::default();
        DayCount { table, weights, tail: usize::MAX, tail_mass: 0.0, direct: None, law: None }
    }
}

impl DayCount {
    pub fn rebuild(&mut self, active: f64, law: Law) {
        self.rebuild_with_tail(active, law, TAIL);
    }

    /// As `rebuild`, leaving at most `tail` above the listed counts (tests use a large one).
    pub fn rebuild_with_tail(&mut self, active: f64, law: Law, tail: f64) {
        self.law = Some(law);
        self.direct = None;
        (self.tail, self.tail_mass) = (usize::MAX, 0.0);
        self.weights.clear();
        if !self.list(active, law, tail) {
            self.direct = Some((active, law));
            return;
        }
        self.weights[0] += 1.0 - active;
        self.table.rebuild(&self.weights);
    }

    /// Fills the weights of 0..=C (and the tail entry); false if the law is
    /// too wide for a table.
    fn list(&mut self, active: f64, law: Law, max_tail: f64) -> bool {
        if let Law::Exact(mean) = law {
            let (whole, fraction) = (mean.floor(), mean - mean.floor());
            if whole >= MAX_COUNTS as f64 {
                return false;
            }
            self.weights.resize(whole as usize + 2, 0.0);
            self.weights[whole as usize] = active * (1.0 - fraction);
            self.weights[whole as usize + 1] = active * fraction;
            return true;
        }
        let Some((mut p, ratio)) = law.start_and_ratio() else { return false };
        if p < 1e-250 || law.mean() + 8.0 * law.variance().sqrt() > MAX_COUNTS as f64 {
            return false;
        }
        let mut cumulative = 0.0;
        for c in 0..MAX_COUNTS as u64 {
            self.weights.push(active * p);
            cumulative += p;
            if 1.0 - cumulative <= max_tail {
                let tail = (1.0 - cumulative).max(0.0);
                if tail > 0.0 {
                    (self.tail, self.tail_mass) = (self.weights.len(), tail);
                    self.weights.push(active * tail);
                }
                return true;
            }
            p *= ratio(c);
        }
        false
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        if let Some((active, law)) = self.direct {
            return direct(active, law, rng);
        }
        self.table_sample(rng)
    }

    /// Draws a count for each of `counts`, in order: the same draws as
    /// [`DayCount::sample`] day by day, in one loop that asks once whether
    /// the table is used. (The generator's state still goes through memory
    /// at each draw; a copy kept in registers was tried twice, and its time
    /// was no better.)
    pub fn fill<R: Rng + ?Sized>(&self, counts: &mut [u64], rng: &mut R) {
        match self.direct {
            Some(_) => counts.iter_mut().for_each(|count| *count = self.sample(rng)),
            None => counts.iter_mut().for_each(|count| *count = self.table_sample(rng)),
        }
    }

    /// A count from the table: the entry drawn, or above it if the tail's.
    #[inline(always)]
    fn table_sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        let drawn = self.table.sample(rng);
        if drawn == self.tail { self.above(drawn as u64, self.tail_mass, rng) } else { drawn as u64 }
    }

    /// A count from the law conditioned on being at least `first`, by inversion.
    #[cold]
    fn above<R: Rng + ?Sized>(&self, first: u64, mass: f64, rng: &mut R) -> u64 {
        let Some((mut p, ratio)) = self.law.and_then(|law| law.start_and_ratio()) else { return first };
        for c in 0..first {
            p *= ratio(c);
        }
        let mut u = rng.random::<f64>() * mass;
        let mut c = first;
        // Stops where the probabilities underflow, which rounding alone can reach.
        while u >= p && p > 0.0 {
            u -= p;
            p *= ratio(c);
            c += 1;
        }
        c
    }

    /// The probability of each count the table can give (the tail entry
    /// excluded), for tests: `None` when sampled directly.
    pub fn probabilities(&self) -> Option<Vec<f64>> {
        self.direct.is_none().then(|| {
            let mut p = self.table.probabilities();
            p.truncate(self.tail);
            p
        })
    }

    /// The mass the tail entry stands for.
    pub fn tail_mass(&self) -> f64 {
        self.tail_mass
    }
}

/// The count drawn without a table: Bernoulli for the day, then the law.
fn direct<R: Rng + ?Sized>(active: f64, law: Law, rng: &mut R) -> u64 {
    if active < 1.0 && rng.random::<f64>() >= active {
        return 0;
    }
    let mean = match law {
        Law::Exact(mean) => {
            let whole = mean.floor();
            return whole as u64 + u64::from(rng.random::<f64>() < mean - whole);
        }
        Law::Poisson(mean) => mean,
        Law::NegativeBinomial { mean, shape } => Gamma::new(shape, mean / shape).map_or(mean, |g| g.sample(rng)),
    };
    if mean <= 0.0 { 0 } else { Poisson::new(mean).map_or(0, |p| p.sample(rng) as u64) }
}
