//! Writes a catalog as editable TOML: one `[[plans]]` or `[[actions]]` table
//! per entry, with figures as inline tables so that each fits on one line.

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value};

use super::Catalog;

pub fn to_toml(catalog: &Catalog) -> String {
    let mut doc: DocumentMut = match toml_edit::ser::to_document(catalog) {
        Ok(doc) => doc,
        Err(e) => return format!("# the catalog could not be written as TOML: {e}\n"),
    };
    for key in ["plans", "actions"] {
        if let Some(item) = doc.get_mut(key) {
            *item = Item::ArrayOfTables(entries_as_tables(std::mem::take(item)));
        }
    }
    if let Some(references) = doc.get_mut("references") {
        if let Some(inline) = references.as_inline_table().cloned() {
            *references = Item::Table(inline.into_table());
        }
    }
    let header = format!(
        "# tokensim catalog: {} plans and action costs as of {}.\n\
         # A figure is a bare number (basis \"user\") or {{ value, basis, source }} with\n\
         # basis \"list\", \"inferred\" or \"assumed\". Edit, check it with\n\
         # `tokensim catalog --catalog FILE`, then use it with `tokensim run --catalog FILE`.\n\n",
        comment_text(&catalog.vendor),
        comment_text(&catalog.as_of)
    );
    header + &doc.to_string()
}

/// Text fit for a TOML comment: a newline or another control character would
/// end the comment or make the file unreadable, so those are escaped.
fn comment_text(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { c.escape_debug().to_string() } else { c.to_string() }).collect()
}

/// An array of inline tables (as the serializer writes it) as `[[key]]` tables.
fn entries_as_tables(item: Item) -> ArrayOfTables {
    let mut tables = ArrayOfTables::new();
    let entries = match item {
        Item::Value(Value::Array(array)) => array,
        Item::ArrayOfTables(existing) => return existing,
        _ => return tables,
    };
    for entry in entries {
        if let Value::InlineTable(inline) = entry {
            let mut table: Table = inline.into_table();
            table.set_implicit(false);
            tables.push(table);
        }
    }
    tables
}
