//! The default catalog checked row by row against the facts it is built from,
//! /work/shared/pricing/leonardo.md (Leonardo.Ai, collected November 2026).
//!
//! Every expected value below is copied from that file (or worked out from it
//! by hand, as the comments say), never from running the code. Where the facts
//! file has no figure ("not found"), the test checks that the catalog marks its
//! value `assumed` and says why, not the value itself.

use std::collections::BTreeSet;

use assert_cmd::Command;
use tempfile::TempDir;
use tokensim::catalog::{
    Action, ApiUnit, Basis, BatchRule, Billing, Catalog, Family, Figure, LEONARDO_TOML, Plan, PlanKind, Reset,
};
use tokensim::input::Source;
use tokensim::ledger::Unit;

/// One US dollar in micro-dollars, the unit `Terms::subscription` is kept in.
const USD: u64 = 1_000_000;

fn catalog() -> Catalog {
    Catalog::leonardo()
}

fn plan<'a>(catalog: &'a Catalog, id: &str) -> &'a Plan {
    catalog.plan(id).unwrap_or_else(|| panic!("the default catalog has no plan `{id}`"))
}

fn action<'a>(catalog: &'a Catalog, id: &str) -> &'a Action {
    catalog.action(id).unwrap_or_else(|| panic!("the default catalog has no action `{id}`"))
}

fn has_source<T>(figure: &Figure<T>) -> bool {
    figure.source.as_deref().is_some_and(|s| !s.trim().is_empty())
}

// ---------------------------------------------------------------------------
// The plan table
// ---------------------------------------------------------------------------

/// A token cap as the facts file states it.
#[derive(Debug, Clone, Copy)]
enum Cap {
    /// "none": absent from the catalog, or 0.
    None,
    /// This many tokens (per seat on a team plan), with this basis.
    Tokens(u64, Basis),
}

/// A price as the facts file states it.
#[derive(Debug, Clone, Copy)]
enum Price {
    /// Dollars per month (per seat), published (official or secondary: basis `list`).
    Listed(f64),
    /// "not found": the catalog must mark its value `assumed` and say why.
    NotFound,
}

/// Top-ups as the facts file states them.
#[derive(Debug, Clone, Copy)]
enum TopUps {
    /// Not for this plan: the catalog has no top-up, or one with `allowed = false`.
    No,
    /// Allowed, with the basis of that statement ("not stated" => `assumed`).
    Yes(Basis),
}

/// One row of the facts file's plan table, with the rules stated under it.
struct PlanRow {
    id: &'static str,
    kind: PlanKind,
    reset: Option<Reset>,
    /// Fast tokens per reset, per seat on a team plan; `None` for the API route.
    allowance: Option<(u64, Basis)>,
    /// At most one month's allowance moves into the bank each month.
    inflow: Cap,
    bank: Cap,
    topups: TopUps,
    relaxed: &'static [Family],
    monthly: Price,
    yearly: Price,
    min_seats: Option<u64>,
    /// The API route: (threshold, amount) in dollars.
    auto_topup: Option<(f64, f64)>,
}

use Basis::{Assumed, Inferred, List};

const PLANS: &[PlanRow] = &[
    // | Free | 150 per day | every 24 h; unused tokens expire | none | no | no | 0 |
    PlanRow {
        id: "free",
        kind: PlanKind::Individual,
        reset: Some(Reset::Daily),
        allowance: Some((150, List)),
        inflow: Cap::None,
        bank: Cap::None,
        topups: TopUps::No,
        relaxed: &[],
        monthly: Price::Listed(0.0),
        yearly: Price::Listed(0.0),
        min_seats: None,
        auto_topup: None,
    },
    // | Essential | 8,500 per month | billing date | 25,500 | not stated | no | 12 / 10 |
    PlanRow {
        id: "essential",
        kind: PlanKind::Individual,
        reset: Some(Reset::Monthly),
        allowance: Some((8_500, List)),
        inflow: Cap::Tokens(8_500, List),
        bank: Cap::Tokens(25_500, List),
        topups: TopUps::Yes(Assumed),
        relaxed: &[],
        monthly: Price::Listed(12.0),
        yearly: Price::Listed(10.0),
        min_seats: None,
        auto_topup: None,
    },
    // | Premium | 25,000 per month | billing date | 75,000 | yes | images | 30 / 24 |
    PlanRow {
        id: "premium",
        kind: PlanKind::Individual,
        reset: Some(Reset::Monthly),
        allowance: Some((25_000, List)),
        inflow: Cap::Tokens(25_000, List),
        bank: Cap::Tokens(75_000, List),
        topups: TopUps::Yes(List),
        relaxed: &[Family::Image],
        monthly: Price::Listed(30.0),
        yearly: Price::Listed(24.0),
        min_seats: None,
        auto_topup: None,
    },
    // | Ultimate | 60,000 per month | billing date | 180,000 | yes | images and video | 60 / 48 |
    PlanRow {
        id: "ultimate",
        kind: PlanKind::Individual,
        reset: Some(Reset::Monthly),
        allowance: Some((60_000, List)),
        inflow: Cap::Tokens(60_000, List),
        bank: Cap::Tokens(180_000, List),
        topups: TopUps::Yes(List),
        relaxed: &[Family::Image, Family::Video],
        monthly: Price::Listed(60.0),
        yearly: Price::Listed(48.0),
        min_seats: None,
        auto_topup: None,
    },
    // | Team Starter | 75,000 shared (3 seats minimum; 25,000 a seat, inferred) | billing date
    // | 225,000 | yes | images and video | per-seat price not found |
    PlanRow {
        id: "team-starter",
        kind: PlanKind::Team,
        reset: Some(Reset::Monthly),
        allowance: Some((25_000, Inferred)),
        inflow: Cap::Tokens(25_000, Inferred),
        bank: Cap::Tokens(75_000, Inferred),
        topups: TopUps::Yes(List),
        relaxed: &[Family::Image, Family::Video],
        monthly: Price::NotFound,
        yearly: Price::NotFound,
        min_seats: Some(3),
        auto_topup: None,
    },
    // | Team Growth | 180,000 shared (3 seats minimum; 60,000 a seat, inferred) | billing date
    // | 540,000 | yes | images and video | per-seat price not found |
    PlanRow {
        id: "team-growth",
        kind: PlanKind::Team,
        reset: Some(Reset::Monthly),
        allowance: Some((60_000, Inferred)),
        inflow: Cap::Tokens(60_000, Inferred),
        bank: Cap::Tokens(180_000, Inferred),
        topups: TopUps::Yes(List),
        relaxed: &[Family::Image, Family::Video],
        monthly: Price::NotFound,
        yearly: Price::NotFound,
        min_seats: Some(3),
        auto_topup: None,
    },
    // API: a prepaid dollar balance, no subscription; automatic top-up "below $10 add $50".
    PlanRow {
        id: "api",
        kind: PlanKind::Api,
        reset: None,
        allowance: None,
        inflow: Cap::None,
        bank: Cap::None,
        topups: TopUps::No,
        relaxed: &[],
        monthly: Price::Listed(0.0),
        yearly: Price::Listed(0.0),
        min_seats: None,
        auto_topup: Some((10.0, 50.0)),
    },
];

