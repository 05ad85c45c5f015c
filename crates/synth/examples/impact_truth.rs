//! Where a bias of the impact estimate comes from, against the truth the crisis world knows.
//!
//! Runs of one seed that differ only in the true effect share every call before a referral,
//! every referral and every control's calls, so the estimate's expected total is the same in
//! both, and the observed total at effect 1.0 is the referred callers' counterfactual over
//! the same cells. Over many seeds this prints:
//! - at effect 1.0, observed / expected: the bias of the expected (the counterfactual the
//!   comparison group predicts) against the truth;
//! - at the given effect, observed(effect) / observed(1.0): the effect actually realised in
//!   the cells the estimate counts (the true effect unless the cells mix in untreated time);
//! - the estimate at the given effect, and both event studies week by week.
//!
//! `cargo run --release -p engage-synth --example impact_truth -- [--seeds 100]
//!  [--effect 0.5] [--eligible-from-day 0]` (the last leaves out callers eligible before
//! that day of the year, to find calendar-time effects).

use engage_kernel::impact::{CallerHistory, ImpactEstimate, ImpactOptions, estimate_impact};
use engage_synth::GenerateOptions;
use engage_synth::crisis::{CrisisOptions, simulate};

const DAY: i64 = 86_400_000_000;

/// The estimate for the crisis world of `seed` at `effect`, callers eligible from day `from`.
fn estimate(seed: u64, effect: f64, from: i64, options: &ImpactOptions) -> ImpactEstimate {
    let generate = GenerateOptions {
        contacts: 900_000,
        days: 365,
        start: chrono::NaiveDate::from_ymd_opt(2025, 1, 6).expect("a date"),
        seed,
        referral_effect: effect,
        ..GenerateOptions::default()
    };
    let crisis = CrisisOptions::of(&generate);
    let world = simulate(&crisis).expect("a valid world");
    let midnight = crisis.start.and_hms_opt(0, 0, 0).expect("midnight");
    let start = chrono::TimeZone::from_local_datetime(&chrono_tz::Europe::London, &midnight)
        .earliest()
        .expect("a UK day")
        .timestamp_micros();
    let end = start + i64::from(crisis.days) * DAY;
    let histories: Vec<CallerHistory> = world
        .iter()
        .filter(|c| c.eligible_at.is_some_and(|e| e >= start + from * DAY))
        .map(|c| CallerHistory {
            eligible_at: c.eligible_at.expect("filtered"),
            referred_at: c.referred_at,
            outcomes: c.calls.iter().map(|k| (k.at, 1.0)).collect(),
        })
        .collect();
    estimate_impact(&histories, start..end, options).expect("an estimate")
}

fn main() {
    let (mut seeds, mut effect, mut from) = (100u64, 0.5f64, 0i64);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--seeds" => seeds = value.parse().expect("--seeds N"),
            "--effect" => effect = value.parse().expect("--effect E"),
            "--eligible-from-day" => from = value.parse().expect("--eligible-from-day D"),
            other => panic!("unknown option {other}"),
        }
    }
    let options = ImpactOptions {
        bootstrap: 1,
        ..ImpactOptions::default()
    };
    let weeks = (options.weeks_before + 1 + options.weeks_after) as usize;
    let (mut null_ratio, mut ratio, mut realised) = (Vec::new(), Vec::new(), Vec::new());
    let (mut observed_null, mut observed, mut expected) = (0.0, 0.0, 0.0);
    let mut by_week = vec![[0.0f64; 4]; weeks];
    for seed in 1..=seeds {
        let null = estimate(seed, 1.0, from, &options);
        let real = estimate(seed, effect, from, &options);
        assert!(
            (null.expected - real.expected).abs() <= 1e-9 * null.expected,
            "seed {seed}: the expected total should not depend on the effect"
        );
        null_ratio.push(null.overall.ratio);
        ratio.push(real.overall.ratio);
        realised.push(real.observed / null.observed);
        observed_null += null.observed;
        observed += real.observed;
        expected += null.expected;
        for (column, e) in [(0, &null), (2, &real)] {
            for w in &e.event_study {
                let row = &mut by_week[(w.week + options.weeks_before as i32) as usize];
                row[column] += w.ratio;
                row[column + 1] += 1.0;
            }
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let se = |v: &[f64]| {
        let m = mean(v);
        let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1).max(1) as f64;
        (var / v.len() as f64).sqrt()
    };
    println!("{seeds} seeds, callers eligible from day {from}");
    println!(
        "effect 1.0, observed / expected: mean {:.4} (se {:.4}); pooled over seeds {:.4}",
        mean(&null_ratio),
        se(&null_ratio),
        observed_null / expected
    );
    println!(
        "effect {effect}: realised observed({effect}) / observed(1.0) {:.4}; estimate: mean {:.4} (se {:.4}); pooled {:.4}",
        mean(&realised),
        mean(&ratio),
        se(&ratio),
        observed / expected
    );
    println!("\n| week from referral | mean ratio at 1.0 | mean ratio at {effect} |");
    println!("| ---: | ---: | ---: |");
    for (i, row) in by_week.iter().enumerate() {
        if row[1] > 0.0 && row[3] > 0.0 {
            let week = i as i32 - options.weeks_before as i32;
            println!(
                "| {week} | {:.3} | {:.3} |",
                row[0] / row[1],
                row[2] / row[3]
            );
        }
    }
}
