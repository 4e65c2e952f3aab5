//! A numeric scenario input: a fixed value or a distribution, sampled once per
//! path (uncertainty about the creator, beside month-to-month randomness).
//!
//! In TOML: `3`, or a table naming the distribution:
//! `{ dist = "uniform", low = 1, high = 5 }`,
//! `{ dist = "triangular", min = 1, mode = 2, max = 5 }`,
//! `{ dist = "beta", alpha = 8, beta = 4 }`,
//! `{ dist = "lognormal", median = 3, sigma = 0.5 }`,
//! `{ dist = "gamma", mean = 3, sd = 1 }`,
//! `{ dist = "discrete", values = [1, 2, 4], weights = [5, 3, 2] }`.

use std::fmt;

use rand::{Rng, RngExt};
use rand_distr::{Beta, Distribution, Gamma, LogNormal, Triangular};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Param {
    Fixed(f64),
    Uniform { low: f64, high: f64 },
    Triangular { min: f64, mode: f64, max: f64 },
    Beta { alpha: f64, beta: f64 },
    LogNormal { median: f64, sigma: f64 },
    Gamma { mean: f64, sd: f64 },
    Discrete { values: Vec<f64>, weights: Vec<f64> },
}

/// What values an input may take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Domain {
    /// A probability, 0 to 1.
    Probability,
    /// A probability above 0 (an acceptance probability of 0 never ends).
    PositiveProbability,
    /// Any number, 0 or more.
    NonNegative,
    /// A number in `[low, high]` (used for counts).
    Range(f64, f64),
    /// A rate, 0 or more, whose mean is at most this: an unbounded
    /// distribution is fine, an absurd workload (1e300 a day) is not.
    Rate(f64),
}

impl Domain {
    fn describe(self) -> String {
        match self {
            Domain::Probability => "a probability from 0 to 1".into(),
            Domain::PositiveProbability => "a probability above 0 and at most 1".into(),
            Domain::NonNegative => "a number, 0 or more".into(),
            Domain::Range(low, high) if high == f64::INFINITY => format!("a number, {low} or more"),
            Domain::Range(low, high) => format!("a number from {low} to {high}"),
            Domain::Rate(max) => {
                format!("a number from 0 to {max} (for a distribution: 0 or more, mean at most {max})")
            }
        }
    }

    fn contains(self, low: f64, high: f64, open_low: bool, mean: f64) -> bool {
        match self {
            Domain::Probability => low >= 0.0 && high <= 1.0,
            Domain::PositiveProbability => (low > 0.0 || (open_low && low == 0.0)) && high <= 1.0,
            Domain::NonNegative => low >= 0.0,
            Domain::Range(a, b) => low >= a && high <= b,
            Domain::Rate(max) => low >= 0.0 && mean <= max,
        }
    }
}

