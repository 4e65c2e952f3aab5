//! Demand: the deliverables a creator (or each seat of a team) brings, day by day.
//!
//! Everything random lives here. A path first samples its creator's
//! parameters once and turns them into tables ([`Profile::resample`]); then
//! each month may be a burst month (one draw per seat), each day's count is
//! one table draw (working or not, and how many), and each deliverable's
//! whole outcome (workflow, attempts, steps, hence its charges) is one more.
//! A month draws all its days' counts first, then its deliverables in order,
//! so that a month (all its seats) is one loop with no exit per day.
//! The tables hold the exact probabilities; rare outcomes are resolved by
//! further exact draws (see `day_count` and `outcome`).

mod alias;
mod day_count;
mod outcome;

pub use alias::AliasTable;
pub use day_count::{DayCount, Law, MAX_COUNTS, TAIL};
pub use outcome::{HEAD, LISTED_STEPS, Outcomes, WorkflowLaw};

use std::iter;

use rand::{Rng, RngExt};

use crate::catalog::Catalog;
use crate::ledger::{Days, Deliverable, Month, Recipe, RunningSums, Totals, between};
use crate::scenario::{DailyCount, Param, ScenarioFile, Workflow};

/// One seat's tables for a path.
#[derive(Debug, Clone, Default)]
pub struct SeatProfile {
    pub burst_probability: f64,
    /// The day's count in an ordinary month and in a burst month.
    pub days: [DayCount; 2],
    pub outcomes: Outcomes,
}

/// A path's creators: their recipes (seat by seat, workflow by workflow) and tables.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub recipes: Vec<Recipe>,
    pub seats: Vec<SeatProfile>,
    laws: Vec<WorkflowLaw>,
}

/// One month's deliverables, day by day, in buffers reused from month to month.
#[derive(Debug, Clone, Default)]
pub struct MonthWork {
    pub jobs: Vec<Deliverable>,
    /// Where each day's jobs end.
    ends: Vec<u32>,
    pub total: Totals,
    bursts: Vec<bool>,
    /// Each day's count, seat by seat.
    counts: Vec<u64>,
    /// A month whose outcomes are all final: each job's day and seat (and a
    /// span of slots more, see [`DAY_SPAN`]), and the sums over the jobs
    /// before each (as `Entry` tallies them), so that a day's totals are a
    /// difference, worked out only if a plan asks.
    day_of: Vec<u16>,
    seat_of: Vec<u16>,
    sums_before: Vec<RunningSums>,
    /// Any other month: each day's totals.
    day_totals: Vec<Totals>,
    listed: bool,
}

impl MonthWork {
    /// The month as the ledgers take it.
    pub fn view<'a>(&'a self, recipes: &'a [Recipe]) -> Month<'a> {
        let days = match self.listed {
            true => Days::running(&self.ends, &self.sums_before),
            false => Days::each(&self.ends, &self.day_totals),
        };
        Month { recipes, jobs: &self.jobs, days, total: self.total }
    }
}

/// Rounds a sampled count to a whole number within `[low, high]`.
fn whole(value: f64, low: u32, high: u32) -> u32 {
    (value.round().max(f64::from(low)).min(f64::from(high))) as u32
}

impl Profile {
    /// Samples every seat's parameters for a path.
    pub fn sample<R: Rng + ?Sized>(file: &ScenarioFile, catalog: &Catalog, rng: &mut R) -> Result<Profile, String> {
        let mut profile = Profile::default();
        profile.resample(file, catalog, rng)?;
        Ok(profile)
    }

    /// Samples every seat's parameters for a new path, reusing the tables' memory.
    pub fn resample<R: Rng + ?Sized>(
        &mut self,
        file: &ScenarioFile,
        catalog: &Catalog,
        rng: &mut R,
    ) -> Result<(), String> {
        self.seats.resize_with(file.seats as usize, SeatProfile::default);
        for seat in 0..self.seats.len() {
            self.resample_seat(seat, file, catalog, rng)?;
        }
        self.recipes.truncate(self.seats.len() * file.workflows.len());
        Ok(())
    }