fn check_cap(id: &str, field: &str, got: &Option<Figure<u64>>, want: Cap) {
    match want {
        Cap::None => assert!(
            got.as_ref().is_none_or(|f| f.value == 0),
            "{id}.{field}: the facts say none, the catalog has {got:?}"
        ),
        Cap::Tokens(value, basis) => {
            let f = got.as_ref().unwrap_or_else(|| panic!("{id}.{field}: missing, the facts say {value}"));
            assert_eq!(f.value, value, "{id}.{field}");
            assert_eq!(f.basis, basis, "{id}.{field}: basis");
        }
    }
}

fn check_price(id: &str, field: &str, got: &Figure<f64>, want: Price) {
    match want {
        Price::Listed(usd) => {
            assert_eq!(got.value, usd, "{id}.{field}");
            assert_eq!(got.basis, List, "{id}.{field}: basis");
        }
        Price::NotFound => {
            assert_eq!(got.basis, Assumed, "{id}.{field}: the facts have no figure, so it must be `assumed`");
            assert!(has_source(got), "{id}.{field}: an assumption needs a source");
        }
    }
}

#[test]
fn the_catalog_has_exactly_the_plans_of_the_facts_file() {
    let catalog = catalog();
    let got: Vec<&str> = catalog.plans.iter().map(|p| p.id.as_str()).collect();
    let want: Vec<&str> = PLANS.iter().map(|row| row.id).collect();
    assert_eq!(got, want);
}

#[test]
fn every_plan_matches_its_row_of_the_plan_table() {
    let catalog = catalog();
    for row in PLANS {
        let id = row.id;
        let p = plan(&catalog, id);
        assert_eq!(p.kind, row.kind, "{id}.kind");
        assert_eq!(p.reset, row.reset, "{id}.reset");

        match row.allowance {
            Some((value, basis)) => {
                let f = p.allowance.as_ref().expect("allowance");
                assert_eq!(f.value, value, "{id}.allowance");
                assert_eq!(f.basis, basis, "{id}.allowance: basis");
            }
            None => assert!(p.allowance.is_none(), "{id}.allowance must be absent"),
        }
        check_cap(id, "rollover_inflow_cap", &p.rollover_inflow_cap, row.inflow);
        check_cap(id, "bank_cap", &p.bank_cap, row.bank);
        check_price(id, "price_monthly", &p.price_monthly, row.monthly);
        check_price(id, "price_yearly", &p.price_yearly, row.yearly);

        match row.min_seats {
            Some(seats) => {
                let f = p.min_seats.as_ref().expect("min_seats");
                assert_eq!(f.value, seats, "{id}.min_seats");
                assert_eq!(f.basis, List, "{id}.min_seats: basis");
            }
            None => assert!(p.min_seats.is_none(), "{id}.min_seats must be absent"),
        }

        match row.auto_topup {
            Some((threshold, amount)) => {
                let auto = p.auto_topup.as_ref().expect("auto_topup");
                assert_eq!(auto.threshold.value, threshold, "{id}.auto_topup.threshold");
                assert_eq!(auto.amount.value, amount, "{id}.auto_topup.amount");
                assert_eq!(auto.threshold.basis, List, "{id}.auto_topup.threshold");
                assert_eq!(auto.amount.basis, List, "{id}.auto_topup.amount");
            }
            None => assert!(p.auto_topup.is_none(), "{id}.auto_topup must be absent"),
        }
    }
}

