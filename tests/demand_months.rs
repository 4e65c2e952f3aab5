//! A month of demand is laid out as the ledgers read it, whichever way it
//! was drawn: in one loop (each day's totals as a difference of running
//! sums, each job's day and seat written over a span of slots), or day by
//! day (outcomes that need more draws).
//!
//! For every bundled scenario, and for edits that take the other ways (days
//! of more than 16 deliverables, attempts past the listed 16), each month's
//! days must end where the next begins, each job must carry the day that
//! holds it, and each day's totals must be what its jobs' charges add up to.

use std::path::Path;

use tokensim::catalog::Catalog;
use tokensim::demand::{MonthWork, Profile};
use tokensim::input::Source;
use tokensim::ledger::Totals;
use tokensim::scenario::{Overrides, Scenario};
use tokensim::simulation::path_rng;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn scenario(name: &str, edit: impl Fn(String) -> String) -> Scenario {
    let path = Path::new(ROOT).join("scenarios").join(name);
    let text = edit(std::fs::read_to_string(&path).expect("bundled scenario"));
    let catalog = Catalog::leonardo();
    Scenario::from_source(&Source::new(name, text), &path, &catalog, &Overrides::default()).expect("valid scenario")
}

/// Checks `months` months of `paths` paths; returns the largest day's count seen.
fn check_months(scenario: &Scenario, paths: u64, months: u32) -> u64 {
    let (file, catalog) = (&scenario.file, Catalog::leonardo());
    let mut work = MonthWork::default();
    let mut largest = 0;
    for path in 0..paths {
        let mut rng = path_rng(7, path);
        let profile = Profile::sample(file, &catalog, &mut rng).expect("a valid scenario samples");
        for month in 0..months {
            profile.month(file.run.days_per_month, &mut rng, &mut work);
            let at = format!("{:?}, path {path}, month {}", file.title, month + 1);
            let days = work.view(&profile.recipes).days;
            assert_eq!(days.len(), file.run.days_per_month as usize, "{at}: days");
            let (mut start, mut total) = (0, Totals::default());
            for (number, day) in (1..).zip(days.iter()) {
                let jobs = &work.jobs[start..day.end as usize];
                let mut sums = Totals::default();
                for job in jobs {
                    assert_eq!(job.day, number, "{at}: a job of day {number} says day {}", job.day);
                    sums.add(&profile.recipes[job.recipe as usize].totals(job));
                }
                assert_eq!(day.totals, sums, "{at}, day {number}: totals");
                largest = largest.max(jobs.len() as u64);
                total.add(&day.totals);
                start = day.end as usize;
            }
            assert_eq!(start, work.jobs.len(), "{at}: the last day ends with the jobs");
            assert_eq!(work.total, total, "{at}: the month's total");
        }
    }
    largest
}

#[test]
fn every_bundled_scenarios_months_are_laid_out_as_the_ledgers_read_them() {
    let mut names: Vec<String> = std::fs::read_dir(Path::new(ROOT).join("scenarios"))
        .expect("scenarios")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 5);
    for name in names {
        check_months(&scenario(&name, |text| text), 20, 3);
    }
}

#[test]
fn days_of_more_deliverables_than_one_span_are_laid_out_whole() {
    let busy = scenario("social-media-manager.toml", |text| {
        text.replace("median = 3, sigma = 0.2", "median = 30, sigma = 0.2")
    });
    assert!(check_months(&busy, 10, 2) > 16, "some day brings more than 16 deliverables");
}

#[test]
fn days_of_more_deliverables_than_the_wider_span_are_laid_out_whole() {
    // About 100 a day: months this busy use the wider span, and some days pass it too.
    let busier = scenario("social-media-manager.toml", |text| {
        text.replace("median = 3, sigma = 0.2", "median = 100, sigma = 0.2")
    });
    assert!(check_months(&busier, 5, 2) > 64, "some day brings more than 64 deliverables");
}

#[test]
fn a_quiet_month_with_a_busy_day_lays_that_day_out_whole() {
    // Few a day on average, but days vary wildly: the narrow span, and a day past it.
    let bursty = scenario("social-media-manager.toml", |text| {
        text.replace("median = 3, sigma = 0.2", "median = 5, sigma = 0.2").replace("dispersion = 4", "dispersion = 0.2")
    });
    assert!(check_months(&bursty, 20, 3) > 16, "some day brings more than 16 deliverables");
}

#[test]
fn a_month_with_attempts_past_the_listed_ones_is_laid_out_day_by_day() {
    let patient = scenario("social-media-manager.toml", |text| text.replace("max_attempts = 8", "max_attempts = 40"));
    check_months(&patient, 20, 3);
}
