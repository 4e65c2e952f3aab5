//! A catalog figure: a value together with how sure it is.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

/// Where a figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// Published by the vendor (its pricing page or help centre, or faithful copies of them).
    List,
    /// Worked out from published figures; the source says how.
    Inferred,
    /// No public figure: a documented assumption to replace when one is found.
    Assumed,
    /// Written as a bare number in a user's own catalog.
    User,
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Basis::List => "list",
            Basis::Inferred => "inferred",
            Basis::Assumed => "assumed",
            Basis::User => "user",
        })
    }
}

/// A value with its basis. In TOML either a bare value (basis `user`) or
/// `{ value = …, basis = "list" | "inferred" | "assumed", source = "…" }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure<T> {
    pub value: T,
    pub basis: Basis,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl<T> Figure<T> {
    pub fn new(value: T, basis: Basis) -> Self {
        Figure { value, basis, source: None }
    }
}

/// The kinds of value a figure can hold, each with what a valid one looks like.
pub trait FigureValue: Sized {
    const EXPECTING: &'static str;
    fn from_i64(v: i64) -> Option<Self>;
    fn from_f64(v: f64) -> Option<Self>;
    fn from_bool(_: bool) -> Option<Self> {
        None
    }
    /// TOML gives a number above i64::MAX as u64.
    fn from_u64(v: u64) -> Option<Self> {
        i64::try_from(v).ok().and_then(Self::from_i64)
    }
}

impl FigureValue for u64 {
    const EXPECTING: &'static str = "a whole number, 0 or more";
    fn from_i64(v: i64) -> Option<Self> {
        u64::try_from(v).ok()
    }
    fn from_f64(_: f64) -> Option<Self> {
        None
    }
    fn from_u64(v: u64) -> Option<Self> {
        Some(v)
    }
}

impl FigureValue for f64 {
    const EXPECTING: &'static str = "a finite number, 0 or more";
    fn from_i64(v: i64) -> Option<Self> {
        (v >= 0).then_some(v as f64)
    }
    fn from_f64(v: f64) -> Option<Self> {
        (v.is_finite() && v >= 0.0).then_some(v)
    }
}

impl FigureValue for bool {
    const EXPECTING: &'static str = "true or false";
    fn from_i64(_: i64) -> Option<Self> {
        None
    }
    fn from_f64(_: f64) -> Option<Self> {
        None
    }
    fn from_bool(v: bool) -> Option<Self> {
        Some(v)
    }
}

/// Deserializes one bare value of `T`, with `T::EXPECTING` in every error.
struct Bare<T>(T);

struct BareVisitor<T>(PhantomData<T>);

impl<'de, T: FigureValue> Visitor<'de> for BareVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::from_i64(v).ok_or_else(|| E::invalid_value(de::Unexpected::Signed(v), &self))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::from_u64(v).ok_or_else(|| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        T::from_f64(v).ok_or_else(|| E::invalid_value(de::Unexpected::Float(v), &self))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        T::from_bool(v).ok_or_else(|| E::invalid_type(de::Unexpected::Bool(v), &self))
    }
}

impl<'de, T: FigureValue> Deserialize<'de> for Bare<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(BareVisitor(PhantomData)).map(Bare)
    }
}

struct FigureVisitor<T>(PhantomData<T>);

impl<'de, T: FigureValue> Visitor<'de> for FigureVisitor<T> {
    type Value = Figure<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "{}, or a table {{ value = …, basis = \"list\" | \"inferred\" | \"assumed\", source = \"…\" }}",
            T::EXPECTING
        )
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Figure<T>, E> {
        T::from_i64(v).map(user).ok_or_else(|| E::invalid_value(de::Unexpected::Signed(v), &self))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Figure<T>, E> {
        T::from_u64(v).map(user).ok_or_else(|| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Figure<T>, E> {
        T::from_f64(v).map(user).ok_or_else(|| E::invalid_value(de::Unexpected::Float(v), &self))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Figure<T>, E> {
        Err(E::invalid_type(de::Unexpected::Str(v), &self))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Figure<T>, E> {
        T::from_bool(v).map(user).ok_or_else(|| E::invalid_type(de::Unexpected::Bool(v), &self))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Figure<T>, A::Error> {
        let (mut value, mut basis, mut source) = (None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "value" => value = Some(map.next_value::<Bare<T>>()?.0),
                "basis" => basis = Some(map.next_value::<Basis>()?),
                "source" => source = Some(map.next_value::<String>()?),
                other => {
                    return Err(de::Error::unknown_field(other, &["value", "basis", "source"]));
                }
            }
        }
        Ok(Figure {
            value: value.ok_or_else(|| de::Error::missing_field("value"))?,
            basis: basis.unwrap_or(Basis::User),
            source,
        })
    }
}

fn user<T>(value: T) -> Figure<T> {
    Figure::new(value, Basis::User)
}

impl<'de, T: FigureValue> Deserialize<'de> for Figure<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(FigureVisitor(PhantomData))
    }
}

/// For `#[serde(deserialize_with)]`: an optional whole number of tokens, with
/// "a whole number, 0 or more" in its errors.
pub fn whole_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Bare::<u64>::deserialize(d).map(|b| Some(b.0))
}

/// For `#[serde(deserialize_with)]`: a list of whole numbers of tokens.
pub fn whole_vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
    Vec::<Bare<u64>>::deserialize(d).map(|v| v.into_iter().map(|b| b.0).collect())
}