#[test]
fn top_ups_are_allowed_where_the_facts_say_and_packs_are_assumed() {
    let catalog = catalog();
    for row in PLANS {
        let id = row.id;
        let topup = plan(&catalog, id).topup.as_ref();
        match row.topups {
            TopUps::No => assert!(topup.is_none_or(|t| !t.allowed.value), "{id}: the facts say no top-ups"),
            TopUps::Yes(basis) => {
                let t = topup.unwrap_or_else(|| panic!("{id}: top-ups missing"));
                assert!(t.allowed.value, "{id}.topup.allowed");
                assert_eq!(t.allowed.basis, basis, "{id}.topup.allowed: basis");
                // "Pack prices: not found" (and no pack size is given either).
                let size = t.pack_tokens.as_ref().expect("pack_tokens");
                let price = t.pack_price.as_ref().expect("pack_price");
                assert!(size.value > 0, "{id}.topup.pack_tokens");
                assert!(price.value > 0.0, "{id}.topup.pack_price");
                assert_eq!(size.basis, Assumed, "{id}.topup.pack_tokens: basis");
                assert_eq!(price.basis, Assumed, "{id}.topup.pack_price: basis");
                assert!(has_source(size) && has_source(price), "{id}: pack sources");
            }
        }
    }
}

#[test]
fn relaxed_families_match_the_facts_and_their_daily_caps_are_assumed() {
    let catalog = catalog();
    for row in PLANS {
        let id = row.id;
        let p = plan(&catalog, id);
        let got: BTreeSet<Family> = p.relaxed.iter().map(|lane| lane.family).collect();
        let want: BTreeSet<Family> = row.relaxed.iter().copied().collect();
        assert_eq!(got, want, "{id}: relaxed families");
        assert_eq!(p.relaxed.len(), want.len(), "{id}: a family listed twice");
        for lane in &p.relaxed {
            // "No daily cap is published."
            assert!(lane.per_day.value >= 1, "{id}: relaxed per_day");
            assert_eq!(lane.per_day.basis, Assumed, "{id}: relaxed per_day basis");
            assert!(has_source(&lane.per_day), "{id}: relaxed per_day source");
        }
    }
}

/// "each month at most one month's allowance moves into the bank; the bank
/// holds at most three months' allowance" (official).
#[test]
fn monthly_plans_roll_over_one_month_into_a_bank_of_three() {
    let catalog = catalog();
    let mut checked = 0;
    for p in catalog.plans.iter().filter(|p| p.reset == Some(Reset::Monthly)) {
        let allowance = p.allowance.as_ref().expect("allowance").value;
        let inflow = p.rollover_inflow_cap.as_ref().expect("inflow cap").value;
        let bank = p.bank_cap.as_ref().expect("bank cap").value;
        assert_eq!(inflow, allowance, "{}: inflow cap", p.id);
        assert_eq!(bank, 3 * allowance, "{}: bank cap", p.id);
        checked += 1;
    }
    assert_eq!(checked, 5, "essential, premium, ultimate and both team plans");
}

// ---------------------------------------------------------------------------
// Catalog::terms: the plan table in the ledger's integer units
// ---------------------------------------------------------------------------

/// What a subscription should cost, in micro-dollars.
#[derive(Debug, Clone, Copy)]
enum Sub {
    /// A published price.
    Micros(u64),
    /// An assumed per-seat price (not in the facts file) times this many billed seats.
    PerSeat(u64),
}

struct TermsRow {
    plan: &'static str,
    seats: u32,
    billing: Billing,
    daily_reset: bool,
    allowance: u64,
    inflow: u64,
    bank: u64,
    subscription: Sub,
}

const TERMS: &[TermsRow] = &[
    TermsRow {
        plan: "free",
        seats: 1,
        billing: Billing::Monthly,
        daily_reset: true,
        allowance: 150,
        inflow: 0,
        bank: 0,
        subscription: Sub::Micros(0),
    },
    TermsRow {
        plan: "essential",
        seats: 1,
        billing: Billing::Monthly,
        daily_reset: false,
        allowance: 8_500,
        inflow: 8_500,
        bank: 25_500,
        subscription: Sub::Micros(12 * USD),
    },
    TermsRow {
        plan: "essential",
        seats: 1,
        billing: Billing::Yearly,
        daily_reset: false,
        allowance: 8_500,
        inflow: 8_500,
        bank: 25_500,
        subscription: Sub::Micros(10 * USD),
    },
    // Seats do not multiply an individual plan.
    TermsRow {
        plan: "premium",
        seats: 5,
        billing: Billing::Monthly,
        daily_reset: false,
        allowance: 25_000,
        inflow: 25_000,
        bank: 75_000,
        subscription: Sub::Micros(30 * USD),
    },
    TermsRow {
        plan: "premium",
        seats: 1,
        billing: Billing::Yearly,
        daily_reset: false,
        allowance: 25_000,
        inflow: 25_000,
        bank: 75_000,
        subscription: Sub::Micros(24 * USD),
    },
    TermsRow {
        plan: "ultimate",
        seats: 1,
        billing: Billing::Monthly,
        daily_reset: false,
        allowance: 60_000,
        inflow: 60_000,
        bank: 180_000,
        subscription: Sub::Micros(60 * USD),
    },
    TermsRow {
        plan: "ultimate",
        seats: 1,
        billing: Billing::Yearly,
        daily_reset: false,
        allowance: 60_000,
        inflow: 60_000,
        bank: 180_000,
        subscription: Sub::Micros(48 * USD),
    },
    // One seat is billed as the 3-seat minimum: 75,000 shared, bank 225,000.
    TermsRow {
        plan: "team-starter",
        seats: 1,
        billing: Billing::Monthly,
        daily_reset: false,
        allowance: 75_000,
        inflow: 75_000,
        bank: 225_000,
        subscription: Sub::PerSeat(3),
    },
    TermsRow {
        plan: "team-starter",
        seats: 3,
        billing: Billing::Yearly,
        daily_reset: false,
        allowance: 75_000,
        inflow: 75_000,
        bank: 225_000,
        subscription: Sub::PerSeat(3),
    },
    // 180,000 shared for 3 seats, bank 540,000.
    TermsRow {
        plan: "team-growth",
        seats: 3,
        billing: Billing::Monthly,
        daily_reset: false,
        allowance: 180_000,
        inflow: 180_000,
        bank: 540_000,
        subscription: Sub::PerSeat(3),
    },
    // "Team pools and banks grow with seats": 4 x 60,000 and 4 x 180,000.
    TermsRow {
        plan: "team-growth",
        seats: 4,
        billing: Billing::Monthly,
        daily_reset: false,
        allowance: 240_000,
        inflow: 240_000,
        bank: 720_000,
        subscription: Sub::PerSeat(4),
    },
    TermsRow {
        plan: "team-growth",
        seats: 4,
        billing: Billing::Yearly,
        daily_reset: false,
        allowance: 240_000,
        inflow: 240_000,
        bank: 720_000,
        subscription: Sub::PerSeat(4),
    },
    TermsRow {
        plan: "api",
        seats: 1,
        billing: Billing::Monthly,
        daily_reset: false,
        allowance: 0,
        inflow: 0,
        bank: 0,
        subscription: Sub::Micros(0),
    },
];

