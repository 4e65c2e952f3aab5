//! Properties of team pools and the API route, and a differential test of the
//! ledger against a small reference model of the rules in the README.
//!
//! Terms come from catalog plans through `Catalog::terms`, charges from catalog
//! actions through `Catalog::charge`, and only the ledger's public API is used:
//! these tests must keep passing while the ledger's internals are rewritten.
//! Seeds are fixed and failures are not persisted, so every run checks the same
//! cases; the case counts keep the whole file to about 0.3 s in `cargo test --release`.

use std::collections::VecDeque;
use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{RngSeed, TestRunner};
use tokensim::catalog::{AutoTopUp, Basis, Billing, Catalog, Family, Figure, Plan, RelaxedLane, TopUp};
use tokensim::ledger::{Charge, Flows, Job, Ledger, MonthTally, Pack, Policy, Pools, Terms, Unit};

const FAMILIES: usize = Family::ALL.len();

static CATALOG: LazyLock<Catalog> = LazyLock::new(Catalog::leonardo);

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: RngSeed::Fixed(20_250_611),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn plan(id: &str) -> Plan {
    CATALOG.plan(id).expect("plan in the embedded catalog").clone()
}

fn user<T>(value: T) -> Figure<T> {
    Figure::new(value, Basis::User)
}

/// Dollars given in whole cents, so the expected micro-dollars are exact.
fn dollars(cents: u64) -> Figure<f64> {
    user(cents as f64 / 100.0)
}

fn cents_to_micros(figure: &Figure<f64>) -> u64 {
    let cents = (figure.value * 100.0).round() as u64;
    cents * 10_000
}

/// A plan's price per month (per seat on a team plan) under `billing`.
fn price(plan: &Plan, billing: Billing) -> &Figure<f64> {
    match billing {
        Billing::Monthly => &plan.price_monthly,
        Billing::Yearly => &plan.price_yearly,
    }
}

// ---------------------------------------------------------------- inputs

#[derive(Debug, Clone)]
struct JobSpec {
    charges: Vec<Charge>,
    usable: bool,
}

impl JobSpec {
    fn job(&self) -> Job<'_> {
        Job { charges: &self.charges, usable: self.usable }
    }
}

/// months -> days -> the jobs submitted that day.
type Months<T> = Vec<Vec<Vec<T>>>;

fn any_policy() -> impl Strategy<Value = Policy> {
    prop::sample::select(vec![Policy::TopUp, Policy::RelaxedThenTopUp, Policy::Wait, Policy::Drop])
}

fn any_billing() -> impl Strategy<Value = Billing> {
    prop::sample::select(vec![Billing::Monthly, Billing::Yearly])
}

/// A call of a catalog action (among `actions`) on 1 to 4 images with any
/// number of references the catalog prices.
fn catalog_charge(actions: Vec<usize>) -> impl Strategy<Value = Charge> {
    (prop::sample::select(actions), 1u32..=4, 0..CATALOG.references.extra.len()).prop_map(|(a, images, refs)| {
        CATALOG.charge(&CATALOG.actions[a], images, refs as u32).expect("images and references within range")
    })
}

/// Any catalog action: 1-token images up to 2,500-token videos.
fn token_charge() -> BoxedStrategy<Charge> {
    catalog_charge((0..CATALOG.actions.len()).collect()).boxed()
}

/// Actions with an API price; now and then a whole number of cents, so that
/// a balance lands exactly on the threshold, or a free call (a catalog may
/// price an action at $0), which still counts as a charge.
fn api_charge() -> BoxedStrategy<Charge> {
    let priced: Vec<usize> = (0..CATALOG.actions.len()).filter(|&a| CATALOG.actions[a].api.is_some()).collect();
    let price = |micros: u64| move |c: Charge| Charge { api_micros: Some(micros), ..c };
    let cents = (catalog_charge(priced.clone()), 1u64..=30).prop_map(move |(c, cents)| price(cents * 10_000)(c));
    prop_oneof![6 => catalog_charge(priced.clone()), 3 => cents, 1 => catalog_charge(priced).prop_map(price(0))].boxed()
}

fn job(charge: BoxedStrategy<Charge>) -> impl Strategy<Value = JobSpec> {
    (prop::collection::vec(charge, 1..=4), prop::bool::weighted(0.85))
        .prop_map(|(charges, usable)| JobSpec { charges, usable })
}

fn months_of<T: std::fmt::Debug>(day_job: impl Strategy<Value = T>) -> impl Strategy<Value = Months<T>> {
    let day = prop::collection::vec(day_job, 0..=4);
    prop::collection::vec(prop::collection::vec(day, 1..=30), 1..=4)
}