impl Param {
    /// One draw (for a fixed value, the value itself, with no draw made).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Param::Fixed(v) => *v,
            Param::Uniform { low, high } => low + (high - low) * rng.random::<f64>(),
            Param::Triangular { min, mode, max } => draw(Triangular::new(*min, *max, *mode), rng, *mode),
            Param::Beta { alpha, beta } => draw(Beta::new(*alpha, *beta), rng, alpha / (alpha + beta)),
            Param::LogNormal { median, sigma } => draw(LogNormal::new(median.ln(), *sigma), rng, *median),
            Param::Gamma { mean, sd } => {
                let shape = (mean / sd).powi(2);
                draw(Gamma::new(shape, mean / shape), rng, *mean)
            }
            Param::Discrete { values, weights } => {
                let total: f64 = weights.iter().sum();
                let mut u = rng.random::<f64>() * total;
                for (v, w) in values.iter().zip(weights) {
                    if u < *w {
                        return *v;
                    }
                    u -= w;
                }
                values.last().copied().unwrap_or(0.0)
            }
        }
    }

    /// The distribution's mean.
    pub fn mean(&self) -> f64 {
        match self {
            Param::Fixed(v) => *v,
            Param::Uniform { low, high } => (low + high) / 2.0,
            Param::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Param::Beta { alpha, beta } => alpha / (alpha + beta),
            Param::LogNormal { median, sigma } => median * (sigma * sigma / 2.0).exp(),
            Param::Gamma { mean, .. } => *mean,
            Param::Discrete { values, weights } => {
                let total: f64 = weights.iter().sum();
                values.iter().zip(weights).map(|(v, w)| v * w).sum::<f64>() / total
            }
        }
    }

    /// A value that about one draw in a billion exceeds, or fewer: the top of
    /// the support when it is finite, else far out in the tail.
    pub(crate) fn practical_max(&self) -> f64 {
        match self {
            Param::LogNormal { median, sigma } => median * (6.0 * sigma).exp(),
            Param::Gamma { mean, sd } => gamma_tail(*mean, *sd),
            _ => self.support().1,
        }
    }

    /// The lowest value a draw can take.
    pub(crate) fn lowest(&self) -> f64 {
        self.support().0
    }

    pub fn is_fixed(&self) -> bool {
        matches!(self, Param::Fixed(_))
    }

    /// Checks the parameters and that every value drawn lies in `domain`.
    pub fn check(&self, domain: Domain) -> Result<(), String> {
        self.check_parameters()?;
        let (low, high, open_low) = self.support();
        let mean = self.mean();
        match self {
            _ if domain.contains(low, high, open_low, mean) => Ok(()),
            Param::Fixed(v) => Err(format!("{} is not valid here; give {}", show(*v), domain.describe())),
            other if low >= 0.0 && matches!(domain, Domain::Rate(_)) => Err(format!(
                "this {} distribution has a mean of {}; this input must be {}",
                other.name(),
                show(mean),
                domain.describe()
            )),
            other => Err(format!(
                "this {} distribution can give values from {} to {}; this input must be {}",
                other.name(),
                show(low),
                show(high),
                domain.describe()
            )),
        }
    }

    /// Whether a draw can be exactly 0 (or less) with a probability above 0:
    /// a fixed 0, a uniform on [0, 0], or a discrete value 0 with a weight.
    pub fn can_be_zero(&self) -> bool {
        match self {
            Param::Fixed(v) | Param::Uniform { high: v, .. } => *v <= 0.0,
            Param::Discrete { values, weights } => values.iter().zip(weights).any(|(v, w)| *v <= 0.0 && *w > 0.0),
            _ => false,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Param::Fixed(_) => "fixed",
            Param::Uniform { .. } => "uniform",
            Param::Triangular { .. } => "triangular",
            Param::Beta { .. } => "beta",
            Param::LogNormal { .. } => "lognormal",
            Param::Gamma { .. } => "gamma",
            Param::Discrete { .. } => "discrete",
        }
    }

    /// Lowest and highest value a draw can take, and whether the lowest is
    /// approached but never reached.
    fn support(&self) -> (f64, f64, bool) {
        match self {
            Param::Fixed(v) => (*v, *v, false),
            Param::Uniform { low, high } => (*low, *high, false),
            Param::Triangular { min, max, .. } => (*min, *max, false),
            Param::Beta { .. } => (0.0, 1.0, true),
            Param::LogNormal { .. } | Param::Gamma { .. } => (0.0, f64::INFINITY, true),
            Param::Discrete { values, .. } => values
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY, false), |(lo, hi, o), v| (lo.min(*v), hi.max(*v), o)),
        }
    }

    /// The distribution's own parameters are possible; the message names the
    /// rule and the values given.
    fn check_parameters(&self) -> Result<(), String> {
        let (rule, given, ok) = match self {
            Param::Fixed(v) if v.is_finite() => return Ok(()),
            Param::Fixed(v) => {
                return Err(format!("{v} is not valid here; give a finite number (not NaN or infinite)"));
            }
            Param::Discrete { values, weights } => return check_discrete(values, weights),
            Param::Uniform { low, high } => {
                ("uniform needs low <= high", vec![("low", *low), ("high", *high)], low <= high)
            }
            Param::Triangular { min, mode, max } => (
                "triangular needs min <= mode <= max with min < max",
                vec![("min", *min), ("mode", *mode), ("max", *max)],
                min <= mode && mode <= max && min < max,
            ),
            Param::Beta { alpha, beta } => (
                "beta needs alpha > 0 and beta > 0",
                vec![("alpha", *alpha), ("beta", *beta)],
                *alpha > 0.0 && *beta > 0.0,
            ),
            Param::LogNormal { median, sigma } => (
                "lognormal needs median > 0 and sigma >= 0",
                vec![("median", *median), ("sigma", *sigma)],
                *median > 0.0 && *sigma >= 0.0,
            ),
            Param::Gamma { mean, sd } => {
                ("gamma needs mean > 0 and sd > 0", vec![("mean", *mean), ("sd", *sd)], *mean > 0.0 && *sd > 0.0)
            }
        };
        if ok && given.iter().all(|(_, v)| v.is_finite()) {
            return Ok(());
        }
        let given: Vec<String> = given.iter().map(|(name, v)| format!("{name} = {}", show(*v))).collect();
        Err(format!("{rule}, all finite; here {}", given.join(", ")))
    }
}