#[test]
fn terms_apply_seats_billing_and_caps() {
    let catalog = catalog();
    for row in TERMS {
        let p = plan(&catalog, row.plan);
        let t = catalog.terms(p, row.seats, row.billing);
        let what = format!("{} with {} seat(s), {:?}", row.plan, row.seats, row.billing);
        assert_eq!(t.daily_reset, row.daily_reset, "{what}: daily reset");
        assert_eq!(t.allowance, row.allowance, "{what}: allowance");
        assert_eq!(t.inflow_cap, row.inflow, "{what}: inflow cap");
        assert_eq!(t.bank_cap, row.bank, "{what}: bank cap");
        let subscription = match row.subscription {
            Sub::Micros(m) => m,
            Sub::PerSeat(seats) => {
                let per_seat = match row.billing {
                    Billing::Monthly => p.price_monthly.value,
                    Billing::Yearly => p.price_yearly.value,
                };
                assert!(per_seat > 0.0, "{what}: a team seat is not free");
                (per_seat * 1e6).round() as u64 * seats
            }
        };
        assert_eq!(t.subscription, subscription, "{what}: subscription");
    }
}

#[test]
fn terms_of_token_plans_count_tokens_and_packs_follow_the_top_up_rule() {
    let catalog = catalog();
    for row in PLANS.iter().filter(|row| row.kind != PlanKind::Api) {
        let p = plan(&catalog, row.id);
        let t = catalog.terms(p, 1, Billing::Monthly);
        assert_eq!(t.unit, Unit::Tokens, "{}", row.id);
        assert_eq!(t.auto_refill_below, None, "{}", row.id);
        match row.topups {
            TopUps::No => assert_eq!(t.pack, None, "{}: no top-ups", row.id),
            TopUps::Yes(_) => {
                let pack = t.pack.unwrap_or_else(|| panic!("{}: a pack", row.id));
                let topup = p.topup.as_ref().expect("topup");
                assert_eq!(pack.units, topup.pack_tokens.as_ref().unwrap().value);
                let price = topup.pack_price.as_ref().unwrap().value;
                assert_eq!(pack.price, (price * 1e6).round() as u64, "{}", row.id);
            }
        }
    }
}

#[test]
fn api_terms_are_a_dollar_balance_refilled_with_50_below_10() {
    let catalog = catalog();
    let t = catalog.terms(plan(&catalog, "api"), 1, Billing::Monthly);
    assert_eq!(t.unit, Unit::MicroUsd);
    assert!(!t.daily_reset);
    assert_eq!(t.auto_refill_below, Some(10 * USD));
    let pack = t.pack.expect("the automatic top-up is the API pack");
    assert_eq!(pack.units, 50 * USD);
    assert_eq!(pack.price, 50 * USD);
    assert_eq!(t.relaxed_per_day, [0; Family::ALL.len()]);
}

#[test]
fn terms_relax_exactly_the_families_of_the_plan_table() {
    let catalog = catalog();
    for row in PLANS {
        let t = catalog.terms(plan(&catalog, row.id), 3, Billing::Monthly);
        for family in Family::ALL {
            let per_day = t.relaxed_per_day[family.index()];
            if row.relaxed.contains(&family) {
                assert!(per_day > 0, "{}: {} is relaxed", row.id, family.name());
            } else {
                assert_eq!(per_day, 0, "{}: {} is not relaxed", row.id, family.name());
            }
        }
    }
}