fn relaxed_lanes() -> impl Strategy<Value = Vec<RelaxedLane>> {
    prop::array::uniform5(prop_oneof![2 => Just(0u64), 1 => 1u64..4]).prop_map(|per_day| {
        Family::ALL
            .iter()
            .zip(per_day)
            .filter(|&(_, n)| n > 0)
            .map(|(&family, n)| RelaxedLane { family, per_day: user(n) })
            .collect()
    })
}

fn topup() -> impl Strategy<Value = TopUp> {
    prop::option::of((1u64..6_000, 0u64..2_000)).prop_map(|pack| match pack {
        Some((tokens, cents)) => {
            TopUp { allowed: user(true), pack_tokens: Some(user(tokens)), pack_price: Some(dollars(cents)) }
        }
        None => TopUp { allowed: user(false), pack_tokens: None, pack_price: None },
    })
}

/// A team plan: the catalog's own two, or one with random per-seat figures
/// small enough that a month of catalog actions runs it out now and then.
fn team_plan() -> impl Strategy<Value = Plan> {
    let own = prop::sample::select(vec!["team-starter", "team-growth"]).prop_map(plan);
    let made = (0u64..3_000)
        .prop_flat_map(|allowance| {
            (
                Just(allowance),
                0..=allowance * 2,
                0..=allowance * 4,
                1u64..=4,
                (0u64..10_000, 0u64..10_000),
                topup(),
                relaxed_lanes(),
            )
        })
        .prop_map(|(allowance, inflow, bank, min_seats, (monthly, yearly), topup, relaxed)| Plan {
            allowance: Some(user(allowance)),
            rollover_inflow_cap: Some(user(inflow)),
            bank_cap: Some(user(bank)),
            min_seats: Some(user(min_seats)),
            price_monthly: dollars(monthly),
            price_yearly: dollars(yearly),
            topup: Some(topup),
            relaxed,
            ..plan("team-starter")
        });
    prop_oneof![1 => own, 3 => made]
}

/// The API plan with a threshold of $0 to $20 and packs of $0.01 to $50: from
/// several packs for one charge to one pack a month.
fn api_plan() -> impl Strategy<Value = Plan> {
    (0u64..=2_000, prop_oneof![1u64..=50, 1u64..=5_000]).prop_map(|(threshold, amount)| Plan {
        auto_topup: Some(AutoTopUp { threshold: dollars(threshold), amount: dollars(amount) }),
        ..plan("api")
    })
}

// ---------------------------------------------------------------- the reference model

/// A plan's rules, worked out from the catalog plan by the README's text
/// rather than taken from `Catalog::terms`.
#[derive(Debug, Clone)]
struct Rules {
    /// Counts micro-dollars and charges each action's API price.
    api: bool,
    allowance: u64,
    inflow_cap: u64,
    bank_cap: u64,
    subscription: u64,
    pack: Option<Pack>,
    refill_below: Option<u64>,
    relaxed_per_day: [u64; FAMILIES],
}

impl Rules {
    /// One pool and one bank for the team: per-seat figures times the seats
    /// billed, at least the plan's minimum. Packs and relaxed lanes are the team's.
    fn team(plan: &Plan, seats: u32, billing: Billing) -> Rules {
        let billed = u64::from(seats).max(plan.min_seats.as_ref().expect("a team plan").value);
        let per_seat = |f: &Option<Figure<u64>>| f.as_ref().expect("a monthly plan's figure").value * billed;
        let topup = plan.topup.as_ref().filter(|t| t.allowed.value);
        let mut relaxed_per_day = [0; FAMILIES];
        for lane in &plan.relaxed {
            relaxed_per_day[lane.family.index()] = lane.per_day.value;
        }
        Rules {
            api: false,
            allowance: per_seat(&plan.allowance),
            inflow_cap: per_seat(&plan.rollover_inflow_cap),
            bank_cap: per_seat(&plan.bank_cap),
            subscription: cents_to_micros(price(plan, billing)) * billed,
            pack: topup.map(|t| Pack {
                units: t.pack_tokens.as_ref().expect("pack size").value,
                price: cents_to_micros(t.pack_price.as_ref().expect("pack price")),
            }),
            refill_below: None,
            relaxed_per_day,
        }
    }

