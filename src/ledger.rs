//! The token ledger: one plan's pools, day by day, as a pure state machine.
//!
//! No randomness lives here. The simulation feeds the same jobs to every
//! plan's ledger, so plan comparisons are paired. A charge is paid whole or
//! not at all, from monthly Fast tokens first, then the rollover bank, then
//! top-up tokens. The API route is the same machine with one pool of
//! micro-dollars refilled by its automatic top-up.

use std::collections::VecDeque;

use crate::catalog::{Family, Micros};

/// What the ledger's pools count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Tokens,
    /// Millionths of a dollar (the API route's balance).
    MicroUsd,
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
        self.subscription + self.topup_cost
    }
}

#[derive(Debug, Clone)]
struct Pending {
    charges: Vec<Charge>,
    usable: bool,
    since_day: u32,
    since_month: u32,
}

enum Paid {
    Yes,
    Refused,
}

enum JobEnd {
    Done,
    Dropped,
    Waiting(usize),
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
    backlog: VecDeque<Pending>,
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
            backlog: VecDeque::new(),
            tally: MonthTally::default(),
        }
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
        self.backlog.len()
    }

    /// granted + bought = spent + expired + held.
    pub fn balanced(&self) -> bool {
        let f = self.flows;
        f.granted + f.bought == f.spent + f.expired + self.pools.total()
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
        let next = if self.backlog.is_empty() { self.run(job.charges) } else { JobEnd::Waiting(0) };
        match next {
            JobEnd::Done => self.complete(job.usable, self.day),
            JobEnd::Dropped => {
                self.tally.dropped += 1;
                self.tally.unmet += 1;
            }
            JobEnd::Waiting(next) => self.backlog.push_back(Pending {
                charges: job.charges[next..].to_vec(),
                usable: job.usable,
                since_day: self.day,
                since_month: self.months,
            }),
        }
    }

    /// Closes the month and returns what happened in it.
    pub fn end_month(&mut self) -> MonthTally {
        debug_assert!(self.balanced(), "ledger out of balance: {self:?}");
        debug_assert!(self.pools.bank <= self.terms.bank_cap);
        self.tally.waiting = self.backlog.iter().filter(|p| p.since_month == self.months).count() as u64;
        self.tally.unmet += self.tally.waiting;
        self.tally.backlog = self.backlog.len() as u64;
        self.tally.end = self.pools;
        std::mem::take(&mut self.tally)
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
        while let Some(mut pending) = self.backlog.pop_front() {
            match self.run(&pending.charges) {
                JobEnd::Done => self.complete(pending.usable, pending.since_day),
                JobEnd::Waiting(next) => {
                    pending.charges.drain(..next);
                    self.backlog.push_front(pending);
                    return;
                }
                JobEnd::Dropped => {
                    self.tally.dropped += 1;
                    // A job from an earlier month was counted unmet there, as waiting.
                    self.tally.unmet += u64::from(pending.since_month == self.months);
                }
            }
        }
    }

    fn complete(&mut self, usable: bool, since_day: u32) {
        if usable {
            self.tally.usable += 1;
        } else {
            self.tally.abandoned += 1;
        }
        self.tally.waiting_days += u64::from(self.day - since_day);
    }

    fn run(&mut self, charges: &[Charge]) -> JobEnd {
        if self.pay_from_fast(charges) {
            return JobEnd::Done;
        }
        for (i, charge) in charges.iter().enumerate() {
            if let Paid::Refused = self.pay(charge) {
                return if self.policy == Policy::Drop || !self.could_ever_pay(charge) {
                    JobEnd::Dropped
                } else {
                    JobEnd::Waiting(i)
                };
            }
        }
        JobEnd::Done
    }

    /// The common case in one step: the whole job fits in the monthly Fast
    /// tokens, so every charge is paid from them in turn.
    fn pay_from_fast(&mut self, charges: &[Charge]) -> bool {
        if self.terms.auto_refill_below.is_some() || self.terms.unit != Unit::Tokens {
            return false;
        }
        let total: u64 = charges.iter().map(|c| c.tokens).sum();
        if total > self.pools.fast {
            return false;
        }
        self.pools.fast -= total;
        self.flows.spent += total;
        let t = &mut self.tally;
        t.charges += charges.len() as u64;
        t.spent += total;
        t.from_fast += total;
        true
    }

    /// False for a charge this plan and policy can never pay (on Free, a
    /// charge above 150 tokens): waiting for it would block the queue forever.
    fn could_ever_pay(&self, charge: &Charge) -> bool {
        let t = &self.terms;
        let buys = matches!(self.policy, Policy::TopUp | Policy::RelaxedThenTopUp) && t.pack.is_some();
        let relaxes = self.policy == Policy::RelaxedThenTopUp
            && charge.relaxed_ok
            && t.relaxed_per_day[charge.family.index()] > 0;
        let bank = if t.inflow_cap > 0 { t.bank_cap } else { 0 };
        buys || relaxes || self.amount(charge) <= t.allowance.saturating_add(bank)
    }

    fn amount(&self, charge: &Charge) -> u64 {
        match self.terms.unit {
            Unit::Tokens => charge.tokens,
            Unit::MicroUsd => charge.api_micros.unwrap_or(0),
        }
    }

    fn pay(&mut self, charge: &Charge) -> Paid {
        let amount = self.amount(charge);
        if let (Some(below), Some(pack)) = (self.terms.auto_refill_below, self.terms.pack) {
            self.buy(amount.saturating_sub(self.pools.total()).div_ceil(pack.units));
            self.take(amount);
            self.buy(below.saturating_sub(self.pools.total()).div_ceil(pack.units));
            return Paid::Yes;
        }
        if self.pools.total() >= amount {
            self.take(amount);
            return Paid::Yes;
        }
        self.tally.exhausted_day.get_or_insert(self.day_of_month);
        if self.policy == Policy::RelaxedThenTopUp && self.relax(charge) {
            return Paid::Yes;
        }
        match (self.policy, self.terms.pack) {
            (Policy::TopUp | Policy::RelaxedThenTopUp, Some(pack)) => {
                self.buy((amount - self.pools.total()).div_ceil(pack.units));
                self.take(amount);
                Paid::Yes
            }
            _ => Paid::Refused,
        }
    }

    /// Runs the charge at zero cost if this plan relaxes its family and today's
    /// throughput is not used up.
    fn relax(&mut self, charge: &Charge) -> bool {
        let left = &mut self.relaxed_left[charge.family.index()];
        if !charge.relaxed_ok || *left == 0 {
            return false;
        }
        *left -= 1;
        self.tally.charges += 1;
        self.tally.relaxed += 1;
        true
    }

    fn buy(&mut self, packs: u64) {
        let Some(pack) = self.terms.pack else { return };
        let units = packs * pack.units;
        self.pools.topup += units;
        self.flows.bought += units;
        self.tally.bought += units;
        self.tally.packs += packs;
        self.tally.topup_cost += packs * pack.price;
    }

    /// Takes `amount` (which the pools hold) in spending order.
    fn take(&mut self, amount: u64) {
        let from_fast = amount.min(self.pools.fast);
        let from_bank = (amount - from_fast).min(self.pools.bank);
        let from_topup = amount - from_fast - from_bank;
        debug_assert!(from_topup <= self.pools.topup);
        self.pools.fast -= from_fast;
        self.pools.bank -= from_bank;
        self.pools.topup -= from_topup;
        self.flows.spent += amount;
        let t = &mut self.tally;
        t.charges += 1;
        t.spent += amount;
        t.from_fast += from_fast;
        t.from_bank += from_bank;
        t.from_topup += from_topup;
    }
}
