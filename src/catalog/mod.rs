//! The catalog: a vendor's plans and action costs, as data.
//!
//! The default Leonardo.Ai catalog is embedded; `--catalog FILE` replaces it.
//! Every figure carries its [`Basis`]. Loading validates everything and turns
//! the figures into the integer units the ledger works in.

mod dump;
mod figure;
mod print;
mod validate;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use figure::{Basis, Figure, FigureValue};
pub use print::render_tables;

use crate::input::{InputErrors, Source};
use crate::ledger::{Charge, Pack, Terms, Unit};

/// The embedded default catalog.
pub const LEONARDO_TOML: &str = include_str!("leonardo.toml");

/// Micro-dollars: money is kept in whole millionths of a dollar so that sums are exact.
pub type Micros = u64;

/// Converts dollars to micro-dollars (saturating: `as` clamps to the range).
pub fn micros(usd: f64) -> Micros {
    (usd * 1e6).round() as Micros
}

/// The largest token figure a catalog may hold: far above any plan, far below
/// where sums over a long horizon could overflow.
pub const MAX_TOKENS: u64 = 1_000_000_000_000;
/// The largest dollar figure a catalog may hold.
pub const MAX_USD: f64 = 1_000_000.0;

/// The families of actions a plan's rules speak of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Image,
    Edit,
    Reference,
    #[serde(rename = "3d")]
    ThreeD,
    Video,
}