    /// A dollar balance bought in packs of `amount`; with `auto`, refilled
    /// whenever it falls below `threshold`.
    fn api(plan: &Plan, auto: bool) -> Rules {
        let refill = plan.auto_topup.as_ref().expect("an API plan");
        let amount = cents_to_micros(&refill.amount);
        Rules {
            api: true,
            allowance: 0,
            inflow_cap: 0,
            bank_cap: 0,
            subscription: 0,
            pack: Some(Pack { units: amount, price: amount }),
            refill_below: auto.then(|| cents_to_micros(&refill.threshold)),
            relaxed_per_day: [0; FAMILIES],
        }
    }

    fn amount(&self, c: &Charge) -> u64 {
        if self.api { c.api_micros.expect("an API price") } else { c.tokens }
    }
}

#[derive(Debug)]
struct Queued {
    charges: Vec<Charge>,
    /// Charges already paid.
    paid: usize,
    usable: bool,
    day: u32,
    month: u32,
}

/// The documented ledger, charge by charge. Unlike the engine, a new job always
/// joins the queue and the queue is then worked from its head: jobs are served
/// in order, and the head that had to wait cannot be paid until something
/// changes (a day or a month begins).
#[derive(Debug)]
struct Model {
    rules: Rules,
    policy: Policy,
    pools: Pools,
    flows: Flows,
    month: u32,
    day: u32,
    day_of_month: u32,
    relaxed_left: [u64; FAMILIES],
    queue: VecDeque<Queued>,
    tally: MonthTally,
}

impl Model {
    fn new(rules: Rules, policy: Policy) -> Model {
        Model {
            rules,
            policy,
            pools: Pools::default(),
            flows: Flows::default(),
            month: 0,
            day: 0,
            day_of_month: 0,
            relaxed_left: [0; FAMILIES],
            queue: VecDeque::new(),
            tally: MonthTally::default(),
        }
    }

    /// The billing day: unused Fast tokens move to the bank, at most the
    /// inflow cap and never above the bank cap; the rest expires; the
    /// allowance is granted and the subscription charged.
    fn begin_month(&mut self) {
        let r = &self.rules;
        let p = &mut self.pools;
        let banked = p.fast.min(r.inflow_cap).min(r.bank_cap - p.bank);
        let expired = p.fast - banked;
        p.bank += banked;
        p.fast = r.allowance;
        self.flows.expired += expired;
        self.flows.granted += r.allowance;
        self.tally =
            MonthTally { subscription: r.subscription, granted: r.allowance, banked, expired, ..MonthTally::default() };
        self.month += 1;
        self.day_of_month = 0;
    }

    /// Relaxed throughput renews, and waiting jobs are tried again.
    fn begin_day(&mut self) {
        self.day += 1;
        self.day_of_month += 1;
        self.relaxed_left = self.rules.relaxed_per_day;
        self.work();
    }

    fn submit(&mut self, job: &JobSpec) {
        self.tally.demanded += 1;
        self.queue.push_back(Queued {
            charges: job.charges.clone(),
            paid: 0,
            usable: job.usable,
            day: self.day,
            month: self.month,
        });
        self.work();
    }

    fn end_month(&mut self) -> MonthTally {
        let month = self.month;
        self.tally.waiting = self.queue.iter().filter(|q| q.month == month).count() as u64;
        self.tally.unmet += self.tally.waiting;
        self.tally.backlog = self.queue.len() as u64;
        self.tally.end = self.pools;
        std::mem::take(&mut self.tally)
    }

    /// Works the queue in order until it is empty or its head must wait.
    fn work(&mut self) {
        while let Some(head) = self.queue.front() {
            let Some(&charge) = head.charges.get(head.paid) else {
                let done = self.queue.pop_front().expect("the head");
                *(if done.usable { &mut self.tally.usable } else { &mut self.tally.abandoned }) += 1;
                self.tally.waiting_days += u64::from(self.day - done.day);
                continue;
            };
            if self.pay(&charge) {
                self.queue.front_mut().expect("the head").paid += 1;
            } else if self.policy == Policy::Drop || self.never_payable(&charge) {
                let dropped = self.queue.pop_front().expect("the head");
                self.tally.dropped += 1;
                // Unmet counts a job once, in its own month; an older one was
                // counted there as waiting.
                self.tally.unmet += u64::from(dropped.month == self.month);
            } else {
                return;
            }
        }
    }