fn check_discrete(values: &[f64], weights: &[f64]) -> Result<(), String> {
    let problem = if values.is_empty() {
        "discrete needs at least one value, e.g. values = [1, 2], weights = [3, 1]".to_string()
    } else if values.len() != weights.len() {
        format!("discrete needs one weight per value; here {} values and {} weights", values.len(), weights.len())
    } else if let Some(x) = values.iter().chain(weights).find(|x| !x.is_finite()) {
        format!("discrete values and weights must be finite numbers; here one is {x}")
    } else if let Some((i, w)) = weights.iter().enumerate().find(|(_, w)| **w < 0.0) {
        format!("discrete weights must be 0 or more; here weights[{i}] = {}", show(*w))
    } else if weights.iter().sum::<f64>() <= 0.0 {
        "discrete weights add up to 0; give at least one weight above 0".to_string()
    } else {
        return Ok(());
    };
    Err(problem)
}

/// A number for a message: `1e300`, not three hundred digits.
pub(crate) fn show(v: f64) -> String {
    if v.is_finite() && v.abs() >= 1e15 { format!("{v:e}") } else { v.to_string() }
}

/// A value that about one gamma draw in a billion exceeds: six sd above the
/// mean, plus ln(1e9) ~ 21 scales for the long tail of a small shape.
pub(crate) fn gamma_tail(mean: f64, sd: f64) -> f64 {
    if sd == 0.0 { mean } else { mean + 6.0 * sd + 21.0 * sd * sd / mean }
}

fn draw<R: Rng + ?Sized, D: Distribution<f64>, E>(dist: Result<D, E>, rng: &mut R, fallback: f64) -> f64 {
    // Parameters are checked when the scenario is loaded; a degenerate one
    // (e.g. lognormal with sigma 0) gives its central value.
    match dist {
        Ok(d) => d.sample(rng),
        Err(_) => fallback,
    }
}

/// The fields a distribution table may have; which are required depends on `dist`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    dist: String,
    low: Option<f64>,
    high: Option<f64>,
    min: Option<f64>,
    mode: Option<f64>,
    max: Option<f64>,
    alpha: Option<f64>,
    beta: Option<f64>,
    median: Option<f64>,
    sigma: Option<f64>,
    mean: Option<f64>,
    sd: Option<f64>,
    values: Option<Vec<f64>>,
    weights: Option<Vec<f64>>,
}

const DISTS: &str = "uniform (low, high), triangular (min, mode, max), beta (alpha, beta), lognormal (median, sigma), gamma (mean, sd), discrete (values, weights)";

impl Spec {
    fn into_param<E: de::Error>(self) -> Result<Param, E> {
        let given = [
            ("low", self.low.is_some()),
            ("high", self.high.is_some()),
            ("min", self.min.is_some()),
            ("mode", self.mode.is_some()),
            ("max", self.max.is_some()),
            ("alpha", self.alpha.is_some()),
            ("beta", self.beta.is_some()),
            ("median", self.median.is_some()),
            ("sigma", self.sigma.is_some()),
            ("mean", self.mean.is_some()),
            ("sd", self.sd.is_some()),
            ("values", self.values.is_some()),
            ("weights", self.weights.is_some()),
        ];
        let fields: &[&str] = match self.dist.as_str() {
            "uniform" => &["low", "high"],
            "triangular" => &["min", "mode", "max"],
            "beta" => &["alpha", "beta"],
            "lognormal" => &["median", "sigma"],
            "gamma" => &["mean", "sd"],
            "discrete" => &["values", "weights"],
            other => return Err(E::custom(format!("unknown distribution `{other}`; expected one of {DISTS}"))),
        };
        for (name, present) in given {
            if present != fields.contains(&name) {
                let verb = if present { "does not take" } else { "needs" };
                return Err(E::custom(format!(
                    "dist = \"{}\" {verb} `{name}`; it takes {}",
                    self.dist,
                    fields.join(", ")
                )));
            }
        }
        let n = |x: Option<f64>| x.unwrap_or(f64::NAN);
        Ok(match self.dist.as_str() {
            "uniform" => Param::Uniform { low: n(self.low), high: n(self.high) },
            "triangular" => Param::Triangular { min: n(self.min), mode: n(self.mode), max: n(self.max) },
            "beta" => Param::Beta { alpha: n(self.alpha), beta: n(self.beta) },
            "lognormal" => Param::LogNormal { median: n(self.median), sigma: n(self.sigma) },
            "gamma" => Param::Gamma { mean: n(self.mean), sd: n(self.sd) },
            _ => Param::Discrete { values: self.values.unwrap_or_default(), weights: self.weights.unwrap_or_default() },
        })
    }
}

