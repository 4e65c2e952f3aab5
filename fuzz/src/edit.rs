//! Structure-aware inputs: a valid file with a few edits made on its TOML
//! tree (set a value to an extreme, remove, duplicate, insert a known key), so
//! that most inputs parse and the fuzzer spends its time in validation.

use arbitrary::Arbitrary;
use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value};

#[derive(Debug, Arbitrary)]
pub struct Edits {
    pub base: u8,
    pub edits: Vec<Edit>,
}

/// Each `u16` picks a place (a key, a table, an array element) in the tree as it is then.
#[derive(Debug, Arbitrary)]
pub enum Edit {
    Set(u16, Val),
    Remove(u16),
    /// Appends a copy of an array element: one more workflow, plan, step or value.
    Duplicate(u16),
    /// Adds a known key to a table (or an element to an array).
    Insert(u16, u8, Val),
}

#[derive(Debug, Arbitrary)]
pub enum Val {
    Extreme(u8),
    Int(i64),
    Float(f64),
    Text(String),
    Bool(bool),
    /// A distribution or figure table, its kind and up to three numbers.
    Table(u8, f64, f64, f64),
    Discrete(Vec<f64>, Vec<f64>),
}

/// Values where validation has edges: bounds of the domains, casts and sums,
/// and the words the files use.
const EXTREMES: &[&str] = &[
    "0",
    "-1",
    "1",
    "2",
    "4",
    "5",
    "7",
    "8",
    "31",
    "32",
    "1000",
    "1001",
    "0.5",
    "1.5",
    "0.0000001",
    "1e-6",
    "5e-324",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "nan",
    "-nan",
    "inf",
    "-inf",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "1000000000000",
    "1000000000001",
    "1e19",
    "1000000",
    "1000000.01",
    "0.01",
    "0.009",
    "\"\"",
    "\" \"",
    "[]",
    "{}",
    "[1]",
    "[0]",
    "[0, 0]",
    "\"monthly\"",
    "\"yearly\"",
    "\"daily\"",
    "\"individual\"",
    "\"team\"",
    "\"api\"",
    "\"exact\"",
    "\"poisson\"",
    "\"top-up\"",
    "\"relaxed-then-top-up\"",
    "\"wait\"",
    "\"drop\"",
    "\"explicit\"",
    "\"interpolate-up\"",
    "\"image\"",
    "\"edit\"",
    "\"reference\"",
    "\"3d\"",
    "\"video\"",
    "\"call\"",
    "\"list\"",
    "\"assumed\"",
    "\"inferred\"",
    "\"user\"",
    "\"free\"",
    "\"premium\"",
    "\"team-starter\"",
    "\"upscale\"",
    "\"veo-3\"",
    "\"phoenix\"",
    "[\"free\"]",
    "[\"api\"]",
    "[\"free\", \"free\"]",
    "[\"team-growth\"]",
];

const KEYS: &[&str] = &[
    "title",
    "description",
    "run",
    "months",
    "paths",
    "seed",
    "days_per_month",
    "plans",
    "billing",
    "target",
    "seats",
    "rhythm",
    "active_days_per_week",
    "deliverables_per_day",
    "daily_count",
    "dispersion",
    "burst_probability",
    "burst_factor",
    "workflows",
    "name",
    "share",
    "action",
    "images",
    "accept",
    "references",
    "max_attempts",
    "steps",
    "probability",
    "on_exhaustion",
    "api",
    "auto_topup",
    "threshold",
    "amount",
    "dist",
    "low",
    "high",
    "min",
    "mode",
    "max",
    "alpha",
    "beta",
    "median",
    "sigma",
    "mean",
    "sd",
    "values",
    "weights",
    "vendor",
    "as_of",
    "currency",
    "source",
    "extra",
    "api_extra_usd",
    "basis",
    "id",
    "kind",
    "reset",
    "allowance",
    "rollover_inflow_cap",
    "bank_cap",
    "price_monthly",
    "price_yearly",
    "min_seats",
    "topup",
    "allowed",
    "pack_tokens",
    "pack_price",
    "relaxed",
    "family",
    "per_day",
    "tokens",
    "each",
    "one",
    "two",
    "three",
    "four",
    "between",
    "usd",
    "per",
    "value",
    "actions",
];