    fn resample_seat<R: Rng + ?Sized>(
        &mut self,
        seat: usize,
        file: &ScenarioFile,
        catalog: &Catalog,
        rng: &mut R,
    ) -> Result<(), String> {
        // Recipes and laws are overwritten in place, so that their steps keep their memory.
        let first_recipe = (seat * file.workflows.len()) as u32;
        self.laws.truncate(file.workflows.len());
        for (w, workflow) in file.workflows.iter().enumerate() {
            let share = workflow.share.sample(rng).max(0.0);
            let (recipe, law) = (first_recipe as usize + w, w);
            sample_workflow(workflow, share, catalog, rng, (&mut self.recipes, recipe), (&mut self.laws, law))?;
        }
        if self.laws.iter().map(|l| l.share).sum::<f64>() <= 0.0 {
            return Err("the workflow shares drawn for a path add up to 0".into());
        }
        let rhythm = &file.rhythm;
        let active = (rhythm.active_days_per_week.sample(rng) / 7.0).clamp(0.0, 1.0);
        let mean = rhythm.deliverables_per_day.sample(rng).max(0.0);
        let dispersion = rhythm.dispersion.as_ref().map(|k| k.sample(rng));
        let burst_probability = rhythm.burst_probability.sample(rng).clamp(0.0, 1.0);
        let burst_factor = rhythm.burst_factor.sample(rng).max(0.0);
        let law = |factor: f64| {
            let mean = mean * factor;
            match (rhythm.daily_count, dispersion) {
                (DailyCount::Exact, _) => Law::Exact(mean),
                (DailyCount::Poisson, Some(shape)) => Law::NegativeBinomial { mean, shape },
                (DailyCount::Poisson, None) => Law::Poisson(mean),
            }
        };
        let profile = &mut self.seats[seat];
        profile.burst_probability = burst_probability;
        profile.days[0].rebuild(active, law(1.0));
        if burst_probability > 0.0 {
            profile.days[1].rebuild(active, law(burst_factor));
        }
        profile.outcomes.rebuild(&self.laws, &self.recipes, first_recipe);
        Ok(())
    }

    /// Draws a month of `days` days into `work`: which seats have a burst,
    /// then every day's count, seat by seat, then the deliverables in order.
    /// (Out of line: inlining buys nothing per month, and profiles then show it.)
    #[inline(never)]
    pub fn month<R: Rng + Clone>(&self, days: u32, rng: &mut R, work: &mut MonthWork) {
        self.month_as(days, rng, work, false);
    }

    /// `month`, drawn day by day and seat by seat if `day_by_day` (as months
    /// that need further draws are), for tests to set the two ways side by side.
    #[inline(always)]
    fn month_as<R: Rng + Clone>(&self, days: u32, rng: &mut R, work: &mut MonthWork, day_by_day: bool) {
        work.bursts.clear();
        work.bursts
            .extend(self.seats.iter().map(|s| s.burst_probability > 0.0 && rng.random::<f64>() < s.burst_probability));
        let bursts = &work.bursts;
        let tables =
            || self.seats.iter().zip(bursts).map(|(seat, &burst)| (&seat.days[usize::from(burst)], &seat.outcomes));
        // Every count is drawn into: last month's are not blanked first (nor
        // `ends`, which the listed month with one seat writes in place too).
        if let [seat] = &self.seats[..] {
            // One seat (the common case) has its table picked once a month.
            work.counts.resize(days as usize, 0);
            seat.days[usize::from(bursts[0])].fill(&mut work.counts, rng);
        } else {
            // Written in place, day by day and seat by seat: no vector grown a day at a time.
            work.counts.resize(days as usize * self.seats.len(), 0);
            for day in work.counts.chunks_exact_mut(self.seats.len()) {
                for (count, (table, _)) in day.iter_mut().zip(tables()) {
                    *count = table.sample(rng);
                }
            }
        }
        // The counts known, the jobs are laid out once, and each draw writes its slot.
        let total = work.counts.iter().try_fold(0u64, |total, &count| total.checked_add(count));
        let total = total.and_then(|total| usize::try_from(total).ok()).expect("capacity overflow");
        // Every slot is drawn into, so last month's are not blanked first.
        work.jobs.truncate(total);
        work.jobs.resize(total, BLANK);
        let listed = !day_by_day
            && self.seats.len() <= usize::from(u16::MAX)
            && self.seats.iter().all(|seat| seat.outcomes.plain_limit() >= total as u64);
        work.listed = listed;
        work.total = match listed {
            true => Listed {
                jobs: &mut work.jobs,
                day_of: &mut work.day_of,
                seat_of: &mut work.seat_of,
                sums_before: &mut work.sums_before,
            }
            .month(&work.counts, &self.seats, rng, &mut work.ends),
            false => {
                work.day_totals.clear();
                work.ends.clear();
                let mut counts = work.counts.iter();
                let mut end = 0;
                for day in 1..=days as u16 {
                    let (start, mut totals) = (end, Totals::default());
                    for ((_, outcomes), &count) in tables().zip(&mut counts) {
                        let slots = &mut work.jobs[end..end + count as usize];
                        outcomes.fill(slots, day, &self.recipes, rng, &mut totals);
                        end += count as usize;
                    }
                    totals.jobs = (end - start) as u64;
                    work.ends.push(end as u32);
                    work.day_totals.push(totals);
                }
                // Summed apart: the loops have enough to keep in registers.
                work.day_totals.iter().fold(Totals::default(), |mut total, day| {
                    total.add(day);
                    total
                })
            }
        };
    }
}