    /// Pays `c` whole, or not at all (false).
    fn pay(&mut self, c: &Charge) -> bool {
        let amount = self.rules.amount(c);
        if let (Some(below), Some(pack)) = (self.rules.refill_below, self.rules.pack) {
            // The fewest whole packs that leave the balance at or above the
            // threshold once the charge is paid.
            self.buy((amount + below).saturating_sub(self.pools.total()).div_ceil(pack.units));
            self.take(amount);
            return true;
        }
        if self.pools.total() >= amount {
            self.take(amount);
            return true;
        }
        self.tally.exhausted_day.get_or_insert(self.day_of_month);
        let lane = &mut self.relaxed_left[c.family.index()];
        if self.policy == Policy::RelaxedThenTopUp && c.relaxed_ok && *lane > 0 {
            *lane -= 1;
            self.tally.charges += 1;
            self.tally.relaxed += 1;
            return true;
        }
        match self.rules.pack {
            Some(pack) if self.buys() => {
                self.buy((amount - self.pools.total()).div_ceil(pack.units));
                self.take(amount);
                true
            }
            _ => false,
        }
    }

    fn buys(&self) -> bool {
        self.rules.pack.is_some() && matches!(self.policy, Policy::TopUp | Policy::RelaxedThenTopUp)
    }

    /// A charge larger than anything the plan can ever hold, which no pack and
    /// no relaxed lane will pay: waiting for it would block the queue forever.
    fn never_payable(&self, c: &Charge) -> bool {
        let r = &self.rules;
        let relaxes =
            self.policy == Policy::RelaxedThenTopUp && c.relaxed_ok && r.relaxed_per_day[c.family.index()] > 0;
        // The bank fills, up to its cap, only from unused allowance.
        let bank = if r.allowance > 0 && r.inflow_cap > 0 { r.bank_cap } else { 0 };
        !self.buys() && !relaxes && r.amount(c) > r.allowance + bank
    }

    fn buy(&mut self, packs: u64) {
        let pack = self.rules.pack.expect("a plan that sells packs");
        self.pools.topup += packs * pack.units;
        self.flows.bought += packs * pack.units;
        self.tally.packs += packs;
        self.tally.bought += packs * pack.units;
        self.tally.topup_cost += packs * pack.price;
    }

    /// Takes `amount` from Fast tokens, then the bank, then top-up tokens.
    fn take(&mut self, amount: u64) {
        let p = &mut self.pools;
        let fast = amount.min(p.fast);
        let bank = (amount - fast).min(p.bank);
        let topup = amount - fast - bank;
        p.fast -= fast;
        p.bank -= bank;
        p.topup -= topup;
        self.flows.spent += amount;
        let t = &mut self.tally;
        t.charges += 1;
        t.spent += amount;
        t.from_fast += fast;
        t.from_bank += bank;
        t.from_topup += topup;
    }
}

/// Checks on the ledger alone that hold at any moment.
fn check_balances(l: &Ledger) -> Result<(), TestCaseError> {
    let (f, p) = (l.flows(), l.pools());
    prop_assert!(l.balanced());
    prop_assert_eq!(f.granted + f.bought, f.spent + f.expired + p.total(), "granted + bought = spent + expired + held");
    prop_assert!(p.bank <= l.terms().bank_cap, "bank {} above its cap {}", p.bank, l.terms().bank_cap);
    Ok(())
}

/// Runs the ledger and the model side by side: pools, flows and queue length
/// after every day, the whole tally at every month's end.
fn run_differential(
    terms: Terms,
    rules: Rules,
    policy: Policy,
    months: &Months<JobSpec>,
) -> Result<Vec<MonthTally>, TestCaseError> {
    let mut ledger = Ledger::new(terms, policy);
    let mut model = Model::new(rules, policy);
    let mut tallies = Vec::new();
    for (m, month) in months.iter().enumerate() {
        ledger.begin_month();
        model.begin_month();
        for (d, day) in month.iter().enumerate() {
            ledger.begin_day();
            model.begin_day();
            for job in day {
                ledger.submit(job.job());
                model.submit(job);
            }
            let when = format!("month {} day {}", m + 1, d + 1);
            prop_assert_eq!(ledger.pools(), model.pools, "pools, {}", when);
            prop_assert_eq!(ledger.flows(), model.flows, "flows, {}", when);
            prop_assert_eq!(ledger.waiting_jobs(), model.queue.len(), "waiting jobs, {}", when);
            check_balances(&ledger)?;
        }
        let tally = ledger.end_month();
        prop_assert_eq!(&tally, &model.end_month(), "tally of month {}", m + 1);
        tallies.push(tally);
    }
    Ok(tallies)
}

// ---------------------------------------------------------------- differential inputs

#[derive(Debug, Clone)]
struct TeamInput {
    plan: Plan,
    seats: u32,
    billing: Billing,
    policy: Policy,
    months: Months<JobSpec>,
}

fn team_input() -> impl Strategy<Value = TeamInput> {
    (team_plan(), 1u32..=8, any_billing(), any_policy(), months_of(job(token_charge())))
        .prop_map(|(plan, seats, billing, policy, months)| TeamInput { plan, seats, billing, policy, months })
}

