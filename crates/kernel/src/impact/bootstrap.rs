//! The clustered bootstrap: callers drawn with replacement, replicates spread over threads,
//! percentile intervals.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::evaluate::{self, Evaluation, Scratch};
use super::panel::Panel;
use super::{Avoided, EventStudyWeek, ImpactEstimate, ImpactOptions, RateRatio};

/// How many times each of `callers` analysed callers (in input order, after exclusions) is
/// drawn in bootstrap replicate `replicate`: `callers` uniform draws with replacement from
/// ChaCha8 seeded with `seed`, stream `replicate`. The same for any number of threads.
pub fn replicate_weights(callers: usize, seed: u64, replicate: u64) -> Vec<u32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(replicate);
    let mut weights = vec![0u32; callers];
    for _ in 0..callers {
        weights[below(&mut rng, callers as u64) as usize] += 1;
    }
    weights
}

/// Uniform in `0..n` (Lemire's multiply-and-reject, unbiased) on the raw 64-bit output, so the
/// draws depend only on the ChaCha8 stream and not on how a `rand` version samples ranges.
fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    let mut m = u128::from(rng.next_u64()) * u128::from(n);
    if (m as u64) < n {
        let threshold = n.wrapping_neg() % n;
        while (m as u64) < threshold {
            m = u128::from(rng.next_u64()) * u128::from(n);
        }
    }
    (m >> 64) as u64
}

/// What one replicate contributes to the intervals.
pub(super) struct Replicate {
    ratio: f64,
    avoided: f64,
    /// Ratio per event-study week (`None` where nothing is expected).
    weeks: Vec<Option<f64>>,
}

/// Runs the replicates (on `options.threads` threads) and returns those with an estimate, in
/// replicate order.
pub(super) fn run(panel: &Panel, options: &ImpactOptions) -> Vec<Replicate> {
    let replicates = u64::from(options.bootstrap);
    let threads = if cfg!(target_arch = "wasm32") {
        1
    } else {
        options.threads.clamp(1, replicates as usize) as u64
    };
    let chunk = |part: u64| {
        let from = replicates * part / threads;
        let to = replicates * (part + 1) / threads;
        let mut scratch = Scratch::new(panel);
        (from..to)
            .filter_map(|r| {
                let weights = replicate_weights(panel.callers.len(), options.seed, r);
                let evaluation = evaluate::evaluate(panel, &weights, &mut scratch, false);
                replicate(&evaluation)
            })
            .collect::<Vec<_>>()
    };
    if threads == 1 {
        return chunk(0);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|part| scope.spawn(move || chunk(part)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a bootstrap thread panicked"))
            .collect()
    })
}

fn replicate(evaluation: &Evaluation) -> Option<Replicate> {
    (evaluation.expected > 0.0).then(|| Replicate {
        ratio: evaluation.observed / evaluation.expected,
        avoided: evaluation.expected - evaluation.observed,
        weeks: evaluation
            .by_week
            .iter()
            .map(|w| (w.expected > 0.0).then(|| w.observed / w.expected))
            .collect(),
    })
}

/// The estimate from the point evaluation and the replicates.
pub(super) fn assemble(
    panel: &Panel,
    options: &ImpactOptions,
    point: &Evaluation,
    replicates: &[Replicate],
) -> ImpactEstimate {
    let alpha = (1.0 - options.confidence) / 2.0;
    let interval = |mut values: Vec<f64>| -> Option<(f64, f64)> {
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        Some((percentile(&values, alpha), percentile(&values, 1.0 - alpha)))
    };
    let (low, high) = interval(replicates.iter().map(|r| r.ratio).collect())
        .expect("assemble is called with at least one replicate");
    let (avoided_low, avoided_high) = interval(replicates.iter().map(|r| r.avoided).collect())
        .expect("assemble is called with at least one replicate");
    let event_study = point
        .by_week
        .iter()
        .enumerate()
        .filter(|(_, w)| w.expected > 0.0)
        .map(|(e, w)| {
            let bounds = interval(replicates.iter().filter_map(|r| r.weeks[e]).collect());
            EventStudyWeek {
                week: e as i32 - panel.weeks_before,
                ratio: w.observed / w.expected,
                low: bounds.map(|b| b.0),
                high: bounds.map(|b| b.1),
                treated_callers: w.treated as usize,
            }
        })
        .collect();
    ImpactEstimate {
        overall: RateRatio {
            ratio: point.observed / point.expected,
            low,
            high,
        },
        avoided: Avoided {
            value: point.expected - point.observed,
            low: avoided_low,
            high: avoided_high,
        },
        observed: point.observed,
        expected: point.expected,
        event_study,
        naive: panel.naive(),
        cohort: panel.flow,
        confidence: options.confidence,
        weeks_after: options.weeks_after,
        replicates_used: replicates.len(),
    }
}

/// The `p` quantile of sorted values, interpolating linearly between order statistics (R's
/// type 7).
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let below = h.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    sorted[below] + (h - below as f64) * (sorted[above] - sorted[below])
}