/// A figure too large for the seats to multiply must be refused when the
/// catalog loads, or kept from wrapping around; it must never come out smaller.
#[test]
fn terms_never_wrap_around() {
    let big = i64::MAX as u64;
    let text = LEONARDO_TOML
        .replace(
            r#"allowance = { value = 60000, basis = "inferred""#,
            &format!(r#"allowance = {{ value = {big}, basis = "inferred""#),
        )
        .replace(
            r#"price_monthly = { value = 60.0, basis = "assumed""#,
            r#"price_monthly = { value = 1e300, basis = "assumed""#,
        );
    assert_eq!(text.matches(&big.to_string()).count(), 1);
    assert!(text.contains("1e300"));
    if let Ok(huge) = Catalog::from_source(&Source::new("huge.toml", text)) {
        let t = huge.terms(plan(&huge, "team-growth"), 3, Billing::Monthly);
        assert!(t.allowance >= big, "3 seats of {big} tokens came out as {}", t.allowance);
        assert!(t.subscription >= 1_000_000_000_000, "3 seats at $1e300 came out as {} micro-dollars", t.subscription);
    }
}

// ---------------------------------------------------------------------------
// The token table
// ---------------------------------------------------------------------------

/// (action as the facts file names it, catalog id, 1 image, 4 images)
const BATCH_ROWS: &[(&str, &str, u64, u64)] = &[
    ("default image, 768 x 768", "image", 1, 4),
    ("Prompt Magic V2", "prompt-magic-v2", 2, 8),
    ("Elements", "elements", 1, 4),
    ("Alchemy without PMv3", "alchemy", 8, 18),
    ("Alchemy with PMv3, or Alchemy V2", "alchemy-v2", 16, 26),
    ("Alchemy V2 on Lightning XL models", "alchemy-v2-lightning", 10, 12),
    ("Canvas", "canvas", 1, 4),
    ("image guidance, free reference", "guidance-free", 1, 4),
    ("image guidance, two premium references", "guidance-2-premium", 3, 6),
    ("image guidance, three premium references", "guidance-3-premium", 5, 8),
    ("image guidance, four premium references", "guidance-4-premium", 7, 10),
];

/// (action as the facts file names it, catalog id, tokens)
const FIXED_ROWS: &[(&str, &str, u64)] = &[
    ("Remove Background", "remove-background", 2),
    ("Unzoom V1", "unzoom", 5),
    ("standard Upscaler", "upscale", 5),
    ("Alchemy Upscaler", "alchemy-upscale", 8),
    ("3D texture preview", "texture-preview-3d", 5),
    ("full 3D texture generation", "texture-3d", 30),
];

#[test]
fn every_batch_row_of_the_token_table_costs_what_it_says_for_1_and_4_images() {
    let catalog = catalog();
    for &(label, id, one, four) in BATCH_ROWS {
        let a = action(&catalog, id);
        assert!(a.name.eq_ignore_ascii_case(label), "{id}: named `{}`, the facts say `{label}`", a.name);
        assert_eq!(a.tokens.each, None, "{id}: a batch price, not `each`");
        assert_eq!(a.tokens.for_images(1), Some(one), "{id}: 1 image");
        assert_eq!(a.tokens.for_images(4), Some(four), "{id}: 4 images");
        assert_eq!(a.tokens.basis, List, "{id}: official token table");
        assert_eq!(a.tokens.max_images(), 4, "{id}");
        assert_eq!(a.tokens.for_images(0), None, "{id}: 0 images");
        assert_eq!(a.tokens.for_images(5), None, "{id}: 5 images");
    }
}

#[test]
fn every_fixed_row_of_the_token_table_costs_what_it_says_each() {
    let catalog = catalog();
    for &(label, id, tokens) in FIXED_ROWS {
        let a = action(&catalog, id);
        assert!(a.name.eq_ignore_ascii_case(label), "{id}: named `{}`, the facts say `{label}`", a.name);
        assert_eq!(a.tokens.each, Some(tokens), "{id}: each");
        assert_eq!(a.tokens.for_images(1), Some(tokens), "{id}: one item");
        assert_eq!(a.tokens.for_images(3), Some(3 * tokens), "{id}: three items");
        assert_eq!(a.tokens.basis, List, "{id}: official token table");
        assert!(a.tokens.one.is_none() && a.tokens.four.is_none(), "{id}");
    }
}

#[test]
fn the_published_rows_are_not_relaxed_and_third_party_video_never_is() {
    // Relaxed covers only the named newer models (Lucid, Phoenix, FLUX; Motion
    // 2.0 on Ultimate and Teams); third-party models always need tokens.
    let catalog = catalog();
    for id in BATCH_ROWS.iter().map(|r| r.1).chain(FIXED_ROWS.iter().map(|r| r.1)).chain(["veo-3", "veo-3-fast"]) {
        assert!(!action(&catalog, id).relaxed.value, "{id} is not relaxed");
    }
    for id in ["phoenix", "motion-2", "motion-2-fast"] {
        assert!(action(&catalog, id).relaxed.value, "{id} is relaxed");
    }
    assert_eq!(action(&catalog, "phoenix").family, Family::Image);
    assert_eq!(action(&catalog, "motion-2").family, Family::Video);
    assert_eq!(action(&catalog, "motion-2-fast").family, Family::Video);
}

/// "Costs for 2 and 3 images are not published: the catalog must state its rule."
#[test]
fn every_batch_action_states_its_rule_for_2_and_3_images() {
    let catalog = catalog();
    for a in catalog.actions.iter().filter(|a| a.tokens.each.is_none()) {
        assert_eq!(a.tokens.between, Some(BatchRule::InterpolateUp), "{}: the stated rule", a.id);
        assert_eq!((a.tokens.two, a.tokens.three), (None, None), "{}", a.id);
    }
}

/// one + ceil((four - one) * (n - 1) / 3), worked out by hand.
const INTERPOLATED: &[(&str, [u64; 4])] = &[
    ("image", [1, 2, 3, 4]),                    // +1 a step
    ("prompt-magic-v2", [2, 4, 6, 8]),          // +2 a step
    ("alchemy", [8, 12, 15, 18]),               // 8 + ceil(10/3) = 12, 8 + ceil(20/3) = 15
    ("alchemy-v2", [16, 20, 23, 26]),           // 16 + ceil(10/3), 16 + ceil(20/3)
    ("alchemy-v2-lightning", [10, 11, 12, 12]), // 10 + ceil(2/3) = 11, 10 + ceil(4/3) = 12
    ("guidance-2-premium", [3, 4, 5, 6]),
    ("guidance-4-premium", [7, 8, 9, 10]),
];

#[test]
fn two_and_three_images_interpolate_up_between_one_and_four() {
    let catalog = catalog();
    for &(id, costs) in INTERPOLATED {
        let a = action(&catalog, id);
        for (n, want) in (1..=4).zip(costs) {
            assert_eq!(a.tokens.for_images(n), Some(want), "{id}, {n} images");
        }
    }
}

/// The token table's image-guidance rows, read as the default image plus
/// `refs` reference images: (refs, row, 1 image, 4 images).
const REFERENCE_ROWS: &[(u32, &str, u64, u64)] = &[
    (0, "default image, 768 x 768", 1, 4),
    (1, "image guidance, free reference", 1, 4),
    (2, "image guidance, two premium references", 3, 6),
    (3, "image guidance, three premium references", 5, 8),
    (4, "image guidance, four premium references", 7, 10),
];

#[test]
fn references_on_the_default_image_reproduce_the_image_guidance_rows() {
    let catalog = catalog();
    let image = action(&catalog, "image");
    for &(refs, row, one, four) in REFERENCE_ROWS {
        let c1 = catalog.charge(image, 1, refs).expect("1 image");
        let c4 = catalog.charge(image, 4, refs).expect("4 images");
        assert_eq!(c1.tokens, one, "{row}: 1 image, {refs} references");
        assert_eq!(c4.tokens, four, "{row}: 4 images, {refs} references");
        assert_eq!(c1.family, Family::Image);
        assert!(!c1.relaxed_ok);
    }
    // The surcharge is the same for every batch size: 2 and 3 images add it too.
    for &(refs, _, one, _) in REFERENCE_ROWS {
        let extra = one - 1;
        assert_eq!(catalog.charge(image, 2, refs).unwrap().tokens, 2 + extra);
        assert_eq!(catalog.charge(image, 3, refs).unwrap().tokens, 3 + extra);
    }
}

#[test]
fn references_agree_with_the_guidance_actions_of_the_catalog() {
    // Both routes to the same row of the token table give the same tokens.
    let catalog = catalog();
    let image = action(&catalog, "image");
    for (refs, id) in
        [(1, "guidance-free"), (2, "guidance-2-premium"), (3, "guidance-3-premium"), (4, "guidance-4-premium")]
    {
        let guidance = action(&catalog, id);
        for n in 1..=4 {
            assert_eq!(
                catalog.charge(image, n, refs).unwrap().tokens,
                guidance.tokens.for_images(n).unwrap(),
                "{id}, {n} images"
            );
        }
    }
}

#[test]
fn charges_outside_the_table_are_refused() {
    let catalog = catalog();
    let image = action(&catalog, "image");
    // Four premium references is the last row of the table.
    assert!(catalog.charge(image, 1, 5).is_err(), "5 references");
    // A batch holds 1 to 4 images.
    assert!(catalog.charge(image, 5, 0).is_err(), "5 images");
    assert!(catalog.charge(image, 0, 0).is_err(), "0 images");
}

/// The legacy API calculator (official), in old credits, at the inferred old
/// Pro rate of $0.0015 a credit = 1,500 micro-dollars: (id, credits, per).
/// Image prices are the 4-image figure at 1024 px, divided by 4.
const API_ROWS: &[(&str, u64, ApiUnit)] = &[
    ("image", 12, ApiUnit::Image),                // SD 1.5 7 / 12
    ("alchemy", 63, ApiUnit::Image),              // PhotoReal V1 23 / 63
    ("alchemy-v2", 66, ApiUnit::Image),           // Diffusion XL + Alchemy V2 24 / 66
    ("alchemy-v2-lightning", 40, ApiUnit::Image), // Lightning XL + Alchemy V2 15 / 40
    ("remove-background", 5, ApiUnit::Call),
    ("unzoom", 15, ApiUnit::Call),
    ("upscale", 15, ApiUnit::Call),
    ("texture-preview-3d", 30, ApiUnit::Call),
    ("texture-3d", 150, ApiUnit::Call),
    ("motion-2", 45, ApiUnit::Call),
];

#[test]
fn api_prices_are_legacy_credits_at_the_old_pro_rate() {
    let catalog = catalog();
    for &(id, credits, per) in API_ROWS {
        let a = action(&catalog, id);
        let api = a.api.as_ref().unwrap_or_else(|| panic!("{id}: no API price"));
        assert_eq!(api.per, per, "{id}");
        let images = if per == ApiUnit::Image { 4 } else { 1 };
        let charge = catalog.charge(a, images, 0).unwrap();
        assert_eq!(charge.api_micros, Some(credits * 1_500), "{id}: {credits} credits for {images} image(s)");
    }
}

// ---------------------------------------------------------------------------
// Vendor, date, and the basis of every figure
// ---------------------------------------------------------------------------

#[test]
fn the_catalog_names_its_vendor_and_date() {
    let catalog = catalog();
    assert_eq!(catalog.vendor, "Leonardo.Ai");
    // "Collected November 2026."
    assert_eq!(catalog.as_of, "2026-11");
    assert_eq!(catalog.currency, "USD");
    assert!(catalog.source.as_deref().is_some_and(|s| !s.is_empty()));
}

/// Every figure of the catalog: (path, basis, source).
fn figures(catalog: &Catalog) -> Vec<(String, Basis, Option<String>)> {
    fn push<T>(out: &mut Vec<(String, Basis, Option<String>)>, path: String, f: &Figure<T>) {
        out.push((path, f.basis, f.source.clone()));
    }
    let mut out = Vec::new();
    let r = &catalog.references;
    out.push(("references".into(), r.basis, r.source.clone()));
    if let Some(f) = &r.api_extra_usd {
        push(&mut out, "references.api_extra_usd".into(), f);
    }
    for p in &catalog.plans {
        let at = |field: &str| format!("plans[{}].{field}", p.id);
        for (field, f) in [
            ("allowance", &p.allowance),
            ("rollover_inflow_cap", &p.rollover_inflow_cap),
            ("bank_cap", &p.bank_cap),
            ("min_seats", &p.min_seats),
        ] {
            if let Some(f) = f {
                push(&mut out, at(field), f);
            }
        }
        push(&mut out, at("price_monthly"), &p.price_monthly);
        push(&mut out, at("price_yearly"), &p.price_yearly);
        if let Some(t) = &p.topup {
            push(&mut out, at("topup.allowed"), &t.allowed);
            if let Some(f) = &t.pack_tokens {
                push(&mut out, at("topup.pack_tokens"), f);
            }
            if let Some(f) = &t.pack_price {
                push(&mut out, at("topup.pack_price"), f);
            }
        }
        for lane in &p.relaxed {
            push(&mut out, at(&format!("relaxed.{}.per_day", lane.family.name())), &lane.per_day);
        }
        if let Some(auto) = &p.auto_topup {
            push(&mut out, at("auto_topup.threshold"), &auto.threshold);
            push(&mut out, at("auto_topup.amount"), &auto.amount);
        }
    }
    for a in &catalog.actions {
        let at = |field: &str| format!("actions[{}].{field}", a.id);
        out.push((at("tokens"), a.tokens.basis, a.tokens.source.clone()));
        push(&mut out, at("relaxed"), &a.relaxed);
        if let Some(api) = &a.api {
            push(&mut out, at("api.usd"), &api.usd);
        }
    }
    out
}

#[test]
fn every_assumed_figure_says_what_it_assumes() {
    let all = figures(&catalog());
    assert!(all.len() > 100, "the walk found only {} figures", all.len());
    let assumed: Vec<_> = all.iter().filter(|f| f.1 == Assumed).collect();
    assert!(!assumed.is_empty());
    for (path, _, source) in assumed {
        assert!(source.as_deref().is_some_and(|s| !s.trim().is_empty()), "{path} is assumed but has no source");
    }
    // Figures written as bare numbers would be `user`: none in the default catalog.
    for (path, basis, _) in &all {
        assert_ne!(*basis, Basis::User, "{path}");
    }
}

/// Walks the TOML itself, so that a figure the typed walk above does not know
/// of is checked too: every table with `basis = "assumed"` has a `source`.
#[test]
fn every_assumed_table_in_the_embedded_toml_has_a_source() {
    fn walk(value: &toml::Value, path: &str, found: &mut usize) {
        match value {
            toml::Value::Table(table) => {
                if table.get("basis").and_then(toml::Value::as_str) == Some("assumed") {
                    *found += 1;
                    let source = table.get("source").and_then(toml::Value::as_str);
                    assert!(source.is_some_and(|s| !s.trim().is_empty()), "{path} is assumed but has no source");
                }
                for (key, v) in table {
                    walk(v, &format!("{path}.{key}"), found);
                }
            }
            toml::Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, &format!("{path}[{i}]"), found);
                }
            }
            _ => {}
        }
    }
    let typed = figures(&catalog()).iter().filter(|f| f.1 == Assumed).count();
    for (name, text) in [("leonardo.toml", LEONARDO_TOML.to_string()), ("dump", catalog().to_toml())] {
        let value: toml::Value = toml::from_str(&text).expect(name);
        let mut found = 0;
        walk(&value, name, &mut found);
        assert_eq!(found, typed, "{name}: assumed tables vs assumed figures");
    }
}

