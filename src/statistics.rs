//! Mergeable accumulators and the estimators read from them.
//!
//! Every accumulator holds integers only (counts, sums, sums of squares and
//! products, integer histograms), so merging is exact and the result is the
//! same whatever the order, the thread count or the machine that ran a shard.
//! The path is the independent unit: intervals come from per-path totals.

use hdrhistogram::Histogram;

use crate::ledger::MonthTally;

/// 95% two-sided normal quantile.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Sums over path-months of what the ledger reports, those the reports read
/// (every field costs every path-month an add).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sums {
    pub months: u64,
    pub exhausted: u64,
    /// Sum of first-exhaustion days over exhausted months.
    pub exhausted_day: u64,
    pub demanded: u64,
    pub usable: u64,
    pub abandoned: u64,
    /// Jobs of the month not completed in it (dropped or waiting), summed over months.
    pub unmet: u64,
    pub charges: u64,
    pub relaxed: u64,
    pub spent: u64,
    pub granted: u64,
    pub expired: u64,
    pub bought: u64,
    pub topup_cost: u64,
    pub cost: u64,
    pub waiting_days: u64,
    pub bank_end: u64,
    /// At least every field, as long as fields change only by [`Sums::add`]
    /// and [`Sums::merge`]. Compared too: it follows from the months added.
    bound: u64,
}

impl Sums {
    /// Adds one month. Each of its values is at most their bitwise or, so
    /// `bound`, the sum of those ors, bounds every field: while it stays below
    /// `u64::MAX`, plain adds are exact and no sum can saturate, which spares
    /// every add the saturating one's compare and select.
    // Inlined in the path's loop: as a call, saving registers was an eighth of it.
    #[inline(always)]
    pub fn add(&mut self, t: &MonthTally) {
        let largest = self.combine(t, u64::wrapping_add);
        match self.bound.checked_add(largest).filter(|bound| *bound < u64::MAX) {
            Some(bound) => self.bound = bound,
            None => self.redo_saturating(t),
        }
    }

    /// Some sum may have wrapped: takes the month back and adds it saturating.
    #[cold]
    #[inline(never)]
    fn redo_saturating(&mut self, t: &MonthTally) {
        self.combine(t, u64::wrapping_sub);
        self.combine(t, u64::saturating_add);
        self.bound = u64::MAX;
    }

    /// Combines each field with the month's value; returns the bitwise or of those values.
    fn combine(&mut self, t: &MonthTally, op: impl Fn(u64, u64) -> u64) -> u64 {
        let mut or = 0;
        let mut sum = |s: &mut u64, value: u64| {
            *s = op(*s, value);
            or |= value;
        };
        sum(&mut self.months, 1);
        sum(&mut self.exhausted, u64::from(t.exhausted_day.is_some()));
        sum(&mut self.exhausted_day, t.exhausted_day.map_or(0, u64::from));
        sum(&mut self.demanded, t.demanded);
        sum(&mut self.usable, t.usable);
        sum(&mut self.abandoned, t.abandoned);
        sum(&mut self.unmet, t.unmet);
        sum(&mut self.charges, t.charges);
        sum(&mut self.relaxed, t.relaxed);
        sum(&mut self.spent, t.spent);
        sum(&mut self.granted, t.granted);
        sum(&mut self.expired, t.expired);
        sum(&mut self.bought, t.bought);
        sum(&mut self.topup_cost, t.topup_cost);
        sum(&mut self.cost, t.cost());
        sum(&mut self.waiting_days, t.waiting_days);
        sum(&mut self.bank_end, t.end.bank);
        or
    }

    /// Adds field by field, saturating: a sum at `u64::MAX` has outgrown
    /// exact integers, and [`Sums::saturated`] says so instead of wrapping.
    pub fn merge(&mut self, o: &Sums) {
        let mut o = o.clone();
        for (mine, theirs) in self.fields_mut().into_iter().zip(o.fields_mut()) {
            *mine = mine.saturating_add(*theirs);
        }
        self.bound = self.bound.saturating_add(o.bound);
    }

    pub fn saturated(&self) -> bool {
        self.clone().fields_mut().iter().any(|f| **f == u64::MAX)
    }

