//! The token ledger: one plan's pools, day by day, as a pure state machine.
//!
//! No randomness lives here. The simulation feeds the same jobs to every
//! plan's ledger, so plan comparisons are paired. A charge is paid whole or
//! not at all, from monthly Fast tokens first, then the rollover bank, then
//! top-up tokens. The API route is the same machine with one pool of
//! micro-dollars refilled by its automatic top-up.
//!
//! The simulation hands over a month at a time ([`Ledger::run_month`]): its
//! deliverables in run-length form, with each day's totals. Where walking the
//! charges cannot change the outcome (the pools cover the month or the day,
//! or every shortfall is bought in packs) the month or day is paid as one
//! sum; otherwise its jobs are walked, charge runs at a time. Tests drive the
//! same machine a day and a job at a time (`begin_day`, `submit`).

mod daily;
mod jumps;

use std::collections::VecDeque;

use crate::catalog::{Family, Micros};
use daily::DailyQueue;
use jumps::Jumps;

/// What the ledger's pools count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Tokens,
    /// Millionths of a dollar (the API route's balance).
    MicroUsd,
}

impl Unit {
    /// What `charge` costs in this unit.
    pub fn amount(self, charge: &Charge) -> u64 {
        match self {
            Unit::Tokens => charge.tokens,
            Unit::MicroUsd => charge.api_micros.unwrap_or(0),
        }
    }
}

/// A top-up pack: `units` into the top-up pool for `price`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pack {
    pub units: u64,
    pub price: Micros,
}

/// A plan's rules in integer units, seats already applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub unit: Unit,
    /// Free-style: the allowance is granted every day and the rest expires.
    pub daily_reset: bool,
    pub allowance: u64,
    pub inflow_cap: u64,
    pub bank_cap: u64,
    /// Subscription charged at the start of every month.
    pub subscription: Micros,
    /// `None`: this plan cannot buy top-ups.
    pub pack: Option<Pack>,
    /// API route: buy packs whenever the balance is below this (or below a
    /// charge), without counting it as exhaustion. `None`: no automatic top-up.
    pub auto_refill_below: Option<u64>,
    /// Relaxed generations per day, by [`Family::index`]; 0 = not relaxed.
    pub relaxed_per_day: [u64; Family::ALL.len()],
}

/// One charge of a job, priced for both routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charge {
    pub tokens: u64,
    /// The API route's price; `None` where the catalog has no API price.
    pub api_micros: Option<Micros>,
    pub family: Family,
    /// The action may run relaxed on plans that relax its family.
    pub relaxed_ok: bool,
}

/// What the creator does when a charge cannot be paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// Buy whole packs to cover the charge; where the plan sells none, wait.
    TopUp,
    /// Go relaxed where the plan and action allow and today's throughput lasts;
    /// otherwise as `TopUp`.
    RelaxedThenTopUp,
    /// Wait: the job, and the jobs after it, resume in order when tokens come
    /// back (next reset) or relaxed throughput renews (next day).
    Wait,
    /// Drop the job: what it spent stays spent, nothing usable comes out.
    /// (Under every policy a job is dropped when a charge exceeds all the plan
    /// can ever hold, e.g. a 250-token video on Free's 150 a day.)
    Drop,
}

impl std::fmt::Display for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Policy::TopUp => "top-up",
            Policy::RelaxedThenTopUp => "relaxed-then-top-up",
            Policy::Wait => "wait",
            Policy::Drop => "drop",
        })
    }
}

/// A deliverable's charges, in order; `usable` says whether it ends accepted
/// (false: abandoned at its attempt cap).
#[derive(Debug, Clone, Copy)]
pub struct Job<'a> {
    pub charges: &'a [Charge],
    pub usable: bool,
}

/// `count` identical charges in a row: a deliverable's attempts are one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub charge: Charge,
    pub count: u32,
}

/// How a workflow's deliverables are charged: attempts, then post-processing steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipe {
    pub attempt: Charge,
    pub steps: Vec<Charge>,
}

