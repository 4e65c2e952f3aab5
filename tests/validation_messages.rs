//! Checks made after parsing, one bad input each: the error names the field,
//! the line where it is written, and what would be valid.

use std::path::Path;

use tokensim::catalog::{Catalog, LEONARDO_TOML};
use tokensim::input::{InputError, Source};
use tokensim::scenario::{Overrides, Scenario};

/// The 1-based line of the first occurrence of `needle` at or after `after`.
fn line_of(text: &str, after: &str, needle: &str) -> usize {
    let start = text.find(after).expect("anchor in text");
    let at = start + text[start..].find(needle).expect("needle after anchor");
    text[..at].matches('\n').count() + 1
}

/// Replaces the first `from` after `after` with `to`.
fn edit(text: &str, after: &str, from: &str, to: &str) -> String {
    let start = text.find(after).expect("anchor in text");
    let at = start + text[start..].find(from).expect("text to replace after anchor");
    format!("{}{}{}", &text[..at], to, &text[at + from.len()..])
}

fn catalog_errors(text: &str) -> Vec<InputError> {
    match Catalog::from_source(&Source::new("c.toml", text)) {
        Ok(_) => panic!("the catalog should be refused"),
        Err(errors) => errors.0,
    }
}

fn expect_one(errors: &[InputError], field: &str, line: usize, words: &[&str]) {
    let error = errors.iter().find(|e| e.field == field).unwrap_or_else(|| panic!("no error for {field}: {errors:?}"));
    assert_eq!(error.line, Some(line), "{error}");
    for word in words {
        assert!(error.message.contains(word), "`{word}` missing from: {error}");
    }
}

fn plan_index(id: &str) -> usize {
    Catalog::leonardo().plans.iter().position(|p| p.id == id).expect("plan")
}

#[test]
fn a_daily_plan_cannot_roll_tokens_over() {
    let text = edit(
        LEONARDO_TOML,
        "id = \"free\"",
        "bank_cap = { value = 0,",
        "rollover_inflow_cap = 10\nbank_cap = { value = 0,",
    );
    let line = line_of(&text, "id = \"free\"", "rollover_inflow_cap");
    let field = format!("plans[{}].rollover_inflow_cap", plan_index("free"));
    expect_one(&catalog_errors(&text), &field, line, &["daily plan", "must be 0"]);
}

#[test]
fn an_api_plan_has_no_token_plan_fields() {
    let text = edit(LEONARDO_TOML, "id = \"api\"", "kind = \"api\"", "kind = \"api\"\nbank_cap = 1000");
    let line = line_of(&text, "id = \"api\"", "bank_cap");
    let field = format!("plans[{}].bank_cap", plan_index("api"));
    expect_one(&catalog_errors(&text), &field, line, &["dollar balance", "remove"]);
}

#[test]
fn figures_beyond_the_exact_range_are_refused() {
    let text = edit(LEONARDO_TOML, "id = \"premium\"", "value = 25000,", "value = 2000000000000,");
    let line = line_of(&text, "id = \"premium\"", "allowance");
    let field = format!("plans[{}].allowance", plan_index("premium"));
    expect_one(&catalog_errors(&text), &field, line, &["more than 1000000000000 tokens"]);
    let text = edit(LEONARDO_TOML, "id = \"premium\"", "value = 30.0,", "value = 5000000.0,");
    let line = line_of(&text, "id = \"premium\"", "price_monthly");
    let field = format!("plans[{}].price_monthly", plan_index("premium"));
    expect_one(&catalog_errors(&text), &field, line, &["more than 1000000 dollars"]);
}

#[test]
fn an_api_top_up_must_be_at_least_a_cent() {
    let text = edit(LEONARDO_TOML, "id = \"api\"", "amount = { value = 50.0,", "amount = { value = 0.0000001,");
    let line = line_of(&text, "id = \"api\"", "auto_topup");
    let field = format!("plans[{}].auto_topup.amount", plan_index("api"));
    expect_one(&catalog_errors(&text), &field, line, &["at least 0.01 dollars"]);
}

const SCENARIO: &str = r#"
[run]
paths = 10
plans = ["premium", "api"]

[rhythm]
deliverables_per_day = 2

[[workflows]]
name = "post"
share = 1
action = "image"
accept = 0.5

[api]
threshold = 10.0
amount = 50.0
"#;

fn scenario_errors(text: &str) -> Vec<InputError> {
    let source = Source::new("s.toml", text);
    match Scenario::from_source(&source, Path::new("s.toml"), &Catalog::leonardo(), &Overrides::default()) {
        Ok(_) => panic!("the scenario should be refused"),
        Err(errors) => errors.0,
    }
}

#[test]
fn the_scenario_template_is_valid() {
    let source = Source::new("s.toml", SCENARIO);
    Scenario::from_source(&source, Path::new("s.toml"), &Catalog::leonardo(), &Overrides::default())
        .expect("the template is valid, so each test below breaks exactly one thing");
}

#[test]
fn an_exact_daily_count_has_no_dispersion() {
    let text = edit(
        SCENARIO,
        "[rhythm]",
        "deliverables_per_day = 2",
        "deliverables_per_day = 2\ndaily_count = \"exact\"\ndispersion = 3",
    );
    let line = line_of(&text, "[rhythm]", "dispersion");
    expect_one(&scenario_errors(&text), "rhythm.dispersion", line, &["exact daily count", "poisson"]);
}

#[test]
fn api_top_up_settings_must_be_in_range() {
    let text = edit(SCENARIO, "[api]", "amount = 50.0", "amount = 0.0");
    expect_one(&scenario_errors(&text), "api.amount", line_of(&text, "[api]", "amount"), &["0.01 to 1,000,000"]);
    let text = edit(SCENARIO, "[api]", "threshold = 10.0", "threshold = -1.0");
    expect_one(&scenario_errors(&text), "api.threshold", line_of(&text, "[api]", "threshold"), &["0 to 1,000,000"]);
}

#[test]
fn a_workflow_has_at_most_32_steps() {
    let steps = vec!["{ action = \"upscale\", probability = 0.5 }"; 33].join(", ");
    let text = edit(SCENARIO, "[[workflows]]", "accept = 0.5", &format!("accept = 0.5\nsteps = [{steps}]"));
    let line = line_of(&text, "[[workflows]]", "steps");
    expect_one(&scenario_errors(&text), "workflows[0].steps", line, &["33 steps", "at most 32"]);
}

#[test]
fn an_unknown_policy_suggests_the_nearest() {
    let text = format!("on_exhaustion = \"topup\"\n{SCENARIO}");
    let errors = scenario_errors(&text);
    expect_one(&errors, "on_exhaustion", 1, &["unknown variant `topup`", "did you mean `top-up`?"]);
}

#[test]
fn no_action_can_be_charged_for_zero_images() {
    let catalog = Catalog::leonardo();
    for id in ["upscale", "image"] {
        let action = catalog.action(id).expect("action");
        let error = catalog.charge(action, 0, 0).expect_err("0 images is refused");
        assert!(error.contains("not 0"), "{id}: {error}");
    }
}
