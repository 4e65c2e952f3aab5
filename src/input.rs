//! Reading TOML input files so that every problem names its file, line and field.
//!
//! Parse errors come from `toml` (which knows the byte span) wrapped in
//! `serde_path_to_error` (which knows the field path). Checks made after
//! parsing name a field path, and [`Source::locate`] finds its line again.

use std::fmt;
use std::path::Path;

use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue};

/// One problem in an input file, located so that a person can fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub file: String,
    pub line: Option<usize>,
    /// Dotted field path, e.g. `plans[2].bank_cap`; empty for the whole file.
    pub field: String,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

/// Every problem found in one or more input files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputErrors(pub Vec<InputError>);

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputErrors {}

impl From<InputError> for InputErrors {
    fn from(error: InputError) -> Self {
        InputErrors(vec![error])
    }
}

/// The text of one input file and the name to report it by.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub text: String,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Source { name: name.into(), text: text.into() }
    }

    /// Reads a file, refusing one that cannot be read or is not UTF-8.
    pub fn read(path: &Path) -> Result<Source, InputError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| InputError {
            file: name.clone(),
            line: None,
            field: String::new(),
            message: format!("cannot read the file: {e}"),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let offset = e.utf8_error().valid_up_to();
            InputError {
                file: name.clone(),
                line: Some(line_of(&String::from_utf8_lossy(e.as_bytes()), offset)),
                field: String::new(),
                message: "the file is not UTF-8 text; save it as UTF-8".into(),
            }
        })?;
        Ok(Source { name, text })
    }

    /// Deserializes the whole file, reporting the first problem with its line
    /// and field; `needs` says what a file of this kind must contain.
    pub fn parse_document<T: DeserializeOwned>(&self, needs: &str) -> Result<T, InputError> {
        let has_content = self.text.lines().any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        if !has_content {
            return Err(InputError {
                file: self.name.clone(),
                line: Some(1),
                field: String::new(),
                message: format!("the file is empty; {needs}"),
            });
        }
        let deserializer = toml::Deserializer::parse(&self.text)
            .map_err(|e| self.missing_value(&e).unwrap_or_else(|| self.toml_error(&e, "")))?;
        serde_path_to_error::deserialize(deserializer).map_err(|e| {
            let field = e.path().to_string();
            let field = if field == "." { String::new() } else { field };
            if let Some(error) = self.one_table_as_list::<T>(&field) {
                return error;
            }
            let mut error = self.toml_error(e.inner(), &field);
            // "missing field `x`" is about `x`, not about the table that lacks it.
            if let Some(missing) = error.message.strip_prefix("missing field `").and_then(|m| m.strip_suffix('`')) {
                error.field = if field.is_empty() { missing.to_string() } else { format!("{field}.{missing}") };
                if field.is_empty() {
                    error.message = format!("{}; {needs}", error.message);
                }
            } else if error.message == "wanted string or table" {
                let words = e.inner().span().and_then(|span| self.valid_words::<T>(span));
                let at = e.inner().span().and_then(|span| self.text.get(span)).unwrap_or("").trim();
                error.message =
                    format!("`{at}` is not valid here; {}", words.unwrap_or("expected a word in quotes".into()));
            }
            error
        })
    }

    /// `key =` with nothing after it: the parser only says what it expected
    /// next, so this names the key (in its table) and says what to write.
    fn missing_value(&self, error: &toml::de::Error) -> Option<InputError> {
        let line = line_of(&self.text, error.span()?.start);
        let written = self.text.lines().nth(line - 1)?;
        let (key, rest) = written.split_once('=')?;
        let key = key.trim();
        let bare = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        if key.is_empty() || !key.chars().all(bare) || !rest.trim().is_empty() && !rest.trim().starts_with('#') {
            return None;
        }
        Some(InputError {
            file: self.name.clone(),
            line: Some(line),
            field: table_before(&self.text, line).map_or(key.to_string(), |table| format!("{table}.{key}")),
            message: format!(
                "`{key} =` has no value; write one after `=`: a number, \"text\" in quotes, true or false, \
                 a list [ … ] or a table {{ … }}"
            ),
        })
    }

    /// A table written as `[[name]]` (a list of tables) where the file's
    /// kind has one `[name]` table: serde reads the list's first table as
    /// the table's first field, and names that. Checked by reading the file
    /// again with `[name]`: the error about `name[…]` then goes.
    fn one_table_as_list<T: DeserializeOwned>(&self, field: &str) -> Option<InputError> {
        let name = field.split_once('[')?.0;
        let list = format!("[[{name}]]");
        let (index, _) = self.text.lines().enumerate().find(|(_, line)| line.trim() == list)?;
        let fixed = self.text.replacen(&list, &format!("[{name}]"), 1);
        let deserializer = toml::Deserializer::parse(&fixed).ok()?;
        // Still about the list (or now about `name` as a whole: it is a list after all)?
        let still = serde_path_to_error::deserialize::<_, T>(deserializer).err().is_some_and(|e| {
            let path = e.path().to_string();
            path == name || path.starts_with(&format!("{name}["))
        });
        (!still).then(|| InputError {
            file: self.name.clone(),
            line: Some(index + 1),
            field: name.to_string(),
            message: format!("`{list}` makes a list of tables, but `{name}` is one table: write `[{name}]`"),
        })
    }

    /// The other kind of file than the one expected: its top level has one
    /// of `theirs` (keys only that kind has) and none of `ours`, whatever
    /// else is wrong with it. An error at the first of `theirs` saying so,
    /// with `message`.
    pub fn other_kind(&self, ours: &[&str], theirs: &[&str], message: &str) -> Option<InputError> {
        let root = DeTable::parse(&self.text).ok()?;
        let has = |key: &str| root.get_ref().contains_key(key);
        let key = theirs.iter().copied().find(|key| has(key))?;
        (!ours.iter().copied().any(has)).then(|| self.error(key, message))
    }

    /// An enum given a number or a list only says "wanted string or table":
    /// parsing again with `""` in its place gives the words that are valid.
    fn valid_words<T: DeserializeOwned>(&self, span: std::ops::Range<usize>) -> Option<String> {
        let text = format!("{}\"\"{}", self.text.get(..span.start)?, self.text.get(span.end..)?);
        let error = toml::from_str::<T>(&text).err()?;
        error.message().trim().strip_prefix("unknown variant ``, ").map(str::to_string)
    }

    fn toml_error(&self, error: &toml::de::Error, field: &str) -> InputError {
        let mut message = error.message().trim().to_string();
        let at = error.span().and_then(|span| self.text.get(span)).map(str::trim).unwrap_or("");
        if message == "duplicate key" && !at.is_empty() {
            message = format!("duplicate key `{at}`: it is written twice in the same table; keep one");
        }
        if let Some(hint) = suggest_field(&message) {
            message.push_str(&hint);
        }
        message = plain_words(&message, at);
        InputError {
            file: self.name.clone(),
            line: error.span().map(|span| line_of(&self.text, span.start)),
            field: field.to_string(),
            message,
        }
    }

    /// An error about `field` (a path like `plans[2].bank_cap`), located at its
    /// line; when none of its tables is written, at the top of the file.
    pub fn error(&self, field: impl Into<String>, message: impl Into<String>) -> InputError {
        let field = field.into();
        InputError { file: self.name.clone(), line: self.locate(&field).or(Some(1)), message: message.into(), field }
    }

    /// The line where `field` is written; for a field that is absent, the line
    /// of the nearest enclosing table that is present.
    pub fn locate(&self, field: &str) -> Option<usize> {
        let root = DeTable::parse(&self.text).ok()?;
        let mut span = None;
        let mut table: Option<&DeTable> = Some(root.get_ref());
        let mut value: Option<&DeValue> = None;
        for segment in split_path(field) {
            let next = match (segment, table, value) {
                (Segment::Key(key), Some(t), _) => t.get(key),
                (Segment::Index(i), _, Some(DeValue::Array(items))) => items.get(i),
                _ => None,
            };
            let Some(next) = next else { break };
            span = Some(next.span());
            value = Some(next.get_ref());
            table = next.get_ref().as_table();
        }
        span.map(|s| line_of(&self.text, s.start))
    }
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// Splits `plans[2].bank_cap` into `plans`, `2`, `bank_cap`.
fn split_path(field: &str) -> Vec<Segment<'_>> {
    let mut segments = Vec::new();
    for part in field.split('.').filter(|p| !p.is_empty()) {
        let mut pieces = part.split('[');
        if let Some(key) = pieces.next().filter(|k| !k.is_empty()) {
            segments.push(Segment::Key(key));
        }
        for index in pieces {
            if let Ok(i) = index.trim_end_matches(']').parse() {
                segments.push(Segment::Index(i));
            }
        }
    }
    segments
}