    fn fields_mut(&mut self) -> [&mut u64; 17] {
        [
            &mut self.months,
            &mut self.exhausted,
            &mut self.exhausted_day,
            &mut self.demanded,
            &mut self.usable,
            &mut self.abandoned,
            &mut self.unmet,
            &mut self.charges,
            &mut self.relaxed,
            &mut self.spent,
            &mut self.granted,
            &mut self.expired,
            &mut self.bought,
            &mut self.topup_cost,
            &mut self.cost,
            &mut self.waiting_days,
            &mut self.bank_end,
        ]
    }
}

/// Moments of a pair (x, y) over independent units, for means and ratios with intervals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PairMoments {
    pub n: u64,
    pub sx: i128,
    pub sy: i128,
    pub sxx: u128,
    pub syy: u128,
    pub sxy: i128,
}

impl PairMoments {
    pub fn add(&mut self, x: i64, y: i64) {
        self.n += 1;
        self.sx += i128::from(x);
        self.sy += i128::from(y);
        self.add_products(x, y);
    }

    /// Adds only the squares and the product, for a caller that counts and sums elsewhere.
    fn add_products(&mut self, x: i64, y: i64) {
        let (x, y) = (i128::from(x), i128::from(y));
        self.sxx += (x * x) as u128;
        self.syy += (y * y) as u128;
        self.sxy += x * y;
    }

    pub fn merge(&mut self, o: &PairMoments) {
        self.n += o.n;
        self.sx += o.sx;
        self.sy += o.sy;
        self.sxx += o.sxx;
        self.syy += o.syy;
        self.sxy += o.sxy;
    }

    /// Mean of x per unit with a 95% interval.
    pub fn mean_x(&self) -> Estimate {
        let n = self.n as f64;
        if self.n == 0 {
            return Estimate::nan();
        }
        let mean = self.sx as f64 / n;
        if self.n < 2 {
            return Estimate::point(mean);
        }
        let var = (self.sxx as f64 - n * mean * mean).max(0.0) / (n - 1.0);
        Estimate::symmetric(mean, Z95 * (var / n).sqrt())
    }

    /// Ratio of totals sum(x) / sum(y), with a delta-method 95% interval.
    pub fn ratio(&self) -> Estimate {
        if self.n == 0 || self.sy == 0 {
            return Estimate::nan();
        }
        let n = self.n as f64;
        let r = self.sx as f64 / self.sy as f64;
        if self.n < 2 {
            return Estimate::point(r);
        }
        // sum (x - r y)^2, expanded; its mean is 0 by the choice of r.
        let ss = (self.sxx as f64 - 2.0 * r * self.sxy as f64 + r * r * self.syy as f64).max(0.0);
        let ybar = self.sy as f64 / n;
        let se = (ss / (n - 1.0)).sqrt() / (ybar.abs() * n.sqrt());
        Estimate::symmetric(r, Z95 * se)
    }
}

/// A point estimate with a 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

impl Estimate {
    pub fn point(value: f64) -> Estimate {
        Estimate { value, low: value, high: value }
    }
    pub fn nan() -> Estimate {
        Estimate::point(f64::NAN)
    }
    pub fn symmetric(value: f64, half: f64) -> Estimate {
        Estimate { value, low: value - half, high: value + half }
    }
    pub fn scaled(self, by: f64) -> Estimate {
        Estimate { value: self.value * by, low: self.low * by, high: self.high * by }
    }
    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

/// Wilson score interval for `k` successes in `n` independent trials (`n` may
/// be an effective, non-integer count).
pub fn wilson(k: f64, n: f64) -> Estimate {
    if n <= 0.0 {
        return Estimate::nan();
    }
    let p = k / n;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    // At k = 0 or k = n the bound is exactly 0 or 1; rounding must not move it.
    let low = if k <= 0.0 { 0.0 } else { (centre - half).max(0.0) };
    let high = if k >= n { 1.0 } else { (centre + half).min(1.0) };
    Estimate { value: p, low, high }
}

/// The probability that a month runs out, from per-path counts of exhausted
/// months. With one month per path the months are independent: Wilson. With
/// more, months of a path are correlated, so the Wilson interval is taken at
/// the effective sample size the between-path variance implies (never more
/// than the number of path-months; the number of paths when p is 0 or 1).
pub fn exhaustion_probability(per_path: &PairMoments, months: u64) -> Estimate {
    let paths = per_path.n as f64;
    let trials = paths * months as f64;
    if per_path.n == 0 || months == 0 {
        return Estimate::nan();
    }
    let p = per_path.sx as f64 / trials;
    if months == 1 {
        return wilson(per_path.sx as f64, paths);
    }
    let n_eff = if p > 0.0 && p < 1.0 && per_path.n > 1 {
        let mean = per_path.sx as f64 / paths;
        let var_y = (per_path.sxx as f64 - paths * mean * mean).max(0.0) / (paths - 1.0);
        let var_p = var_y / (paths * (months * months) as f64);
        if var_p > 0.0 { (p * (1.0 - p) / var_p).min(trials) } else { trials }
    } else {
        paths
    };
    let mut estimate = wilson(p * n_eff, n_eff);
    estimate.value = p;
    estimate
}

/// Percentiles of whole numbers: an HDR histogram with 3 significant digits
/// (a value is read at the middle of its bucket, within 0.05%), plus the exact
/// smallest and largest values, which bound every percentile.
///
/// Equal values in a row are held as a run and recorded at once when the
/// run ends or the sketch is [settled](Sketch::settle): paths often repeat a
/// value (a plan's fixed price, an empty or full bank), and a run costs one
/// record. Readers expect a settled sketch.
#[derive(Debug, Clone)]
pub struct Sketch {
    histogram: Histogram<u64>,
    min: u64,
    max: u64,
    /// The run not yet recorded: `run` times the value `last`.
    last: u64,
    run: u64,
}

impl Default for Sketch {
    fn default() -> Self {
        Sketch::with_figures(3)
    }
}

impl Sketch {
    /// A sketch to `figures` significant figures (1 to 5).
    pub fn with_figures(figures: u8) -> Sketch {
        let histogram = Histogram::new(figures).unwrap_or_else(|_| unreachable!("1 to 5 figures is a valid precision"));
        Sketch { histogram, min: u64::MAX, max: 0, last: 0, run: 0 }
    }

