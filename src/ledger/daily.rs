//! Daily plans (Free): the allowance resets every day and nothing is bought
//! or relaxed, so only today's allowance ever pays.
//!
//! A month is then one pass through whole deliverables, each worked from
//! the day it arrives: those waiting from earlier months, then the month's
//! own, read where demand laid them out. A refused charge either drops its
//! job or waits, with the jobs behind it, for the next reset; what is left
//! at the month's end joins the queue. A deliverable whose shape and
//! starting allowance have been seen before takes its recorded jump
//! (`jumps`); any other is walked, its attempts paid as one run, and
//! records its jump. A waiting job is the deliverable itself plus how many of
//! its charges are done, and what expired in the month is what its grants
//! left neither spent nor held. `tests/ledger_bulk.rs` pins this to the general walk.

use super::jumps::{Jump, Slot};
use super::{Deliverable, JobEnd, Ledger, Month, Policy, Unit};

/// A deliverable, with the (absolute) day it was demanded.
#[derive(Debug, Clone, Copy)]
struct Queued {
    job: Deliverable,
    since: u32,
}

/// A job as the daily walk reads it: one waiting in the queue, or one of
/// the month's own, dated by its day of the month.
trait Arrival: Copy {
    fn job(&self) -> &Deliverable;
    /// The (absolute) day it was demanded; `before` is the day before this month's first.
    fn since(&self, before: u32) -> u32;
    /// The day of this month it was demanded, or 0 if in an earlier one.
    fn arrival(&self, before: u32) -> u32;
    /// Days it has waited on `day` of this month.
    fn waited(&self, before: u32, day: u32) -> u32;
}

impl Arrival for Queued {
    fn job(&self) -> &Deliverable {
        &self.job
    }
    fn since(&self, _: u32) -> u32 {
        self.since
    }
    /// A waiting job came in an earlier month: it is there from the first day.
    fn arrival(&self, before: u32) -> u32 {
        debug_assert!(self.since <= before, "a queued job is from an earlier month");
        0
    }
    fn waited(&self, before: u32, day: u32) -> u32 {
        before + day - self.since
    }
}

impl Arrival for Deliverable {
    fn job(&self) -> &Deliverable {
        self
    }
    fn since(&self, before: u32) -> u32 {
        before + u32::from(self.day)
    }
    fn arrival(&self, _: u32) -> u32 {
        u32::from(self.day)
    }
    fn waited(&self, _: u32, day: u32) -> u32 {
        day - u32::from(self.day)
    }
}

/// The jobs not ended yet, in order, from `jobs[head]`; that first one has
/// `done` of its charges paid. A month's jobs left at its end join last, so
/// those from `month_start` on are its own.
#[derive(Debug, Clone, Default)]
pub(super) struct DailyQueue {
    jobs: Vec<Queued>,
    head: usize,
    done: u32,
    month_start: usize,
}

impl DailyQueue {
    pub(super) fn len(&self) -> usize {
        self.jobs.len() - self.head
    }

    /// Empty, keeping the buffer's memory.
    pub(super) fn clear(&mut self) {
        self.jobs.clear();
        (self.head, self.done, self.month_start) = (0, 0, 0);
    }

    /// Jobs demanded this month and not ended.
    pub(super) fn of_this_month(&self) -> u64 {
        (self.jobs.len() - self.head.max(self.month_start)) as u64
    }

    /// Queues the month's jobs left at its end, each with its day; `before`
    /// is the day before the month's first. Ended jobs leave the buffer
    /// first, so that it stays small.
    fn join(&mut self, jobs: &[Deliverable], before: u32) {
        self.jobs.drain(..self.head);
        self.head = 0;
        self.month_start = self.jobs.len();
        self.jobs.extend(jobs.iter().map(|&job| Queued { job, since: job.since(before) }));
    }
}

