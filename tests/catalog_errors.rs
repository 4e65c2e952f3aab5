//! `tokensim catalog --catalog FILE` on broken catalogs: each must end with
//! exit code 2 and one message naming the file, the line, the field and what
//! would be valid, and never panic.
//!
//! Each bad file starts from a good catalog text and breaks one thing. Two good
//! texts are used: the dump the binary writes (`tokensim catalog --dump`), and
//! the embedded, hand-written catalog, which has one line per field, so that a
//! wrong line number shows. Expected lines are counted in the text written here.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;
use tokensim::catalog::{Catalog, LEONARDO_TOML};

fn tokensim() -> Command {
    Command::cargo_bin("tokensim").expect("the tokensim binary")
}

/// The default catalog as `tokensim catalog --dump` prints it.
fn dumped() -> String {
    let out = tokensim().args(["catalog", "--dump"]).output().unwrap();
    assert!(out.status.success(), "tokensim catalog --dump failed");
    String::from_utf8(out.stdout).expect("the dump is UTF-8")
}

/// The good texts every case breaks: (name, text).
fn bases() -> Vec<(&'static str, String)> {
    vec![("dump", dumped()), ("embedded", LEONARDO_TOML.to_string())]
}

/// The 1-based line of byte `offset`, counted here, not by the program.
fn line_at(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The byte offset of `anchor`, which must occur exactly once.
fn find_once(text: &str, anchor: &str) -> usize {
    assert_eq!(text.matches(anchor).count(), 1, "`{anchor}` is not unique");
    text.find(anchor).unwrap()
}

/// Replaces the first `from` at or after `anchor` with `to`.
/// Returns the new text and the offset of the change.
fn replace_after(text: &str, anchor: &str, from: &str, to: &str) -> (String, usize) {
    let start = find_once(text, anchor);
    let at = start + text[start..].find(from).unwrap_or_else(|| panic!("no `{from}` after `{anchor}`"));
    let mut out = String::with_capacity(text.len() + to.len());
    out.push_str(&text[..at]);
    out.push_str(to);
    out.push_str(&text[at + from.len()..]);
    (out, at)
}

/// Removes the first `field` (a whole `key = value`) at or after `anchor`,
/// with the `, ` or newline that separates it from the next field.
fn remove_after(text: &str, anchor: &str, field: &str) -> String {
    let (mut out, at) = replace_after(text, anchor, field, "");
    if out[at..].starts_with(", ") {
        out.replace_range(at..at + 2, "");
    } else if out[at..].starts_with('\n') {
        out.replace_range(at..at + 1, "");
    }
    out
}

/// The line where the table holding `id_line` (e.g. `id = "essential"`)
/// begins: its `[[plans]]` / `[[actions]]` header, or for an inline table the
/// line of the id itself (the `{` is on the same line).
fn table_line(text: &str, id_line: &str) -> usize {
    let at = find_once(text, id_line);
    let before = text[..at].trim_end();
    if before.ends_with("]]") {
        let header = before.rfind("[[").unwrap();
        line_at(text.as_bytes(), header)
    } else {
        line_at(text.as_bytes(), at)
    }
}

fn plan_index(id: &str) -> usize {
    Catalog::leonardo().plans.iter().position(|p| p.id == id).unwrap()
}

fn action_index(id: &str) -> usize {
    Catalog::leonardo().actions.iter().position(|a| a.id == id).unwrap()
}

/// Runs `tokensim catalog --catalog FILE` on `bytes` written to `name`.
fn run_on(dir: &TempDir, name: &str, bytes: &[u8]) -> (String, Output) {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let out = run_path(&path);
    (path.display().to_string(), out)
}

fn run_path(path: &Path) -> Output {
    tokensim().args(["catalog", "--catalog"]).arg(path).output().unwrap()
}

/// Breaks one thing (the first `from` after `anchor` becomes `to`) in both
/// starting texts, and checks the message's line, field and words.
fn check_broken(name: &str, anchor: &str, from: &str, to: &str, field: &str, valid: &[&str]) {
    for (base, text) in bases() {
        let (bad, at) = replace_after(&text, anchor, from, to);
        check(
            &format!("{name}-{base}.toml"),
            bad.as_bytes(),
            Expect { line: line_at(bad.as_bytes(), at), field, valid },
        );
    }
}

/// One broken file and what its message must say.
struct Expect<'a> {
    line: usize,
    /// The dotted field path; empty for a problem with the whole file.
    field: &'a str,
    /// Words the message must contain: what would be valid.
    valid: &'a [&'a str],
}