/// The facts file's "not found" rows: each must be `assumed` in the catalog.
#[test]
fn figures_the_facts_file_could_not_find_are_marked_assumed() {
    let all = figures(&catalog());
    let basis_of = |path: &str| all.iter().find(|f| f.0 == path).unwrap_or_else(|| panic!("no figure {path}")).1;
    let mut not_found = vec![
        // Team Starter / Growth: "per-seat price not found".
        "plans[team-starter].price_monthly".to_string(),
        "plans[team-starter].price_yearly".into(),
        "plans[team-growth].price_monthly".into(),
        "plans[team-growth].price_yearly".into(),
        // Essential: top-ups "not stated for this plan".
        "plans[essential].topup.allowed".into(),
        // Video and newer image models: "official figures not found".
        "actions[phoenix].tokens".into(),
        "actions[motion-2].tokens".into(),
        "actions[motion-2-fast].tokens".into(),
    ];
    // Top-up packs: "Pack prices: not found".
    for id in ["essential", "premium", "ultimate", "team-starter", "team-growth"] {
        not_found.push(format!("plans[{id}].topup.pack_price"));
        not_found.push(format!("plans[{id}].topup.pack_tokens"));
    }
    for path in &not_found {
        assert_eq!(basis_of(path), Assumed, "{path}");
    }
    // And the rows the facts file does give are not assumed.
    for path in [
        "plans[premium].topup.allowed",
        "plans[team-starter].min_seats",
        "plans[team-growth].allowance",
        "actions[veo-3].tokens",
        "actions[veo-3-fast].tokens",
    ] {
        assert_ne!(basis_of(path), Assumed, "{path}");
    }
}