/// One deliverable in run-length form, as demand produces it: `attempts`
/// times its recipe's attempt charge, then the steps whose bit is set.
/// Made by [`Deliverable::new`], which also keys its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deliverable {
    pub recipe: u32,
    pub attempts: u32,
    /// Bit i set: step i of the recipe is done.
    pub steps: u32,
    /// Where the daily plans' memo looks up its recipe, attempts and steps:
    /// kept here, where the outcome tables compute it once, because finding
    /// it for each job was a quarter of the daily walk's instructions.
    shape: u32,
    pub usable: bool,
    /// The day of the month (from 1) it is demanded on, as [`Month::days`]
    /// places it; the daily walk reads it here.
    pub day: u16,
}

impl Deliverable {
    /// A deliverable demanded on day 0 (demand dates it).
    pub const fn new(recipe: u32, attempts: u32, steps: u32, usable: bool) -> Deliverable {
        let shape = jumps::shape(recipe, attempts, steps);
        Deliverable { recipe, attempts, steps, shape, usable, day: 0 }
    }

    /// The same deliverable, demanded on `day` of the month.
    pub const fn on_day(self, day: u16) -> Deliverable {
        Deliverable { day, ..self }
    }

    /// Its shape's key, as [`Deliverable::new`] computed it.
    fn shape(&self) -> u32 {
        debug_assert_eq!(
            self.shape,
            jumps::shape(self.recipe, self.attempts, self.steps),
            "{self:?} changed after new"
        );
        self.shape
    }
}

impl Recipe {
    /// Most steps a recipe may have: one bit each in [`Deliverable::steps`].
    pub const MAX_STEPS: usize = 32;

    /// The bits of `steps` that name one of this recipe's steps.
    pub fn chosen(&self, steps: u32) -> u32 {
        (u64::from(steps) & ((1u64 << self.steps.len().min(Self::MAX_STEPS)) - 1)) as u32
    }

    pub fn runs(&self, job: &Deliverable) -> impl Iterator<Item = Run> + '_ {
        let steps = job.steps;
        let attempts = (job.attempts > 0).then_some(Run { charge: self.attempt, count: job.attempts });
        let chosen = self.steps.iter().enumerate().filter(move |(i, _)| steps >> i & 1 == 1);
        attempts.into_iter().chain(chosen.map(|(_, &charge)| Run { charge, count: 1 }))
    }

    /// What the deliverable costs if every charge is paid.
    pub fn totals(&self, job: &Deliverable) -> Totals {
        let mut totals = Totals { jobs: 1, usable: u64::from(job.usable), ..Totals::default() };
        for run in self.runs(job) {
            let count = u64::from(run.count);
            totals.charges += count;
            totals.tokens = totals.tokens.saturating_add(run.charge.tokens.saturating_mul(count));
            totals.micros = totals.micros.saturating_add(run.charge.api_micros.unwrap_or(0).saturating_mul(count));
        }
        totals
    }
}

/// Jobs, and what their charges add up to if all are paid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub jobs: u64,
    pub usable: u64,
    pub charges: u64,
    pub tokens: u64,
    /// On the API route's prices.
    pub micros: u64,
}

impl Totals {
    pub fn add(&mut self, other: &Totals) {
        self.jobs += other.jobs;
        self.usable += other.usable;
        self.charges += other.charges;
        self.tokens = self.tokens.saturating_add(other.tokens);
        self.micros = self.micros.saturating_add(other.micros);
    }
}

/// One day of a month: its jobs end at index `end` of the month's jobs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Day {
    pub end: u32,
    pub totals: Totals,
}

/// Sums over a month's jobs up to one of them, as demand keeps them:
/// `[charges << 32 | usable, tokens, micros]`.
pub type RunningSums = [u64; 3];

/// A month's days: where each one's jobs end, and its totals, worked out
/// when a plan asks (most plans only ever read the month's).
#[derive(Debug, Clone, Copy)]
pub struct Days<'a> {
    ends: &'a [u32],
    totals: DayTotals<'a>,
}