/// A month where every outcome is final and plain sums hold for all its
/// deliverables, whatever seat draws them: the buffers it is drawn into.
struct Listed<'a> {
    jobs: &'a mut [Deliverable],
    day_of: &'a mut Vec<u16>,
    seat_of: &'a mut Vec<u16>,
    sums_before: &'a mut Vec<RunningSums>,
}

/// A day's jobs rarely number more than this: each day's number is written
/// over this many slots at once, and later days overwrite the rest.
const DAY_SPAN: usize = 16;
/// The span for busy months, with more than half a [`DAY_SPAN`] of jobs a day on average.
const WIDE_SPAN: usize = 64;

impl Listed<'_> {
    /// Draws every deliverable in one loop, keeping the sums before each
    /// job (a day's totals are their difference, worked out only if a plan
    /// asks): no branch depends on a day's count. `counts` are each day's,
    /// seat by seat; where each day ends is written to `ends`. Returns the
    /// month's totals, the sums over all its jobs.
    fn month<R: Rng + Clone>(
        mut self,
        counts: &[u64],
        seats: &[SeatProfile],
        rng: &mut R,
        ends: &mut Vec<u32>,
    ) -> Totals {
        let n = self.jobs.len();
        // Every slot up to `n` is written below, so last month's are not blanked first.
        self.day_of.truncate(n + WIDE_SPAN);
        self.day_of.resize(n + WIDE_SPAN, 0);
        let several = seats.len() > 1;
        if several {
            self.seat_of.truncate(n + DAY_SPAN);
            self.seat_of.resize(n + DAY_SPAN, 0);
            self.date_by_seat(counts, seats.len());
        } else {
            self.date(counts, ends);
        }
        // Each job's table: its seat's, read beside it rather than looked up by its index.
        let sums_before = match several {
            false => Self::draw(self.jobs, self.day_of, self.sums_before, iter::repeat(&seats[0].outcomes), rng),
            true => {
                let tables = self.seat_of.iter().map(|&seat| &seats[usize::from(seat)].outcomes);
                Self::draw(self.jobs, self.day_of, self.sums_before, tables, rng)
            }
        };
        if several {
            let mut end = 0;
            ends.clear();
            ends.extend(counts.chunks_exact(seats.len()).map(|day| {
                end += day.iter().sum::<u64>() as u32;
                end
            }));
        }
        between(sums_before, 0, n)
    }

    /// Writes each day's number over its jobs' slots, and where each day
    /// ends to `ends`, from one seat's `counts`. Busy months (a pipeline's,
    /// with 20 jobs a day) use a wider span, so that their days do not each
    /// take the rarer branch, half of them mispredicted; either span gives
    /// the same slots.
    fn date(&mut self, counts: &[u64], ends: &mut Vec<u32>) {
        ends.resize(counts.len(), 0);
        if self.jobs.len() > counts.len() * DAY_SPAN / 2 {
            date_over::<WIDE_SPAN>(self.day_of, counts, ends);
        } else {
            date_over::<DAY_SPAN>(self.day_of, counts, ends);
        }
    }

    /// Writes each day's and each seat's number over its jobs' slots;
    /// `counts` are each day's, seat by seat.
    fn date_by_seat(&mut self, counts: &[u64], seats: usize) {
        // Slices taken once: through the vectors, every store reloaded both.
        let (day_of, seat_of) = (&mut self.day_of[..], &mut self.seat_of[..]);
        let mut start = 0;
        for (day, group) in (1..).zip(counts.chunks_exact(seats)) {
            for (seat, &count) in (0..).zip(group) {
                // As in `date`: a fixed span, stored without a loop, and the rest seldom.
                day_of[start..start + DAY_SPAN].fill(day);
                seat_of[start..start + DAY_SPAN].fill(seat);
                if count as usize > DAY_SPAN {
                    day_of[start..start + count as usize].fill(day);
                    seat_of[start..start + count as usize].fill(seat);
                }
                start += count as usize;
            }
        }
    }

    /// Draws each job from its table (`tables`, job by job) and dates it;
    /// returns the sums before each job (and after the last).
    fn draw<'s, 't, R: Rng + Clone>(
        jobs: &mut [Deliverable],
        day_of: &[u16],
        sums_before: &'s mut Vec<RunningSums>,
        tables: impl Iterator<Item = &'t Outcomes>,
        rng: &mut R,
    ) -> &'s [RunningSums] {
        let n = jobs.len();
        sums_before.truncate(n + 1);
        sums_before.resize(n + 1, [0; 3]);
        sums_before[0] = [0; 3];
        let mut sums = [0u64; 3];
        // The loop draws from a copy of the generator, whose state stays in
        // registers: through `rng`, the several-seat loop stored it for every
        // job, the compiler unable to tell it from the seat tables it reads.
        let mut local = rng.clone();
        for (((slot, &day), before), table) in jobs.iter_mut().zip(day_of).zip(&mut sums_before[1..]).zip(tables) {
            let entry = table.draw(&mut local);
            sums = [sums[0] + entry.tally, sums[1] + entry.tokens, sums[2] + entry.micros];
            *before = sums;
            // Copied whole, then dated: one 16-byte move, not a field at a time.
            *slot = entry.job;
            slot.day = day;
        }
        *rng = local;
        sums_before
    }
}

