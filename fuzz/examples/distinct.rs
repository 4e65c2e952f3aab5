//! Picks, from many inputs of one kind, few small inputs that between them get
//! every kind of answer the loader gave (Ok, and each kind of error), shrinks
//! each (drops whole plans, actions or workflows, `source` notes and comment
//! lines while its answer stays the same) and writes them as `DIR/min-HASH.toml`:
//! `cargo run --example distinct -- scenario|catalog DIR FILE...`.

use std::collections::BTreeSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

use tokensim::catalog::Catalog;
use tokensim::input::Source;
use tokensim::scenario::{Overrides, Scenario};
use toml_edit::{DocumentMut, Item, Table, Value};

/// A message with its specifics (numbers, quoted names and values) taken out,
/// cut to its first words.
fn shape(text: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in text.split(" \"").next().unwrap_or("").chars() {
        match c {
            '`' => quoted = !quoted,
            _ if quoted => {}
            '0'..='9' if out.ends_with('#') => {}
            '0'..='9' => out.push('#'),
            _ => out.push(c),
        }
    }
    out.chars().take(14).collect()
}

/// The kinds of answer `text` gets: "ok", or each error's table and message shape
/// (not its key, which may be any misspelling).
fn kinds(kind: &str, text: &str, catalog: &Catalog) -> BTreeSet<String> {
    let source = Source::new("input.toml", text);
    let answer = match kind {
        "scenario" => Scenario::from_source(&source, Path::new("input.toml"), catalog, &Overrides::default()).map(drop),
        _ => Catalog::from_source(&source).map(drop),
    };
    match answer {
        Ok(()) => BTreeSet::from(["ok".to_string()]),
        Err(errors) => errors
            .0
            .iter()
            .map(|e| format!("{} {}", e.field.split(['.', '[']).next().unwrap_or(""), shape(&e.message)))
            .collect(),
    }
}

fn drop_sources(table: &mut Table) {
    table.remove("source");
    for (_, item) in table.iter_mut() {
        match item {
            Item::Table(t) => drop_sources(t),
            Item::ArrayOfTables(a) => a.iter_mut().for_each(drop_sources),
            Item::Value(Value::InlineTable(t)) => {
                t.remove("source");
                for (_, v) in t.iter_mut() {
                    if let Value::InlineTable(inner) = v {
                        inner.remove("source");
                    }
                }
            }
            _ => {}
        }
    }
}

/// `text` made smaller while `same` holds for it.
fn shrink(text: String, same: impl Fn(&str) -> bool) -> String {
    let Ok(mut doc) = text.parse::<DocumentMut>() else { return text };
    for key in ["plans", "actions", "workflows"] {
        let mut i = doc.get(key).and_then(Item::as_array_of_tables).map_or(0, |a| a.len());
        while i > 0 {
            i -= 1;
            let mut fewer = doc.clone();
            if let Some(a) = fewer.get_mut(key).and_then(Item::as_array_of_tables_mut) {
                a.remove(i);
            }
            if same(&fewer.to_string()) {
                doc = fewer;
            }
        }
    }
    let mut plain = doc.clone();
    drop_sources(plain.as_table_mut());
    let text = if same(&plain.to_string()) { plain.to_string() } else { doc.to_string() };
    let bare: String = text.lines().filter(|l| !l.trim_start().starts_with('#')).map(|l| format!("{l}\n")).collect();
    if same(&bare) { bare } else { text }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, dir, files @ ..] = args.as_slice() else {
        eprintln!("usage: distinct scenario|catalog DIR FILE...");
        std::process::exit(2);
    };
    let catalog = Catalog::leonardo();
    let mut inputs: Vec<(usize, String, BTreeSet<String>)> = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .map(|text| (text.len(), kinds(kind, &text, &catalog), text))
        .map(|(len, kinds, text)| (len, text, kinds))
        .collect();
    // Greedy set cover: smallest first, each input kept only if it adds a kind.
    inputs.sort();
    let mut seen = BTreeSet::new();
    for (_, text, found) in inputs {
        if found.is_subset(&seen) {
            continue;
        }
        let small = shrink(text, |t| kinds(kind, t, &catalog) == found);
        seen.extend(found);
        let mut hasher = DefaultHasher::new();
        small.hash(&mut hasher);
        std::fs::write(Path::new(dir).join(format!("min-{:012x}.toml", hasher.finish() >> 16)), small)
            .expect("writable");
    }
}
