//! The kernel alone on 10M synthetic contacts (3 years, about 1.7M callers, heavy tail):
//! batch detection on input in time order (as archives are) and on input sorted by caller and
//! time (as an Engage snapshot is), and the streaming detector. Contacts per second are
//! reported as criterion's element throughput.
//!
//! `cargo bench -p engage-kernel --bench detection` (set `ENGAGE_BENCH_CONTACTS` to change n).

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use engage_kernel::time::DAY;
use engage_kernel::{Micros, RuleSet, StreamingDetector, detect, detect_episodes};

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
}

/// Contacts in time order: most callers call once or twice, a heavy tail calls hundreds of
/// times, some in bursts.
fn contacts(n: usize) -> (Vec<u32>, Vec<Micros>) {
    let mut rng = SplitMix(42);
    let span = 3 * 365 * DAY;
    let callers = (n as f64 * 0.17) as u64;
    let mut rows: Vec<(Micros, u32)> = Vec::with_capacity(n);
    while rows.len() < n {
        let t = (rng.unit() * span as f64) as Micros;
        if rng.unit() < 0.75 {
            rows.push((t, (rng.next() % callers) as u32));
        } else {
            // Zipf-like tail over the first 2% of callers; a burst of a few calls an hour apart.
            let caller = ((callers as f64 * 0.02) * rng.unit().powi(3)) as u32;
            let burst = 1 + (rng.next() % 4) as i64;
            for b in 0..burst {
                rows.push((t + b * 3_600_000_000, caller));
            }
        }
    }
    rows.truncate(n);
    rows.sort_unstable();
    rows.into_iter().map(|(t, k)| (k, t)).unzip()
}

fn bench(c: &mut Criterion) {
    let n: usize = std::env::var("ENGAGE_BENCH_CONTACTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let rules = RuleSet::kent();
    let (keys, times) = contacts(n);
    let mut sorted: Vec<(u32, Micros)> = keys.iter().copied().zip(times.iter().copied()).collect();
    sorted.sort_unstable();
    let (sorted_keys, sorted_times): (Vec<u32>, Vec<Micros>) = sorted.into_iter().unzip();

    let mut group = c.benchmark_group("kernel");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("batch_time_ordered", |b| {
        b.iter(|| detect(&rules, black_box(&keys), black_box(&times)).unwrap())
    });
    group.bench_function("episodes_only_time_ordered", |b| {
        b.iter(|| detect_episodes(&rules, black_box(&keys), black_box(&times)).unwrap())
    });
    group.bench_function("batch_sorted_by_caller", |b| {
        b.iter(|| detect(&rules, black_box(&sorted_keys), black_box(&sorted_times)).unwrap())
    });
    group.bench_function("streaming", |b| {
        b.iter_batched(
            || StreamingDetector::new(rules.clone()),
            |mut detector| {
                for (&k, &t) in keys.iter().zip(&times) {
                    black_box(detector.push(k, t).unwrap());
                }
                detector.finish()
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
