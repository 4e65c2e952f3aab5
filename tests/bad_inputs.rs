//! A corpus of bad inputs: for each field of the scenario and catalog formats,
//! the invalid values a person might write (wrong type, out of range, empty,
//! huge, NaN or infinite, a typo in a key, a missing or duplicated part, an
//! impossible distribution, an unknown name, a file that is not a scenario).
//!
//! Every case goes through the binary (`tokensim validate` for scenarios,
//! `tokensim catalog --catalog` for catalogs) and must end with exit code 2,
//! nothing on stdout, no panic, and a line `error: FILE:LINE: FIELD: message`
//! whose message says what would be valid, in words a person writes (no Rust
//! type names). Each case breaks one thing of a valid text, and its line is
//! counted in the edited text here, never taken from what the program prints.
//! Cases already in run_cli.rs, validation_messages.rs and catalog_errors.rs
//! are not repeated.

use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;
use tokensim::catalog::{Catalog, LEONARDO_TOML};
use tokensim::input::Source;
use tokensim::scenario::{Overrides, Scenario};

/// A valid scenario that sets every key and uses every distribution; each
/// line that a case edits occurs once. The workflows come last, so that
/// cutting them leaves a whole file.
const BASE: &str = r#"title = "Every key"
description = "The template of the bad-input corpus"
seats = 1
on_exhaustion = "relaxed-then-top-up"

[run]
months = 2
paths = 20
seed = 3
days_per_month = 30
plans = ["premium", "ultimate", "api"]
billing = "yearly"
target = 0.1

[rhythm]
active_days_per_week = { dist = "uniform", low = 4, high = 6 }
deliverables_per_day = { dist = "lognormal", median = 3, sigma = 0.2 }
daily_count = "poisson"
dispersion = 4
burst_probability = 0.2
burst_factor = { dist = "gamma", mean = 2, sd = 0.5 }

[api]
auto_topup = true
threshold = 10.0
amount = 50.0

[[workflows]]
name = "feed post"
share = 0.7
action = "phoenix"
images = { dist = "discrete", values = [2, 4], weights = [1, 3] }
accept = { dist = "beta", alpha = 9, beta = 11 }
references = 1
max_attempts = 8
steps = [{ action = "upscale", probability = 0.6, images = 1 }, { action = "remove-background", probability = 0.3 }]

[[workflows]]
name = "clip"
share = 0.3
action = "motion-2"
accept = { dist = "triangular", min = 0.3, mode = 0.5, max = 0.8 }
max_attempts = 4
"#;

/// What a case breaks; the binary is checked on every case, and the summary
/// test checks that each kind has cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    WrongType,
    OutOfRange,
    Empty,
    Huge,
    NotFinite,
    KeyTypo,
    Missing,
    Duplicate,
    Unknown,
    Distribution,
    File,
}

use Kind::*;

const KINDS: [Kind; 11] =
    [WrongType, OutOfRange, Empty, Huge, NotFinite, KeyTypo, Missing, Duplicate, Unknown, Distribution, File];

/// Which command reads the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Scenario,
    Catalog,
}

/// One bad file and what its message must say.
struct Case {
    kind: Kind,
    format: Format,
    bytes: Vec<u8>,
    /// Byte offset of the edit, from which the expected line is counted.
    offset: usize,
    line: usize,
    /// Dotted field path; empty for a problem with the whole file.
    field: String,
    /// Words the message must contain: what is wrong and what would be valid.
    words: Vec<&'static str>,
}

impl Case {
    /// The problem is reported at the last `header` (a table that lacks a
    /// field) at or before the edit.
    fn at(mut self, header: &str) -> Case {
        let text = String::from_utf8_lossy(&self.bytes).into_owned();
        let at = text[..self.offset].rfind(header).unwrap_or_else(|| panic!("no `{header}` before the edit"));
        self.line = line_at(text.as_bytes(), at);
        self
    }

    /// The name the case is written under and reported by.
    fn name(&self, i: usize) -> String {
        format!("{i:03}-{:?}-{:?}.toml", self.format, self.kind).to_lowercase()
    }
}

/// The 1-based line of byte `offset`, counted here.
fn line_at(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1
}

/// `text` with the first `from` at or after `anchor` (which must occur once)
/// replaced by `to`, and the offset of the change.
fn replace_after(text: &str, anchor: &str, from: &str, to: &str) -> (String, usize) {
    assert_eq!(text.matches(anchor).count(), 1, "`{anchor}` is not unique");
    let start = text.find(anchor).unwrap();
    let at = start + text[start..].find(from).unwrap_or_else(|| panic!("no `{from}` after `{anchor}`"));
    (format!("{}{to}{}", &text[..at], &text[at + from.len()..]), at)
}

/// `plans[premium].bank_cap` -> `plans[2].bank_cap`: ids are resolved to
/// their index in the embedded catalog, so that the table reads by name.
fn resolve(field: &str) -> String {
    let catalog = Catalog::leonardo();
    let mut out = field.to_string();
    for (table, ids) in [
        ("plans", catalog.plans.iter().map(|p| p.id.as_str()).collect::<Vec<_>>()),
        ("actions", catalog.actions.iter().map(|a| a.id.as_str()).collect()),
    ] {
        for (i, id) in ids.iter().enumerate() {
            out = out.replace(&format!("{table}[{id}]"), &format!("{table}[{i}]"));
        }
    }
    out
}

