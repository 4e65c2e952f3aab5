//! Writes a catalog as editable TOML: one `[[plans]]` or `[[actions]]` table
//! per entry, with figures as inline tables so each fits on one line.

use toml_edit::{DocumentMut, Item, Table};

use super::Catalog;

pub fn to_toml(catalog: &Catalog) -> String {
    let mut doc: DocumentMut = match toml_edit::ser::to_document(catalog) {
        Ok(doc) => doc,
        // Every field of a catalog is a string, number, bool, table or array.
        Err(e) => return format!("# the catalog could not be written as TOML: {e}\n"),
    };
    for key in ["plans", "actions"] {
        if let Some(entries) = doc.get_mut(key).and_then(Item::as_array_of_tables_mut) {
            for entry in entries.iter_mut() {
                inline_nested(entry);
            }
        }
    }
    let header = format!(
        "# tokensim catalog: {} plans and action costs as of {}.\n\
         # Every figure is {{ value, basis, source }}; basis is list, inferred, assumed or user.\n\
         # Edit and load with `tokensim --catalog FILE`.\n\n",
        catalog.vendor, catalog.as_of
    );
    header + &doc.to_string()
}

/// Turns the sub-tables of one entry into inline tables.
fn inline_nested(table: &mut Table) {
    for (_, item) in table.iter_mut() {
        if let Item::Table(sub) = item {
            let inline = std::mem::take(sub).into_inline_table();
            *item = Item::Value(toml_edit::Value::InlineTable(inline));
        } else if let Item::ArrayOfTables(subs) = item {
            let array = std::mem::take(subs).into_array();
            *item = Item::Value(toml_edit::Value::Array(array));
        }
    }
}
