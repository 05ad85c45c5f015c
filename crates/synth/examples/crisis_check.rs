//! A rough check of the crisis world over many seeds: the naive before/after of referred
//! callers against a comparison with eligible callers not yet referred at the same time since
//! eligibility. `cargo run --release -p engage-synth --example crisis_check -- [EFFECT] [SEEDS]`.

use engage_kernel::time::WEEK;
use engage_synth::GenerateOptions;
use engage_synth::crisis::{CrisisCaller, CrisisOptions, simulate};

/// Calls of `c` in `[from, from + len)`.
fn calls(c: &CrisisCaller, from: i64, len: i64) -> usize {
    c.calls
        .iter()
        .filter(|k| k.at >= from && k.at < from + len)
        .count()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let effect: f64 = args.next().map_or(1.0, |s| s.parse().expect("an effect"));
    let seeds: u64 = args
        .next()
        .map_or(20, |s| s.parse().expect("a number of seeds"));
    let started = std::time::Instant::now();
    let (mut naive_sum, mut ratio_sum, mut referred_sum, mut eligible_sum) = (0.0, 0.0, 0, 0);
    for seed in 0..seeds {
        let options = CrisisOptions::of(&GenerateOptions {
            contacts: 900_000,
            days: 365,
            start: chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("a date"),
            seed,
            referral_effect: effect,
            ..GenerateOptions::default()
        });
        let world = simulate(&options).expect("simulate");
        let eligible: Vec<&CrisisCaller> =
            world.iter().filter(|c| c.eligible_at.is_some()).collect();
        let (mut before, mut after) = (0, 0);
        // Treated: 8 weeks from referral; controls: the same 8 weeks after eligibility for
        // each eligible caller not referred before their end, as a rate per caller.
        let (mut treated, mut treated_n, mut control, mut control_n) = (0, 0, 0.0, 0);
        let window = 8 * WEEK;
        for c in &eligible {
            let Some(f) = c.referred_at else { continue };
            before += calls(c, f - 4 * WEEK, 4 * WEEK);
            after += calls(c, f, 26 * WEEK);
            let delay = f - c.eligible_at.unwrap();
            treated += calls(c, f, window);
            treated_n += 1;
            let (mut sum, mut n) = (0, 0);
            for d in &eligible {
                let from = d.eligible_at.unwrap() + delay;
                if d.referred_at.is_some_and(|g| g < from + window) || d.e164 == c.e164 {
                    continue;
                }
                sum += calls(d, from, window);
                n += 1;
            }
            if n > 0 {
                control += sum as f64 / n as f64;
                control_n += 1;
            }
        }
        let naive = (after as f64 / 26.0) / (before as f64 / 4.0);
        let ratio = (treated as f64 / treated_n as f64) / (control / control_n as f64);
        naive_sum += naive;
        ratio_sum += ratio;
        referred_sum += treated_n;
        eligible_sum += eligible.len();
    }
    let n = seeds as f64;
    println!(
        "effect {effect}: {seeds} seeds in {:.2} s; mean eligible {:.0}, referred {:.0}; naive after/before {:.2}; treated/not-yet-treated {:.2}",
        started.elapsed().as_secs_f64(),
        eligible_sum as f64 / n,
        referred_sum as f64 / n,
        naive_sum / n,
        ratio_sum / n
    );
}
