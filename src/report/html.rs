//! `report.html`: one static, self-contained page (no scripts, no network)
//! with, per scenario, the recommendation, the summary table and the charts.
//! Images are referenced by relative path, so the page opens from the file system.

use std::fmt::Write;

use super::ScenarioReport;
use super::format::{dollars_cents, percent};

const STYLE: &str = "
body { font-family: 'DejaVu Sans', 'Segoe UI', Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1100px;
       padding: 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { margin-top: 2.5rem; border-top: 1px solid #ccc; padding-top: 1rem; }
.muted { color: #666; font-size: 0.9rem; }
.verdict { background: #eef6fb; border-left: 4px solid #0072b2; padding: 0.6rem 0.9rem; margin: 1rem 0; }
.verdict.none { background: #fdf0e8; border-color: #d55e00; }
.table { overflow-x: auto; } table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
th, td { padding: 0.35rem 0.6rem; border-bottom: 1px solid #ddd; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; } tr.best td { font-weight: bold; background: #f3f9f3; }
img { width: 100%; height: auto; border: 1px solid #eee; margin: 0.5rem 0; }
.charts { display: grid; grid-template-columns: 1fr; gap: 0.5rem; }
@media (min-width: 1000px) { .charts { grid-template-columns: 1fr 1fr; } }
nav a { margin-right: 1rem; }
";

/// The page; `files[i]` lists the files written for scenario `i` (only those are referenced).
pub fn render(reports: &[ScenarioReport], files: &[Vec<String>]) -> String {
    let mut page = String::new();
    let vendor =
        reports.first().map_or(String::new(), |r| format!("{} prices as of {}", r.catalog.vendor, r.catalog.as_of));
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>tokensim report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>Which plan, for the way you work</h1>\n<p class=\"muted\">tokensim {}; {}. \
         Intervals are 95%. Figures marked assumed in the price basis have no public source (see the README).</p>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&vendor)
    );
    page.push_str("<nav>");
    for r in reports {
        let _ = write!(page, "<a href=\"#{}\">{}</a>", escape(&r.scenario.name), escape(&r.scenario.title));
    }
    page.push_str("</nav>\n");
    let _ = writeln!(
        page,
        "<img src=\"{}\" alt=\"Expected monthly cost of each plan, by scenario; the recommended plan is ringed\">",
        super::charts::BATCH_FILE
    );
    for (r, names) in reports.iter().zip(files) {
        scenario_section(&mut page, r, names);
    }
    page.push_str("</body>\n</html>\n");
    page
}

fn scenario_section(page: &mut String, r: &ScenarioReport, files: &[String]) {
    let run = &r.scenario.file.run;
    let name = escape(&r.scenario.name);
    let _ = writeln!(page, "<h2 id=\"{name}\">{}</h2>", escape(&r.scenario.title));
    if let Some(description) = &r.scenario.file.description {
        let _ = writeln!(page, "<p>{}</p>", escape(description));
    }
    let _ = writeln!(
        page,
        "<p class=\"muted\">{} paths × {} months, seed {}, {} seat(s); on exhaustion: {}. Files: <code>{name}/</code></p>",
        r.stats.paths, run.months, run.seed, r.scenario.file.seats, r.scenario.file.on_exhaustion
    );
    match r.recommended {
        Some(i) => {
            let s = &r.summaries[i];
            let _ = writeln!(
                page,
                "<p class=\"verdict\"><strong>Recommended: {}</strong>, about {} a month and {} per usable deliverable. \
                 It is the cheapest plan whose chance of running out in a month ({}) and unmet share ({}) stay within {}.</p>",
                escape(r.plan_name(i)),
                dollars_cents(s.cost.value),
                dollars_cents(s.cost_per_usable.value),
                percent(s.exhaustion.value),
                percent(s.unmet_share),
                percent(run.target)
            );
        }
        None => {
            let _ = writeln!(
                page,
                "<p class=\"verdict none\"><strong>No plan meets the target</strong>: none keeps the chance of running \
                 out and the unmet share within {}.</p>",
                percent(run.target)
            );
        }
    }
    summary_table(page, r);
    page.push_str("<div class=\"charts\">\n");
    for file in files.iter().filter(|f| f.ends_with(".png")) {
        let _ = writeln!(
            page,
            "<img src=\"{name}/{}\" alt=\"{}: {}\">",
            escape(file),
            escape(&r.scenario.title),
            escape(file)
        );
    }
    page.push_str("</div>\n");
}

fn summary_table(page: &mut String, r: &ScenarioReport) {
    page.push_str(
        "<div class=\"table\"><table>\n<tr><th>plan</th><th>P(run out) [95% CI]</th><th>unmet</th>\
         <th>$ / month</th><th>$ / usable [95% CI]</th><th>price basis</th></tr>\n",
    );
    for (i, s) in r.summaries.iter().enumerate() {
        let class = if r.recommended == Some(i) { " class=\"best\"" } else { "" };
        let _ = writeln!(
            page,
            "<tr{class}><td>{}</td><td>{} [{}, {}]</td><td>{}</td><td>{}</td><td>{} [{}, {}]</td><td>{}</td></tr>",
            escape(r.plan_name(i)),
            percent(s.exhaustion.value),
            percent(s.exhaustion.low),
            percent(s.exhaustion.high),
            percent(s.unmet_share),
            dollars_cents(s.cost.value),
            dollars_cents(s.cost_per_usable.value),
            dollars_cents(s.cost_per_usable.low),
            dollars_cents(s.cost_per_usable.high),
            escape(&r.price_basis(i))
        );
    }
    page.push_str("</table></div>\n");
}

/// Escapes text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(super::escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