/// Writes each day's number over `SPAN` slots from its first job's (a
/// fixed length, stored without a loop), and over all its jobs' if more;
/// and where each day ends to its place in `ends`.
fn date_over<const SPAN: usize>(day_of: &mut [u16], counts: &[u64], ends: &mut [u32]) {
    let ends = &mut ends[..counts.len()];
    let mut start = 0;
    // Indexed, not zipped: three zipped iterators leave too few registers.
    for i in 0..counts.len() {
        let (day, count) = (i as u16 + 1, counts[i] as usize);
        day_of[start..start + SPAN].fill(day);
        if count > SPAN {
            day_of[start..start + count].fill(day);
        }
        start += count;
        ends[i] = start as u32;
    }
}

/// A slot of the month's job buffer before its draw writes it.
const BLANK: Deliverable = Deliverable::new(0, 0, 0, false);

/// A workflow's charges and law for one path, written to `recipes[recipe]`
/// and `laws[law]` (each either there or next).
fn sample_workflow<R: Rng + ?Sized>(
    workflow: &Workflow,
    share: f64,
    catalog: &Catalog,
    rng: &mut R,
    (recipes, recipe): (&mut Vec<Recipe>, usize),
    (laws, law): (&mut Vec<WorkflowLaw>, usize),
) -> Result<(), String> {
    let price = |id: &str, images: &Param, references: u32, rng: &mut R| {
        let action = catalog.action(id).ok_or_else(|| format!("unknown action `{id}`"))?;
        let images = whole(images.sample(rng), 1, action.tokens.max_images());
        catalog.charge(action, images, references)
    };
    let references = whole(workflow.references.sample(rng), 0, u32::MAX);
    let attempt = price(&workflow.action, &workflow.images, references, rng)?;
    let accept = workflow.accept.sample(rng).clamp(f64::MIN_POSITIVE, 1.0);
    let max_attempts = whole(workflow.max_attempts.sample(rng), 1, u32::MAX);
    let recipe = slot(recipes, recipe, || Recipe { attempt, steps: Vec::new() });
    let law = slot(laws, law, || WorkflowLaw { share, accept, max_attempts, steps: Vec::new() });
    recipe.attempt = attempt;
    (law.share, law.accept, law.max_attempts) = (share, accept, max_attempts);
    recipe.steps.clear();
    law.steps.clear();
    for step in &workflow.steps {
        law.steps.push(step.probability.sample(rng).clamp(0.0, 1.0));
        recipe.steps.push(price(&step.action, &step.images, 0, rng)?);
    }
    Ok(())
}