impl Family {
    pub const ALL: [Family; 5] = [Family::Image, Family::Edit, Family::Reference, Family::ThreeD, Family::Video];
    pub fn index(self) -> usize {
        self as usize
    }
    pub fn name(self) -> &'static str {
        match self {
            Family::Image => "image",
            Family::Edit => "edit",
            Family::Reference => "reference",
            Family::ThreeD => "3d",
            Family::Video => "video",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlanKind {
    /// One subscriber, one pool.
    Individual,
    /// Seats share one pool and one bank, each figure per seat.
    Team,
    /// A dollar balance charged per action.
    Api,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reset {
    /// Every day; unused tokens expire.
    Daily,
    /// On the billing day; unused tokens roll over up to the caps.
    Monthly,
}

/// How the subscription is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Billing {
    #[default]
    Monthly,
    Yearly,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Whose plans these are, shown by every report.
    pub vendor: String,
    /// The date the figures reflect, shown by every report.
    pub as_of: String,
    pub currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Extra tokens for image guidance, by number of reference images.
    pub references: ReferenceCosts,
    pub plans: Vec<Plan>,
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceCosts {
    /// `extra[n]`: tokens added to a generation that uses `n` reference images.
    #[serde(deserialize_with = "figure::whole_vec")]
    pub extra: Vec<u64>,
    /// Dollars added on the API route per generation with references.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_extra_usd: Option<Figure<f64>>,
    pub basis: Basis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub id: String,
    pub name: String,
    pub kind: PlanKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset: Option<Reset>,
    /// Tokens granted at each reset (per seat on a team plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowance: Option<Figure<u64>>,
    /// Most tokens that may move into the bank at one monthly reset (per seat).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollover_inflow_cap: Option<Figure<u64>>,
    /// Most tokens the bank may hold (per seat).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_cap: Option<Figure<u64>>,
    /// Dollars per month with monthly billing (per seat).
    pub price_monthly: Figure<f64>,
    /// Dollars per month with yearly billing (per seat).
    pub price_yearly: Figure<f64>,
    /// Seats billed at the least (team plans).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_seats: Option<Figure<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topup: Option<TopUp>,
    /// Families that continue at zero tokens after exhaustion, and how fast.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relaxed: Vec<RelaxedLane>,
    /// The API route's automatic top-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_topup: Option<AutoTopUp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopUp {
    pub allowed: Figure<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack_tokens: Option<Figure<u64>>,
    /// Dollars per pack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack_price: Option<Figure<f64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelaxedLane {
    pub family: Family,
    /// Relaxed generations per day this family can get through.
    pub per_day: Figure<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoTopUp {
    /// Dollars: when the balance falls below this, `amount` is added.
    pub threshold: Figure<f64>,
    pub amount: Figure<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    pub id: String,
    pub name: String,
    pub family: Family,
    pub tokens: TokenCost,
    /// Whether the action continues in relaxed mode on plans that relax its family.
    pub relaxed: Figure<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<ApiCost>,
}

/// Tokens for one call: either `each` per item, or a batch price for 1 to 4 images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenCost {
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "figure::whole_opt")]
    pub each: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "figure::whole_opt")]
    pub one: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "figure::whole_opt")]
    pub two: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "figure::whole_opt")]
    pub three: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "figure::whole_opt")]
    pub four: Option<u64>,
    /// How 2 and 3 images are priced when only 1 and 4 are published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub between: Option<BatchRule>,
    pub basis: Basis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BatchRule {
    /// On the straight line from the 1-image to the 4-image cost, rounded up.
    InterpolateUp,
    /// `two` and `three` are given.
    Explicit,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiCost {
    pub usd: Figure<f64>,
    pub per: ApiUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiUnit {
    Image,
    Call,
}

impl TokenCost {
    /// Tokens for a call on `images` images (1 to 4 for batch prices).
    pub fn for_images(&self, images: u32) -> Option<u64> {
        if let Some(each) = self.each {
            return each.checked_mul(u64::from(images)).filter(|_| images > 0);
        }
        let (one, four) = (self.one?, self.four?);
        match images {
            1 => Some(one),
            4 => Some(four),
            2 | 3 => match self.between? {
                BatchRule::Explicit => {
                    if images == 2 {
                        self.two
                    } else {
                        self.three
                    }
                }
                BatchRule::InterpolateUp => {
                    let steps = u64::from(images) - 1;
                    let rise = four.saturating_sub(one).saturating_mul(steps);
                    Some(one.saturating_add(rise.div_ceil(3)))
                }
            },
            _ => None,
        }
    }

    /// The most images one call can take.
    pub fn max_images(&self) -> u32 {
        if self.each.is_some() { u32::MAX } else { 4 }
    }
}

impl Catalog {
    /// The embedded Leonardo.Ai catalog.
    pub fn leonardo() -> Catalog {
        Catalog::from_source(&Source::new("<embedded leonardo catalog>", LEONARDO_TOML))
            .expect("the embedded catalog is checked by the test suite")
    }

    /// Reads and validates a catalog file.
    pub fn load(path: &Path) -> Result<Catalog, InputErrors> {
        Catalog::from_source(&Source::read(path)?)
    }

    /// Parses and validates a catalog, returning every problem found.
    pub fn from_source(source: &Source) -> Result<Catalog, InputErrors> {
        let catalog: Catalog = source
            .parse_document(
                "a catalog needs vendor, as_of, currency, a [references] table, [[plans]] and [[actions]] tables",
            )
            .map_err(|error| {
                let scenario = "this is a scenario file, not a catalog: simulate it with `tokensim run FILE`; \
                                `--catalog` takes a catalog, such as `tokensim catalog --dump FILE` writes";
                source
                    .other_kind(&["vendor", "plans", "actions"], &["workflows", "rhythm", "run"], scenario)
                    .unwrap_or(error)
            })?;
        let problems = validate::check(&catalog);
        if problems.is_empty() {
            Ok(catalog)
        } else {
            Err(InputErrors(problems.into_iter().map(|(field, message)| source.error(field, message)).collect()))
        }
    }

    /// The catalog as TOML that [`Catalog::from_source`] reads back unchanged.
    pub fn to_toml(&self) -> String {
        dump::to_toml(self)
    }

    pub fn plan(&self, id: &str) -> Option<&Plan> {
        self.plans.iter().find(|p| p.id == id)
    }

    pub fn action(&self, id: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.id == id)
    }

    /// The ledger's integer terms for `plan` with `seats` users.
    pub fn terms(&self, plan: &Plan, seats: u32, billing: Billing) -> Terms {
        let billed_seats = match plan.kind {
            PlanKind::Team => u64::from(seats).max(plan.min_seats.as_ref().map_or(1, |f| f.value)),
            _ => 1,
        };
        let per_seat = |f: &Option<Figure<u64>>| f.as_ref().map_or(0, |f| f.value).saturating_mul(billed_seats);
        let price = match billing {
            Billing::Monthly => &plan.price_monthly,
            Billing::Yearly => &plan.price_yearly,
        };
        let mut relaxed_per_day = [0u64; Family::ALL.len()];
        for lane in &plan.relaxed {
            relaxed_per_day[lane.family.index()] = lane.per_day.value;
        }
        let (unit, pack, auto_refill_below) = match &plan.auto_topup {
            Some(auto) if plan.kind == PlanKind::Api => (
                Unit::MicroUsd,
                Some(Pack { units: micros(auto.amount.value), price: micros(auto.amount.value) }),
                Some(micros(auto.threshold.value)),
            ),
            _ => (Unit::Tokens, topup_pack(plan), None),
        };
        Terms {
            unit,
            daily_reset: plan.reset == Some(Reset::Daily),
            allowance: per_seat(&plan.allowance),
            inflow_cap: per_seat(&plan.rollover_inflow_cap),
            bank_cap: per_seat(&plan.bank_cap),
            subscription: micros(price.value).saturating_mul(billed_seats),
            pack,
            auto_refill_below,
            relaxed_per_day,
        }
    }

    /// What one call of `action` on `images` images with `references` reference images costs.
    pub fn charge(&self, action: &Action, images: u32, references: u32) -> Result<Charge, String> {
        let base = action.tokens.for_images(images).ok_or_else(|| {
            format!("action `{}` takes 1 to {} images per call, not {images}", action.id, action.tokens.max_images())
        })?;
        let extra = self.references.extra.get(references as usize).copied().ok_or_else(|| {
            format!(
                "at most {} reference images per call, not {references}",
                self.references.extra.len().saturating_sub(1)
            )
        })?;
        let api_extra = match (&self.references.api_extra_usd, references) {
            (Some(f), r) if r > 0 => micros(f.value),
            _ => 0,
        };
        let api = action.api.as_ref().map(|a| match a.per {
            ApiUnit::Image => micros(a.usd.value).saturating_mul(u64::from(images)),
            ApiUnit::Call => micros(a.usd.value),
        });
        Ok(Charge {
            tokens: base.saturating_add(extra),
            api_micros: api.map(|m| m.saturating_add(api_extra)),
            family: action.family,
            relaxed_ok: action.relaxed.value,
        })
    }
}

fn topup_pack(plan: &Plan) -> Option<Pack> {
    let topup = plan.topup.as_ref().filter(|t| t.allowed.value)?;
    Some(Pack { units: topup.pack_tokens.as_ref()?.value, price: micros(topup.pack_price.as_ref()?.value) })
}
