//! Checks a parsed catalog for what the types alone cannot say.

use std::collections::HashSet;

use super::{Action, BatchRule, Catalog, Figure, MAX_TOKENS, MAX_USD, Plan, PlanKind, Reset};

/// (field path, message) for every problem found.
pub type Problems = Vec<(String, String)>;

pub fn check(catalog: &Catalog) -> Problems {
    let mut problems = Problems::new();
    // Reports show these texts; an empty one is a slip.
    let mut texts = vec![
        ("vendor".to_string(), catalog.vendor.as_str()),
        ("as_of".into(), catalog.as_of.as_str()),
        ("currency".into(), catalog.currency.as_str()),
    ];
    texts.extend(catalog.plans.iter().enumerate().map(|(i, p)| (format!("plans[{i}].name"), p.name.as_str())));
    texts.extend(catalog.actions.iter().enumerate().map(|(i, a)| (format!("actions[{i}].name"), a.name.as_str())));
    for (field, text) in texts {
        if text.trim().is_empty() {
            problems.push((field, "is empty; reports show this text, so write one".into()));
        }
    }
    if catalog.plans.is_empty() {
        problems.push(("plans".into(), "the catalog has no plans; add at least one [[plans]] table".into()));
    }
    if catalog.actions.is_empty() {
        problems.push(("actions".into(), "the catalog has no actions; add at least one [[actions]] table".into()));
    }
    if catalog.references.extra.is_empty() {
        problems.push((
            "references.extra".into(),
            "give the extra tokens for 0, 1, 2, … reference images, e.g. [0, 0, 2, 4, 6]".into(),
        ));
    }
    // Added to every generation's charge, so bounded like a token cost.
    if let Some(i) = catalog.references.extra.iter().position(|&e| e > MAX_TOKENS) {
        problems
            .push((format!("references.extra[{i}]"), format!("more than {MAX_TOKENS} tokens; give a smaller figure")));
    }
    if catalog.references.api_extra_usd.as_ref().is_some_and(|f| f.value > MAX_USD) {
        problems
            .push(("references.api_extra_usd".into(), format!("more than {MAX_USD} dollars; give a smaller figure")));
    }
    unique_ids(catalog.plans.iter().map(|p| p.id.as_str()), "plans", &mut problems);
    unique_ids(catalog.actions.iter().map(|a| a.id.as_str()), "actions", &mut problems);
    for (i, plan) in catalog.plans.iter().enumerate() {
        check_plan(plan, &format!("plans[{i}]"), &mut problems);
    }
    for (i, action) in catalog.actions.iter().enumerate() {
        check_action(action, &format!("actions[{i}]"), &mut problems);
    }
    problems
}

fn unique_ids<'a>(ids: impl Iterator<Item = &'a str>, table: &str, problems: &mut Problems) {
    let mut seen = HashSet::new();
    for (i, id) in ids.enumerate() {
        if id.trim().is_empty() {
            problems.push((format!("{table}[{i}].id"), "an id must not be empty".into()));
        } else if !seen.insert(id) {
            problems.push((format!("{table}[{i}].id"), format!("the id `{id}` is used twice; ids must be unique")));
        }
    }
}

fn check_plan(plan: &Plan, at: &str, problems: &mut Problems) {
    let mut need = |present: bool, field: &str, why: &str| {
        if !present {
            problems.push((format!("{at}.{field}"), format!("missing: {why}")));
        }
    };
    match plan.kind {
        PlanKind::Individual | PlanKind::Team => {
            need(plan.reset.is_some(), "reset", "a token plan needs reset = \"daily\" or \"monthly\"");
            need(plan.allowance.is_some(), "allowance", "a token plan needs its allowance in tokens");
            if plan.reset == Some(Reset::Monthly) {
                need(
                    plan.rollover_inflow_cap.is_some(),
                    "rollover_inflow_cap",
                    "a monthly plan needs its rollover inflow cap (0 for none)",
                );
                need(plan.bank_cap.is_some(), "bank_cap", "a monthly plan needs its bank cap (0 for none)");
            }
            need(
                plan.auto_topup.is_none(),
                "auto_topup",
                "only an API plan (kind = \"api\") has an automatic top-up; remove it",
            );
        }
        PlanKind::Api => {
            need(
                plan.auto_topup.is_some(),
                "auto_topup",
                "an API plan needs auto_topup = { threshold = …, amount = … } in dollars",
            );
            for (absent, field) in [
                (plan.allowance.is_none(), "allowance"),
                (plan.reset.is_none(), "reset"),
                (plan.rollover_inflow_cap.is_none(), "rollover_inflow_cap"),
                (plan.bank_cap.is_none(), "bank_cap"),
                (plan.topup.is_none(), "topup"),
                (plan.relaxed.is_empty(), "relaxed"),
            ] {
                need(
                    absent,
                    field,
                    "an API plan is a dollar balance with an automatic top-up; remove this token-plan field",
                );
            }
        }
    }
    need(
        (plan.kind == PlanKind::Team) == plan.min_seats.is_some(),
        "min_seats",
        "a team plan needs min_seats (1 or more), and only a team plan has it",
    );
    if plan.min_seats.as_ref().is_some_and(|s| !(1..=1_000).contains(&s.value)) {
        // A scenario has at most 1,000 seats; more would bill seats nobody has.
        problems.push((format!("{at}.min_seats"), "must be 1 to 1,000".into()));
    }
    if plan.reset == Some(Reset::Daily) {
        for (figure, field) in [(&plan.bank_cap, "bank_cap"), (&plan.rollover_inflow_cap, "rollover_inflow_cap")] {
            if figure.as_ref().is_some_and(|f| f.value > 0) {
                problems.push((format!("{at}.{field}"), "a daily plan's unused tokens expire; this must be 0".into()));
            }
        }
    }
    check_sizes(plan, at, problems);
    if let Some(topup) = plan.topup.as_ref().filter(|t| t.allowed.value) {
        if topup.pack_tokens.as_ref().is_none_or(|p| p.value == 0) {
            problems.push((
                format!("{at}.topup.pack_tokens"),
                "top-ups are allowed, so give the pack size in tokens (1 or more)".into(),
            ));
        }
        if topup.pack_price.is_none() {
            problems.push((
                format!("{at}.topup.pack_price"),
                "top-ups are allowed, so give the pack price in dollars".into(),
            ));
        }
    }
    if let Some(auto) = &plan.auto_topup {
        if auto.amount.value < 0.01 {
            problems.push((format!("{at}.auto_topup.amount"), "must be at least 0.01 dollars".into()));
        }
    }
    let mut families = HashSet::new();
    for (j, lane) in plan.relaxed.iter().enumerate() {
        if !families.insert(lane.family) {
            problems.push((
                format!("{at}.relaxed[{j}].family"),
                format!("family `{}` is listed twice", lane.family.name()),
            ));
        }
        if lane.per_day.value == 0 {
            problems.push((
                format!("{at}.relaxed[{j}].per_day"),
                "must be 1 or more generations a day (remove the lane for none)".into(),
            ));
        }
    }
}