    pub fn record(&mut self, value: u64) {
        if value == self.last {
            self.run += 1;
        } else {
            self.settle();
            (self.last, self.run) = (value, 1);
        }
    }

    /// Records the run held, if any: call before reading or merging.
    pub fn settle(&mut self) {
        if self.run > 0 {
            // An auto-resizing histogram takes any u64.
            let _ = self.histogram.record_n(self.last, self.run);
            self.min = self.min.min(self.last);
            self.max = self.max.max(self.last);
            self.run = 0;
        }
    }

    fn is_settled(&self) -> bool {
        self.run == 0
    }

    pub fn merge(&mut self, other: &Sketch) {
        self.settle();
        let _ = self.histogram.add(other.settled());
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// The histogram, to read: every run recorded.
    fn settled(&self) -> &Histogram<u64> {
        assert!(self.is_settled(), "a sketch read before it was settled");
        &self.histogram
    }

    /// The value at quantile `q` (0 to 1), or NaN when nothing was recorded.
    pub fn quantile(&self, q: f64) -> f64 {
        let h = self.settled();
        if h.is_empty() {
            return f64::NAN;
        }
        h.median_equivalent(h.value_at_quantile(q)).clamp(self.min, self.max) as f64
    }

    pub fn mean(&self) -> f64 {
        self.settled().mean()
    }

    /// How many recorded values lie in `[low, high)` (to the histogram's precision).
    pub fn count_in(&self, low: u64, high: u64) -> u64 {
        let h = self.settled();
        if high <= low || h.is_empty() {
            return 0;
        }
        h.count_between(low, high.saturating_sub(1).max(low)).min(h.len())
    }

    pub fn len(&self) -> u64 {
        self.settled().len()
    }

    pub fn is_empty(&self) -> bool {
        self.settled().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_held_then_settled_read_as_the_values_recorded_one_by_one() {
        // Zeros first (the value an empty run holds), runs, lone values, and a run across a settle.
        let values: Vec<u64> =
            [0, 0, 0, 5, 5, 7, 0, 1_000_000, 1_000_000, 3].into_iter().chain((0..200).map(|i| i / 17 * 13)).collect();
        let mut sketch = Sketch::default();
        let mut direct = Histogram::<u64>::new(3).expect("valid");
        for (i, &value) in values.iter().enumerate() {
            sketch.record(value);
            direct.record(value).expect("in range");
            if i == 120 {
                sketch.settle();
            }
        }
        sketch.settle();
        assert!(sketch.histogram == direct, "the same counts, value by value");
        assert_eq!((sketch.len(), sketch.min, sketch.max), (values.len() as u64, 0, 1_000_000));
        // A merged sketch's run is recorded before the other's counts are added.
        let mut other = Sketch::default();
        other.record(42);
        other.settle();
        sketch.record(42);
        sketch.merge(&other);
        assert_eq!(sketch.count_in(42, 43), 2);
    }

    #[test]
    #[should_panic(expected = "read before it was settled")]
    fn a_sketch_holding_a_run_is_not_read() {
        let mut sketch = Sketch::default();
        sketch.record(3);
        sketch.quantile(0.5);
    }

    #[test]
    fn sums_saturate_and_say_so_instead_of_wrapping() {
        let mut a = Sums { spent: u64::MAX - 5, months: 1, ..Sums::default() };
        assert!(!a.saturated());
        a.merge(&Sums { spent: 10, months: 1, ..Sums::default() });
        assert_eq!((a.spent, a.months), (u64::MAX, 2));
        assert!(a.saturated());
    }

    #[test]
    fn added_months_saturate_exactly_and_say_so() {
        let month = |spent, demanded| MonthTally { spent, demanded, ..MonthTally::default() };
        let mut a = Sums::default();
        a.add(&month(u64::MAX / 2, 0));
        a.add(&month(u64::MAX / 2, 0));
        // The bound now stops plain adds, but nothing has saturated.
        a.add(&month(0, 1));
        assert_eq!((a.spent, a.demanded, a.months), (u64::MAX - 1, 1, 3));
        assert!(!a.saturated());
        a.add(&month(10, 2));
        assert_eq!((a.spent, a.demanded, a.months), (u64::MAX, 3, 4));
        assert!(a.saturated());
    }

    fn tally(i: u64) -> MonthTally {
        MonthTally {
            demanded: 80 + i % 7,
            usable: 70 + i % 3,
            spent: 9_000 + i * 13,
            topup_cost: i % 2 * 7_000_000,
            subscription: 12_000_000,
            ..MonthTally::default()
        }
    }

    #[test]
    fn horizon_sums_and_month_moments_equal_those_kept_directly() {
        let mut plan = PlanStats::new(3, 30);
        let mut direct = Sums::default();
        let mut moments = vec![PairMoments::default(); 3];
        for path in 0..5u64 {
            let months: Vec<MonthTally> = (0..3).map(|m| tally(path * 3 + m)).collect();
            for (t, m) in months.iter().zip(&mut moments) {
                direct.add(t);
                m.add(t.cost() as i64, t.usable as i64);
            }
            plan.add_path(&months);
        }
        assert_eq!(plan.sums(), direct);
        assert_eq!(plan.by_month.iter().map(MonthStats::cost_usable).collect::<Vec<_>>(), moments);
    }

    #[test]
    fn paths_added_together_give_what_adding_them_one_by_one_gives() {
        let (plans, months, paths) = (3, 4, 5);
        let per_path = plans * months;
        let tallies: Vec<MonthTally> = (0..(paths * per_path) as u64)
            .map(|i| MonthTally { exhausted_day: (i % 5 == 0).then_some(1 + (i % 30) as u32), ..tally(i * 7 % 23) })
            .collect();
        let demand: Vec<u64> = (0..(paths * months) as u64).map(|i| 9_000 + i * 31).collect();
        let mut together = ScenarioStats::new(plans, months as u32, 30);
        together.add_paths(&tallies, &demand);
        let mut one_by_one = ScenarioStats::new(plans, months as u32, 30);
        for (path, demand) in tallies.chunks(per_path).zip(demand.chunks(months)) {
            one_by_one.add_paths(path, demand);
        }
        assert_eq!(together.paths, paths as u64);
        assert_eq!(together.paths, one_by_one.paths);
        for (a, b) in together.plans.iter().zip(&one_by_one.plans) {
            assert_eq!(a.sums(), b.sums());
            assert_eq!((&a.exhausted, &a.cost_usable), (&b.exhausted, &b.cost_usable));
            assert_eq!(a.exhaustion_days, b.exhaustion_days);
            for (x, y) in [(&a.spent, &b.spent), (&a.cost, &b.cost), (&a.cost_per_usable, &b.cost_per_usable)] {
                assert_eq!((x.len(), x.quantile(0.5), x.quantile(0.9)), (y.len(), y.quantile(0.5), y.quantile(0.9)));
            }
        }
        for (a, b) in together.pairs.iter().zip(&one_by_one.pairs) {
            assert_eq!((a.a_cheaper, a.equal, &a.difference), (b.a_cheaper, b.equal, &b.difference));
        }
        assert_eq!(together.demand.len(), one_by_one.demand.len());
        assert_eq!(together.demand.quantile(0.5), one_by_one.demand.quantile(0.5));
        // Plan 1's tallies of path 2 are where the layout says, not plan 2's of path 1.
        let spent_of = |stats: &ScenarioStats| stats.plans[1].sums().spent;
        let expected: u64 =
            (0..paths).flat_map(|p| &tallies[(p * plans + 1) * months..][..months]).map(|t| t.spent).sum();
        assert_eq!(spent_of(&together), expected);
    }

    #[test]
    fn horizon_sums_saturate_when_no_month_does() {
        let mut plan = PlanStats::new(2, 30);
        let month = MonthTally { spent: 1 << 63, ..MonthTally::default() };
        plan.add_path(&[month.clone(), month]);
        assert!(plan.by_month.iter().all(|m| !m.sums.saturated()));
        assert_eq!(plan.sums().spent, u64::MAX);
        assert!(plan.sums().saturated());
    }

    #[test]
    fn wilson_matches_a_textbook_value() {
        // 10 of 100 at 95%: Wilson interval (0.0552, 0.1744).
        let e = wilson(10.0, 100.0);
        assert!((e.low - 0.0552).abs() < 1e-4 && (e.high - 0.1744).abs() < 1e-4, "{e:?}");
        // 0 of 50: lower bound 0, upper z^2/(n+z^2).
        let e = wilson(0.0, 50.0);
        assert_eq!(e.low, 0.0);
        assert!((e.high - Z95 * Z95 / (50.0 + Z95 * Z95)).abs() < 1e-12);
    }

    #[test]
    fn ratio_of_exact_proportional_pairs_has_zero_width() {
        let mut m = PairMoments::default();
        for y in 1..20 {
            m.add(3 * y, y);
        }
        let r = m.ratio();
        assert_eq!(r.value, 3.0);
        assert!(r.high - r.low < 1e-9);
    }

    #[test]
    fn ratio_interval_matches_a_direct_computation() {
        let xs = [10i64, 14, 9, 20, 17];
        let ys = [2i64, 3, 2, 4, 3];
        let mut m = PairMoments::default();
        for (x, y) in xs.iter().zip(ys) {
            m.add(*x, y);
        }
        let r = 70.0 / 14.0;
        let ss: f64 = xs.iter().zip(ys).map(|(x, y)| (*x as f64 - r * y as f64).powi(2)).sum();
        let se = (ss / 4.0).sqrt() / (14.0 / 5.0 * 5f64.sqrt());
        let e = m.ratio();
        assert!((e.value - r).abs() < 1e-12 && (e.high - r - Z95 * se).abs() < 1e-9);
    }

    #[test]
    fn merge_equals_adding_everything_to_one() {
        let mut all = PairMoments::default();
        let (mut a, mut b) = (PairMoments::default(), PairMoments::default());
        for i in 0..50i64 {
            all.add(i * 7 - 100, i % 5);
            if i % 3 == 0 { a.add(i * 7 - 100, i % 5) } else { b.add(i * 7 - 100, i % 5) }
        }
        a.merge(&b);
        assert_eq!(a, all);
    }

    #[test]
    fn independent_months_give_about_the_binomial_width() {
        // Paths whose months are all alike (y = 0 or M) carry one path's worth of
        // information, not M: the effective size is n - 1 = 99 (the sample
        // variance divides by n - 1), not 400.
        let months = 4;
        let mut clustered = PairMoments::default();
        for i in 0..100 {
            clustered.add(if i < 20 { months as i64 } else { 0 }, 1);
        }
        let c = exhaustion_probability(&clustered, months);
        let w = wilson(0.2 * 99.0, 99.0);
        assert!((c.value - 0.2).abs() < 1e-12);
        assert!((c.high - w.high).abs() < 1e-9 && (c.low - w.low).abs() < 1e-9, "{c:?} vs {w:?}");
    }
}

/// One month of the horizon, for one plan, across paths.
#[derive(Debug, Clone)]
pub struct MonthStats {
    pub sums: Sums,
    /// Per path: the squares and product of (cost, usable) in this month; their
    /// count and sums are already the sums' (see [`MonthStats::cost_usable`]).
    cost_usable_products: PairMoments,
    /// Rollover bank at the month's end.
    pub bank: Sketch,
}

/// Everything kept about one plan.
#[derive(Debug, Clone)]
pub struct PlanStats {
    pub by_month: Vec<MonthStats>,
    /// Per path: (exhausted months, 1).
    pub exhausted: PairMoments,
    /// Per path: (total cost in micro-dollars, total usable deliverables).
    pub cost_usable: PairMoments,
    /// Per path-month histograms.
    pub spent: Sketch,
    pub cost: Sketch,
    /// Micro-dollars per usable deliverable, over months with at least one.
    pub cost_per_usable: Sketch,
    /// Count of exhausted months by first-exhaustion day (index = day).
    pub exhaustion_days: Vec<u64>,
}

/// One pair of plans (a, b), compared month by month on the same demand.
#[derive(Debug, Clone, Default)]
pub struct PairStats {
    pub a: usize,
    pub b: usize,
    pub a_cheaper: u64,
    pub equal: u64,
    /// Per path: (total cost of a minus total cost of b, 1).
    pub difference: PairMoments,
}

/// Everything kept about one scenario's run: mergeable, integer-only.
#[derive(Debug, Clone)]
pub struct ScenarioStats {
    pub months: u32,
    pub paths: u64,
    pub plans: Vec<PlanStats>,
    pub pairs: Vec<PairStats>,
    /// Tokens the work of a path-month would cost if all of it were paid.
    pub demand: Sketch,
}

impl PlanStats {
    fn new(months: u32, days: u32) -> PlanStats {
        PlanStats {
            by_month: (0..months)
                .map(|_| MonthStats {
                    sums: Sums::default(),
                    cost_usable_products: PairMoments::default(),
                    // Two figures (within 0.5%) for the chart's bands: one of
                    // these per plan and month is most of an accumulator's memory.
                    bank: Sketch::with_figures(2),
                })
                .collect(),
            exhausted: PairMoments::default(),
            cost_usable: PairMoments::default(),
            spent: Sketch::default(),
            cost: Sketch::default(),
            cost_per_usable: Sketch::default(),
            exhaustion_days: vec![0; days as usize + 1],
        }
    }

    fn add_path(&mut self, months: &[MonthTally]) {
        let (mut exhausted, mut cost, mut usable) = (0i64, 0i64, 0i64);
        for (t, month) in months.iter().zip(&mut self.by_month) {
            month.sums.add(t);
            month.cost_usable_products.add_products(t.cost() as i64, t.usable as i64);
            month.bank.record(t.end.bank);
            self.spent.record(t.spent);
            self.cost.record(t.cost());
            if let Some(per_usable) = t.cost().checked_div(t.usable) {
                self.cost_per_usable.record(per_usable);
            }
            if let Some(day) = t.exhausted_day {
                exhausted += 1;
                if let Some(slot) = self.exhaustion_days.get_mut(day as usize) {
                    *slot += 1;
                }
            }
            cost += t.cost() as i64;
            usable += t.usable as i64;
        }
        self.exhausted.add(exhausted, 1);
        self.cost_usable.add(cost, usable);
    }

    /// Records the runs its sketches hold.
    fn settle(&mut self) {
        self.by_month.iter_mut().for_each(|month| month.bank.settle());
        [&mut self.spent, &mut self.cost, &mut self.cost_per_usable].into_iter().for_each(Sketch::settle);
    }

    /// Sums over the whole horizon: the months' sums added up, saturating, so
    /// they equal (and saturate with) sums kept directly, without adding every
    /// path-month twice.
    pub fn sums(&self) -> Sums {
        self.by_month.iter().fold(Sums::default(), |mut all, m| {
            all.merge(&m.sums);
            all
        })
    }

    fn merge(&mut self, o: &PlanStats) {
        for (mine, theirs) in self.by_month.iter_mut().zip(&o.by_month) {
            mine.sums.merge(&theirs.sums);
            mine.cost_usable_products.merge(&theirs.cost_usable_products);
            mine.bank.merge(&theirs.bank);
        }
        self.exhausted.merge(&o.exhausted);
        self.cost_usable.merge(&o.cost_usable);
        self.spent.merge(&o.spent);
        self.cost.merge(&o.cost);
        self.cost_per_usable.merge(&o.cost_per_usable);
        for (mine, theirs) in self.exhaustion_days.iter_mut().zip(&o.exhaustion_days) {
            *mine += theirs;
        }
    }
}

impl PairStats {
    /// Adds one path: plan a's months and plan b's.
    fn add_path(&mut self, a: &[MonthTally], b: &[MonthTally]) {
        let (mut a_cheaper, mut equal, mut difference) = (0, 0, 0i64);
        for (a, b) in a.iter().zip(b).map(|(a, b)| (a.cost(), b.cost())) {
            a_cheaper += u64::from(a < b);
            equal += u64::from(a == b);
            difference += a as i64 - b as i64;
        }
        self.a_cheaper += a_cheaper;
        self.equal += equal;
        self.difference.add(difference, 1);
    }
}

impl ScenarioStats {
    pub fn new(plans: usize, months: u32, days: u32) -> ScenarioStats {
        let pairs =
            (0..plans).flat_map(|a| (a + 1..plans).map(move |b| PairStats { a, b, ..PairStats::default() })).collect();
        ScenarioStats {
            months,
            paths: 0,
            plans: (0..plans).map(|_| PlanStats::new(months, days)).collect(),
            pairs,
            demand: Sketch::default(),
        }
    }

    /// Adds whole paths: `tallies[(path * plans + plan) * months + month]`,
    /// and `demand[path * months + month]`, the tokens demanded. The result is
    /// the same as adding them one by one (integer sums and counts), but
    /// each accumulator is visited once for all of them.
    pub fn add_paths(&mut self, tallies: &[MonthTally], demand: &[u64]) {
        let months = self.months as usize;
        let paths = demand.len() / months.max(1);
        assert_eq!(tallies.len(), paths * months * self.plans.len(), "tallies of whole paths");
        assert_eq!(demand.len(), paths * months, "the demand of whole paths");
        self.paths += paths as u64;
        let plans = self.plans.len();
        let of = |path: usize, plan: usize| &tallies[(path * plans + plan) * months..][..months];
        // Plan by plan: one plan's accumulators stay in cache while every path adds to them.
        for (p, plan) in self.plans.iter_mut().enumerate() {
            for path in 0..paths {
                plan.add_path(of(path, p));
            }
        }
        for pair in &mut self.pairs {
            for path in 0..paths {
                pair.add_path(of(path, pair.a), of(path, pair.b));
            }
        }
        for &tokens in demand {
            self.demand.record(tokens);
        }
        self.plans.iter_mut().for_each(PlanStats::settle);
        self.demand.settle();
    }

    /// True if some sum outgrew 64-bit integers (then the figures would be wrong).
    pub fn saturated(&self) -> bool {
        // A month's saturated sum saturates the horizon's too.
        self.plans.iter().any(|p| p.sums().saturated())
    }

    pub fn merge(&mut self, o: &ScenarioStats) {
        self.paths += o.paths;
        for (mine, theirs) in self.plans.iter_mut().zip(&o.plans) {
            mine.merge(theirs);
        }
        for (mine, theirs) in self.pairs.iter_mut().zip(&o.pairs) {
            mine.a_cheaper += theirs.a_cheaper;
            mine.equal += theirs.equal;
            mine.difference.merge(&theirs.difference);
        }
        self.demand.merge(&o.demand);
    }
}

/// Per-plan figures read from the accumulators (money in dollars, per month).
#[derive(Debug, Clone)]
pub struct PlanSummary {
    pub exhaustion: Estimate,
    /// Mean first-exhaustion day among months that ran out.
    pub exhaustion_day: f64,
    pub demanded: f64,
    pub usable: f64,
    pub abandoned: f64,
    pub unmet: f64,
    pub unmet_share: f64,
    /// Charges completed (paid or relaxed) per month.
    pub charges: f64,
    pub spent_mean: f64,
    pub spent_p50: f64,
    pub spent_p95: f64,
    pub expired: f64,
    pub waste_share: f64,
    pub topup_units: f64,
    pub topup_usd: f64,
    pub relaxed_share: f64,
    pub waiting_days: f64,
    pub cost: Estimate,
    pub cost_p50: f64,
    pub cost_p95: f64,
    pub cost_per_usable: Estimate,
    pub cost_per_usable_p50: f64,
    pub cost_per_usable_p95: f64,
}

const USD: f64 = 1e-6;

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 { f64::NAN } else { part as f64 / whole as f64 }
}

impl PlanStats {
    pub fn summary(&self, months: u32) -> PlanSummary {
        let s = self.sums();
        let per_month = |x: u64| share(x, s.months);
        let completed = s.usable + s.abandoned;
        PlanSummary {
            exhaustion: exhaustion_probability(&self.exhausted, u64::from(months)),
            exhaustion_day: share(s.exhausted_day, s.exhausted),
            demanded: per_month(s.demanded),
            usable: per_month(s.usable),
            abandoned: per_month(s.abandoned),
            unmet: per_month(s.unmet),
            unmet_share: share(s.unmet, s.demanded),
            charges: per_month(s.charges),
            spent_mean: per_month(s.spent),
            spent_p50: self.spent.quantile(0.5),
            spent_p95: self.spent.quantile(0.95),
            expired: per_month(s.expired),
            waste_share: share(s.expired, s.granted),
            topup_units: per_month(s.bought),
            topup_usd: per_month(s.topup_cost) * USD,
            relaxed_share: share(s.relaxed, s.charges),
            waiting_days: share(s.waiting_days, completed),
            cost: self.cost_usable.mean_x().scaled(USD / f64::from(months)),
            cost_p50: self.cost.quantile(0.5) * USD,
            cost_p95: self.cost.quantile(0.95) * USD,
            cost_per_usable: self.cost_usable.ratio().scaled(USD),
            cost_per_usable_p50: self.cost_per_usable.quantile(0.5) * USD,
            cost_per_usable_p95: self.cost_per_usable.quantile(0.95) * USD,
        }
    }
}

/// One month of the horizon for one plan.
#[derive(Debug, Clone)]
pub struct MonthSummary {
    pub exhaustion: Estimate,
    pub exhaustion_day: f64,
    pub demanded: f64,
    pub usable: f64,
    pub unmet_share: f64,
    pub spent: f64,
    pub expired: f64,
    pub topup_usd: f64,
    pub bank_mean: f64,
    pub bank_p10: f64,
    pub bank_p50: f64,
    pub bank_p90: f64,
    pub cost: f64,
    pub cost_per_usable: Estimate,
}

impl MonthStats {
    /// Per path: (cost, usable) in this month.
    pub fn cost_usable(&self) -> PairMoments {
        let s = &self.sums;
        PairMoments { n: s.months, sx: s.cost.into(), sy: s.usable.into(), ..self.cost_usable_products.clone() }
    }