struct ParamVisitor;

impl<'de> Visitor<'de> for ParamVisitor {
    type Value = Param;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a number, or a distribution table {{ dist = \"…\", … }} with dist one of {DISTS}")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Param, E> {
        Ok(Param::Fixed(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Param, E> {
        Ok(Param::Fixed(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Param, E> {
        Ok(Param::Fixed(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Param, A::Error> {
        Spec::deserialize(de::value::MapAccessDeserializer::new(map))?.into_param()
    }
}

impl<'de> Deserialize<'de> for Param {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ParamVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Param, String> {
        #[derive(Deserialize)]
        struct Doc {
            x: Param,
        }
        toml::from_str::<Doc>(&format!("x = {text}")).map(|d| d.x).map_err(|e| e.message().to_string())
    }

    #[test]
    fn reads_every_form() {
        assert_eq!(parse("3").unwrap(), Param::Fixed(3.0));
        assert_eq!(parse("{ dist = \"beta\", alpha = 8, beta = 4 }").unwrap(), Param::Beta { alpha: 8.0, beta: 4.0 });
        assert_eq!(
            parse("{ dist = \"discrete\", values = [1, 2], weights = [1, 3] }").unwrap(),
            Param::Discrete { values: vec![1.0, 2.0], weights: vec![1.0, 3.0] }
        );
    }

    #[test]
    fn wrong_fields_are_named() {
        let e = parse("{ dist = \"beta\", alpha = 8 }").unwrap_err();
        assert!(e.contains("needs `beta`"), "{e}");
        let e = parse("{ dist = \"beta\", alpha = 8, beta = 2, mean = 3 }").unwrap_err();
        assert!(e.contains("does not take `mean`"), "{e}");
        let e = parse("{ dist = \"normal\", mean = 1, sd = 1 }").unwrap_err();
        assert!(e.contains("unknown distribution `normal`"), "{e}");
        let e = parse("\"three\"").unwrap_err();
        assert!(e.contains("expected a number, or a distribution table"), "{e}");
    }

    #[test]
    fn domain_checks_cover_the_whole_support() {
        assert!(Param::Beta { alpha: 2.0, beta: 2.0 }.check(Domain::PositiveProbability).is_ok());
        assert!(Param::Uniform { low: 0.0, high: 0.5 }.check(Domain::PositiveProbability).is_err());
        assert!(Param::Gamma { mean: 0.5, sd: 0.1 }.check(Domain::Probability).is_err());
        assert!(Param::Fixed(f64::NAN).check(Domain::NonNegative).is_err());
        assert!(Param::Fixed(-1.0).check(Domain::NonNegative).is_err());
        assert!(Param::Beta { alpha: 0.0, beta: 1.0 }.check(Domain::Probability).is_err());
    }

    #[test]
    fn sample_means_match_closed_forms() {
        // 20,000 draws: the standard error of the mean is sd / 141; allow 4 of them.
        let cases = [
            (Param::Uniform { low: 1.0, high: 5.0 }, (16.0f64 / 12.0).sqrt()),
            (
                Param::Triangular { min: 1.0, mode: 2.0, max: 6.0 },
                ((1.0 + 4.0 + 36.0 - 2.0 - 6.0 - 12.0) / 18.0f64).sqrt(),
            ),
            (Param::Beta { alpha: 8.0, beta: 4.0 }, (32.0f64 / (144.0 * 13.0)).sqrt()),
            (Param::LogNormal { median: 3.0, sigma: 0.5 }, 3.0 * ((0.25f64).exp() * ((0.25f64).exp() - 1.0)).sqrt()),
            (Param::Gamma { mean: 3.0, sd: 1.5 }, 1.5),
            (
                Param::Discrete { values: vec![1.0, 2.0, 4.0], weights: vec![5.0, 3.0, 2.0] },
                (4.9f64 - 1.9 * 1.9).sqrt(),
            ),
        ];
        let mut rng = rand_pcg::Pcg64::new(7, 11);
        for (param, sd) in cases {
            let n = 20_000;
            let mean = (0..n).map(|_| param.sample(&mut rng)).sum::<f64>() / n as f64;
            let tolerance = 4.0 * sd / (n as f64).sqrt();
            assert!((mean - param.mean()).abs() < tolerance, "{param:?}: {mean} vs {}", param.mean());
        }
    }
}