#[derive(Debug, Clone, Copy)]
enum DayTotals<'a> {
    /// The sums before each job and after the last, none saturated: a
    /// day's totals are the difference of those at its ends.
    Running(&'a [RunningSums]),
    /// Each day's own.
    Each(&'a [Totals]),
}

impl<'a> Days<'a> {
    /// Days whose totals are differences of `sums`, one more than the jobs.
    pub fn running(ends: &'a [u32], sums: &'a [RunningSums]) -> Days<'a> {
        debug_assert!(ends.last().is_none_or(|&end| end as usize + 1 == sums.len()), "a sum per job, and one");
        Days { ends, totals: DayTotals::Running(sums) }
    }

    /// Days with each one's `totals`.
    pub fn each(ends: &'a [u32], totals: &'a [Totals]) -> Days<'a> {
        assert_eq!(ends.len(), totals.len(), "totals for each day");
        Days { ends, totals: DayTotals::Each(totals) }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Day `index` (0 for the first).
    pub fn get(&self, index: usize) -> Day {
        let end = self.ends[index];
        let start = index.checked_sub(1).map_or(0, |before| self.ends[before]);
        let totals = match self.totals {
            DayTotals::Running(sums) => between(sums, start as usize, end as usize),
            DayTotals::Each(totals) => totals[index],
        };
        Day { end, totals }
    }

    pub fn iter(&self) -> impl Iterator<Item = Day> + '_ {
        (0..self.len()).map(|index| self.get(index))
    }

    /// The first day (1-based) by whose end the days' tokens add up to more than `pools`.
    pub fn first_past(&self, pools: u64) -> Option<u32> {
        let past = match self.totals {
            // Running sums only grow: the day is found by bisection, not day by day.
            DayTotals::Running(sums) => self.ends.partition_point(|&end| sums[end as usize][1] - sums[0][1] <= pools),
            DayTotals::Each(totals) => {
                let mut tokens = 0u64;
                let past = totals.iter().position(|day| {
                    tokens = tokens.saturating_add(day.tokens);
                    tokens > pools
                });
                past.unwrap_or(totals.len())
            }
        };
        (past < self.len()).then_some(past as u32 + 1)
    }
}

/// The totals of jobs `start..end`, from the running sums before each.
pub fn between(sums: &[RunningSums], start: usize, end: usize) -> Totals {
    let (before, after) = (sums[start], sums[end]);
    let tally = after[0] - before[0];
    Totals {
        jobs: (end - start) as u64,
        usable: tally & u64::from(u32::MAX),
        charges: tally >> 32,
        tokens: after[1] - before[1],
        micros: after[2] - before[2],
    }
}

/// A month of demand, as every plan's ledger receives it.
#[derive(Debug, Clone, Copy)]
pub struct Month<'a> {
    pub recipes: &'a [Recipe],
    pub jobs: &'a [Deliverable],
    pub days: Days<'a>,
    pub total: Totals,
}

/// Balances held, in the order they are spent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pools {
    pub fast: u64,
    pub bank: u64,
    pub topup: u64,
}

impl Pools {
    pub fn total(&self) -> u64 {
        self.fast + self.bank + self.topup
    }
}

/// Cumulative flows since the ledger began: granted + bought = spent + expired + held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flows {
    pub granted: u64,
    pub bought: u64,
    pub spent: u64,
    pub expired: u64,
}

/// What happened in one month of one plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonthTally {
    /// Jobs submitted this month.
    pub demanded: u64,
    /// Jobs completed this month with a usable result (some may have waited from earlier).
    pub usable: u64,
    /// Jobs completed this month that hit their attempt cap.
    pub abandoned: u64,
    /// Jobs dropped for want of tokens (whenever they were demanded).
    pub dropped: u64,
    /// Jobs demanded this month and not completed in it: dropped, or still
    /// waiting at its end. Each job counts at most once, in its own month.
    pub unmet: u64,
    /// Jobs demanded this month and still waiting at its end (unmet this month).
    pub waiting: u64,
    /// All jobs waiting at the end of the month, whenever they were demanded.
    pub backlog: u64,
    /// Day of the month (1-based) when a charge first could not be paid.
    pub exhausted_day: Option<u32>,
    /// Charges completed, paid or relaxed.
    pub charges: u64,
    /// Of those, done relaxed at zero cost.
    pub relaxed: u64,
    /// Units spent, and from which pool.
    pub spent: u64,
    pub from_fast: u64,
    pub from_bank: u64,
    pub from_topup: u64,
    pub granted: u64,
    pub expired: u64,
    /// Units moved into the bank at this month's reset.
    pub banked: u64,
    pub packs: u64,
    pub bought: u64,
    pub topup_cost: Micros,
    pub subscription: Micros,
    /// Days waited by the jobs completed this month, summed.
    pub waiting_days: u64,
    /// Pools at the end of the month.
    pub end: Pools,
}

impl MonthTally {
    /// Dollars (in micros) paid this month.
    pub fn cost(&self) -> Micros {
        self.subscription.saturating_add(self.topup_cost)
    }
}