impl TeamInput {
    fn run(&self) -> Result<Vec<MonthTally>, TestCaseError> {
        let terms = CATALOG.terms(&self.plan, self.seats, self.billing);
        run_differential(terms, Rules::team(&self.plan, self.seats, self.billing), self.policy, &self.months)
    }
}

#[derive(Debug, Clone)]
struct ApiInput {
    plan: Plan,
    auto: bool,
    billing: Billing,
    policy: Policy,
    months: Months<JobSpec>,
}

fn api_input() -> impl Strategy<Value = ApiInput> {
    (api_plan(), prop::bool::weighted(0.7), any_billing(), any_policy(), months_of(job(api_charge())))
        .prop_map(|(plan, auto, billing, policy, months)| ApiInput { plan, auto, billing, policy, months })
}

impl ApiInput {
    /// The API route's terms; `[api] auto_topup = false` in a scenario clears
    /// the threshold and keeps the pack, which the policy may then buy.
    fn terms(&self) -> Terms {
        let mut terms = CATALOG.terms(&self.plan, 1, self.billing);
        if !self.auto {
            terms.auto_refill_below = None;
        }
        terms
    }

    fn run(&self) -> Result<Vec<MonthTally>, TestCaseError> {
        run_differential(self.terms(), Rules::api(&self.plan, self.auto), self.policy, &self.months)
    }
}

proptest! {
    #![proptest_config(config(512))]

    /// Team plans (the catalog's and random per-seat figures, any seats,
    /// billing and policy) agree with the reference model day by day and tally
    /// field by field.
    #[test]
    fn team_ledger_matches_the_reference_model(input in team_input()) {
        input.run()?;
    }

    /// The API route, with and without automatic top-up, agrees with the
    /// reference model day by day and tally field by field.
    #[test]
    fn api_ledger_matches_the_reference_model(input in api_input()) {
        input.run()?;
    }
}

// ---------------------------------------------------------------- team plans

proptest! {
    #![proptest_config(config(256))]

    /// A team of n seats is n times one seat: allowance, inflow cap, bank cap
    /// and subscription, with the seats billed never below the plan's minimum.
    /// Packs and relaxed lanes are the team's, not per seat.
    #[test]
    fn team_terms_scale_with_the_seats_billed(plan in team_plan(), seats in 0u32..=12, billing in any_billing()) {
        let one_seat = CATALOG.terms(&Plan { min_seats: Some(user(1)), ..plan.clone() }, 1, billing);
        let minimum = plan.min_seats.as_ref().expect("a team plan").value;
        let billed = u64::from(seats).max(minimum);
        let team = CATALOG.terms(&plan, seats, billing);
        prop_assert_eq!(one_seat.subscription, cents_to_micros(price(&plan, billing)));
        prop_assert_eq!(one_seat.allowance, plan.allowance.as_ref().expect("allowance").value);
        prop_assert_eq!(team.allowance, one_seat.allowance * billed);
        prop_assert_eq!(team.inflow_cap, one_seat.inflow_cap * billed);
        prop_assert_eq!(team.bank_cap, one_seat.bank_cap * billed);
        prop_assert_eq!(team.subscription, one_seat.subscription * billed);
        prop_assert_eq!(team.pack, one_seat.pack);
        prop_assert_eq!(team.relaxed_per_day, one_seat.relaxed_per_day);
        prop_assert_eq!((team.unit, team.daily_reset, team.auto_refill_below), (Unit::Tokens, false, None));
        if u64::from(seats) <= minimum {
            prop_assert_eq!(team, CATALOG.terms(&plan, minimum as u32, billing));
        }
    }
}

#[derive(Debug, Clone)]
struct SeatsInput {
    plan: Plan,
    seats: u32,
    policy: Policy,
    /// Each job tagged with the seat that brings it.
    months: Months<(usize, JobSpec)>,
}

fn seats_input() -> impl Strategy<Value = SeatsInput> {
    (team_plan(), 1u32..=6, any_policy())
        .prop_flat_map(|(plan, seats, policy)| {
            (Just(plan), Just(seats), Just(policy), months_of((0..seats as usize, job(token_charge()))))
        })
        .prop_map(|(plan, seats, policy, months)| SeatsInput { plan, seats, policy, months })
}