/// For serde's "unknown field `x`, expected `a`, `b` or `c`" (or "unknown
/// variant …"): "; did you mean `b`?".
fn suggest_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `").or_else(|| message.strip_prefix("unknown variant `"))?;
    let (given, expected) = rest.split_once('`')?;
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    nearest(given, known).map(|k| format!("; did you mean `{k}`?"))
}

/// serde's messages name Rust types ("expected u32"); say what to write instead.
/// A number too long to read (`1e300` printed in full) is shown as written.
fn plain_words(message: &str, written: &str) -> String {
    const WORDS: [(&str, &str); 9] = [
        ("invalid type: map", "invalid type: table"),
        ("invalid type: sequence", "invalid type: list"),
        ("expected u32", "expected a whole number from 0 to 4294967295"),
        ("expected u64", "expected a whole number from 0 to 18446744073709551615"),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected true or false"),
        ("expected a sequence", "expected a list [ … ]"),
        ("expected a string", "expected text in quotes"),
        ("` as i128", "` (out of range)"),
    ];
    let mut message = WORDS.iter().fold(message.to_string(), |m, (from, to)| m.replace(from, to));
    const STRUCT: &str = "expected struct ";
    if let Some(at) = message.find(STRUCT) {
        let name = at + STRUCT.len();
        let end = message[name..].find(|c: char| !c.is_alphanumeric()).map_or(message.len(), |i| name + i);
        message.replace_range(at..end, "expected a table { … }");
    }
    const FLOAT: &str = "floating point `";
    if let Some(start) = message.find(FLOAT).map(|i| i + FLOAT.len()) {
        let end = start + message[start..].find('`').unwrap_or(0);
        let same = |a: &str, b: &str| a.replace('_', "").parse::<f64>().ok() == b.parse::<f64>().ok();
        if end > start + 20 && same(written, &message[start..end]) {
            message.replace_range(start..end, written);
        }
    }
    message
}