/// Where a waiting job's charges are: a deliverable made from one of the
/// ledger's recipes, or loose charges queued in [`Backlog::loose`].
#[derive(Debug, Clone, Copy)]
enum Source {
    Made(Deliverable),
    Loose,
}

/// A job waiting for tokens: `done` of its `total` charges are done, and
/// the rest cost `amount`.
#[derive(Debug, Clone, Copy)]
struct Waiting {
    source: Source,
    done: u32,
    total: u32,
    amount: u64,
    usable: bool,
    since_day: u32,
    since_month: u32,
}

/// Waiting jobs in order. A deliverable waits as itself (no copy of its
/// charges); loose charges wait in one queue, the head job's first.
#[derive(Debug, Clone, Default)]
struct Backlog {
    jobs: VecDeque<Waiting>,
    loose: VecDeque<Charge>,
}

impl Backlog {
    fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// Removes the first job and whatever loose charges it has left.
    fn pop(&mut self) -> Option<Waiting> {
        let job = self.jobs.pop_front()?;
        if let Source::Loose = job.source {
            for _ in job.done..job.total {
                self.loose.pop_front();
            }
        }
        Some(job)
    }

    /// Jobs demanded in `month` and still waiting: they are the newest, at the back.
    fn of_month(&self, month: u32) -> u64 {
        self.jobs.iter().rev().take_while(|j| j.since_month == month).count() as u64
    }
}

/// How far a job got: done, or stopped at a charge the plan refused.
enum Progress {
    Done,
    Refused(Charge),
}

/// What becomes of a job that stopped: it waits, or it is dropped.
enum JobEnd {
    Done,
    Dropped,
    Waiting,
}

/// One plan's ledger for one path.
#[derive(Debug, Clone)]
pub struct Ledger {
    terms: Terms,
    policy: Policy,
    pools: Pools,
    flows: Flows,
    months: u32,
    /// Days since the start (1-based once the first day begins).
    day: u32,
    day_of_month: u32,
    relaxed_left: [u64; Family::ALL.len()],
    backlog: Backlog,
    /// Where a daily plan's deliverables wait (see `daily`).
    daily: DailyQueue,
    /// Where whole deliverables take a daily plan, as recorded (see `jumps`).
    jumps: Jumps,
    /// The recipes of the deliverables in `run_month`, kept for those that wait.
    recipes: Vec<Recipe>,
    tally: MonthTally,
}

impl Ledger {
    pub fn new(terms: Terms, policy: Policy) -> Ledger {
        Ledger {
            terms,
            policy,
            pools: Pools::default(),
            flows: Flows::default(),
            months: 0,
            day: 0,
            day_of_month: 0,
            relaxed_left: [0; Family::ALL.len()],
            backlog: Backlog::default(),
            daily: DailyQueue::default(),
            jumps: Jumps::default(),
            recipes: Vec::new(),
            tally: MonthTally::default(),
        }
    }

    /// Back to the state of [`Ledger::new`], keeping the queues' memory for the next path.
    pub fn reset(&mut self) {
        self.pools = Pools::default();
        self.flows = Flows::default();
        (self.months, self.day, self.day_of_month) = (0, 0, 0);
        self.backlog.jobs.clear();
        self.backlog.loose.clear();
        self.daily.clear();
        self.tally = MonthTally::default();
    }

    pub fn terms(&self) -> &Terms {
        &self.terms
    }
    pub fn pools(&self) -> Pools {
        self.pools
    }
    pub fn flows(&self) -> Flows {
        self.flows
    }
    /// The month so far.
    pub fn tally(&self) -> &MonthTally {
        &self.tally
    }
    pub fn waiting_jobs(&self) -> usize {
        self.backlog.jobs.len() + self.daily.len()
    }

    /// granted + bought = spent + expired + held.
    pub fn balanced(&self) -> bool {
        let f = self.flows;
        f.granted + f.bought == f.spent + f.expired + self.pools.total()
    }

    /// A whole month: the same result as `begin_month`, then each day's
    /// `begin_day` and `submit` of its jobs, then `end_month`, but the charges
    /// are summed, not walked, over any stretch where walking cannot change
    /// the outcome (the pools cover it, or every shortfall is bought in packs).
    pub fn run_month(&mut self, month: &Month) -> MonthTally {
        self.work_month(month);
        self.end_month()
    }