/// True when every job's `day` is that of the day in `month.days` holding it.
fn days_agree(month: &Month) -> bool {
    let mut start = 0;
    (1..).zip(month.days.iter()).all(|(number, day)| {
        let jobs = &month.jobs[start..day.end as usize];
        start = day.end as usize;
        jobs.iter().all(|job| job.day == number)
    })
}

/// Marks the branch that calls it as seldom taken (`std::hint::cold_path`
/// needs a newer Rust than the crate's `rust-version`).
#[cold]
#[inline(never)]
fn seldom() {}

/// How far a deliverable got with what is left of today's allowance.
enum Served {
    Done,
    Dropped,
    /// It waits for the next reset with this many charges done.
    Blocked(u32),
}

impl Ledger {
    /// True for a plan that spends only today's allowance: a daily reset in
    /// tokens, and a policy that neither buys packs nor runs relaxed on it.
    pub(super) fn spends_only_today(&self) -> bool {
        let t = &self.terms;
        let buys = matches!(self.policy, Policy::TopUp | Policy::RelaxedThenTopUp) && t.pack.is_some();
        let relaxes = self.policy == Policy::RelaxedThenTopUp && t.relaxed_per_day.iter().any(|&n| n > 0);
        t.daily_reset && t.unit == Unit::Tokens && t.auto_refill_below.is_none() && !buys && !relaxes
    }

    /// `run_month` for a plan that [spends only today's allowance](Ledger::spends_only_today).
    ///
    /// The plan works through its jobs in order, each from the day it
    /// arrives and as far as the month goes: those still waiting first, then
    /// the month's own. What is left at the month's end waits, in order.
    pub(super) fn run_daily_month(&mut self, month: &Month) {
        debug_assert!(self.backlog.is_empty(), "a daily plan's jobs wait in its own queue");
        debug_assert!(days_agree(month), "a job's day differs from the day that holds it");
        let (before, last) = (self.day, month.days.len() as u32);
        let carried = self.pools.fast;
        self.tally.demanded += month.jobs.len() as u64;
        // The month's own jobs not ended in it.
        let mut rest = month.jobs;
        if last > 0 {
            self.next_day();
            if self.work_through_waiting(last) {
                // Most of the month's own jobs end in it: they are not copied to the queue.
                rest = &rest[self.work_through(rest, true, last)..];
            }
            self.next_day_until(last);
        }
        self.daily.join(rest, before);
        // Every day's grant is spent, expires, or is held at the month's end.
        let granted = self.terms.allowance * u64::from(last);
        let spent = self.tally.spent;
        let (t, f) = (&mut self.tally, &mut self.flows);
        t.expired = carried + granted - spent - self.pools.fast;
        (t.granted, t.from_fast) = (granted, spent);
        f.granted += granted;
        f.spent += spent;
        f.expired += t.expired;
    }

    /// The next day: what is left of today's allowance expires (the month
    /// counts it at its end), and a new one is granted.
    fn next_day(&mut self) {
        self.pools.fast = self.terms.allowance;
        self.day += 1;
        self.day_of_month += 1;
    }

    fn next_day_until(&mut self, day_of_month: u32) {
        while self.day_of_month < day_of_month {
            self.next_day();
        }
    }

    /// Works through the jobs waiting from earlier months; true if none is
    /// left, false if the month ended first.
    fn work_through_waiting(&mut self, last: u32) -> bool {
        let jobs = std::mem::take(&mut self.daily.jobs);
        self.daily.head += self.work_through(&jobs[self.daily.head..], false, last);
        self.daily.jobs = jobs;
        let all = self.daily.head == self.daily.jobs.len();
        if all {
            self.daily.clear();
        }
        all
    }