impl Val {
    fn to_value(&self) -> Value {
        match self {
            Val::Extreme(i) => EXTREMES[usize::from(*i) % EXTREMES.len()].parse().expect("a TOML value"),
            Val::Int(v) => Value::from(*v),
            Val::Float(v) => Value::from(*v),
            Val::Text(s) => Value::from(s.as_str()),
            Val::Bool(b) => Value::from(*b),
            Val::Table(kind, a, b, c) => {
                let fields: &[(&str, f64)] = match kind % 6 {
                    0 => &[("low", *a), ("high", *b)],
                    1 => &[("min", *a), ("mode", *b), ("max", *c)],
                    2 => &[("alpha", *a), ("beta", *b)],
                    3 => &[("median", *a), ("sigma", *b)],
                    4 => &[("mean", *a), ("sd", *b)],
                    _ => &[("value", *a)],
                };
                let dist = ["uniform", "triangular", "beta", "lognormal", "gamma"].get(usize::from(kind % 6));
                let mut table = InlineTable::new();
                if let Some(dist) = dist {
                    table.insert("dist", Value::from(*dist));
                } else {
                    table.insert("basis", Value::from("list"));
                }
                for (key, v) in fields {
                    table.insert(*key, Value::from(*v));
                }
                Value::InlineTable(table)
            }
            Val::Discrete(values, weights) => {
                let mut table = InlineTable::new();
                table.insert("dist", Value::from("discrete"));
                table.insert("values", Value::Array(values.iter().take(16).copied().collect::<Array>()));
                table.insert("weights", Value::Array(weights.iter().take(16).copied().collect::<Array>()));
                Value::InlineTable(table)
            }
        }
    }
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

enum Node<'a> {
    Table(&'a mut Table),
    Inline(&'a mut InlineTable),
    Array(&'a mut Array),
    Tables(&'a mut ArrayOfTables),
    Leaf,
}

fn node_of_item(item: &mut Item) -> Node<'_> {
    match item {
        Item::Table(t) => Node::Table(t),
        Item::ArrayOfTables(a) => Node::Tables(a),
        Item::Value(v) => node_of_value(v),
        Item::None => Node::Leaf,
    }
}

fn node_of_value(value: &mut Value) -> Node<'_> {
    match value {
        Value::Array(a) => Node::Array(a),
        Value::InlineTable(t) => Node::Inline(t),
        _ => Node::Leaf,
    }
}

fn child<'a>(node: Node<'a>, step: &Step) -> Option<Node<'a>> {
    match (node, step) {
        (Node::Table(t), Step::Key(k)) => t.get_mut(k).map(node_of_item),
        (Node::Inline(t), Step::Key(k)) => t.get_mut(k).map(node_of_value),
        (Node::Array(a), Step::Index(i)) => a.get_mut(*i).map(node_of_value),
        (Node::Tables(a), Step::Index(i)) => a.get_mut(*i).map(Node::Table),
        _ => None,
    }
}

fn navigate<'a>(root: &'a mut Table, path: &[Step]) -> Option<Node<'a>> {
    path.iter().try_fold(Node::Table(root), child)
}

/// Every place in the tree, parents before children.
fn places(root: &Table) -> Vec<Vec<Step>> {
    fn table(t: &Table, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
        out.push(path.clone());
        for (key, item) in t.iter() {
            path.push(Step::Key(key.to_string()));
            match item {
                Item::Table(t) => table(t, path, out),
                Item::ArrayOfTables(a) => {
                    out.push(path.clone());
                    for (i, t) in a.iter().enumerate() {
                        path.push(Step::Index(i));
                        table(t, path, out);
                        path.pop();
                    }
                }
                Item::Value(v) => value(v, path, out),
                Item::None => {}
            }
            path.pop();
        }
    }
    fn value(v: &Value, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
        out.push(path.clone());
        let children: Vec<(Step, &Value)> = match v {
            Value::Array(a) => a.iter().enumerate().map(|(i, v)| (Step::Index(i), v)).collect(),
            Value::InlineTable(t) => t.iter().map(|(k, v)| (Step::Key(k.to_string()), v)).collect(),
            _ => Vec::new(),
        };
        for (step, v) in children {
            path.push(step);
            value(v, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    table(root, &mut Vec::new(), &mut out);
    out
}

fn apply(root: &mut Table, edit: &Edit) {
    let all = places(root);
    let at = match edit {
        Edit::Set(at, _) | Edit::Remove(at) | Edit::Duplicate(at) | Edit::Insert(at, _, _) => *at,
    };
    let path = &all[usize::from(at) % all.len()];
    if let Edit::Insert(_, key, val) = edit {
        let key = KEYS[usize::from(*key) % KEYS.len()];
        match navigate(root, path) {
            Some(Node::Table(t)) => drop(t.insert(key, Item::Value(val.to_value()))),
            Some(Node::Inline(t)) => drop(t.insert(key, val.to_value())),
            Some(Node::Array(a)) => a.push_formatted(val.to_value()),
            Some(Node::Tables(a)) => a.push(Table::new()),
            _ => {}
        }
        return;
    }
    let Some((last, parent)) = path.split_last() else { return };
    let Some(parent) = navigate(root, parent) else { return };
    match (edit, parent, last) {
        (Edit::Set(_, v), Node::Table(t), Step::Key(k)) => drop(t.insert(k, Item::Value(v.to_value()))),
        (Edit::Set(_, v), Node::Inline(t), Step::Key(k)) => drop(t.insert(k, v.to_value())),
        (Edit::Set(_, v), Node::Array(a), Step::Index(i)) => drop(a.replace(*i, v.to_value())),
        (Edit::Remove(_), Node::Table(t), Step::Key(k)) => drop(t.remove(k)),
        (Edit::Remove(_), Node::Inline(t), Step::Key(k)) => drop(t.remove(k)),
        (Edit::Remove(_), Node::Array(a), Step::Index(i)) => drop(a.remove(*i)),
        (Edit::Remove(_), Node::Tables(a), Step::Index(i)) => drop(a.remove(*i)),
        (Edit::Duplicate(_), Node::Array(a), Step::Index(i)) => {
            if let Some(v) = a.get(*i).cloned() {
                a.push_formatted(v);
            }
        }
        (Edit::Duplicate(_), Node::Tables(a), Step::Index(i)) => {
            if let Some(t) = a.get(*i).cloned() {
                a.push(t);
            }
        }
        _ => {}
    }
}

/// `base` with at most eight of the edits made, as TOML text.
pub fn edited(base: &str, edits: &[Edit]) -> String {
    let mut doc: DocumentMut = base.parse().expect("the seeds are valid TOML");
    for edit in edits.iter().take(8) {
        apply(doc.as_table_mut(), edit);
    }
    doc.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_extreme_is_a_toml_value() {
        for text in EXTREMES {
            assert!(text.parse::<Value>().is_ok(), "{text}");
        }
    }
}