    /// `run_month`, its tally written to `tally`: one copy of it, where
    /// returning it would take one and copy it twice more.
    pub fn run_month_into(&mut self, month: &Month, tally: &mut MonthTally) {
        self.work_month(month);
        self.close_month();
        tally.clone_from(&self.tally);
    }

    /// `run_month` but the month's end.
    fn work_month(&mut self, month: &Month) {
        // A path's recipes are fixed: checked at its first month only, and
        // what a daily plan learnt of the last path's is kept if they match.
        if self.months == 0 && self.recipes != month.recipes {
            self.recipes.clear();
            self.recipes.extend_from_slice(month.recipes);
            if self.spends_only_today() {
                self.jumps.prepare(&self.recipes, self.terms.allowance);
            }
        }
        debug_assert!(self.recipes == month.recipes, "recipes change within a path");
        self.begin_month();
        if self.spends_only_today() {
            self.run_daily_month(month);
            return;
        }
        let covered = self.pays_in_full(&month.total);
        if !self.terms.daily_reset && (covered || self.tops_up_in_full()) {
            if !covered {
                // Packs bought day by day add up to the fewest that cover the
                // month; it ran out on the day its demand passed the pools.
                self.tally.exhausted_day = month.days.first_past(self.pools.total());
            }
            self.settle(&month.total);
            let days = month.days.len() as u32;
            self.day += days;
            self.day_of_month += days;
            return;
        }
        let mut start = 0;
        for day in month.days.iter() {
            self.begin_day();
            let jobs = &month.jobs[start..day.end as usize];
            start = day.end as usize;
            if self.pays_in_full(&day.totals) || self.tops_up_in_full() {
                self.settle(&day.totals);
                continue;
            }
            for job in jobs {
                self.submit_made(job);
            }
        }
    }

    /// The billing day: the subscription is charged, and on a monthly plan the
    /// unused allowance rolls into the bank up to its caps and the rest expires.
    pub fn begin_month(&mut self) {
        self.tally = MonthTally { subscription: self.terms.subscription, ..MonthTally::default() };
        self.day_of_month = 0;
        if !self.terms.daily_reset {
            if self.months > 0 {
                self.roll_over();
            }
            self.grant();
        }
        self.months += 1;
    }

    /// A new day: a daily plan resets, relaxed throughput renews, and waiting
    /// jobs are tried again.
    pub fn begin_day(&mut self) {
        self.day += 1;
        self.day_of_month += 1;
        if self.terms.daily_reset {
            self.expire_fast();
            self.grant();
        }
        self.relaxed_left = self.terms.relaxed_per_day;
        self.retry_backlog();
        debug_assert!(self.balanced(), "ledger out of balance: {self:?}");
    }

    /// A new job arrives today. Waiting work is done in order, so while jobs
    /// wait a new one joins the end of the queue; otherwise it is worked on at once.
    pub fn submit(&mut self, job: Job) {
        self.tally.demanded += 1;
        let mut done = 0;
        let end = if !self.backlog.is_empty() {
            JobEnd::Waiting
        } else {
            match job.charges.iter().position(|c| self.pay_run(c, 1) > 0) {
                None => JobEnd::Done,
                Some(refused) => {
                    done = refused;
                    self.stopped(&job.charges[refused])
                }
            }
        };
        if let JobEnd::Waiting = end {
            let rest = &job.charges[done..];
            self.backlog.loose.extend(rest);
            let amount = rest.iter().map(|c| self.amount(c)).fold(0u64, u64::saturating_add);
            self.wait(Source::Loose, job.charges.len() as u32, done as u32, amount, job.usable);
        }
        self.finish(end, job.usable);
    }

    /// As `submit`, for a deliverable made from the recipes of `run_month`.
    fn submit_made(&mut self, job: &Deliverable) {
        self.tally.demanded += 1;
        let mut done = 0;
        let end = if !self.backlog.is_empty() {
            JobEnd::Waiting
        } else {
            match self.pay_made(job, &mut done) {
                Progress::Done => JobEnd::Done,
                Progress::Refused(charge) => self.stopped(&charge),
            }
        };
        if let JobEnd::Waiting = end {
            let total = job.attempts + self.recipes[job.recipe as usize].chosen(job.steps).count_ones();
            let amount = self.amount_left(job, done);
            self.wait(Source::Made(*job), total, done, amount, job.usable);
        }
        self.finish(end, job.usable);
    }