fn check_action(action: &Action, at: &str, problems: &mut Problems) {
    let t = &action.tokens;
    for (figure, name) in [(t.each, "each"), (t.one, "one"), (t.two, "two"), (t.three, "three"), (t.four, "four")] {
        if figure.is_some_and(|v| v > MAX_TOKENS) {
            problems
                .push((format!("{at}.tokens.{name}"), format!("more than {MAX_TOKENS} tokens; give a smaller figure")));
        }
    }
    if action.api.as_ref().is_some_and(|a| a.usd.value > MAX_USD) {
        problems.push((format!("{at}.api.usd"), format!("more than {MAX_USD} dollars; give a smaller figure")));
    }
    let at = format!("{at}.tokens");
    let batch = [t.one, t.two, t.three, t.four];
    match (t.each, t.one, t.four) {
        (Some(_), None, None) if batch.iter().all(Option::is_none) && t.between.is_none() => {}
        (Some(_), _, _) => problems
            .push((at, "give either `each` (a per-item cost) or the batch costs `one` and `four`, not both".into())),
        (None, Some(one), Some(four)) => match t.between {
            None => problems.push((
                format!("{at}.between"),
                "state how 2 and 3 images are priced: \"interpolate-up\" or \"explicit\" (with `two` and `three`)"
                    .into(),
            )),
            Some(BatchRule::Explicit) if t.two.is_none() || t.three.is_none() => {
                problems.push((at, "between = \"explicit\" needs both `two` and `three`".into()))
            }
            Some(BatchRule::InterpolateUp) if t.two.is_some() || t.three.is_some() => problems.push((
                at,
                "`two` and `three` are only read with between = \"explicit\"; remove them or change the rule".into(),
            )),
            _ if one > four => {
                problems.push((format!("{at}.four"), format!("4 images ({four}) cost less than 1 image ({one})")))
            }
            _ => {}
        },
        _ => problems
            .push((at, "missing cost: give `each = N`, or `one = N` and `four = N` with a `between` rule".into())),
    }
}

/// Token and dollar figures within bounds that keep every sum exact.
fn check_sizes(plan: &Plan, at: &str, problems: &mut Problems) {
    let topup = plan.topup.as_ref();
    let tokens: [(Option<&Figure<u64>>, &str); 4] = [
        (plan.allowance.as_ref(), "allowance"),
        (plan.rollover_inflow_cap.as_ref(), "rollover_inflow_cap"),
        (plan.bank_cap.as_ref(), "bank_cap"),
        (topup.and_then(|t| t.pack_tokens.as_ref()), "topup.pack_tokens"),
    ];
    for (figure, field) in tokens {
        if figure.is_some_and(|f| f.value > MAX_TOKENS) {
            problems.push((format!("{at}.{field}"), format!("more than {MAX_TOKENS} tokens; give a smaller figure")));
        }
    }
    let auto = plan.auto_topup.as_ref();
    let dollars: [(Option<&Figure<f64>>, &str); 5] = [
        (Some(&plan.price_monthly), "price_monthly"),
        (Some(&plan.price_yearly), "price_yearly"),
        (topup.and_then(|t| t.pack_price.as_ref()), "topup.pack_price"),
        (auto.map(|a| &a.threshold), "auto_topup.threshold"),
        (auto.map(|a| &a.amount), "auto_topup.amount"),
    ];
    for (figure, field) in dollars {
        if figure.is_some_and(|f| f.value > MAX_USD) {
            problems.push((format!("{at}.{field}"), format!("more than {MAX_USD} dollars; give a smaller figure")));
        }
    }
}
