//! Daily plans (Free): the allowance resets every day and nothing is bought
//! or relaxed, so only today's allowance ever pays.
//!
//! A month is then one walk through a queue of whole deliverables: each
//! job's attempts are paid as one run, and a refused charge either drops its
//! job or waits, with the jobs behind it, for tomorrow's reset. A waiting
//! job is the deliverable itself plus how many of its charges are done, and
//! what a day spends is read off the allowance it leaves, so no charge is
//! handled alone. `tests/ledger_bulk.rs` pins this walk to the general one.

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

    /// The first waiting job and when it was demanded.
    fn first(&mut self) -> Option<(Deliverable, Arrival)> {
        let job = *self.jobs.get(self.head)?;
        while self.arrivals.get(self.arrival + 1).is_some_and(|next| next.start <= self.head) {
            self.arrival += 1;
        }
        Some((job, self.arrivals[self.arrival]))
    }

    fn pop(&mut self) {
        self.head += 1;
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
    pub(super) fn run_daily_month(&mut self, month: &Month) {
        debug_assert!(self.backlog.is_empty(), "a daily plan's jobs wait in its own queue");
        self.daily.begin_month();
        let mut start = 0;
        for day in month.days {
            let jobs = &month.jobs[start..day.end as usize];
            start = day.end as usize;
            self.day += 1;
            self.day_of_month += 1;
            self.expire_fast();
            self.grant();
            self.tally.demanded += jobs.len() as u64;
            if !self.serve_queue() {
                self.daily.push(jobs, self.day, self.months);
            } else if day.totals.tokens <= self.pools.fast {
                // Nothing waits and today's allowance covers the day.
                self.pools.fast -= day.totals.tokens;
                let t = &mut self.tally;
                t.charges += day.totals.charges;
                t.usable += day.totals.usable;
                t.abandoned += day.totals.jobs - day.totals.usable;
            } else {
                self.serve_today(jobs);
            }
            self.spent_today();
        }
    }

    /// Serves the waiting jobs in order; true when none is left waiting.
    fn serve_queue(&mut self) -> bool {
        while let Some((job, since)) = self.daily.first() {
            let served = match self.daily.done {
                0 => self.serve_whole(&job),
                done => self.serve(&job, done),
            };
            match served {
                Served::Done => self.complete(job.usable, since.day),
                Served::Dropped => {
                    self.tally.dropped += 1;
                    // A job from an earlier month was counted unmet there, as waiting.
                    self.tally.unmet += u64::from(since.month == self.months);
                }
                Served::Blocked(done) => {
                    self.daily.done = done;
                    return false;
                }
            }
            self.daily.pop();
        }
        true
    }

    /// Serves today's jobs while nothing waits; from the first that must wait, they queue.
    fn serve_today(&mut self, jobs: &[Deliverable]) {
        for (i, job) in jobs.iter().enumerate() {
            match self.serve_whole(job) {
                Served::Done => self.complete(job.usable, self.day),
                Served::Dropped => {
                    self.tally.dropped += 1;
                    self.tally.unmet += 1;
                }
                Served::Blocked(done) => {
                    self.daily.push(&jobs[i..], self.day, self.months);
                    self.daily.done = done;
                    return;
                }
            }
        }
    }

    /// Counts what today spent: all of it came from today's allowance.
    fn spent_today(&mut self) {
        let spent = self.terms.allowance - self.pools.fast;
        self.flows.spent += spent;
        self.tally.spent += spent;
        self.tally.from_fast += spent;
    }

    /// Serves a deliverable none of whose charges is paid yet: at once if
    /// today's allowance covers it all.
    fn serve_whole(&mut self, job: &Deliverable) -> Served {
        let recipe = &self.recipes[job.recipe as usize];
        let tokens = recipe.tokens(job);
        if tokens > self.pools.fast {
            return self.serve(job, 0);
        }
        self.pools.fast -= tokens;
        self.tally.charges += u64::from(recipe.charges(job));
        Served::Done
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
