//! Validation of the impact estimate against known truth: over many seeds of the generator's
//! crisis world (the same world `engage generate` writes), how often the 95% interval of
//! `engage_kernel::impact` covers the true referral effect, how wide it is, what the naive
//! before/after says beside it, and the power to detect an effect for several cohort sizes.
//!
//! `cargo run --release -p engage-synth --example impact_coverage -- [--seeds N]
//!  [--bootstrap B] [--effects 1.0,0.86,0.5] [--sizes 200,400,800,1600] [--power-effect 0.86]`
//! (`scripts/impact-coverage` runs it; docs/impact.md has its tables.)

use std::time::Instant;

use engage_kernel::impact::{CallerHistory, ImpactOptions, estimate_impact};
use engage_synth::GenerateOptions;
use engage_synth::crisis::{CrisisOptions, simulate};

struct Args {
    seeds: u64,
    bootstrap: u32,
    effects: Vec<f64>,
    sizes: Vec<u32>,
    power_effect: f64,
}

fn parse_args() -> Args {
    let mut args = Args {
        seeds: 200,
        bootstrap: 1000,
        effects: vec![1.0, 0.86, 0.5],
        sizes: vec![200, 400, 800, 1600],
        power_effect: 0.86,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        let list = |v: &str| v.split(',').map(str::to_string).collect::<Vec<_>>();
        match flag.as_str() {
            "--seeds" => args.seeds = value.parse().expect("--seeds N"),
            "--bootstrap" => args.bootstrap = value.parse().expect("--bootstrap B"),
            "--effects" => {
                args.effects = list(&value)
                    .iter()
                    .map(|v| v.parse().expect("an effect"))
                    .collect()
            }
            "--sizes" => {
                args.sizes = list(&value)
                    .iter()
                    .map(|v| v.parse().expect("a size"))
                    .collect()
            }
            "--power-effect" => args.power_effect = value.parse().expect("an effect"),
            other => panic!("unknown option {other}"),
        }
    }
    args
}

/// One replicate world's estimate: (ratio, low, high, naive, treated, controls), or why not.
fn run_world(
    seed: u64,
    effect: f64,
    callers: Option<u32>,
    bootstrap: u32,
) -> Result<[f64; 6], String> {
    let generate = GenerateOptions {
        contacts: 900_000,
        days: 365,
        start: chrono::NaiveDate::from_ymd_opt(2025, 1, 6).expect("a date"),
        seed,
        referral_effect: effect,
        crisis_callers: callers,
        ..GenerateOptions::default()
    };
    let options = CrisisOptions::of(&generate);
    let world = simulate(&options).map_err(|e| e.to_string())?;
    let midnight = options.start.and_hms_opt(0, 0, 0).ok_or("a start day")?;
    let start = chrono::TimeZone::from_local_datetime(&chrono_tz::Europe::London, &midnight)
        .earliest()
        .ok_or("the start is not a UK day")?
        .timestamp_micros();
    let end = start + i64::from(options.days) * 86_400_000_000;
    let histories: Vec<CallerHistory> = world
        .iter()
        .filter_map(|c| {
            Some(CallerHistory {
                eligible_at: c.eligible_at?,
                referred_at: c.referred_at,
                outcomes: c.calls.iter().map(|k| (k.at, 1.0)).collect(),
            })
        })
        .collect();
    let estimate = estimate_impact(
        &histories,
        start..end,
        &ImpactOptions {
            bootstrap,
            seed,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            ..ImpactOptions::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let c = &estimate.cohort;
    Ok([
        estimate.overall.ratio,
        estimate.overall.low,
        estimate.overall.high,
        estimate.naive.ratio.unwrap_or(f64::NAN),
        c.treated as f64,
        (c.never_referred + c.not_yet_referred_controls) as f64,
    ])
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { f64::NAN } else { sum / n as f64 }
}

fn main() {
    let args = parse_args();
    let started = Instant::now();
    println!(
        "## Coverage: {} seeds per effect, a year of 900,000 contacts with the default crisis callers, {} bootstrap replicates\n",
        args.seeds, args.bootstrap
    );
    println!(
        "| true effect | worlds | 95% interval covers it | mean estimate | mean interval | interval excludes 1.0 | mean naive before/after | mean treated | mean controls |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for &effect in &args.effects {
        let results: Vec<[f64; 6]> = (1..=args.seeds)
            .filter_map(|seed| run_world(seed, effect, None, args.bootstrap).ok())
            .collect();
        let n = results.len();
        let covers = results
            .iter()
            .filter(|r| r[1] <= effect && effect <= r[2])
            .count();
        let excludes = results.iter().filter(|r| r[2] < 1.0 || r[1] > 1.0).count();
        println!(
            "| {effect:.2} | {n} | {:.1}% ({covers}/{n}) | {:.3} | {:.3}–{:.3} | {:.1}% | {:.3} | {:.0} | {:.0} |",
            100.0 * covers as f64 / n.max(1) as f64,
            mean(results.iter().map(|r| r[0])),
            mean(results.iter().map(|r| r[1])),
            mean(results.iter().map(|r| r[2])),
            100.0 * excludes as f64 / n.max(1) as f64,
            mean(results.iter().map(|r| r[3])),
            mean(results.iter().map(|r| r[4])),
            mean(results.iter().map(|r| r[5])),
        );
    }
    let power_seeds = (args.seeds / 2).max(1);
    println!(
        "\n## Power: true effect {:.2}, {power_seeds} seeds per size: how often the interval excludes 1.0\n",
        args.power_effect
    );
    println!("| crisis callers | mean treated | mean controls | mean interval | power |");
    println!("| ---: | ---: | ---: | ---: | ---: |");
    for &size in &args.sizes {
        let results: Vec<[f64; 6]> = (1..=power_seeds)
            .filter_map(|seed| {
                run_world(10_000 + seed, args.power_effect, Some(size), args.bootstrap).ok()
            })
            .collect();
        let n = results.len();
        let excludes = results.iter().filter(|r| r[2] < 1.0 || r[1] > 1.0).count();
        println!(
            "| {size} | {:.0} | {:.0} | {:.3}–{:.3} | {:.0}% ({excludes}/{n}) |",
            mean(results.iter().map(|r| r[4])),
            mean(results.iter().map(|r| r[5])),
            mean(results.iter().map(|r| r[1])),
            mean(results.iter().map(|r| r[2])),
            100.0 * excludes as f64 / n.max(1) as f64,
        );
    }
    eprintln!("done in {:.1} s", started.elapsed().as_secs_f64());
}
