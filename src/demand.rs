//! Demand: the jobs a creator (or each seat of a team) brings, day by day.
//!
//! Everything random lives here. A path first samples its creator's parameters
//! once ([`Profile::sample`]); then each month may be a burst month, each day
//! may be active, and each active day brings a count of deliverables, each
//! following a workflow: attempts until one is accepted (geometric, capped),
//! then post-processing steps.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Gamma, Poisson};

use crate::catalog::Catalog;
use crate::ledger::{Charge, Job};
use crate::scenario::{DailyCount, Param, ScenarioFile, Workflow};

/// One seat's sampled way of working, fixed for a path.
#[derive(Debug, Clone)]
pub struct SeatProfile {
    pub active_probability: f64,
    pub mean_per_day: f64,
    pub daily_count: DailyCount,
    /// Negative-binomial shape; `None` for Poisson counts.
    pub dispersion: Option<f64>,
    pub burst_probability: f64,
    pub burst_factor: f64,
    /// Cumulative workflow shares, normalised to end at 1.
    pub cumulative_shares: Vec<f64>,
    pub workflows: Vec<WorkflowProfile>,
}

/// One workflow with its charges priced for this path.
#[derive(Debug, Clone)]
pub struct WorkflowProfile {
    pub attempt: Charge,
    pub accept: f64,
    pub max_attempts: u32,
    /// (probability, charge) of each post-processing step.
    pub steps: Vec<(f64, Charge)>,
}

/// A path's creators: one profile per seat.
#[derive(Debug, Clone)]
pub struct Profile {
    pub seats: Vec<SeatProfile>,
}

/// One day's jobs, as ranges into one buffer of charges (no allocation per job).
#[derive(Debug, Default, Clone)]
pub struct DayWork {
    pub charges: Vec<Charge>,
    /// (first charge, end, usable) per job.
    pub jobs: Vec<(usize, usize, bool)>,
    /// Tokens the day's jobs would cost if all were paid.
    pub tokens: u64,
}

impl DayWork {
    pub fn clear(&mut self) {
        self.charges.clear();
        self.jobs.clear();
        self.tokens = 0;
    }

    pub fn jobs(&self) -> impl Iterator<Item = Job<'_>> {
        self.jobs.iter().map(|&(start, end, usable)| Job { charges: &self.charges[start..end], usable })
    }

    fn push(&mut self, charge: Charge) {
        self.tokens += charge.tokens;
        self.charges.push(charge);
    }
}

/// Rounds a sampled count to a whole number within `[low, high]`.
fn whole(value: f64, low: u32, high: u32) -> u32 {
    (value.round().max(f64::from(low)).min(f64::from(high))) as u32
}

impl Profile {
    /// Samples every seat's parameters once for a path.
    pub fn sample<R: Rng + ?Sized>(file: &ScenarioFile, catalog: &Catalog, rng: &mut R) -> Result<Profile, String> {
        let seats = (0..file.seats).map(|_| SeatProfile::sample(file, catalog, rng)).collect::<Result<_, _>>()?;
        Ok(Profile { seats })
    }

    /// Draws which seats have a burst this month: the factor each seat's rate is multiplied by.
    pub fn month_factors<R: Rng + ?Sized>(&self, rng: &mut R, factors: &mut Vec<f64>) {
        factors.clear();
        factors.extend(self.seats.iter().map(|seat| {
            if seat.burst_probability > 0.0 && rng.random::<f64>() < seat.burst_probability {
                seat.burst_factor
            } else {
                1.0
            }
        }));
    }

    /// Adds one day's jobs of every seat to `work`.
    pub fn day<R: Rng + ?Sized>(&self, factors: &[f64], rng: &mut R, work: &mut DayWork) {
        for (seat, factor) in self.seats.iter().zip(factors) {
            seat.day(*factor, rng, work);
        }
    }
}

impl SeatProfile {
    fn sample<R: Rng + ?Sized>(file: &ScenarioFile, catalog: &Catalog, rng: &mut R) -> Result<SeatProfile, String> {
        let rhythm = &file.rhythm;
        let mut shares = Vec::with_capacity(file.workflows.len());
        let mut workflows = Vec::with_capacity(file.workflows.len());
        for workflow in &file.workflows {
            shares.push(workflow.share.sample(rng).max(0.0));
            workflows.push(WorkflowProfile::sample(workflow, catalog, rng)?);
        }
        let total: f64 = shares.iter().sum();
        if total <= 0.0 {
            return Err("the workflow shares drawn for a path add up to 0".into());
        }
        let mut running = 0.0;
        let cumulative_shares = shares
            .iter()
            .map(|s| {
                running += s / total;
                running
            })
            .collect();
        Ok(SeatProfile {
            active_probability: (rhythm.active_days_per_week.sample(rng) / 7.0).clamp(0.0, 1.0),
            mean_per_day: rhythm.deliverables_per_day.sample(rng).max(0.0),
            daily_count: rhythm.daily_count,
            dispersion: rhythm.dispersion.as_ref().map(|k| k.sample(rng)),
            burst_probability: rhythm.burst_probability.sample(rng).clamp(0.0, 1.0),
            burst_factor: rhythm.burst_factor.sample(rng).max(0.0),
            cumulative_shares,
            workflows,
        })
    }