/// Facts file: "not found (no public figure: the catalog must mark its value
/// `assumed` and the README must say so)"; `tokensim catalog` points readers
/// to "README, Assumptions".
#[test]

fn the_readme_lists_the_assumptions() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md");
    assert!(readme.lines().any(|l| l.starts_with('#') && l.contains("Assumptions")), "no Assumptions heading");
    let lower = readme.to_lowercase();
    for topic in ["pack", "per-seat", "relaxed", "motion"] {
        assert!(lower.contains(topic), "the Assumptions do not mention {topic}");
    }
}

// ---------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------

#[test]
fn the_dump_reads_back_as_the_same_catalog() {
    let original = catalog();
    let text = original.to_toml();
    let back = Catalog::from_source(&Source::new("dump.toml", text.as_str()))
        .unwrap_or_else(|e| panic!("the dump does not load:\n{e}\n{text}"));
    assert_eq!(back, original);
    // And dumping again gives the same text.
    assert_eq!(back.to_toml(), text);
}

#[test]
fn a_changed_catalog_with_optional_fields_round_trips_too() {
    let mut changed = catalog();
    changed.source = None;
    changed.references.api_extra_usd = None;
    let a = changed.actions.iter_mut().find(|a| a.id == "alchemy").unwrap();
    a.tokens.between = Some(BatchRule::Explicit);
    a.tokens.two = Some(11);
    a.tokens.three = Some(14);
    a.tokens.source = None;
    a.api = None;
    let p = changed.plans.iter_mut().find(|p| p.id == "premium").unwrap();
    p.price_monthly = Figure::new(29.5, Basis::User);
    p.relaxed.clear();
    let text = changed.to_toml();
    let back = Catalog::from_source(&Source::new("changed.toml", text.as_str()))
        .unwrap_or_else(|e| panic!("the dump does not load:\n{e}\n{text}"));
    assert_eq!(back, changed);
    let alchemy = back.action("alchemy").unwrap();
    assert_eq!(alchemy.tokens.for_images(2), Some(11));
    assert_eq!(alchemy.tokens.for_images(3), Some(14));
}