    /// Works through `jobs` until they end or the month does, the first of
    /// them from the queue's `done`-th charge: whole jobs jump while they
    /// can, the others are walked. Returns how many ended; the next one, if
    /// any, has `done` of its charges paid. `fresh` jobs were demanded this month.
    fn work_through<J: Arrival>(&mut self, jobs: &[J], fresh: bool, last: u32) -> usize {
        let mut ended = 0;
        while ended < jobs.len() {
            if self.daily.done == 0 && self.jumps.records() {
                // Few enough jobs at a time that the sums in one word stay apart.
                let ahead = &jobs[ended..jobs.len().min(ended + Slot::SUMS)];
                ended += self.jump_through(ahead, fresh, last);
                if ended == jobs.len() {
                    break;
                }
            }
            let first = &jobs[ended];
            let since = first.since(self.day - self.day_of_month);
            if !self.walk_through(first.job(), since, fresh, last) {
                break;
            }
            (ended, self.daily.done) = (ended + 1, 0);
        }
        ended
    }

    /// Moves on to the (absolute) day `since` a job arrived, if that is later.
    fn wait_for(&mut self, since: u32) {
        let arrival = since.saturating_sub(self.day - self.day_of_month);
        self.next_day_until(arrival);
    }

    /// Works through whole jobs, from the day each arrives, while each has a
    /// recorded jump that ends within the month; returns how many. `fresh`
    /// jobs were demanded this month.
    fn jump_through<J: Arrival>(&mut self, jobs: &[J], fresh: bool, last: u32) -> usize {
        let allowance = self.terms.allowance;
        let (mut day, mut left) = (self.day_of_month, self.pools.fast);
        // The (absolute) day before the month's first.
        let before = self.day - day;
        // The loop is the daily walk's critical path, from one job's slot to
        // what is left for the next: no branch but its exits and a late
        // arrival, and few enough values that what is left stays in a
        // register. The counts of jobs done usable and dropped are 32-bit
        // fields of one word (the abandoned are the rest), spent and paid
        // two fields of another (`Slot::cost`).
        const USABLE: u64 = 1;
        const DROPPED: u64 = 1 << 32;
        let (mut counts, mut costs, mut waiting_days) = (0u64, 0u64, 0u64);
        // The day it first ran out, or `u32::MAX`.
        let mut exhausted = self.tally.exhausted_day.unwrap_or(u32::MAX);
        let jumps = &self.jumps;
        let mut jumped = 0;
        while let Some(queued) = jobs.get(jumped) {
            // The shape's row of slots is found first, off the chain from job
            // to job: that chain is then the allowance left and one load at
            // that offset in the row (an add before the load made it a cycle
            // longer, and the loop 4% slower).
            let row = jumps.row(jumps.base(queued.job()));
            // The days before it arrives expire whole: it starts a day afresh.
            // A branch, not a select: the select would lengthen the chain from
            // one job's end to the next one's slot, and the plan seldom
            // catches up (for one job in eleven in social-media-manager).
            let arrival = queued.arrival(before);
            if arrival > day {
                seldom();
                (left, day) = (allowance, arrival);
            }
            let slot = row.at(left);
            if day + slot.days() > last {
                break; // none recorded, or it ends next month
            }
            // Dropped or not as a number, not a bool: the compiler turns a
            // bool's `if` into a branch, mispredicted for many dropped jobs.
            let (dropped, kept) = (u64::from(slot.dropped()), u64::from(!slot.dropped()));
            // Only the month's first job to run out sets its day. The
            // compiler makes this two selects, half the instructions of the
            // minimum of the day and a select between it and `u32::MAX`.
            if exhausted == u32::MAX && slot.ran_out() {
                exhausted = day;
            }
            day += slot.days();
            left = slot.left();
            costs += slot.cost();
            counts += dropped * DROPPED + kept * u64::from(queued.job().usable) * USABLE;
            waiting_days += kept * u64::from(queued.waited(before, day));
            jumped += 1;
        }
        (self.day, self.day_of_month, self.pools.fast) = (before + day, day, left);
        let t = &mut self.tally;
        t.exhausted_day = (exhausted != u32::MAX).then_some(exhausted);
        let count = |field: u64| (counts / field) & u64::from(u32::MAX);
        let (spent, paid) = Slot::spent_and_paid(costs);
        t.usable += count(USABLE);
        t.abandoned += jumped as u64 - count(USABLE) - count(DROPPED);
        t.dropped += count(DROPPED);
        t.spent += spent;
        t.charges += paid;
        // A job from an earlier month was counted unmet there, as waiting.
        t.unmet += if fresh { count(DROPPED) } else { 0 };
        t.waiting_days += waiting_days;
        jumped
    }

