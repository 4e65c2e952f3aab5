//! `tokensim catalog`: the plans and actions as tables a person can check.

use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use super::{Action, Basis, Catalog, Figure, Plan, PlanKind};
use crate::report::format::{dollars, thousands};

/// Marks a figure that is not published as it stands.
fn mark(basis: Basis) -> &'static str {
    match basis {
        Basis::List => "",
        Basis::Inferred => " ~",
        Basis::Assumed => " *",
        Basis::User => " u",
    }
}

fn tokens(f: &Option<Figure<u64>>) -> String {
    f.as_ref().map_or("-".into(), |f| format!("{}{}", thousands(f.value), mark(f.basis)))
}

fn usd(f: &Figure<f64>) -> String {
    format!("{}{}", dollars(f.value), mark(f.basis))
}

/// Both tables with a legend, headed by the vendor and the date of the figures.
pub fn render_tables(catalog: &Catalog) -> String {
    format!(
        "{} catalog, figures as of {} ({})\n\nPlans (team figures per seat)\n{}\n\nActions (tokens per call)\n{}\n\n\
         ~ inferred from published figures   * assumed: no public figure (see README, Assumptions)   u user's own figure\n",
        catalog.vendor,
        catalog.as_of,
        catalog.currency,
        plans_table(catalog),
        actions_table(catalog)
    )
}

fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED).set_header(header.to_vec());
    // On a terminal, wrap long cells to its width; in a pipe or file, keep one line per row.
    if let Some((_, columns)) = console::Term::stdout().size_checked() {
        table.set_content_arrangement(ContentArrangement::Dynamic).set_width(columns);
    }
    table
}

fn plans_table(catalog: &Catalog) -> Table {
    let mut table = new_table(&[
        "plan",
        "name",
        "kind",
        "allowance",
        "reset",
        "rollover/mo",
        "bank cap",
        "$/month",
        "$/mo yearly",
        "top-up pack",
        "relaxed (per day)",
    ]);
    for plan in &catalog.plans {
        table.add_row(plan_row(plan));
    }
    right_align(&mut table, &[3, 5, 6, 7, 8]);
    table
}

fn plan_row(plan: &Plan) -> Vec<String> {
    let kind = match (plan.kind, &plan.min_seats) {
        (PlanKind::Team, Some(seats)) => {
            format!("team, {}+ seats{}", seats.value, mark(seats.basis))
        }
        (PlanKind::Api, _) => "api".into(),
        _ => "individual".into(),
    };
    let reset = match (plan.reset, &plan.auto_topup) {
        (_, Some(auto)) => format!("auto top-up {} below {}", usd(&auto.amount), usd(&auto.threshold)),
        (Some(reset), _) => format!("{reset:?}").to_lowercase(),
        (None, None) => "-".into(),
    };
    let topup = match &plan.topup {
        Some(t) if t.allowed.value => match (&t.pack_tokens, &t.pack_price) {
            (Some(size), Some(price)) => format!("{}{} for {}", thousands(size.value), mark(size.basis), usd(price)),
            _ => "yes".into(),
        },
        _ => "no".into(),
    };
    let relaxed = plan
        .relaxed
        .iter()
        .map(|lane| format!("{} {}{}", lane.family.name(), lane.per_day.value, mark(lane.per_day.basis)))
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        plan.id.clone(),
        plan.name.clone(),
        kind,
        tokens(&plan.allowance),
        reset,
        tokens(&plan.rollover_inflow_cap),
        tokens(&plan.bank_cap),
        usd(&plan.price_monthly),
        usd(&plan.price_yearly),
        topup,
        if relaxed.is_empty() { "no".into() } else { relaxed },
    ]
}

fn actions_table(catalog: &Catalog) -> Table {
    let mut table =
        new_table(&["action", "name", "family", "1 img", "2 img", "3 img", "4 img", "each", "relaxed", "API $"]);
    for action in &catalog.actions {
        table.add_row(action_row(action));
    }
    right_align(&mut table, &[3, 4, 5, 6, 7, 9]);
    table
}

fn action_row(action: &Action) -> Vec<String> {
    let t = &action.tokens;
    let m = mark(t.basis);
    let batch = |images: u32| match (t.each, t.for_images(images)) {
        (None, Some(cost)) => {
            // 2 and 3 images follow the stated rule unless given explicitly.
            let derived = matches!(images, 2 | 3) && t.between != Some(super::BatchRule::Explicit);
            format!("{cost}{}", if derived { " ~" } else { m })
        }
        _ => "-".into(),
    };
    let api = action
        .api
        .as_ref()
        .map_or("-".into(), |a| format!("{} per {}", usd(&a.usd), format!("{:?}", a.per).to_lowercase()));
    vec![
        action.id.clone(),
        action.name.clone(),
        action.family.name().into(),
        batch(1),
        batch(2),
        batch(3),
        batch(4),
        t.each.map_or("-".into(), |e| format!("{}{m}", thousands(e))),
        if action.relaxed.value { "yes" } else { "no" }.into(),
        api,
    ]
}

fn right_align(table: &mut Table, columns: &[usize]) {
    // Ids are typed into scenario files: never wrap them.
    if let Some(id) = table.column_mut(0) {
        id.set_constraint(ColumnConstraint::ContentWidth);
    }
    for &i in columns {
        if let Some(column) = table.column_mut(i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
}