fn tokensim() -> Command {
    Command::cargo_bin("tokensim").expect("the tokensim binary")
}

#[test]
fn the_binary_dump_reads_back_and_dumps_the_same_text() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("dump.toml");
    let out = tokensim().args(["catalog", "--dump"]).arg(&file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "--dump FILE writes the file, not stdout");
    let written = std::fs::read_to_string(&file).expect("the dump file");
    assert_eq!(written, catalog().to_toml(), "the binary writes the library's dump");

    let again = tokensim().args(["catalog", "--catalog"]).arg(&file).arg("--dump").output().unwrap();
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    assert_eq!(String::from_utf8(again.stdout).unwrap(), written);
}

/// dump.rs promises "one `[[plans]]` or `[[actions]]` table per entry", so that
/// a person can edit the dump and an error in it names a useful line.
#[test]
fn the_dump_has_one_table_per_plan_and_per_action() {
    let catalog = catalog();
    let text = catalog.to_toml();
    let count = |header: &str| text.lines().filter(|l| l.trim() == header).count();
    assert_eq!(count("[[plans]]"), catalog.plans.len());
    assert_eq!(count("[[actions]]"), catalog.actions.len());
    let longest = text.lines().map(str::len).max().unwrap_or(0);
    assert!(longest < 1_000, "a line of {longest} characters");
}

/// The dump's header says how to load it; doing what it says must work.
#[test]
fn the_dump_header_names_a_command_that_works() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("mine.toml");
    let text = catalog().to_toml();
    std::fs::write(&file, &text).unwrap();
    let hint = text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.split('`').nth(1).filter(|c| c.starts_with("tokensim")))
        .expect("the header names a command");
    let args: Vec<String> = hint
        .split_whitespace()
        .skip(1)
        .map(|w| if w == "FILE" { file.display().to_string() } else { w.to_string() })
        .collect();
    let out = tokensim().args(&args).output().unwrap();
    assert!(out.status.success(), "`{hint}` fails: {}", String::from_utf8_lossy(&out.stderr));
}