/// Runs the team on every seat's jobs and each seat alone on its own, until a
/// seat alone first runs out. Returns whether one did.
fn run_team_and_seats(input: &SeatsInput) -> Result<bool, TestCaseError> {
    let one_seat = CATALOG.terms(&Plan { min_seats: Some(user(1)), ..input.plan.clone() }, 1, Billing::Monthly);
    let mut team = Ledger::new(CATALOG.terms(&input.plan, input.seats, Billing::Monthly), input.policy);
    let mut alone: Vec<Ledger> = (0..input.seats).map(|_| Ledger::new(one_seat.clone(), input.policy)).collect();
    for month in &input.months {
        team.begin_month();
        alone.iter_mut().for_each(Ledger::begin_month);
        for day in month {
            team.begin_day();
            alone.iter_mut().for_each(Ledger::begin_day);
            for (seat, job) in day {
                team.submit(job.job());
                alone[*seat].submit(job.job());
            }
            if alone.iter().any(|l| l.tally().exhausted_day.is_some()) {
                // From here on the seats alone buy, relax or wait, and the
                // comparison says nothing more. The team may run out today too.
                return Ok(true);
            }
            prop_assert_eq!(team.tally().exhausted_day, None, "the team ran out before any seat alone");
            let sum = |f: fn(&Ledger) -> u64| alone.iter().map(f).sum::<u64>();
            prop_assert_eq!(team.flows().spent, sum(|l| l.flows().spent));
            prop_assert!(team.pools().total() >= sum(|l| l.pools().total()));
            prop_assert!(team.pools().bank >= sum(|l| l.pools().bank));
            check_balances(&team)?;
        }
        team.end_month();
        alone.iter_mut().for_each(|l| {
            l.end_month();
        });
    }
    Ok(false)
}

proptest! {
    #![proptest_config(config(256))]

    /// Pooling never hurts: fed the union of its seats' jobs in any order, a
    /// team does not run out before the first of its seats would alone.
    /// Why: until a seat alone runs out, every charge is paid on both sides,
    /// so both have spent the same; the team spends its pooled Fast tokens
    /// first, so its bank falls only when its Fast tokens are gone, and at
    /// each reset it may bank the pooled leftover under pooled caps, which is
    /// at least what the seats bank one by one. So the team holds at least the
    /// seats' total, hence at least what the paying seat holds.
    #[test]
    fn a_team_runs_out_no_earlier_than_its_first_seat_alone(input in seats_input()) {
        run_team_and_seats(&input)?;
    }

    /// Under TopUp a team plan that sells packs pays every charge in full:
    /// every job ends, spent is the sum of the charges' tokens, a month runs
    /// out exactly when it buys a pack, and its cost is the subscription plus
    /// its packs.
    #[test]
    fn team_topup_pays_every_charge_in_full(
        plan in team_plan().prop_filter("sells packs", |p| p.topup.as_ref().is_some_and(|t| t.allowed.value)),
        seats in 1u32..=8,
        months in months_of(job(token_charge())),
    ) {
        let terms = CATALOG.terms(&plan, seats, Billing::Monthly);
        let pack = terms.pack.expect("a plan that sells packs");
        let mut l = Ledger::new(terms.clone(), Policy::TopUp);
        let mut total = 0;
        for month in &months {
            l.begin_month();
            let jobs = month.iter().flatten();
            for day in month {
                l.begin_day();
                day.iter().for_each(|j| l.submit(j.job()));
                check_balances(&l)?;
            }
            let t = l.end_month();
            let tokens: u64 = jobs.clone().flat_map(|j| &j.charges).map(|c| c.tokens).sum();
            total += tokens;
            prop_assert_eq!(t.spent, tokens);
            prop_assert_eq!(t.charges, jobs.clone().map(|j| j.charges.len() as u64).sum::<u64>());
            prop_assert_eq!(t.usable, jobs.clone().filter(|j| j.usable).count() as u64);
            prop_assert_eq!(t.demanded, t.usable + t.abandoned);
            prop_assert_eq!((t.dropped, t.waiting, t.backlog, t.relaxed), (0, 0, 0, 0));
            prop_assert_eq!(t.exhausted_day.is_some(), t.packs > 0);
            prop_assert_eq!(t.cost(), terms.subscription + t.packs * pack.price);
        }
        prop_assert_eq!(l.flows().spent, total);
    }
}

// ---------------------------------------------------------------- the API route

/// `ceil(n / d)`, with 0 for no charge yet.
fn packs_for(charges: u64, n: u64, pack: u64) -> u64 {
    if charges == 0 { 0 } else { n.div_ceil(pack) }
}

