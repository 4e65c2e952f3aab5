//! Daily plans (Free): the allowance resets every day and nothing is bought
//! or relaxed, so only today's allowance ever pays.
//!
//! A month is then one walk through a queue of whole deliverables: each
//! job's attempts are paid as one run, and a refused charge either drops its
//! job or waits, with the jobs behind it, for tomorrow's reset. A waiting
//! job is the deliverable itself plus how many of its charges are done, and
//! what a day spends is read off the allowance it leaves, so no charge is
//! handled alone. `tests/ledger_bulk.rs` pins this walk to the general one.

use super::jumps::Jump;
use super::{Deliverable, JobEnd, Ledger, Month, Policy, Unit};

/// Where the jobs demanded on one day start in the queue's buffer.
#[derive(Debug, Clone, Copy)]
struct Arrival {
    start: usize,
    day: u32,
    month: u32,
}

/// Deliverables waiting in order, from `jobs[head]`; that first one has
/// `done` of its charges paid. Jobs queue a day at a time, copied as they
/// are, and `arrivals` says when each day's jobs came; `arrival` is the
/// first job's. Those from `month_start` on joined this month.
#[derive(Debug, Clone, Default)]
pub(super) struct DailyQueue {
    jobs: Vec<Deliverable>,
    head: usize,
    done: u32,
    arrivals: Vec<Arrival>,
    arrival: usize,
    month_start: usize,
}

impl DailyQueue {
    pub(super) fn len(&self) -> usize {
        self.jobs.len() - self.head
    }

    /// Empty, keeping the buffers' memory.
    pub(super) fn clear(&mut self) {
        self.jobs.clear();
        self.arrivals.clear();
        (self.head, self.done, self.arrival, self.month_start) = (0, 0, 0, 0);
    }

    /// Jobs demanded this month and still waiting.
    pub(super) fn of_this_month(&self) -> u64 {
        (self.jobs.len() - self.head.max(self.month_start)) as u64
    }

    /// A new month: served jobs leave the buffers once they are most of them.
    fn begin_month(&mut self) {
        if self.head > 1024 && self.head * 2 > self.jobs.len() {
            self.jobs.drain(..self.head);
            self.arrivals.drain(..self.arrival);
            self.arrivals.iter_mut().for_each(|a| a.start = a.start.saturating_sub(self.head));
            (self.head, self.arrival) = (0, 0);
        }
        self.month_start = self.jobs.len();
    }

    /// Queues the jobs demanded on `day` of `month`, in order.
    fn push(&mut self, jobs: &[Deliverable], day: u32, month: u32) {
        self.arrivals.push(Arrival { start: self.jobs.len(), day, month });
        self.jobs.extend_from_slice(jobs);
    }

    /// Where the jobs demanded with the first one end.
    fn arrived_with_first(&self) -> usize {
        self.arrivals.get(self.arrival + 1).map_or(self.jobs.len(), |next| next.start)
    }

    /// The first waiting job and when it was demanded.
    fn first(&mut self) -> Option<(Deliverable, Arrival)> {
        let job = *self.jobs.get(self.head)?;
        while self.arrivals.get(self.arrival + 1).is_some_and(|next| next.start <= self.head) {
            self.arrival += 1;
        }
        Some((job, self.arrivals[self.arrival]))
    }