    fn wait(&mut self, source: Source, total: u32, done: u32, amount: u64, usable: bool) {
        let (since_day, since_month) = (self.day, self.months);
        self.backlog.jobs.push_back(Waiting { source, done, total, amount, usable, since_day, since_month });
    }

    fn finish(&mut self, end: JobEnd, usable: bool) {
        match end {
            JobEnd::Done => self.complete(usable, self.day),
            JobEnd::Dropped => {
                self.tally.dropped += 1;
                self.tally.unmet += 1;
            }
            JobEnd::Waiting => {}
        }
    }

    /// Closes the month and returns what happened in it.
    pub fn end_month(&mut self) -> MonthTally {
        self.close_month();
        std::mem::take(&mut self.tally)
    }

    /// The month's last figures: what waits, and the pools held.
    fn close_month(&mut self) {
        debug_assert!(self.balanced(), "ledger out of balance: {self:?}");
        debug_assert!(self.pools.bank <= self.terms.bank_cap);
        self.tally.waiting = self.backlog.of_month(self.months) + self.daily.of_this_month();
        self.tally.unmet += self.tally.waiting;
        self.tally.backlog = self.waiting_jobs() as u64;
        self.tally.end = self.pools;
    }

    /// Pays a deliverable's charges from its `done`-th on, counting them in `done`.
    fn pay_made(&mut self, job: &Deliverable, done: &mut u32) -> Progress {
        let recipe = job.recipe as usize;
        if *done < job.attempts {
            let attempt = self.recipes[recipe].attempt;
            let left = self.pay_run(&attempt, job.attempts - *done);
            *done = job.attempts - left;
            if left > 0 {
                return Progress::Refused(attempt);
            }
        }
        let mut steps = self.recipes[recipe].chosen(job.steps);
        for _ in job.attempts..*done {
            steps &= steps - 1; // drop the lowest step, done already
        }
        while steps != 0 {
            let step = self.recipes[recipe].steps[steps.trailing_zeros() as usize];
            if self.pay_run(&step, 1) > 0 {
                return Progress::Refused(step);
            }
            steps &= steps - 1;
            *done += 1;
        }
        Progress::Done
    }

    /// What a deliverable's charges from the `done`-th on cost.
    fn amount_left(&self, job: &Deliverable, done: u32) -> u64 {
        let recipe = &self.recipes[job.recipe as usize];
        let attempts = u64::from(job.attempts.saturating_sub(done));
        let mut sum = self.amount(&recipe.attempt).saturating_mul(attempts);
        let mut steps = recipe.chosen(job.steps);
        for _ in job.attempts..done {
            steps &= steps - 1;
        }
        while steps != 0 {
            sum = sum.saturating_add(self.amount(&recipe.steps[steps.trailing_zeros() as usize]));
            steps &= steps - 1;
        }
        sum
    }

    /// A charge was refused: the job waits for it, unless the policy drops
    /// jobs or the plan can never pay it.
    fn stopped(&self, charge: &Charge) -> JobEnd {
        if self.policy == Policy::Drop || !self.could_ever_pay(charge) { JobEnd::Dropped } else { JobEnd::Waiting }
    }

    /// True when nothing waits and the pools pay all of `totals` without
    /// running out (or the API's automatic top-up pays whatever comes), so
    /// the charges can be paid as one sum.
    fn pays_in_full(&self, totals: &Totals) -> bool {
        self.backlog.is_empty()
            && match self.terms.unit {
                Unit::Tokens => self.terms.auto_refill_below.is_none() && self.pools.total() >= totals.tokens,
                Unit::MicroUsd => self.refills().is_some() || self.pools.total() >= totals.micros,
            }
    }

    /// True when nothing waits and every charge the pools cannot pay is
    /// covered by buying packs: the day runs out at its first shortfall, and
    /// the packs bought one charge at a time add up to those that cover the sum.
    fn tops_up_in_full(&self) -> bool {
        self.backlog.is_empty()
            && self.terms.unit == Unit::Tokens
            && self.terms.auto_refill_below.is_none()
            && self.policy == Policy::TopUp
            && self.terms.pack.is_some()
    }