/// Runs the binary on `bytes` and checks the exit code, the absence of a
/// panic, and that stderr has `FILE:LINE: FIELD: MESSAGE` with every `valid`
/// word in MESSAGE. Returns MESSAGE.
fn check(name: &str, bytes: &[u8], want: Expect) -> String {
    let dir = TempDir::new().unwrap();
    let (path, out) = run_on(&dir, name, bytes);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{name}: a panic:\n{stderr}");
    assert_eq!(out.status.code(), Some(2), "{name}: exit code; stderr:\n{stderr}");
    assert!(out.stdout.is_empty(), "{name}: nothing on stdout");
    let prefix = if want.field.is_empty() {
        format!("{path}:{}: ", want.line)
    } else {
        format!("{path}:{}: {}: ", want.line, want.field)
    };
    let Some(at) = stderr.find(&prefix) else { panic!("{name}: stderr lacks `{prefix}`:\n{stderr}") };
    let message = stderr[at + prefix.len()..].lines().next().unwrap_or("").to_string();
    for word in want.valid {
        assert!(message.contains(word), "{name}: the message does not say `{word}`:\n{stderr}");
    }
    message
}

// ---------------------------------------------------------------------------
// Good catalogs
// ---------------------------------------------------------------------------

/// The plan ids of the facts file's plan table and API section.
const PLAN_IDS: [&str; 7] = ["free", "essential", "premium", "ultimate", "team-starter", "team-growth", "api"];

#[test]
fn the_default_catalog_prints_vendor_date_and_every_plan() {
    let out = tokensim().arg("catalog").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("Leonardo.Ai"), "{stdout}");
    assert!(stdout.contains("2026-11"), "{stdout}");
    for id in PLAN_IDS {
        assert!(stdout.lines().any(|l| l.split_whitespace().any(|w| w == id)), "plan `{id}` missing:\n{stdout}");
    }
}

#[test]
fn good_catalog_files_load() {
    let dir = TempDir::new().unwrap();
    for (name, text) in bases() {
        let (_, out) = run_on(&dir, &format!("{name}.toml"), text.as_bytes());
        assert_eq!(out.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stderr.is_empty(), "{name}: no warnings");
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(stdout.contains("Leonardo.Ai") && stdout.contains("2026-11"));
    }
}

// ---------------------------------------------------------------------------
// One broken thing each
// ---------------------------------------------------------------------------

#[test]
fn unknown_action_family() {
    check_broken(
        "family",
        r#"id = "prompt-magic-v2""#,
        r#"family = "image""#,
        r#"family = "imgae""#,
        &format!("actions[{}].family", action_index("prompt-magic-v2")),
        &["imgae", "image", "edit", "reference", "3d", "video"],
    );
}

#[test]
fn unknown_family_in_a_relaxed_lane() {
    check_broken(
        "lane",
        r#"id = "ultimate""#,
        r#"family = "video""#,
        r#"family = "vidoe""#,
        &format!("plans[{}].relaxed[1].family", plan_index("ultimate")),
        &["vidoe", "image", "edit", "reference", "3d", "video"],
    );
}