    /// Removes the first `count` jobs.
    fn pop(&mut self, count: usize) {
        self.head += count;
        self.done = 0;
        if self.head == self.jobs.len() {
            self.clear();
        }
    }
}

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
    /// The plan works through its jobs in order, each as far as the month
    /// goes: first those waiting, then the month's own from the day each
    /// arrives. What is left at the month's end waits, in order.
    pub(super) fn run_daily_month(&mut self, month: &Month) {
        debug_assert!(self.backlog.is_empty(), "a daily plan's jobs wait in its own queue");
        if self.months == 1 {
            self.jumps.prepare(&self.recipes, self.terms.allowance);
        }
        self.daily.begin_month();
        let last = month.days.len() as u32;
        let carried = self.pools.fast;
        self.tally.demanded += month.jobs.len() as u64;
        if last > 0 {
            self.next_day();
            if self.work_queue(last) {
                self.work_month(month, last);
            } else {
                self.queue_from(month, 0);
            }
            self.next_day_until(last);
        }
        // Every day's grant is spent, expires, or is held at the month's end.
        let granted = self.terms.allowance * u64::from(last);
        let spent = carried + granted - self.tally.expired - self.pools.fast;
        let (t, f) = (&mut self.tally, &mut self.flows);
        (t.granted, t.spent, t.from_fast) = (granted, spent, spent);
        f.granted += granted;
        f.spent += spent;
        f.expired += t.expired;
    }

    /// The next day: what is left of today's allowance expires, and a new one is granted.
    fn next_day(&mut self) {
        self.tally.expired += self.pools.fast;
        self.pools.fast = self.terms.allowance;
        self.day += 1;
        self.day_of_month += 1;
    }

    fn next_day_until(&mut self, day_of_month: u32) {
        while self.day_of_month < day_of_month {
            self.next_day();
        }
    }

    /// Works through the waiting jobs; true when none is left waiting.
    fn work_queue(&mut self, last: u32) -> bool {
        while let Some((job, since)) = self.daily.first() {
            if self.daily.done == 0 {
                let end = self.daily.arrived_with_first();
                let jobs = std::mem::take(&mut self.daily.jobs);
                let jumped = self.jump_through(&jobs[self.daily.head..end], since.day, since.month, last);
                self.daily.jobs = jobs;
                if jumped > 0 {
                    self.daily.pop(jumped);
                    continue;
                }
            }
            if !self.walk_through(&job, self.daily.done, since.day, since.month, last) {
                return false;
            }
            self.daily.pop(1);
        }
        true
    }

    /// Works through the month's own jobs, each from the day it arrives, once nothing waits.
    fn work_month(&mut self, month: &Month, last: u32) {
        let mut start = 0;
        for (d, day) in month.days.iter().enumerate() {
            let arrival = d as u32 + 1;
            self.next_day_until(arrival);
            let since = self.day - (self.day_of_month - arrival);
            let end = day.end as usize;
            while start < end {
                start += self.jump_through(&month.jobs[start..end], since, self.months, last);
                if start < end {
                    if !self.walk_through(&month.jobs[start], 0, since, self.months, last) {
                        return self.queue_from(month, start);
                    }
                    start += 1;
                }
            }
        }
    }

    /// Queues the month's jobs from the `first`-th on, each with its day.
    fn queue_from(&mut self, month: &Month, first: usize) {
        let base = self.day - self.day_of_month;
        let mut start = 0;
        for (d, day) in month.days.iter().enumerate() {
            let end = day.end as usize;
            if end > first {
                self.daily.push(&month.jobs[start.max(first)..end], base + d as u32 + 1, self.months);
            }
            start = end;
        }
    }

    /// Works through whole jobs demanded on (absolute) day `since` of
    /// `month` while each has a recorded jump that ends within the month;
    /// returns how many.
    fn jump_through(&mut self, jobs: &[Deliverable], since: u32, month: u32, last: u32) -> usize {
        let (t, jumps) = (&mut self.tally, &self.jumps);
        let (mut day, mut left) = (self.day_of_month, self.pools.fast);
        let base = self.day - day;
        let this_month = month == self.months;
        let mut jumped = 0;
        for job in jobs {
            let Some(jump) = jumps.get(job, left).filter(|j| day + j.days as u32 <= last) else { break };
            if jump.days > 0 || jump.dropped {
                t.exhausted_day.get_or_insert(day);
            }
            day += jump.days as u32;
            left = jump.left;
            t.expired += jump.wasted;
            t.charges += jump.paid;
            if jump.dropped {
                t.dropped += 1;
                // A job from an earlier month was counted unmet there, as waiting.
                t.unmet += u64::from(this_month);
            } else {
                t.usable += u64::from(job.usable);
                t.abandoned += u64::from(!job.usable);
                t.waiting_days += u64::from(base + day - since);
            }
            jumped += 1;
        }
        (self.day, self.day_of_month, self.pools.fast) = (base + day, day, left);
        jumped
    }

    /// Works on a job demanded on (absolute) day `since` of `month`, from
    /// its `done`-th charge, by walking it until it ends or the month does
    /// (then its progress is kept in the queue's `done`, and false is
    /// returned). A whole job that ends within the month records its jump.
    fn walk_through(&mut self, job: &Deliverable, done: u32, since: u32, month: u32, last: u32) -> bool {
        let (day, left, expired, charges) =
            (self.day_of_month, self.pools.fast, self.tally.expired, self.tally.charges);
        let Some(dropped) = self.walk(job, done, last) else { return false };
        if done == 0 {
            let jump = Jump {
                days: u64::from(self.day_of_month - day),
                left: self.pools.fast,
                wasted: self.tally.expired - expired,
                paid: self.tally.charges - charges,
                dropped,
            };
            self.jumps.put(job, left, jump);
        }
        self.ended(job, dropped, since, month);
        true
    }

    /// Counts a job that ended: dropped, or completed.
    fn ended(&mut self, job: &Deliverable, dropped: bool, since: u32, month: u32) {
        if dropped {
            self.tally.dropped += 1;
            // A job from an earlier month was counted unmet there, as waiting.
            self.tally.unmet += u64::from(month == self.months);
        } else {
            self.complete(job.usable, since);
        }
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
        let Some(charge) = refused else { return Served::Done };
        self.tally.exhausted_day.get_or_insert(self.day_of_month);
        match self.stopped(&charge) {
            JobEnd::Dropped => Served::Dropped,
            JobEnd::Done | JobEnd::Waiting => Served::Blocked(paid),
        }
    }
}