/// `list[index]`, pushed first (made by `new`) if the list ends just before it.
fn slot<T>(list: &mut Vec<T>, index: usize, new: impl FnOnce() -> T) -> &mut T {
    if index == list.len() {
        list.push(new());
    }
    &mut list[index]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Source;
    use crate::scenario::{Overrides, Scenario};
    use crate::simulation::path_rng;

    fn studio(edit: impl Fn(String) -> String) -> Scenario {
        bundled("studio-team", edit)
    }

    fn bundled(name: &str, edit: impl Fn(String) -> String) -> Scenario {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.toml"));
        let text = edit(std::fs::read_to_string(&path).expect("bundled scenario"));
        let source = Source::new(format!("{name}.toml"), text);
        Scenario::from_source(&source, &path, &Catalog::leonardo(), &Overrides::default()).expect("valid")
    }

    /// Months drawn in one loop equal those drawn day by day and seat by
    /// seat: the same draws, in the same order, into the same slots.
    fn one_loop_equals_day_by_day(scenario: &Scenario) -> usize {
        let (file, catalog) = (&scenario.file, Catalog::leonardo());
        let (mut fast, mut slow) = (MonthWork::default(), MonthWork::default());
        let mut largest = 0;
        for path in 0..10 {
            let mut rng = path_rng(3, path);
            let profile = Profile::sample(file, &catalog, &mut rng).expect("samples");
            assert!(profile.seats.iter().all(|s| s.outcomes.plain_limit() > 0));
            let mut again = rng.clone();
            for month in 0..3 {
                profile.month(file.run.days_per_month, &mut rng, &mut fast);
                profile.month_as(file.run.days_per_month, &mut again, &mut slow, true);
                let at = format!("path {path}, month {month}");
                assert_eq!(fast.jobs, slow.jobs, "{at}: jobs");
                let days = |work: &MonthWork| work.view(&profile.recipes).days.iter().collect::<Vec<_>>();
                assert!(fast.listed && !slow.listed, "{at}: one month of each kind");
                assert_eq!(days(&fast), days(&slow), "{at}: days");
                assert_eq!(fast.total, slow.total, "{at}: total");
                let mut start = 0;
                for day in days(&fast) {
                    largest = largest.max(day.end as usize - start);
                    start = day.end as usize;
                }
            }
        }
        largest
    }

    #[test]
    fn several_seats_drawn_in_one_loop_are_drawn_as_day_by_day() {
        let studio = studio(|text| text);
        assert!(studio.file.seats > 1);
        one_loop_equals_day_by_day(&studio);
    }

    #[test]
    fn one_seat_drawn_in_one_loop_is_drawn_as_day_by_day_with_either_span() {
        let manager = bundled("social-media-manager", |text| text);
        assert_eq!(manager.file.seats, 1);
        // About 3 jobs a day take the narrow span, and some day passes it.
        assert!(one_loop_equals_day_by_day(&manager) > DAY_SPAN);
        // Days busier than half a span on average take the wide one, and some pass even that.
        let busy = |text: String| text.replace("median = 3, sigma = 0.2", "median = 40, sigma = 0.2");
        assert!(one_loop_equals_day_by_day(&bundled("social-media-manager", busy)) > WIDE_SPAN);
    }

    #[test]
    fn several_seats_with_days_of_more_than_one_span_are_drawn_as_day_by_day() {
        let busy = studio(|text| text.replace("median = 3, sigma = 0.35", "median = 30, sigma = 0.35"));
        assert!(one_loop_equals_day_by_day(&busy) > 5 * DAY_SPAN, "some seat's day brings more than a span");
    }
}