    fn day<R: Rng + ?Sized>(&self, factor: f64, rng: &mut R, work: &mut DayWork) {
        if self.active_probability < 1.0 && rng.random::<f64>() >= self.active_probability {
            return;
        }
        for _ in 0..self.count(factor, rng) {
            let u = rng.random::<f64>();
            let chosen = self.cumulative_shares.iter().position(|&c| u < c).unwrap_or(self.workflows.len() - 1);
            self.workflows[chosen].deliverable(rng, work);
        }
    }

    /// Deliverables today: Poisson, negative binomial as a gamma-Poisson
    /// mixture, or the mean itself.
    fn count<R: Rng + ?Sized>(&self, factor: f64, rng: &mut R) -> u64 {
        let mut mean = self.mean_per_day * factor;
        if self.daily_count == DailyCount::Exact {
            let whole = mean.floor();
            let fraction = mean - whole;
            return whole as u64 + u64::from(fraction > 0.0 && rng.random::<f64>() < fraction);
        }
        if let Some(k) = self.dispersion {
            mean = Gamma::new(k, mean / k).map_or(mean, |g| g.sample(rng));
        }
        if mean <= 0.0 {
            return 0;
        }
        Poisson::new(mean).map_or(0, |p| p.sample(rng) as u64)
    }
}

impl WorkflowProfile {
    fn sample<R: Rng + ?Sized>(workflow: &Workflow, catalog: &Catalog, rng: &mut R) -> Result<WorkflowProfile, String> {
        let price = |id: &str, images: &Param, references: u32, rng: &mut R| {
            let action = catalog.action(id).ok_or_else(|| format!("unknown action `{id}`"))?;
            let images = whole(images.sample(rng), 1, action.tokens.max_images());
            catalog.charge(action, images, references)
        };
        let references = whole(workflow.references.sample(rng), 0, u32::MAX);
        let attempt = price(&workflow.action, &workflow.images, references, rng)?;
        let accept = workflow.accept.sample(rng).clamp(f64::MIN_POSITIVE, 1.0);
        let max_attempts = whole(workflow.max_attempts.sample(rng), 1, u32::MAX);
        let mut steps = Vec::with_capacity(workflow.steps.len());
        for step in &workflow.steps {
            let probability = step.probability.sample(rng).clamp(0.0, 1.0);
            steps.push((probability, price(&step.action, &step.images, 0, rng)?));
        }
        Ok(WorkflowProfile { attempt, accept, max_attempts, steps })
    }

    /// Attempts until one is accepted: geometric with one uniform draw,
    /// `None` when the cap is reached first (the deliverable is abandoned).
    pub fn attempts<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<u32> {
        if self.accept >= 1.0 {
            return Some(1);
        }
        let u = 1.0 - rng.random::<f64>(); // in (0, 1]
        let failures = (u.ln() / (1.0 - self.accept).ln()).floor();
        (failures < f64::from(self.max_attempts)).then(|| failures as u32 + 1)
    }

    fn deliverable<R: Rng + ?Sized>(&self, rng: &mut R, work: &mut DayWork) {
        let start = work.charges.len();
        let attempts = self.attempts(rng);
        for _ in 0..attempts.unwrap_or(self.max_attempts) {
            work.push(self.attempt);
        }
        if attempts.is_some() {
            for &(probability, charge) in &self.steps {
                if probability >= 1.0 || (probability > 0.0 && rng.random::<f64>() < probability) {
                    work.push(charge);
                }
            }
        }
        work.jobs.push((start, work.charges.len(), attempts.is_some()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Family;

    fn workflow(accept: f64, max_attempts: u32) -> WorkflowProfile {
        let charge = Charge { tokens: 1, api_micros: None, family: Family::Image, relaxed_ok: false };
        WorkflowProfile { attempt: charge, accept, max_attempts, steps: vec![] }
    }

    #[test]
    fn attempts_follow_the_capped_geometric_law() {
        // P(k attempts) = (1-p)^(k-1) p for k <= cap; P(abandoned) = (1-p)^cap.
        let (p, cap, n) = (0.3, 4u32, 200_000);
        let w = workflow(p, cap);
        let mut rng = rand_pcg::Pcg64::new(1, 2);
        let mut counts = vec![0u64; cap as usize + 1];
        for _ in 0..n {
            counts[w.attempts(&mut rng).map_or(0, |k| k as usize)] += 1;
        }
        for (k, &count) in counts.iter().enumerate() {
            let exact = if k == 0 { (1.0 - p).powi(cap as i32) } else { (1.0 - p).powi(k as i32 - 1) * p };
            let se = (exact * (1.0 - exact) / n as f64).sqrt();
            let seen = count as f64 / n as f64;
            assert!((seen - exact).abs() < 4.0 * se, "k={k}: {seen} vs {exact}");
        }
    }

    #[test]
    fn certain_acceptance_takes_one_attempt_and_no_draw() {
        let mut rng = rand_pcg::Pcg64::new(1, 2);
        let before = rng.clone();
        assert_eq!(workflow(1.0, 3).attempts(&mut rng), Some(1));
        assert_eq!(rng, before);
    }
}
