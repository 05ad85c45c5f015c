//! The impact estimator alone: 1,500 eligible callers over three years (about 300 referred),
//! 1,000 bootstrap replicates, on 1 and 2 threads.
//!
//! `cargo bench -p engage-kernel --bench impact`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use engage_kernel::impact::{CallerHistory, ImpactOptions, estimate_impact};
use engage_kernel::time::WEEK;

/// splitmix64: a small, good, deterministic generator, so the bench needs no extra crate.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn poisson(&mut self, mean: f64) -> u32 {
        let limit = (-mean).exp();
        let (mut n, mut p) = (0, self.unit());
        while p > limit {
            n += 1;
            p *= self.unit();
        }
        n
    }
}

/// Callers with a burst around eligibility then a decline, a fifth referred within eight
/// weeks of eligibility, referral halving the rate.
fn cohort(callers: usize, weeks: i64) -> Vec<CallerHistory> {
    let mut rng = SplitMix(7);
    (0..callers)
        .map(|_| {
            let eligible_week = 10 + (rng.next() % (weeks as u64 - 14)) as i64;
            let eligible_at = eligible_week * WEEK + (rng.unit() * WEEK as f64) as i64;
            let referred_week = (rng.unit() < 0.2).then(|| (rng.next() % 8) as i64);
            let rate = 0.3 + 2.0 * rng.unit();
            let mut outcomes = Vec::new();
            for k in -eligible_week..weeks - eligible_week {
                let burst = 1.0 + 6.0 * (-(k as f64).abs() / 2.0).exp();
                let effect = match referred_week {
                    Some(g) if k >= g => 0.5,
                    _ => 1.0,
                };
                for _ in 0..rng.poisson(rate * burst * effect) {
                    outcomes.push((
                        eligible_at + k * WEEK + (rng.unit() * WEEK as f64) as i64,
                        1.0,
                    ));
                }
            }
            CallerHistory {
                eligible_at,
                referred_at: referred_week.map(|g| eligible_at + g * WEEK + WEEK / 2),
                outcomes,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let weeks = 156;
    let histories = cohort(1_500, weeks);
    let mut group = c.benchmark_group("impact");
    group.sample_size(10);
    for threads in [1, 2] {
        let options = ImpactOptions {
            threads,
            ..ImpactOptions::default()
        };
        group.bench_function(
            format!("1500_callers_1000_replicates_{threads}_threads"),
            |b| {
                b.iter(|| {
                    estimate_impact(black_box(&histories), 0..weeks * WEEK, &options).unwrap()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