/// The API balance refilled before each charge by the fewest whole packs
/// that keep it at or above `threshold` once paid. By induction the packs
/// bought after k charges totalling A are then ceil((A + threshold) / pack):
/// each charge tops the count up to that figure, which never falls. The same
/// holds with a threshold of 0 when packs are bought only to cover a charge.
fn check_api_closed_form(input: &ApiInput, threshold: u64) -> Result<(), TestCaseError> {
    let terms = input.terms();
    let pack = terms.pack.expect("the API route's pack").units;
    let mut l = Ledger::new(terms, input.policy);
    let (mut spent, mut charges) = (0, 0);
    for month in &input.months {
        l.begin_month();
        let mut first_pack_day = None;
        for (d, day) in month.iter().enumerate() {
            l.begin_day();
            let packs_before = packs_for(charges, spent + threshold, pack);
            for job in day {
                l.submit(job.job());
                spent += job.charges.iter().map(|c| c.api_micros.expect("an API price")).sum::<u64>();
                charges += job.charges.len() as u64;
                let packs = packs_for(charges, spent + threshold, pack);
                prop_assert_eq!(l.flows(), Flows { granted: 0, bought: packs * pack, spent, expired: 0 });
                prop_assert_eq!(l.pools(), Pools { fast: 0, bank: 0, topup: packs * pack - spent });
                prop_assert!(packs * pack - spent >= threshold);
                prop_assert_eq!(l.waiting_jobs(), 0);
            }
            if packs_for(charges, spent + threshold, pack) > packs_before {
                first_pack_day.get_or_insert(d as u32 + 1);
            }
        }
        let t = l.end_month();
        let jobs = month.iter().flatten();
        prop_assert_eq!(t.usable, jobs.clone().filter(|j| j.usable).count() as u64);
        prop_assert_eq!(t.demanded, t.usable + t.abandoned);
        prop_assert_eq!((t.dropped, t.waiting, t.relaxed, t.granted, t.expired), (0, 0, 0, 0, 0));
        prop_assert_eq!(t.spent, t.from_topup);
        prop_assert_eq!(t.cost(), t.packs * pack, "the API route costs its packs, nothing else");
        if input.auto {
            prop_assert_eq!(t.exhausted_day, None, "automatic top-up never runs out");
        } else {
            // Without it, a month runs out on the first day a charge is more
            // than the balance, which is the first day it buys a pack.
            prop_assert_eq!(t.exhausted_day, first_pack_day);
        }
    }
    Ok(())
}

fn with_auto(auto: bool) -> impl Strategy<Value = ApiInput> {
    api_input().prop_map(move |input| ApiInput { auto, ..input })
}

proptest! {
    #![proptest_config(config(256))]

    /// With automatic top-up, under every policy: after every job the packs
    /// bought are the fewest that keep the balance at the threshold, the
    /// balance is what they bought less the charges' API prices, every job
    /// ends, no month runs out, and the route costs its packs.
    #[test]
    fn api_auto_top_up_buys_the_fewest_packs_that_keep_the_threshold(input in with_auto(true)) {
        let threshold = cents_to_micros(&input.plan.auto_topup.as_ref().expect("an API plan").threshold);
        check_api_closed_form(&input, threshold)?;
    }

    /// Without automatic top-up, a policy that buys covers each charge with the
    /// fewest packs, and a month runs out on the first day that takes a pack.
    #[test]
    fn api_without_auto_top_up_buys_only_to_cover_a_charge(
        input in with_auto(false),
        policy in prop::sample::select(vec![Policy::TopUp, Policy::RelaxedThenTopUp]),
    ) {
        check_api_closed_form(&ApiInput { policy, ..input }, 0)?;
    }

    /// Without automatic top-up, Wait and Drop never buy, so the balance stays
    /// $0: a job ends only if all its charges are free; any other is dropped
    /// (nothing will ever pay it), having paid the free charges before it.
    #[test]
    fn api_without_auto_top_up_refuses_what_the_balance_cannot_pay(
        input in with_auto(false),
        policy in prop::sample::select(vec![Policy::Wait, Policy::Drop]),
    ) {
        let mut l = Ledger::new(input.terms(), policy);
        let free = |c: &Charge| c.api_micros == Some(0);
        let priced = |j: &&JobSpec| !j.charges.iter().all(free);
        for month in &input.months {
            l.begin_month();
            let mut first_priced_day = None;
            for (d, day) in month.iter().enumerate() {
                l.begin_day();
                for job in day {
                    l.submit(job.job());
                    prop_assert_eq!((l.pools(), l.flows(), l.waiting_jobs()), (Pools::default(), Flows::default(), 0));
                }
                if day.iter().any(|j| priced(&j)) {
                    first_priced_day.get_or_insert(d as u32 + 1);
                }
            }
            let t = l.end_month();
            let jobs = month.iter().flatten();
            let paid = jobs.clone().filter(|j| !priced(j));
            prop_assert_eq!(t.usable, paid.clone().filter(|j| j.usable).count() as u64);
            prop_assert_eq!(t.abandoned, paid.filter(|j| !j.usable).count() as u64);
            prop_assert_eq!(t.dropped, jobs.clone().filter(priced).count() as u64);
            prop_assert_eq!(t.unmet, t.dropped);
            let free_charges = jobs.map(|j| j.charges.iter().take_while(|c| free(c)).count() as u64).sum::<u64>();
            prop_assert_eq!(t.charges, free_charges);
            prop_assert_eq!(t.exhausted_day, first_priced_day);
            prop_assert_eq!((t.packs, t.cost(), t.waiting), (0, 0, 0));
        }
    }
}