    /// Pays all of `totals` at once and completes its jobs today.
    fn settle(&mut self, totals: &Totals) {
        let amount = match self.terms.unit {
            Unit::Tokens => totals.tokens,
            Unit::MicroUsd => totals.micros,
        };
        if let Some((below, pack)) = self.refills() {
            // After each charge the balance is topped up to `below`: in the
            // end, the fewest packs that keep it there after the whole sum.
            if totals.charges > 0 {
                self.buy(below.saturating_add(amount).saturating_sub(self.pools.total()).div_ceil(pack.units));
            }
        } else if amount > self.pools.total() {
            self.tally.exhausted_day.get_or_insert(self.day_of_month);
            let pack = self.terms.pack.expect("settle buys packs only on plans that sell them");
            self.buy((amount - self.pools.total()).div_ceil(pack.units));
        }
        self.take(amount, totals.charges);
        let t = &mut self.tally;
        t.demanded += totals.jobs;
        t.usable += totals.usable;
        t.abandoned += totals.jobs - totals.usable;
    }

    fn refills(&self) -> Option<(u64, Pack)> {
        self.terms.auto_refill_below.zip(self.terms.pack)
    }

    fn grant(&mut self) {
        self.pools.fast = self.terms.allowance;
        self.flows.granted += self.terms.allowance;
        self.tally.granted += self.terms.allowance;
    }

    fn expire_fast(&mut self) {
        self.flows.expired += self.pools.fast;
        self.tally.expired += self.pools.fast;
        self.pools.fast = 0;
    }

    fn roll_over(&mut self) {
        let room = self.terms.bank_cap.saturating_sub(self.pools.bank);
        let moved = self.pools.fast.min(self.terms.inflow_cap).min(room);
        self.pools.bank += moved;
        self.pools.fast -= moved;
        self.tally.banked += moved;
        self.expire_fast();
    }

    /// Works through the waiting jobs in order, stopping at the first that
    /// still cannot be paid.
    fn retry_backlog(&mut self) {
        while let Some(&job) = self.backlog.jobs.front() {
            match self.resume(job) {
                JobEnd::Done => {
                    self.backlog.pop();
                    self.complete(job.usable, job.since_day);
                }
                JobEnd::Dropped => {
                    self.backlog.pop();
                    self.tally.dropped += 1;
                    // A job from an earlier month was counted unmet there, as waiting.
                    self.tally.unmet += u64::from(job.since_month == self.months);
                }
                JobEnd::Waiting => return,
            }
        }
    }

    /// Pays what the first waiting job has left: as one sum if the pools
    /// cover it, else charge by charge, recording how far it got.
    fn resume(&mut self, job: Waiting) -> JobEnd {
        if self.refills().is_none() && job.amount <= self.pools.total() {
            self.take(job.amount, u64::from(job.total - job.done));
            return JobEnd::Done;
        }
        let mut done = job.done;
        let progress = match job.source {
            Source::Made(made) => self.pay_made(&made, &mut done),
            Source::Loose => self.pay_loose(&mut done, job.total),
        };
        let Progress::Refused(charge) = progress else {
            // The loose charges paid have left their queue already.
            if let Some(front) = self.backlog.jobs.front_mut() {
                front.done = done;
            }
            return JobEnd::Done;
        };
        let amount = match job.source {
            Source::Made(made) => self.amount_left(&made, done),
            Source::Loose => self.backlog.loose.iter().take((job.total - done) as usize).map(|c| self.amount(c)).sum(),
        };
        if let Some(front) = self.backlog.jobs.front_mut() {
            (front.done, front.amount) = (done, amount);
        }
        self.stopped(&charge)
    }

    /// Pays the head job's loose charges, which lead the loose queue.
    fn pay_loose(&mut self, done: &mut u32, total: u32) -> Progress {
        while *done < total {
            let charge = *self.backlog.loose.front().expect("a waiting job's charges are queued");
            if self.pay_run(&charge, 1) > 0 {
                return Progress::Refused(charge);
            }
            self.backlog.loose.pop_front();
            *done += 1;
        }
        Progress::Done
    }

    fn complete(&mut self, usable: bool, since_day: u32) {
        if usable {
            self.tally.usable += 1;
        } else {
            self.tally.abandoned += 1;
        }
        self.tally.waiting_days += u64::from(self.day - since_day);
    }