    pub fn summary(&self) -> MonthSummary {
        let s = &self.sums;
        let per_path = |x: u64| share(x, s.months);
        MonthSummary {
            // One month per path: the months counted here are independent.
            exhaustion: wilson(s.exhausted as f64, s.months as f64),
            exhaustion_day: share(s.exhausted_day, s.exhausted),
            demanded: per_path(s.demanded),
            usable: per_path(s.usable),
            unmet_share: share(s.unmet, s.demanded),
            spent: per_path(s.spent),
            expired: per_path(s.expired),
            topup_usd: per_path(s.topup_cost) * USD,
            bank_mean: per_path(s.bank_end),
            bank_p10: self.bank.quantile(0.1),
            bank_p50: self.bank.quantile(0.5),
            bank_p90: self.bank.quantile(0.9),
            cost: per_path(s.cost) * USD,
            cost_per_usable: self.cost_usable().ratio().scaled(USD),
        }
    }
}

/// Plan a against plan b on the same months.
#[derive(Debug, Clone)]
pub struct PairSummary {
    pub a_cheaper: f64,
    pub equal: f64,
    pub b_cheaper: f64,
    /// Mean monthly cost of a minus b, dollars, with a 95% interval.
    pub difference: Estimate,
}

impl PairStats {
    pub fn summary(&self, months: u32) -> PairSummary {
        let total = self.difference.n * u64::from(months);
        PairSummary {
            a_cheaper: share(self.a_cheaper, total),
            equal: share(self.equal, total),
            b_cheaper: share(total - self.a_cheaper - self.equal, total),
            difference: self.difference.mean_x().scaled(USD / f64::from(months)),
        }
    }
}

/// The cheapest plan (by mean monthly cost) whose probability of running out
/// and unmet share are both at most `target`; `None` if no plan qualifies.
pub fn recommend(summaries: &[PlanSummary], target: f64) -> Option<usize> {
    summaries
        .iter()
        .enumerate()
        .filter(|(_, s)| meets_target(s, target))
        .min_by(|(_, a), (_, b)| a.cost.value.total_cmp(&b.cost.value))
        .map(|(i, _)| i)
}

pub fn meets_target(s: &PlanSummary, target: f64) -> bool {
    // A scenario with no demand has no unmet share: it cannot miss the target.
    s.exhaustion.value <= target && (s.unmet_share.is_nan() || s.unmet_share <= target)
}
