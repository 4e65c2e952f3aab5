//! Benchmarks of each stage: demand sampling, the ledger, accumulation, and
//! the whole run. `cargo bench` prints throughput in the unit each stage works in.
//! The `calibration` group times the draws issue 6 gives as this machine's
//! reference points (a raw draw of a fast generator about 1 ns, a Poisson or
//! geometric sample 15 to 25 ns), so that figures from hours when the shared
//! host runs slower can be read against them; `clock` reads the core's clock.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Geometric, Poisson};
use rand_pcg::Pcg64;
use tokensim::catalog::{Billing, Catalog};
use tokensim::demand::{MonthWork, Profile};
use tokensim::ledger::{Ledger, MonthTally, Policy};
use tokensim::scenario::{Overrides, Scenario};
use tokensim::simulation::{self, path_rng};
use tokensim::statistics::ScenarioStats;

const SCENARIO: &str = "scenarios/social-media-manager.toml";

fn scenario(catalog: &Catalog, paths: u64) -> Scenario {
    let overrides = Overrides { paths: Some(paths), ..Overrides::default() };
    Scenario::load(Path::new(SCENARIO), catalog, &overrides).expect("the bundled scenario is valid")
}

/// One month of demand (30 days) for the social-media manager, and a path's tables.
fn demand(c: &mut Criterion) {
    let catalog = Catalog::leonardo();
    let scenario = scenario(&catalog, 1);
    let mut rng = path_rng(1, 0);
    let mut profile = Profile::sample(&scenario.file, &catalog, &mut rng).expect("valid profile");
    let mut work = MonthWork::default();
    let mut group = c.benchmark_group("demand");
    group.throughput(Throughput::Elements(1));
    group.bench_function("month (social-media manager)", |b| {
        b.iter(|| {
            profile.month(30, &mut rng, &mut work);
            work.jobs.len()
        })
    });
    group.bench_function("path tables (social-media manager)", |b| {
        b.iter(|| profile.resample(&scenario.file, &catalog, &mut rng).expect("valid profile"))
    });
    group.finish();
}

/// A month of the social-media manager's deliverables through each plan kind's
/// ledger, from a fresh ledger (so every plan starts the month with its allowance).
fn ledger(c: &mut Criterion) {
    let catalog = Catalog::leonardo();
    let scenario = scenario(&catalog, 1);
    let mut rng = path_rng(1, 0);
    let profile = Profile::sample(&scenario.file, &catalog, &mut rng).expect("valid profile");
    let mut work = MonthWork::default();
    profile.month(30, &mut rng, &mut work);
    let month = work.view(&profile.recipes);
    let mut group = c.benchmark_group("ledger");
    group.throughput(Throughput::Elements(month.total.charges));
    for (plan, seats) in [("free", 1), ("essential", 1), ("premium", 1), ("team-starter", 5), ("api", 1)] {
        let terms = catalog.terms(catalog.plan(plan).expect("plan in catalog"), seats, Billing::Monthly);
        let mut ledger = Ledger::new(terms, Policy::TopUp);
        group.bench_function(format!("{plan} month (charges)"), |b| {
            b.iter(|| {
                ledger.reset();
                ledger.run_month(&month)
            })
        });
    }
    group.finish();
    // Free over a path: its queue of waiting work grows month by month, and
    // its recorded jumps stay warm from path to path, as in a run.
    let mut group = c.benchmark_group("ledger");
    group.throughput(Throughput::Elements(12));
    let terms = catalog.terms(catalog.plan("free").expect("plan in catalog"), 1, Billing::Monthly);
    let mut free = Ledger::new(terms, Policy::TopUp);
    group.bench_function("free, a path of 12 months (months)", |b| {
        b.iter(|| {
            free.reset();
            (0..12).map(|_| free.run_month(&month).waiting).sum::<u64>()
        })
    });
    group.finish();
}

/// Adding paths (12 months x 4 plans each) to the accumulators, 16 at a
/// time as the run does.
fn accumulation(c: &mut Criterion) {
    let paths = 16u64;
    let tallies: Vec<MonthTally> = (0..48 * paths)
        .map(|i| MonthTally { demanded: 80 + i % 7, usable: 78, spent: 9_000 + i * 13, ..MonthTally::default() })
        .collect();
    let demand = vec![9_000; 12 * paths as usize];
    let mut stats = ScenarioStats::new(4, 12, 30);
    let mut group = c.benchmark_group("accumulation");
    group.throughput(Throughput::Elements(12 * paths));
    group.bench_function("16 paths of 12 months x 4 plans (path-months)", |b| {
        b.iter(|| stats.add_paths(&tallies, &demand))
    });
    group.finish();
}

/// The whole run of the social-media manager, all its plans, on the default thread pool.
fn end_to_end(c: &mut Criterion) {
    let catalog = Catalog::leonardo();
    let paths = 2_000;
    let scenario = scenario(&catalog, paths);
    let mut group = c.benchmark_group("end_to_end");
    group.sample_size(10);
    group.throughput(Throughput::Elements(paths * u64::from(scenario.file.run.months)));
    group.bench_function("social-media manager (path-months)", |b| {
        b.iter(|| simulation::run(&scenario, &catalog, &|_| {}).expect("the run succeeds"))
    });
    group.finish();
}

/// The host's speed this hour: a raw draw of the engine's generator and of
/// a fast one (xoshiro256++, `rand`'s `SmallRng`: the issue's "fast
/// generator"; PCG-64's 128-bit multiply makes its draw slower), and the two
/// `rand_distr` samples the issue quotes with each, one draw per iteration.
fn calibration(c: &mut Criterion) {
    let mut group = c.benchmark_group("calibration");
    group.throughput(Throughput::Elements(1));
    let poisson = Poisson::new(3.0).expect("a positive mean");
    let geometric = Geometric::new(0.3).expect("a probability");
    let mut pcg = Pcg64::seed_from_u64(1);
    group.bench_function("raw draw (PCG-64)", |b| b.iter(|| pcg.next_u64()));
    group.bench_function("Poisson(3) sample (PCG-64)", |b| b.iter(|| poisson.sample(&mut pcg)));
    group.bench_function("geometric(0.3) sample (PCG-64)", |b| b.iter(|| geometric.sample(&mut pcg)));
    let mut fast = SmallRng::seed_from_u64(1);
    group.bench_function("raw draw (xoshiro256++)", |b| b.iter(|| fast.next_u64()));
    group.bench_function("Poisson(3) sample (xoshiro256++)", |b| b.iter(|| poisson.sample(&mut fast)));
    group.bench_function("geometric(0.3) sample (xoshiro256++)", |b| b.iter(|| geometric.sample(&mut fast)));
    group.finish();
    // The core's clock: a chain of dependent 64-bit multiplies, each 3 cycles
    // on x86-64 cores of the last decade, so the clock is 3 times their rate.
    let mut group = c.benchmark_group("clock");
    group.throughput(Throughput::Elements(CHAIN * 3));
    group.bench_function("cycles (3 a dependent multiply)", |b| b.iter(|| multiply_chain(std::hint::black_box(3))));
    group.finish();
}

/// Dependent multiplies a clock reading times.
const CHAIN: u64 = 10_000;

fn multiply_chain(mut x: u64) -> u64 {
    for _ in 0..CHAIN {
        x = x.wrapping_mul(x);
    }
    x
}

criterion_group!(benches, calibration, demand, ledger, accumulation, end_to_end);
criterion_main!(benches);