    /// Pays `count` charges in a row, one at a time in effect: from the pools
    /// while they last, then (the month having run out) relaxed while today's
    /// throughput lasts, then from packs bought as each charge needs them.
    /// Returns how many are left unpaid because the plan refused them.
    fn pay_run(&mut self, charge: &Charge, count: u32) -> u32 {
        let amount = self.amount(charge);
        if let Some((below, pack)) = self.refills() {
            for _ in 0..count {
                self.buy(amount.saturating_sub(self.pools.total()).div_ceil(pack.units));
                self.take(amount, 1);
                self.buy(below.saturating_sub(self.pools.total()).div_ceil(pack.units));
            }
            return 0;
        }
        let fit = self.pools.total().checked_div(amount).map_or(count, |n| n.min(u64::from(count)) as u32);
        self.take(amount * u64::from(fit), u64::from(fit));
        let mut left = count - fit;
        if left == 0 {
            return 0;
        }
        self.tally.exhausted_day.get_or_insert(self.day_of_month);
        if self.policy == Policy::RelaxedThenTopUp {
            left -= self.relax(charge, left);
        }
        match (self.policy, self.terms.pack) {
            (Policy::TopUp | Policy::RelaxedThenTopUp, Some(pack)) if left > 0 => {
                // Packs bought one charge at a time add up to the fewest that cover the run.
                let total = amount * u64::from(left);
                self.buy((total - self.pools.total()).div_ceil(pack.units));
                self.take(total, u64::from(left));
                0
            }
            _ => left,
        }
    }

    /// False for a charge this plan and policy can never pay (on Free, a
    /// charge above 150 tokens): waiting for it would block the queue forever.
    fn could_ever_pay(&self, charge: &Charge) -> bool {
        let t = &self.terms;
        let buys = matches!(self.policy, Policy::TopUp | Policy::RelaxedThenTopUp) && t.pack.is_some();
        let relaxes = self.policy == Policy::RelaxedThenTopUp
            && charge.relaxed_ok
            && t.relaxed_per_day[charge.family.index()] > 0;
        // The bank fills only from unused allowance, and never on a daily plan.
        let banks = !t.daily_reset && t.inflow_cap > 0 && t.allowance > 0;
        let bank = if banks { t.bank_cap } else { 0 };
        buys || relaxes || self.amount(charge) <= t.allowance.saturating_add(bank)
    }

    fn amount(&self, charge: &Charge) -> u64 {
        self.terms.unit.amount(charge)
    }

    /// Runs up to `count` charges at zero cost if this plan relaxes their
    /// family, while today's throughput lasts; returns how many.
    fn relax(&mut self, charge: &Charge, count: u32) -> u32 {
        let left = &mut self.relaxed_left[charge.family.index()];
        if !charge.relaxed_ok {
            return 0;
        }
        let relaxed = (*left).min(u64::from(count));
        *left -= relaxed;
        self.tally.charges += relaxed;
        self.tally.relaxed += relaxed;
        relaxed as u32
    }

    fn buy(&mut self, packs: u64) {
        let Some(pack) = self.terms.pack else { return };
        // Saturating: the simulation refuses months whose figures come near
        // the limits, and a saturated cost is caught there, never wrapped.
        let units = packs.saturating_mul(pack.units);
        self.pools.topup = self.pools.topup.saturating_add(units);
        self.flows.bought = self.flows.bought.saturating_add(units);
        self.tally.bought = self.tally.bought.saturating_add(units);
        self.tally.packs += packs;
        self.tally.topup_cost = self.tally.topup_cost.saturating_add(packs.saturating_mul(pack.price));
    }

    /// Takes `amount` (which the pools hold) for `charges` charges, in
    /// spending order: charge by charge or all at once, each pool gives the same.
    fn take(&mut self, amount: u64, charges: u64) {
        let from_fast = amount.min(self.pools.fast);
        let from_bank = (amount - from_fast).min(self.pools.bank);
        let from_topup = amount - from_fast - from_bank;
        debug_assert!(from_topup <= self.pools.topup);
        self.pools.fast -= from_fast;
        self.pools.bank -= from_bank;
        self.pools.topup -= from_topup;
        self.flows.spent += amount;
        let t = &mut self.tally;
        t.charges += charges;
        t.spent += amount;
        t.from_fast += from_fast;
        t.from_bank += from_bank;
        t.from_topup += from_topup;
    }
}