// ---------------------------------------------------------------- coverage

/// How much of a branch of the rules a month took.
type Count = fn(&MonthTally) -> u64;

const BRANCHES: [(&str, Count); 13] = [
    ("exhausted", |t| u64::from(t.exhausted_day.is_some())),
    ("relaxed", |t| t.relaxed),
    ("packs", |t| t.packs),
    ("banked", |t| t.banked),
    ("expired", |t| t.expired),
    ("waiting", |t| t.waiting),
    ("backlog from earlier months", |t| t.backlog - t.waiting),
    ("dropped", |t| t.dropped),
    ("abandoned", |t| t.abandoned),
    ("waiting_days", |t| t.waiting_days),
    ("from_bank", |t| t.from_bank),
    ("from_topup", |t| t.from_topup),
    ("several packs in a month", |t| u64::from(t.packs > 1)),
];

/// The generated inputs reach every branch of the rules, so agreement with
/// the model is not vacuous.
#[test]
fn generated_inputs_exercise_every_branch() {
    let mut runner = TestRunner::new(config(160));
    let mut seen = [0; BRANCHES.len()];
    let (mut dropped_unpayable, mut seat_ran_out) = (0, 0);
    let mut record = |policy: Policy, tallies: Vec<MonthTally>| {
        for t in &tallies {
            for (n, (_, count)) in seen.iter_mut().zip(BRANCHES) {
                *n += count(t);
            }
            dropped_unpayable += if policy == Policy::Drop { 0 } else { t.dropped };
        }
    };
    for _ in 0..160 {
        let team = team_input().new_tree(&mut runner).expect("input generated").current();
        record(team.policy, team.run().expect("the ledger agrees with the model"));
        let api = api_input().new_tree(&mut runner).expect("input generated").current();
        record(api.policy, api.run().expect("the ledger agrees with the model"));
        let seats = seats_input().new_tree(&mut runner).expect("input generated").current();
        seat_ran_out += u64::from(run_team_and_seats(&seats).expect("the team runs out no earlier"));
    }
    for (n, (what, _)) in seen.iter().zip(BRANCHES) {
        assert!(*n > 0, "no generated month had any {what}");
    }
    assert!(dropped_unpayable > 0, "no job was dropped as never payable");
    // Both ends of the team-and-seats comparison: some runs reach a seat
    // running out, others are compared to the end.
    assert!(seat_ran_out > 0 && seat_ran_out < 160, "{seat_ran_out} of 160 runs had a seat run out");
}

// ---------------------------------------------------------------- a bank that never fills

/// The README: "a job is dropped if one of its charges is larger than anything
/// the plan can ever hold ..., because waiting for it would block the queue
/// forever". A team plan of 0 tokens a seat with a bank can never hold a
/// token: the bank fills only from unused allowance. (Found by this file:
/// the ledger used to count the bank cap as payable and wait forever.)
#[test]
fn a_plan_whose_bank_can_never_fill_drops_what_it_cannot_pay() {
    let plan = Plan {
        allowance: Some(user(0)),
        rollover_inflow_cap: Some(user(100)),
        bank_cap: Some(user(100)),
        topup: None,
        ..plan("team-starter")
    };
    let mut l = Ledger::new(CATALOG.terms(&plan, 3, Billing::Monthly), Policy::Wait);
    let one_token = Charge { tokens: 1, api_micros: None, family: Family::Image, relaxed_ok: false };
    l.begin_month();
    l.begin_day();
    l.submit(Job { charges: &[one_token], usable: true });
    // 1 token > 0, all this plan will ever hold: dropped, as on Free a 151-token charge.
    let m = l.end_month();
    assert_eq!((m.dropped, m.backlog), (1, 0));
}