    /// Works on a job, demanded on (absolute) day `since`, from the queue's
    /// `done`-th charge, by walking it until it ends or the month does (then
    /// its progress is kept in `done`, and false is returned). A whole job
    /// that ends within the month records its jump. A `fresh` job was
    /// demanded this month.
    fn walk_through(&mut self, job: &Deliverable, since: u32, fresh: bool, last: u32) -> bool {
        self.wait_for(since);
        let done = self.daily.done;
        let (day, left, spent, charges) = (self.day_of_month, self.pools.fast, self.tally.spent, self.tally.charges);
        let Some(dropped) = self.walk(job, done, last) else { return false };
        if done == 0 {
            let jump = Jump {
                days: self.day_of_month - day,
                left: self.pools.fast,
                spent: self.tally.spent - spent,
                paid: self.tally.charges - charges,
                dropped,
            };
            self.jumps.put(job, left, jump);
        }
        if dropped {
            self.tally.dropped += 1;
            self.tally.unmet += u64::from(fresh);
        } else {
            self.complete(job.usable, since);
        }
        true
    }

    /// Walks a job day by day from its `done`-th charge: whether it was
    /// dropped, or `None` if the month ended first.
    fn walk(&mut self, job: &Deliverable, mut done: u32, last: u32) -> Option<bool> {
        loop {
            match self.serve(job, done) {
                Served::Done => return Some(false),
                Served::Dropped => return Some(true),
                Served::Blocked(paid) if self.day_of_month == last => {
                    self.daily.done = paid;
                    return None;
                }
                Served::Blocked(paid) => {
                    done = paid;
                    self.next_day();
                }
            }
        }
    }

    /// Pays a deliverable's charges from its `done`-th on out of today's
    /// allowance, as far as they go.
    fn serve(&mut self, job: &Deliverable, done: u32) -> Served {
        let recipe = &self.recipes[job.recipe as usize];
        let fast = &mut self.pools.fast;
        let before = *fast;
        let mut paid = done;
        let refused = 'pay: {
            if paid < job.attempts {
                let (tokens, count) = (recipe.attempt.tokens, job.attempts - paid);
                // The whole run, or as many attempts as fit (tokens > 0 then).
                let fit =
                    if tokens.saturating_mul(u64::from(count)) <= *fast { count } else { (*fast / tokens) as u32 };
                *fast -= tokens * u64::from(fit);
                paid += fit;
                if fit < count {
                    break 'pay Some(recipe.attempt);
                }
            }
            let mut steps = recipe.chosen(job.steps);
            for _ in job.attempts..paid {
                steps &= steps - 1; // the lowest steps are done already
            }
            while steps != 0 {
                let step = recipe.steps[steps.trailing_zeros() as usize];
                if step.tokens > *fast {
                    break 'pay Some(step);
                }
                *fast -= step.tokens;
                paid += 1;
                steps &= steps - 1;
            }
            None
        };
        self.tally.charges += u64::from(paid - done);
        self.tally.spent += before - *fast;
        let Some(charge) = refused else { return Served::Done };
        self.tally.exhausted_day.get_or_insert(self.day_of_month);
        match self.stopped(&charge) {
            JobEnd::Dropped => Served::Dropped,
            JobEnd::Done | JobEnd::Waiting => Served::Blocked(paid),
        }
    }
}