#[test]
fn unknown_plan_kind() {
    check_broken(
        "kind",
        r#"id = "premium""#,
        r#"kind = "individual""#,
        r#"kind = "enterprise""#,
        &format!("plans[{}].kind", plan_index("premium")),
        &["enterprise", "individual", "team", "api"],
    );
}

/// A negative batch cost, located (the message's wording is checked below).
fn negative_one_image_cost(valid: &[&str]) {
    for (base, text) in bases() {
        let (bad, at) = replace_after(&text, r#"id = "alchemy""#, "one = 8,", "one = -8,");
        let field = format!("actions[{}].tokens.one", action_index("alchemy"));
        check(
            &format!("negative-one-{base}.toml"),
            bad.as_bytes(),
            Expect { line: line_at(bad.as_bytes(), at), field: &field, valid },
        );
    }
}

/// A negative `each` cost, located (the message's wording is checked below).
fn negative_each_cost(valid: &[&str]) {
    for (base, text) in bases() {
        let (bad, at) = replace_after(&text, r#"id = "texture-3d""#, "each = 30,", "each = -30,");
        let field = format!("actions[{}].tokens.each", action_index("texture-3d"));
        check(
            &format!("negative-each-{base}.toml"),
            bad.as_bytes(),
            Expect { line: line_at(bad.as_bytes(), at), field: &field, valid },
        );
    }
}

/// A negative reference surcharge, located.
fn negative_reference_extra(valid: &[&str]) {
    for (base, text) in bases() {
        let (bad, at) = replace_after(&text, "extra = [", "0, 0, 2,", "0, 0, -2,");
        check(
            &format!("negative-extra-{base}.toml"),
            bad.as_bytes(),
            Expect { line: line_at(bad.as_bytes(), at), field: "references.extra[2]", valid },
        );
    }
}

#[test]
fn negative_cost_is_located() {
    negative_one_image_cost(&["-8"]);
    negative_each_cost(&["-30"]);
    negative_reference_extra(&["-2"]);
}

/// Every other count says "a whole number, 0 or more"; token costs say only
/// "expected u64", which names a Rust type, not what to write.
#[test]
fn negative_cost_says_what_is_valid() {
    negative_one_image_cost(&["-8", "whole number", "0 or more"]);
    negative_each_cost(&["-30", "whole number", "0 or more"]);
    negative_reference_extra(&["-2", "whole number", "0 or more"]);
}

#[test]
fn missing_cost() {
    for (base, text) in bases() {
        // tokens = { basis = "list", source = "token table" }: neither `each` nor one/four.
        let (bad, at) = replace_after(&text, r#"id = "texture-3d""#, "each = 30, ", "");
        let field = format!("actions[{}].tokens", action_index("texture-3d"));
        check(
            &format!("missing-cost-{base}.toml"),
            bad.as_bytes(),
            Expect { line: line_at(bad.as_bytes(), at), field: &field, valid: &["each", "one", "four", "between"] },
        );
    }
}

#[test]
fn negative_bank_cap() {
    let figure = r#"bank_cap = { value = 25500, basis = "list", source = "plan table; three months' allowance" }"#;
    for (base, text) in bases() {
        let (bad, at) = replace_after(&text, r#"id = "essential""#, figure, "bank_cap = -25500");
        let field = format!("plans[{}].bank_cap", plan_index("essential"));
        check(
            &format!("negative-cap-{base}.toml"),
            bad.as_bytes(),
            Expect {
                line: line_at(bad.as_bytes(), at),
                field: &field,
                valid: &["-25500", "whole number", "0 or more"],
            },
        );
    }
}

#[test]
fn negative_bank_cap_value_in_a_figure_table() {
    for (base, text) in bases() {
        let (bad, at) =
            replace_after(&text, r#"id = "essential""#, "bank_cap = { value = 25500,", "bank_cap = { value = -25500,");
        let field = format!("plans[{}].bank_cap.value", plan_index("essential"));
        check(
            &format!("negative-cap-value-{base}.toml"),
            bad.as_bytes(),
            Expect {
                line: line_at(bad.as_bytes(), at),
                field: &field,
                valid: &["-25500", "whole number", "0 or more"],
            },
        );
    }
}

#[test]
fn missing_bank_cap_on_a_monthly_plan() {
    let figure = r#"bank_cap = { value = 25500, basis = "list", source = "plan table; three months' allowance" }"#;
    for (base, text) in bases() {
        let bad = remove_after(&text, r#"id = "essential""#, figure);
        assert!(!bad.contains("25500, basis"), "{base}: the cap is gone");
        let field = format!("plans[{}].bank_cap", plan_index("essential"));
        check(
            &format!("missing-cap-{base}.toml"),
            bad.as_bytes(),
            Expect {
                // The field is absent, so the line of the plan's table.
                line: table_line(&bad, r#"id = "essential""#),
                field: &field,
                valid: &["missing", "monthly", "0 for none"],
            },
        );
    }
}

#[test]
fn unknown_reset_period() {
    for (base, text) in bases() {
        let (bad, at) = replace_after(&text, r#"id = "premium""#, r#"reset = "monthly""#, r#"reset = "weekly""#);
        let field = format!("plans[{}].reset", plan_index("premium"));
        check(
            &format!("weekly-{base}.toml"),
            bad.as_bytes(),
            Expect { line: line_at(bad.as_bytes(), at), field: &field, valid: &["weekly", "daily", "monthly"] },
        );
    }
}

#[test]
fn price_that_is_not_a_number() {
    let figure = r#"price_monthly = { value = 30.0, basis = "list", source = "pricing page (secondary)" }"#;
    for (base, text) in bases() {
        let (bad, at) = replace_after(&text, r#"id = "premium""#, figure, r#"price_monthly = "thirty""#);
        let field = format!("plans[{}].price_monthly", plan_index("premium"));
        check(
            &format!("thirty-{base}.toml"),
            bad.as_bytes(),
            Expect { line: line_at(bad.as_bytes(), at), field: &field, valid: &["thirty", "number"] },
        );
    }
}

#[test]
fn price_value_that_is_not_a_number() {
    for (base, text) in bases() {
        let (bad, at) = replace_after(
            &text,
            r#"id = "premium""#,
            "price_monthly = { value = 30.0,",
            r#"price_monthly = { value = "thirty","#,
        );
        let field = format!("plans[{}].price_monthly.value", plan_index("premium"));
        check(
            &format!("thirty-value-{base}.toml"),
            bad.as_bytes(),
            Expect { line: line_at(bad.as_bytes(), at), field: &field, valid: &["thirty", "number"] },
        );
    }
}

#[test]
fn unknown_key() {
    for (base, text) in bases() {
        let (bad, at) = replace_after(&text, r#"id = "premium""#, "allowance = {", "alowance = {");
        let field = format!("plans[{}].alowance", plan_index("premium"));
        check(
            &format!("typo-{base}.toml"),
            bad.as_bytes(),
            Expect {
                line: line_at(bad.as_bytes(), at),
                field: &field,
                // The right spelling is among the valid keys named.
                valid: &["alowance", "`allowance`"],
            },
        );
    }
}

#[test]
fn duplicate_plan_ids() {
    for (base, text) in bases() {
        let (bad, at) = replace_after(&text, r#"id = "ultimate""#, r#"id = "ultimate""#, r#"id = "premium""#);
        let field = format!("plans[{}].id", plan_index("ultimate"));
        check(
            &format!("duplicate-{base}.toml"),
            bad.as_bytes(),
            Expect { line: line_at(bad.as_bytes(), at), field: &field, valid: &["premium", "unique"] },
        );
    }
}

#[test]
fn file_that_is_not_utf8() {
    for (base, text) in bases() {
        let (good, at) = replace_after(&text, r#"id = "ultimate""#, "Ultimate", "Ultimate");
        let mut bytes = good.into_bytes();
        // "Ulti\xFFmate": a byte that is never valid UTF-8.
        let bad_at = at + 4;
        bytes.insert(bad_at, 0xFF);
        assert!(String::from_utf8(bytes.clone()).is_err());
        check(
            &format!("latin1-{base}.toml"),
            &bytes,
            Expect { line: line_at(&bytes, bad_at), field: "", valid: &["UTF-8"] },
        );
    }
}

#[test]
fn empty_file() {
    check(
        "empty.toml",
        b"",
        Expect {
            line: 1,
            field: "",
            // The first key a catalog needs.
            valid: &["vendor"],
        },
    );
}

/// "missing field `vendor`" does not tell someone who passed an empty (or the
/// wrong) file what happened, nor what else a catalog needs.
#[test]
fn empty_file_says_it_is_empty() {
    let message = check("empty.toml", b"", Expect { line: 1, field: "", valid: &["empty"] });
    for key in ["vendor", "as_of", "currency", "references", "plans", "actions"] {
        assert!(message.contains(key), "`{key}` not named: {message}");
    }
}

/// A key written twice in one table is a TOML error, found before any field
/// path is known.
fn duplicate_key(valid: &[&str]) {
    for (base, text) in bases() {
        let (bad, at) =
            replace_after(&text, r#"id = "premium""#, r#"name = "Premium""#, r#"name = "Premium", name = "Premium 2""#);
        // In both texts `name` is on a line of its own: put the second one on the next line.
        let bad = bad.replacen(r#""Premium", name"#, "\"Premium\"\nname", 1);
        let second = at + bad[at..].find("name = \"Premium 2\"").unwrap();
        check(
            &format!("duplicate-key-{base}.toml"),
            bad.as_bytes(),
            Expect { line: line_at(bad.as_bytes(), second), field: "", valid },
        );
    }
}

#[test]
fn duplicate_key_is_located() {
    duplicate_key(&["duplicate"]);
}

#[test]
fn duplicate_key_names_the_key() {
    duplicate_key(&["duplicate", "name"]);
}

#[test]
fn crlf_line_endings_count_lines_the_same() {
    let (bad, at) = replace_after(LEONARDO_TOML, r#"id = "premium""#, r#"reset = "monthly""#, r#"reset = "weekly""#);
    let line = line_at(bad.as_bytes(), at);
    let crlf = bad.replace('\n', "\r\n");
    check(
        "crlf.toml",
        crlf.as_bytes(),
        Expect {
            line,
            field: &format!("plans[{}].reset", plan_index("premium")),
            valid: &["weekly", "daily", "monthly"],
        },
    );
}

#[test]
fn missing_file_names_its_path() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("no-such-catalog.toml");
    let out = run_path(&path);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
}

#[test]
fn every_problem_found_after_parsing_is_reported_with_its_own_line() {
    let figure = r#"bank_cap = { value = 25500, basis = "list", source = "plan table; three months' allowance" }"#;
    let text = LEONARDO_TOML;
    let without_cap = remove_after(text, r#"id = "essential""#, figure);
    let (bad, at) = replace_after(&without_cap, r#"id = "ultimate""#, r#"id = "ultimate""#, r#"id = "premium""#);
    let dir = TempDir::new().unwrap();
    let (path, out) = run_on(&dir, "two.toml", bad.as_bytes());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let cap =
        format!("{path}:{}: plans[{}].bank_cap: ", table_line(&bad, r#"id = "essential""#), plan_index("essential"));
    let id = format!("{path}:{}: plans[{}].id: ", line_at(bad.as_bytes(), at), plan_index("ultimate"));
    assert!(stderr.contains(&cap), "no `{cap}` in:\n{stderr}");
    assert!(stderr.contains(&id), "no `{id}` in:\n{stderr}");
}