/// The table that line `line` (1-based) is in, as a field path: `run`, or
/// `workflows[1]` in the second `[[workflows]]`; None before any header.
fn table_before(text: &str, line: usize) -> Option<String> {
    let headers: Vec<(&str, bool)> = text.lines().take(line - 1).filter_map(header).collect();
    let &(name, list) = headers.last()?;
    let index = headers.iter().filter(|&&h| h == (name, true)).count();
    Some(if list { format!("{name}[{}]", index - 1) } else { name.to_string() })
}

/// The name of a `[table]` or `[[table]]` header line, without its
/// brackets, and whether it is a list's.
fn header(line: &str) -> Option<(&str, bool)> {
    let line = line.split('#').next()?.trim();
    if let Some(name) = line.strip_prefix("[[").and_then(|l| l.strip_suffix("]]")) {
        return Some((name.trim(), true));
    }
    line.strip_prefix('[').and_then(|l| l.strip_suffix(']')).map(|name| (name.trim(), false))
}

/// The 1-based line number of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The known name closest to `given`, to suggest in an error message.
pub fn nearest<'a>(given: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (strsim::damerau_levenshtein(given, k), k))
        // Not a name that shares nothing with `given` (`api` for `name`, anything for ``).
        .filter(|(d, k)| *d <= 3.max(k.len() / 3) && *d < given.chars().count().min(k.chars().count()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        #[allow(dead_code)]
        items: Vec<Item>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Item {
        #[allow(dead_code)]
        size: u64,
    }

    const TEXT: &str = "# a comment\n[[items]]\nsize = 1\n\n[[items]]\nsize = -2\n";

    #[test]
    fn parse_error_names_line_and_field() {
        let e = Source::new("f.toml", TEXT).parse_document::<Doc>("a doc").unwrap_err();
        assert_eq!(e.line, Some(6));
        assert_eq!(e.field, "items[1].size");
        assert!(e.to_string().starts_with("f.toml:6: items[1].size: "), "{e}");
    }

    #[test]
    fn unknown_key_is_an_error_at_its_line() {
        let text = "[[items]]\nsize = 1\nsise = 2\n";
        let e = Source::new("f.toml", text).parse_document::<Doc>("a doc").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("unknown field `sise`"), "{e}");
        assert!(e.message.ends_with("did you mean `size`?"), "{e}");
    }

    #[test]
    fn a_list_of_tables_with_a_bad_field_is_not_taken_for_one_table() {
        let e = Source::new("f.toml", "[[items]]\nsize = -1\n").parse_document::<Doc>("a doc").unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (Some(2), "items[0].size"), "{e}");
        assert!(!e.message.contains("list of tables"), "{e}");
    }

    #[test]
    fn a_key_without_a_value_is_named_in_its_table() {
        let text = "[[items]]\nsize = 1\n\n[[items]]\nsize =   # to do\n";
        let e = Source::new("f.toml", text).parse_document::<Doc>("a doc").unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (Some(5), "items[1].size"), "{e}");
        assert!(e.message.starts_with("`size =` has no value"), "{e}");
    }

    #[test]
    fn empty_and_comment_only_files_say_so() {
        let e = Source::new("f.toml", "# nothing\n\n").parse_document::<Doc>("a doc needs items").unwrap_err();
        assert_eq!(e.message, "the file is empty; a doc needs items");
    }

    #[test]
    fn a_duplicate_key_is_named() {
        let e = Source::new("f.toml", "[[items]]\nsize = 1\nsize = 2\n").parse_document::<Doc>("").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("duplicate key `size`"), "{e}");
    }

    #[test]
    fn locate_finds_nested_fields_and_falls_back_to_the_parent() {
        let s = Source::new("f.toml", TEXT);
        assert_eq!(s.locate("items[1].size"), Some(6));
        assert_eq!(s.locate("items[0].size"), Some(3));
        assert_eq!(s.locate("items[1].missing"), s.locate("items[1]"));
        assert_eq!(s.locate("nothing"), None);
    }

    #[test]
    fn nearest_suggests_close_names_only() {
        let known = ["premium", "ultimate", "free"];
        assert_eq!(nearest("premuim", known), Some("premium"));
        assert_eq!(nearest("zzzzzzzzzzzz", known), None);
        assert_eq!(nearest("api", ["name", "share"]), None);
        assert_eq!(nearest("", known), None);
    }
}