fn case(kind: Kind, format: Format, text: String, offset: usize, field: &str, words: &[&'static str]) -> Case {
    let line = line_at(text.as_bytes(), offset);
    Case { kind, format, bytes: text.into_bytes(), offset, line, field: resolve(field), words: words.to_vec() }
}

/// A scenario case: `from` (once in `BASE`) becomes `to`.
fn s(kind: Kind, from: &str, to: &str, field: &str, words: &[&'static str]) -> Case {
    assert_eq!(BASE.matches(from).count(), 1, "`{from}` is not unique in BASE");
    let (text, at) = replace_after(BASE, from, from, to);
    case(kind, Format::Scenario, text, at, field, words)
}

/// A catalog case: the first `from` after `anchor` in the embedded catalog becomes `to`.
fn c(kind: Kind, anchor: &str, from: &str, to: &str, field: &str, words: &[&'static str]) -> Case {
    let (text, at) = replace_after(LEONARDO_TOML, anchor, from, to);
    case(kind, Format::Catalog, text, at, field, words)
}

// Lines of `BASE` that several cases break.
const ACCEPT: &str = r#"accept = { dist = "beta", alpha = 9, beta = 11 }"#;
const IMAGES: &str = r#"images = { dist = "discrete", values = [2, 4], weights = [1, 3] }"#;
const RATE: &str = r#"deliverables_per_day = { dist = "lognormal", median = 3, sigma = 0.2 }"#;
const STEPS: &str = r#"steps = [{ action = "upscale", probability = 0.6, images = 1 }, { action = "remove-background", probability = 0.3 }]"#;

fn scenario_cases() -> Vec<Case> {
    vec![
        // A value of the wrong type.
        s(WrongType, "months = 2", r#"months = "two""#, "run.months", &["two", "whole number"]),
        s(WrongType, "seats = 1", "seats = 1.5", "seats", &["1.5", "whole number"]),
        s(WrongType, "seed = 3", r#"seed = "x""#, "run.seed", &["whole number"]),
        s(WrongType, "title = \"Every key\"", "title = 3", "title", &["text in quotes"]),
        s(WrongType, r#"plans = ["premium", "ultimate", "api"]"#, r#"plans = "premium""#, "run.plans", &["list"]),
        s(WrongType, r#"["premium", "ultimate", "api"]"#, r#"[1, "ultimate"]"#, "run.plans[0]", &["text in quotes"]),
        s(WrongType, r#"billing = "yearly""#, "billing = 12", "run.billing", &["`12`", "`monthly` or `yearly`"]),
        s(WrongType, "target = 0.1", r#"target = "5%""#, "run.target", &["5%", "a number"]),
        s(
            WrongType,
            "on_exhaustion = \"relaxed-then-top-up\"",
            "on_exhaustion = 1",
            "on_exhaustion",
            &["top-up", "drop"],
        ),
        s(WrongType, r#"daily_count = "poisson""#, "daily_count = true", "rhythm.daily_count", &["poisson", "exact"]),
        s(WrongType, "dispersion = 4", r#"dispersion = "high""#, "rhythm.dispersion", &["high", "a number", "dist"]),
        s(WrongType, "references = 1", "references = [1, 2]", "workflows[0].references", &["a number", "dist"]),
        s(WrongType, "alpha = 9", r#"alpha = "nine""#, "workflows[0].accept.alpha", &["nine", "a number"]),
        s(WrongType, "values = [2, 4]", "values = 4", "workflows[0].images.values", &["list"]),
        s(WrongType, STEPS, r#"steps = "upscale""#, "workflows[0].steps", &["list"]),
        s(WrongType, "auto_topup = true", r#"auto_topup = "yes""#, "api.auto_topup", &["yes", "true or false"]),
        s(WrongType, "threshold = 10.0", r#"threshold = "10""#, "api.threshold", &["a number"]),
        s(WrongType, r#"name = "clip""#, "name = 2", "workflows[1].name", &["text in quotes"]),
        s(WrongType, r#"action = "motion-2""#, r#"action = ["motion-2"]"#, "workflows[1].action", &["text in quotes"]),
        // A number outside what the field accepts.
        s(OutOfRange, "days_per_month = 30", "days_per_month = 0", "run.days_per_month", &["1 to 31"]),
        s(OutOfRange, "days_per_month = 30", "days_per_month = 32", "run.days_per_month", &["32", "1 to 31"]),
        s(OutOfRange, "target = 0.1", "target = 1.5", "run.target", &["1.5", "probability from 0 to 1"]),
        s(OutOfRange, "months = 2", "months = -3", "run.months", &["-3", "whole number"]),
        s(OutOfRange, "seed = 3", "seed = -1", "run.seed", &["-1", "whole number"]),
        s(OutOfRange, "seats = 1", "seats = 0", "seats", &["1 to 1,000"]),
        s(OutOfRange, "seats = 1", "seats = 1001", "seats", &["1001", "1 to 1,000"]),
        s(OutOfRange, "low = 4, high = 6", "low = 4, high = 8", "rhythm.active_days_per_week", &["uniform", "0 to 7"]),
        s(OutOfRange, RATE, "deliverables_per_day = -2", "rhythm.deliverables_per_day", &["-2", "from 0 to"]),
        s(OutOfRange, "dispersion = 4", "dispersion = 0", "rhythm.dispersion", &["0.000001 or more"]),
        s(OutOfRange, "burst_probability = 0.2", "burst_probability = 1.1", "rhythm.burst_probability", &["0 to 1"]),
        s(OutOfRange, "mean = 2, sd = 0.5", "mean = 200, sd = 0.5", "rhythm.burst_factor", &["mean of 200", "100"]),
        s(OutOfRange, IMAGES, "images = 5", "workflows[0].images", &["5", "1 to 4"]),
        s(OutOfRange, IMAGES, "images = 0", "workflows[0].images", &["1 to 4"]),
        s(OutOfRange, "references = 1", "references = 5", "workflows[0].references", &["5", "0 to 4"]),
        s(OutOfRange, "max_attempts = 8", "max_attempts = 0", "workflows[0].max_attempts", &["1 to 1000"]),
        s(OutOfRange, "max_attempts = 4", "max_attempts = 1001", "workflows[1].max_attempts", &["1 to 1000"]),
        s(OutOfRange, "share = 0.7", "share = 1.2", "workflows[0].share", &["1.2", "probability from 0 to 1"]),
        s(OutOfRange, "max = 0.8 }", "max = 1.5 }", "workflows[1].accept", &["triangular", "above 0 and at most 1"]),
        s(OutOfRange, "probability = 0.6", "probability = -0.1", "workflows[0].steps[0].probability", &["0 to 1"]),
        s(
            OutOfRange,
            "probability = 0.6, images = 1",
            "probability = 0.6, images = 0",
            "workflows[0].steps[0].images",
            &["1 to 1000"],
        ),
        s(OutOfRange, "threshold = 10.0", "threshold = 2000000.0", "api.threshold", &["0 to 1,000,000"]),
        // Empty text or lists.
        s(Empty, r#"["premium", "ultimate", "api"]"#, "[]", "run.plans", &["no plan", "plans = ["]),
        s(
            Empty,
            r#"["premium", "ultimate", "api"]"#,
            r#"["", "ultimate"]"#,
            "run.plans[0]",
            &["unknown plan ``", "known"],
        ),
        s(Empty, r#"name = "feed post""#, r#"name = """#, "workflows[0].name", &["empty", "name"]),
        s(Empty, r#"action = "phoenix""#, r#"action = """#, "workflows[0].action", &["no action", "tokensim catalog"]),
        s(Empty, r#"{ action = "upscale","#, r#"{ action = " ","#, "workflows[0].steps[0].action", &["no action"]),
        s(Empty, r#"billing = "yearly""#, r#"billing = """#, "run.billing", &["`monthly` or `yearly`"]),
        // A key with no value: named in its table, with what a value looks like.
        s(Empty, "months = 2", "months =", "run.months", &["`months =` has no value", "a number", "in quotes"]),
        s(Empty, "max_attempts = 8", "max_attempts = # later", "workflows[0].max_attempts", &["has no value"]),
        s(
            Empty,
            "values = [2, 4], weights = [1, 3]",
            "values = [], weights = []",
            "workflows[0].images",
            &["at least one value"],
        ),
        s(Empty, ACCEPT, "accept = {}", "workflows[0].accept.dist", &["missing", "dist"]),
        s(Empty, STEPS, "steps = [{}]", "workflows[0].steps[0].action", &["missing", "action"]),
        // Numbers too large to mean anything.
        s(Huge, "paths = 20", "paths = 18446744073709551616", "run.paths", &["out of range", "whole number"]),
        s(Huge, "paths = 20", "paths = 18446744073709551615", "run.paths", &["at most 1000000000"]),
        s(Huge, "paths = 20", "paths = 1e300", "run.paths", &["`1e300`", "whole number"]),
        s(Huge, "months = 2", "months = 1000000", "run.months", &["1000000", "at most 240"]),
        s(Huge, "months = 2", "months = 4294967296", "run.months", &["4294967296", "whole number from 0 to"]),
        s(Huge, RATE, "deliverables_per_day = 1e300", "rhythm.deliverables_per_day", &["1e300", "0 to 10000"]),
        s(Huge, RATE, "deliverables_per_day = 1e9", "rhythm.deliverables_per_day", &["1000000000", "0 to 10000"]),
        s(Huge, "sigma = 0.2", "sigma = 40", "rhythm.deliverables_per_day", &["lognormal", "mean", "10000"]),
        s(Huge, "mean = 2, sd = 0.5", "mean = 1e300, sd = 0.5", "rhythm.burst_factor", &["1e300", "100"]),
        s(Huge, "max_attempts = 8", "max_attempts = 1e300", "workflows[0].max_attempts", &["1e300", "1 to 1000"]),
        s(Huge, "references = 1", "references = 18446744073709551616", "workflows[0].references", &["out of range"]),
        s(Huge, "amount = 50.0", "amount = 1e300", "api.amount", &["1e300", "0.01 to 1,000,000"]),
        // NaN and infinities: TOML writes them nan, inf, -inf.
        s(NotFinite, "burst_probability = 0.2", "burst_probability = nan", "rhythm.burst_probability", &["finite"]),
        s(NotFinite, RATE, "deliverables_per_day = inf", "rhythm.deliverables_per_day", &["inf", "finite"]),
        s(NotFinite, "max_attempts = 4", "max_attempts = -inf", "workflows[1].max_attempts", &["-inf", "finite"]),
        s(NotFinite, "target = 0.1", "target = nan", "run.target", &["NaN", "probability from 0 to 1"]),
        s(NotFinite, "amount = 50.0", "amount = inf", "api.amount", &["inf", "0.01 to 1,000,000"]),
        s(NotFinite, "threshold = 10.0", "threshold = nan", "api.threshold", &["NaN", "0 to 1,000,000"]),
        s(
            NotFinite,
            "low = 4, high = 6",
            "low = 4, high = inf",
            "rhythm.active_days_per_week",
            &["high = inf", "finite"],
        ),
        s(NotFinite, "weights = [1, 3]", "weights = [1, nan]", "workflows[0].images", &["finite", "NaN"]),
        // A typo in a key: refused, with the nearest valid key.
        s(KeyTypo, "[rhythm]", "[rythm]", "rythm", &["unknown field `rythm`", "did you mean `rhythm`?"]),
        // One table written as a list of tables: named, not its first field.
        s(KeyTypo, "[rhythm]", "[[rhythm]]", "rhythm", &["`[[rhythm]]` makes a list of tables", "write `[rhythm]`"]),
        s(KeyTypo, "[api]", "[[api]]", "api", &["write `[api]`"]),
        s(KeyTypo, "on_exhaustion =", "on_exhuastion =", "on_exhuastion", &["did you mean `on_exhaustion`?"]),
        s(KeyTypo, "months = 2", "month = 2", "run.month", &["did you mean `months`?"]),
        s(KeyTypo, "burst_factor =", "burst_facter =", "rhythm.burst_facter", &["did you mean `burst_factor`?"]),
        s(KeyTypo, "amount = 50.0", "amout = 50.0", "api.amout", &["did you mean `amount`?"]),
        s(KeyTypo, "max_attempts = 8", "max_attempt = 8", "workflows[0].max_attempt", &["`max_attempts`?"]),
        s(KeyTypo, "probability = 0.3", "probabilty = 0.3", "workflows[0].steps[1].probabilty", &["`probability`?"]),
        s(KeyTypo, "alpha = 9, beta = 11", "alpha = 9, bta = 11", "workflows[0].accept.bta", &["`beta`?"]),
        s(KeyTypo, "[api]", "[apis]", "apis", &["did you mean `api`?"]),
        // A required part left out.
        s(Missing, "name = \"clip\"\n", "", "workflows[1].name", &["missing", "name"]).at("[[workflows]]"),
        s(Missing, "share = 0.3\n", "", "workflows[1].share", &["missing", "share"]).at("[[workflows]]"),
        s(Missing, "action = \"motion-2\"\n", "", "workflows[1].action", &["missing", "action"]).at("[[workflows]]"),
        s(Missing, ACCEPT, "", "workflows[0].accept", &["missing", "accept"]).at("[[workflows]]"),
        s(Missing, ", probability = 0.3 }", " }", "workflows[0].steps[1].probability", &["missing", "probability"]),
        s(Missing, "alpha = 9, ", "", "workflows[0].accept", &["needs `alpha`", "alpha, beta"]),
        s(Missing, ", weights = [1, 3]", "", "workflows[0].images", &["needs `weights`"]),
        // Something written twice.
        s(
            Duplicate,
            r#""premium", "ultimate", "api""#,
            r#""premium", "ultimate", "api", "ultimate""#,
            "run.plans[3]",
            &["`ultimate` is listed twice"],
        ),
        s(Duplicate, "days_per_month = 30", "seed = 4", "", &["duplicate key `seed`", "keep one"]),
        s(Duplicate, "[api]", "[run]", "", &["duplicate key `run`"]),
        s(Duplicate, "alpha = 9,", "alpha = 9, alpha = 2,", "", &["duplicate key `alpha`"]),
        // A name that does not exist.
        s(Unknown, r#"["premium", "ultimate", "api"]"#, r#"["Premium"]"#, "run.plans[0]", &["did you mean `premium`?"]),
        s(
            Unknown,
            r#"["premium", "ultimate", "api"]"#,
            r#"["pro"]"#,
            "run.plans[0]",
            &["unknown plan `pro`", "known:"],
        ),
        s(
            Unknown,
            r#"{ action = "upscale","#,
            r#"{ action = "upscal","#,
            "workflows[0].steps[0].action",
            &["did you mean `upscale`?"],
        ),
        s(Unknown, r#"action = "motion-2""#, r#"action = "sora""#, "workflows[1].action", &["unknown action `sora`"]),
        s(Unknown, r#"daily_count = "poisson""#, r#"daily_count = "poison""#, "rhythm.daily_count", &["`poisson`?"]),
        s(Unknown, r#"billing = "yearly""#, r#"billing = "anual""#, "run.billing", &["`monthly` or `yearly`"]),
        s(
            Unknown,
            r#"dist = "beta""#,
            r#"dist = "normal""#,
            "workflows[0].accept",
            &["`normal`", "beta (alpha, beta)"],
        ),
        s(Unknown, r#"dist = "beta""#, r#"dist = "Beta""#, "workflows[0].accept", &["`Beta`", "beta (alpha, beta)"]),
        // A distribution that cannot be sampled, or not within its field.
        s(Distribution, "alpha = 9,", "alpha = 0,", "workflows[0].accept", &["alpha > 0", "alpha = 0"]),
        s(Distribution, "beta = 11 }", "beta = -1 }", "workflows[0].accept", &["beta > 0", "beta = -1"]),
        s(
            Distribution,
            "min = 0.3, mode = 0.5, max = 0.8",
            "min = 0.8, mode = 0.5, max = 0.3",
            "workflows[1].accept",
            &["min <= mode <= max", "min = 0.8"],
        ),
        s(
            Distribution,
            "min = 0.3, mode = 0.5, max = 0.8",
            "min = 0.3, mode = 0.9, max = 0.8",
            "workflows[1].accept",
            &["mode = 0.9"],
        ),
        s(
            Distribution,
            "min = 0.3, mode = 0.5, max = 0.8",
            "min = 0.5, mode = 0.5, max = 0.5",
            "workflows[1].accept",
            &["min < max"],
        ),
        s(Distribution, "sigma = 0.2", "sigma = -0.2", "rhythm.deliverables_per_day", &["sigma >= 0", "sigma = -0.2"]),
        s(Distribution, "median = 3,", "median = 0,", "rhythm.deliverables_per_day", &["median > 0"]),
        s(Distribution, "low = 4, high = 6", "low = 6, high = 4", "rhythm.active_days_per_week", &["low <= high"]),
        s(Distribution, "sd = 0.5", "sd = 0", "rhythm.burst_factor", &["sd > 0", "sd = 0"]),
        s(Distribution, "mean = 2, sd", "mean = -2, sd", "rhythm.burst_factor", &["mean > 0", "mean = -2"]),
        s(Distribution, "weights = [1, 3]", "weights = [0, 0]", "workflows[0].images", &["add up to 0", "above 0"]),
        s(
            Distribution,
            "weights = [1, 3]",
            "weights = [2, -1]",
            "workflows[0].images",
            &["weights[1] = -1", "0 or more"],
        ),
        s(Distribution, "weights = [1, 3]", "weights = [1, 3, 1]", "workflows[0].images", &["2 values and 3 weights"]),
        s(Distribution, "values = [2, 4]", "values = [2, 8]", "workflows[0].images", &["from 2 to 8", "1 to 4"]),
        s(Distribution, "beta = 11 }", "beta = 11, low = 0 }", "workflows[0].accept", &["does not take `low`"]),
        s(Distribution, r#"dist = "beta""#, "dist = 3", "workflows[0].accept.dist", &["text in quotes"]),
    ]
}

/// Cases that change the shape of the whole scenario file.
fn whole_scenario_cases() -> Vec<Case> {
    let scenario = |kind, text: String, offset, field: &str, words: &[&'static str]| {
        case(kind, Format::Scenario, text, offset, field, words)
    };
    let workflows = BASE.find("[[workflows]]").unwrap();
    let mut cases = vec![
        // Problems with the whole file are reported at its first line.
        scenario(Missing, BASE[..workflows].to_string(), 0, "workflows", &["missing", "[[workflows]]"]),
        scenario(File, "# only a comment\n\n   \n".into(), 0, "", &["empty", "[[workflows]]"]),
        // The other kind of file: said so, with where it goes.
        scenario(File, LEONARDO_TOML.into(), catalog_parts().1, "actions", &["a catalog file", "--catalog FILE"]),
    ];
    let no_tables = format!("workflows = []\n{}", &BASE[..workflows]);
    cases.push(scenario(Empty, no_tables, 0, "workflows", &["no workflows", "[[workflows]]"]));
    // Both shares can be drawn as 0 together: refused before the run, at the first [[workflows]].
    let (text, _) = replace_after(BASE, "share = 0.7", "share = 0.7", "share = 0");
    let (text, _) =
        replace_after(&text, "share = 0.3", "share = 0.3", "share = { dist = \"uniform\", low = 0, high = 0 }");
    cases.push(scenario(Distribution, text, workflows, "workflows", &["drawn as 0", "always above 0"]));
    // Not UTF-8: a Latin-1 byte in the last workflow's name, and a UTF-16 file.
    let mut latin1 = case(File, Format::Scenario, BASE.into(), BASE.find("clip").unwrap(), "", &["not UTF-8"]);
    latin1.bytes.insert(latin1.offset, 0xE9);
    let mut utf16 = case(File, Format::Scenario, String::new(), 0, "", &["not UTF-8", "save it as UTF-8"]);
    utf16.bytes = [0xFF, 0xFE].into_iter().chain(BASE.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    cases.extend([latin1, utf16]);
    cases
}

/// The first `[[plans]]` up to the actions, and the first `[[actions]]` to the end.
fn catalog_parts() -> (usize, usize) {
    (LEONARDO_TOML.find("[[plans]]").unwrap(), LEONARDO_TOML.find("[[actions]]").unwrap())
}

fn catalog_cases() -> Vec<Case> {
    const PREMIUM: &str = r#"id = "premium""#;
    const ELEMENTS: &str = r#"id = "elements""#;
    const API: &str = r#"id = "api""#;
    const TEAM: &str = r#"id = "team-starter""#;
    const BG: &str = r#"id = "remove-background""#;
    const TOKENS: &str =
        r#"tokens = { one = 1, four = 4, between = "interpolate-up", basis = "list", source = "token table" }"#;
    const YEARLY: &str = r#"price_yearly = { value = 24.0, basis = "list", source = "pricing page (secondary), per month billed yearly" }"#;
    let (plans, actions) = catalog_parts();
    let catalog = |kind, text: String, offset, field: &str, words: &[&'static str]| {
        case(kind, Format::Catalog, text, offset, field, words)
    };
    let no_plans = format!("plans = []\n{}{}", &LEONARDO_TOML[..plans], &LEONARDO_TOML[actions..]);
    let references = LEONARDO_TOML.find("[references]").unwrap();
    let no_references = format!("{}{}", &LEONARDO_TOML[..references], &LEONARDO_TOML[plans..]);
    let second_references = "[references]\nbasis = \"user\"\n\n[[plans]]\nid = \"free\"";
    vec![
        c(WrongType, "vendor", r#"vendor = "Leonardo.Ai""#, "vendor = 3", "vendor", &["text in quotes"]),
        c(WrongType, PREMIUM, r#"id = "premium""#, "id = 7", "plans[premium].id", &["text in quotes"]),
        c(
            WrongType,
            PREMIUM,
            r#"kind = "individual""#,
            "kind = 1",
            "plans[premium].kind",
            &["individual", "team", "api"],
        ),
        c(
            WrongType,
            ELEMENTS,
            r#"between = "interpolate-up""#,
            "between = 2",
            "actions[elements].tokens.between",
            &["`interpolate-up` or `explicit`"],
        ),
        c(WrongType, ELEMENTS, TOKENS, "tokens = 4", "actions[elements].tokens", &["a table"]),
        c(
            WrongType,
            ELEMENTS,
            "relaxed = { value = false",
            "relaxed = { value = \"no\"",
            "actions[elements].relaxed.value",
            &["true or false"],
        ),
        c(
            WrongType,
            PREMIUM,
            "allowed = { value = true",
            "allowed = { value = 1",
            "plans[premium].topup.allowed.value",
            &["true or false"],
        ),
        c(
            WrongType,
            "[references]",
            "extra = [0, 0, 2,",
            "extra = [0, 0, 2.5,",
            "references.extra[2]",
            &["2.5", "whole number"],
        ),
        c(
            OutOfRange,
            PREMIUM,
            "price_yearly = { value = 24.0",
            "price_yearly = { value = -24.0",
            "plans[premium].price_yearly.value",
            &["-24", "0 or more"],
        ),
        c(
            OutOfRange,
            TEAM,
            "min_seats = { value = 3",
            "min_seats = { value = 0",
            "plans[team-starter].min_seats",
            &["1 to 1,000"],
        ),
        c(
            OutOfRange,
            PREMIUM,
            "pack_tokens = { value = 5000",
            "pack_tokens = { value = 0",
            "plans[premium].topup.pack_tokens",
            &["1 or more"],
        ),
        c(
            OutOfRange,
            PREMIUM,
            "per_day = { value = 100",
            "per_day = { value = 0",
            "plans[premium].relaxed[0].per_day",
            &["1 or more"],
        ),
        c(
            OutOfRange,
            API,
            "threshold = { value = 10.0",
            "threshold = { value = -10.0",
            "plans[api].auto_topup.threshold.value",
            &["0 or more"],
        ),
        c(
            OutOfRange,
            BG,
            "usd = { value = 0.0075",
            "usd = { value = -0.0075",
            "actions[remove-background].api.usd.value",
            &["0 or more"],
        ),
        c(
            OutOfRange,
            PREMIUM,
            "allowance = { value = 25000",
            "allowance = { value = 2.5",
            "plans[premium].allowance.value",
            &["2.5", "whole number"],
        ),
        c(Empty, "vendor", r#"vendor = "Leonardo.Ai""#, r#"vendor = """#, "vendor", &["empty"]),
        c(Empty, "as_of", r#"as_of = "2026-11""#, r#"as_of = " ""#, "as_of", &["empty"]),
        c(Empty, "currency", r#"currency = "USD""#, r#"currency = """#, "currency", &["empty"]),
        c(Empty, PREMIUM, r#"name = "Premium""#, r#"name = """#, "plans[premium].name", &["empty"]),
        c(Empty, ELEMENTS, r#"name = "Elements""#, r#"name = """#, "actions[elements].name", &["empty"]),
        c(Empty, ELEMENTS, r#"id = "elements""#, r#"id = """#, "actions[elements].id", &["must not be empty"]),
        c(Empty, "[references]", "extra = [0, 0, 2, 4, 6]", "extra = []", "references.extra", &["[0, 0, 2, 4, 6]"]),
        c(
            Empty,
            PREMIUM,
            "relaxed = [{ family",
            "relaxed = [{}, { family",
            "plans[premium].relaxed[0].family",
            &["missing"],
        ),
        catalog(Empty, no_plans, 0, "plans", &["no plans", "[[plans]]"]),
        c(
            Huge,
            PREMIUM,
            "value = 25000,",
            "value = 18446744073709551616,",
            "plans[premium].allowance.value",
            &["out of range"],
        ),
        c(
            Huge,
            PREMIUM,
            "value = 25000,",
            "value = 1e300,",
            "plans[premium].allowance.value",
            &["`1e300`", "whole number"],
        ),
        c(
            Huge,
            ELEMENTS,
            "four = 4,",
            "four = 18446744073709551615,",
            "actions[elements].tokens.four",
            &["more than 1000000000000 tokens"],
        ),
        c(
            Huge,
            "[references]",
            "extra = [0, 0,",
            "extra = [0, 18446744073709551615,",
            "references.extra[1]",
            &["more than"],
        ),
        c(
            Huge,
            "[references]",
            "api_extra_usd = { value = 0.0",
            "api_extra_usd = { value = 1e300",
            "references.api_extra_usd",
            &["more than 1000000 dollars"],
        ),
        c(
            Huge,
            TEAM,
            "min_seats = { value = 3",
            "min_seats = { value = 100000000000",
            "plans[team-starter].min_seats",
            &["1 to 1,000"],
        ),
        c(
            Huge,
            PREMIUM,
            "pack_price = { value = 7.0",
            "pack_price = { value = 1e7",
            "plans[premium].topup.pack_price",
            &["more than 1000000 dollars"],
        ),
        c(
            NotFinite,
            PREMIUM,
            "price_monthly = { value = 30.0",
            "price_monthly = { value = inf",
            "plans[premium].price_monthly.value",
            &["inf", "finite"],
        ),
        c(
            NotFinite,
            PREMIUM,
            "value = 25000,",
            "value = nan,",
            "plans[premium].allowance.value",
            &["NaN", "whole number"],
        ),
        c(
            NotFinite,
            r#"id = "phoenix""#,
            "usd = { value = 0.02475",
            "usd = { value = nan",
            "actions[phoenix].api.usd.value",
            &["NaN", "finite"],
        ),
        c(
            NotFinite,
            API,
            "amount = { value = 50.0",
            "amount = { value = -inf",
            "plans[api].auto_topup.amount.value",
            &["-inf"],
        ),
        c(KeyTypo, "vendor", "vendor =", "vendr =", "vendr", &["did you mean `vendor`?"]),
        c(KeyTypo, PREMIUM, "pack_tokens =", "pack_token =", "plans[premium].topup.pack_token", &["`pack_tokens`?"]),
        c(
            KeyTypo,
            PREMIUM,
            "price_yearly = { value",
            "price_yearly = { valeu",
            "plans[premium].price_yearly",
            &["`value`?"],
        ),
        c(KeyTypo, ELEMENTS, "family =", "famly =", "actions[elements].famly", &["did you mean `family`?"]),
        c(KeyTypo, ELEMENTS, "between =", "betwen =", "actions[elements].tokens.betwen", &["`between`?"]),
        c(Missing, PREMIUM, &format!("{YEARLY}\n"), "", "plans[premium].price_yearly", &["missing"]).at("[[plans]]"),
        c(Missing, PREMIUM, "kind = \"individual\"\n", "", "plans[premium].kind", &["missing", "kind"]).at("[[plans]]"),
        c(Missing, ELEMENTS, &format!("{TOKENS}\n"), "", "actions[elements].tokens", &["missing"]).at("[[actions]]"),
        c(Missing, BG, ", per = \"call\"", "", "actions[remove-background].api.per", &["missing", "per"]),
        c(
            Missing,
            PREMIUM,
            "price_yearly = { value = 24.0, ",
            "price_yearly = { ",
            "plans[premium].price_yearly.value",
            &["missing"],
        ),
        c(
            Missing,
            ELEMENTS,
            "basis = \"list\", source = \"token table\" }",
            "source = \"token table\" }",
            "actions[elements].tokens.basis",
            &["missing"],
        ),
        catalog(Missing, no_references, 0, "references", &["missing", "[references]"]),
        catalog(Missing, LEONARDO_TOML[..actions].to_string(), 0, "actions", &["missing", "[[actions]]"]),
        c(Duplicate, ELEMENTS, r#"id = "elements""#, r#"id = "image""#, "actions[elements].id", &["`image`", "unique"]),
        c(
            Duplicate,
            r#"id = "ultimate""#,
            r#"family = "video""#,
            r#"family = "image""#,
            "plans[ultimate].relaxed[1].family",
            &["listed twice"],
        ),
        c(
            Duplicate,
            "[references]",
            "[[plans]]\nid = \"free\"",
            second_references,
            "",
            &["duplicate key `references`"],
        ),
        c(
            Unknown,
            ELEMENTS,
            r#""interpolate-up""#,
            r#""interpolate""#,
            "actions[elements].tokens.between",
            &["did you mean `interpolate-up`?"],
        ),
        c(
            Unknown,
            BG,
            r#"per = "call""#,
            r#"per = "request""#,
            "actions[remove-background].api.per",
            &["`image` or `call`"],
        ),
        c(
            Unknown,
            "[references]",
            r#"basis = "inferred""#,
            r#"basis = "infered""#,
            "references.basis",
            &["`inferred`?"],
        ),
        catalog(File, "# A catalog with only a comment\n".into(), 0, "", &["empty", "vendor", "[[plans]]"]),
        catalog(
            File,
            BASE.into(),
            BASE.find("[[workflows]]").unwrap(),
            "workflows",
            &["a scenario file", "tokensim run"],
        ),
    ]
}

/// Messages in words a person writes: no Rust types, no serde jargon.
const RUST_WORDS: [&str; 8] = ["u32", "u64", "f64", "i128", "struct ", "sequence", "wanted string", " map"];

fn tokensim() -> Command {
    Command::cargo_bin("tokensim").expect("the tokensim binary")
}

/// Runs every case through the binary; one line per case that fails.
fn failures(cases: &[Case]) -> Vec<String> {
    let dir = TempDir::new().unwrap();
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let name = case.name(i);
        std::fs::write(dir.path().join(&name), &case.bytes).unwrap();
        let mut command = tokensim();
        match case.format {
            Format::Scenario => command.arg("validate"),
            Format::Catalog => command.args(["catalog", "--catalog"]),
        };
        let out = command.current_dir(dir.path()).arg(&name).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if let Err(why) = verdict(case, &name, out.status.code(), &out.stdout, &stderr) {
            let text = String::from_utf8_lossy(&case.bytes);
            let line = text.lines().nth(case.line - 1).unwrap_or("");
            failures.push(format!("{name} (line {}: {line})\n  {why}\n  stderr: {stderr}", case.line));
        }
    }
    failures
}

/// Exit code 2, nothing on stdout, no panic, and `error: NAME:LINE: FIELD: `
/// followed by a message with every word and no Rust type name.
fn verdict(case: &Case, name: &str, code: Option<i32>, stdout: &[u8], stderr: &str) -> Result<(), String> {
    if code != Some(2) || !stdout.is_empty() || stderr.contains("panicked") {
        return Err(format!("exit code {code:?}, {} bytes on stdout", stdout.len()));
    }
    let prefix = match case.field.as_str() {
        "" => format!("error: {name}:{}: ", case.line),
        field => format!("error: {name}:{}: {field}: ", case.line),
    };
    let line = stderr.lines().find(|l| l.starts_with(&prefix)).ok_or(format!("no line starts `{prefix}`"))?;
    let message = &line[prefix.len()..];
    let missing: Vec<&&str> = case.words.iter().filter(|w| !message.contains(**w)).collect();
    let jargon: Vec<&&str> = RUST_WORDS.iter().filter(|w| message.contains(**w)).collect();
    match (missing.is_empty(), jargon.is_empty()) {
        (true, true) => Ok(()),
        _ => Err(format!("the message lacks {missing:?} or has {jargon:?}")),
    }
}

fn assert_no_failures(failures: Vec<String>) {
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_templates_are_valid() {
    let catalog = Catalog::leonardo();
    let source = Source::new("base.toml", BASE);
    let scenario = Scenario::from_source(&source, Path::new("base.toml"), &catalog, &Overrides::default())
        .expect("BASE is valid, so that each case breaks one thing");
    assert_eq!(scenario.plans, ["premium", "ultimate", "api"]);
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("base.toml"), BASE).unwrap();
    tokensim().current_dir(dir.path()).args(["validate", "base.toml"]).assert().success();
}

#[test]
fn every_bad_scenario_gives_exit_code_2_and_its_line_field_and_what_is_valid() {
    let mut cases = scenario_cases();
    cases.extend(whole_scenario_cases());
    assert_no_failures(failures(&cases));
}

#[test]
fn every_bad_catalog_gives_exit_code_2_and_its_line_field_and_what_is_valid() {
    assert_no_failures(failures(&catalog_cases()));
}

#[test]
fn every_kind_of_mistake_has_cases_in_both_formats_where_it_applies() {
    let cases: Vec<Case> = [scenario_cases(), whole_scenario_cases(), catalog_cases()].into_iter().flatten().collect();
    for kind in KINDS {
        for format in [Format::Scenario, Format::Catalog] {
            let n = cases.iter().filter(|c| c.kind == kind && c.format == format).count();
            // Catalogs hold no distributions.
            let expected = !(kind == Distribution && format == Format::Catalog);
            assert_eq!(n > 0, expected, "{n} {format:?} case(s) of {kind:?}");
        }
    }
}

#[test]
fn paths_that_hold_no_scenario_or_catalog_file_are_refused() {
    let dir = TempDir::new().unwrap();
    let root = dir.path();
    // Scenarios are looked for in the directory named, not below it.
    std::fs::create_dir_all(root.join("nested/deeper")).unwrap();
    std::fs::write(root.join("nested/deeper/s.toml"), BASE).unwrap();
    // A directory whose name looks like a file.
    std::fs::create_dir(root.join("dir.toml")).unwrap();
    let cases: [(&[&str], &str, &str); 3] = [
        (&["validate", "nested"], "error: nested: ", "no scenario files (*.toml)"),
        (&["validate", "dir.toml"], "error: dir.toml: ", "no scenario files (*.toml)"),
        (&["catalog", "--catalog", "nested"], "error: nested: ", "cannot read the file"),
    ];
    for (args, prefix, words) in cases {
        let out = tokensim().current_dir(root).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: stdout is not empty");
        assert!(stderr.starts_with(prefix) && stderr.contains(words), "{args:?}: {stderr}");
    }
}

#[test]
fn flags_beyond_the_largest_run_are_refused_before_anything_runs() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("base.toml"), BASE).unwrap();
    for (flag, value) in [("--months", "241"), ("--paths", "1000000001"), ("--months", "4294967295")] {
        let args = ["run", "base.toml", "--out", "out", flag, value];
        let out = tokensim().current_dir(dir.path()).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {stderr}");
        assert!(stderr.starts_with(&format!("error: {flag} {value}: ")) && stderr.contains("at most"), "{stderr}");
        assert!(!dir.path().join("out").exists(), "{flag} {value}: the output directory was created");
    }
}
