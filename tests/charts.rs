//! The charts and the report page: they exist, decode as PNG of the size
//! asked for, are not blank, carry text, and the page refers only to files
//! that exist. `--no-plots` writes none of them.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

const CHARTS: [&str; 5] = ["exhaustion.png", "cost_per_usable.png", "demand.png", "bank.png", "exhaustion_day.png"];
const SCENARIOS: [&str; 2] = ["social-media-manager", "studio-team"];

fn run(out: &Path, extra: &[&str]) -> std::process::Output {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut args = vec!["run".to_string()];
    args.extend(SCENARIOS.iter().map(|s| format!("{root}/scenarios/{s}.toml")));
    args.extend(["--paths", "300", "--months", "4", "--quiet", "--out"].map(String::from));
    args.push(out.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    Command::cargo_bin("tokensim").unwrap().args(&args).output().unwrap()
}

/// Width, height and RGB(A) rows of a PNG file.
fn decode(path: &Path) -> (u32, u32, usize, Vec<u8>) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file)).read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a buffer size")];
    let info = reader.next_frame(&mut pixels).expect("PNG data that decodes");
    let channels = info.color_type.samples();
    pixels.truncate(info.buffer_size());
    (info.width, info.height, channels, pixels)
}

fn all_pngs(out: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = SCENARIOS.iter().flat_map(|s| CHARTS.map(|c| out.join(s).join(c))).collect();
    files.push(out.join("plans_by_scenario.png"));
    files
}

#[test]
fn every_chart_is_a_png_of_the_asked_size_with_content_and_a_title() {
    let dir = TempDir::new().unwrap();
    let output = run(dir.path(), &["--plot-size", "800x500"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    for path in all_pngs(dir.path()) {
        let (w, h, channels, pixels) = decode(&path);
        assert_eq!((w, h), (800, 500), "{}", path.display());
        let row = w as usize * channels;
        let pixel = |x: usize, y: usize| &pixels[y * row + x * channels..y * row + x * channels + 3];
        // Not blank: many distinct colours over the whole chart.
        let mut colours: Vec<&[u8]> = (0..h as usize)
            .step_by(3)
            .flat_map(|y| (0..w as usize).step_by(3).map(move |x| (x, y)))
            .map(|(x, y)| pixel(x, y))
            .collect();
        colours.sort();
        colours.dedup();
        assert!(colours.len() > 20, "{}: only {} colours", path.display(), colours.len());
        // Text in the title band: some dark pixels among the white.
        let dark = (5..50)
            .flat_map(|y| (0..w as usize).map(move |x| (x, y)))
            .filter(|&(x, y)| pixel(x, y).iter().all(|&c| c < 100))
            .count();
        assert!(dark > 200, "{}: the title band has {dark} dark pixels", path.display());
    }
}

#[test]
fn the_default_size_reads_on_a_laptop_and_the_page_refers_only_to_files_that_exist() {
    let dir = TempDir::new().unwrap();
    let output = run(dir.path(), &[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let (w, h, _, _) = decode(&dir.path().join("social-media-manager/exhaustion.png"));
    assert_eq!((w, h), (1000, 600));
    let page = std::fs::read_to_string(dir.path().join("report.html")).expect("report.html");
    assert!(!page.to_lowercase().contains("<script"), "the page has a script");
    assert!(!page.contains("http://") && !page.contains("https://"), "the page refers to the network");
    let mut images = 0;
    for attribute in ["src=\"", "href=\""] {
        for part in page.split(attribute).skip(1) {
            let target = &part[..part.find('"').expect("a closing quote")];
            if let Some(anchor) = target.strip_prefix('#') {
                let id = format!("id=\"{anchor}\"");
                assert!(page.contains(&id), "the anchor {target} has no target");
                continue;
            }
            assert!(dir.path().join(target).is_file(), "the page refers to {target}, which does not exist");
            images += usize::from(attribute == "src=\"");
        }
    }
    // Every chart of every scenario, plus the batch chart, is on the page.
    assert_eq!(images, SCENARIOS.len() * CHARTS.len() + 1);
    for scenario in SCENARIOS {
        assert!(page.contains(&format!("id=\"{scenario}\"")), "no section for {scenario}");
    }
    assert!(page.contains("Recommended:"), "no recommendation on the page");
}

#[test]
fn no_plots_writes_no_png_and_no_page() {
    let dir = TempDir::new().unwrap();
    let output = run(dir.path(), &["--no-plots"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut written = Vec::new();
    for entry in walk(dir.path()) {
        written.push(entry.strip_prefix(dir.path()).unwrap().display().to_string());
    }
    assert!(written.iter().all(|f| !f.ends_with(".png") && !f.ends_with(".html")), "{written:?}");
    assert!(written.iter().any(|f| f.ends_with("summary.csv")), "{written:?}");
}

#[test]
fn charts_are_the_same_bytes_whatever_the_thread_count() {
    let (a, b) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    assert!(run(a.path(), &["--threads", "1"]).status.success());
    assert!(run(b.path(), &["--threads", "2"]).status.success());
    for path in all_pngs(a.path()) {
        let other = b.path().join(path.strip_prefix(a.path()).unwrap());
        assert!(std::fs::read(&path).unwrap() == std::fs::read(&other).unwrap(), "{} differs", path.display());
    }
}

#[test]
fn a_bad_plot_size_is_refused_before_running() {
    let dir = TempDir::new().unwrap();
    let output = run(&dir.path().join("out"), &["--plot-size", "big"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--plot-size") && stderr.contains("WIDTHxHEIGHT"), "{stderr}");
    assert!(!dir.path().join("out").exists());
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}
