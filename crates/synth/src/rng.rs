//! The one source of randomness: ChaCha8 seeded with `seed_from_u64`, and samplers built
//! here on its raw 64-bit output, so the bytes depend only on the ChaCha8 stream (not on
//! how a version of `rand`, or a feature such as `rand/unbiased` enabled elsewhere in a build,
//! samples ranges).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A seeded random stream with integer and `f64` samplers that give the same values on every
/// platform (only IEEE basic operations are used on floats).
pub(crate) struct Rand(ChaCha8Rng);

impl Rand {
    /// The stream `stream` of the run seeded `seed`: independent streams for independent parts
    /// of the generator, so that one part's draws do not shift another's.
    pub(crate) fn new(seed: u64, stream: u64) -> Self {
        Rand(ChaCha8Rng::seed_from_u64(mix(seed ^ mix(stream))))
    }

    /// A raw 64-bit value.
    pub(crate) fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (Lemire's multiply-and-reject, unbiased); `n` must be positive.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let mut m = u128::from(self.next()) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.next()) * u128::from(n);
            }
        }
        (m >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        debug_assert!(lo <= hi);
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in `lo..=hi`, signed.
    pub(crate) fn range_i(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(lo <= hi);
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    /// Uniform index into a slice of length `len` (positive).
    pub(crate) fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A uniformly chosen element of a non-empty slice.
    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }

    /// An index chosen with probability proportional to its integer weight (the weights must
    /// not all be 0).
    pub(crate) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < u64::from(w) {
                return i;
            }
            x -= u64::from(w);
        }
        weights.len() - 1
    }

    /// A value from a piecewise-uniform distribution: `(weight, lo, hi)` buckets, uniform
    /// within the chosen bucket (`lo..=hi`). Used for waits and talk times, so no logarithm
    /// or exponential (whose last bits differ between platforms' maths libraries) is needed.
    pub(crate) fn buckets(&mut self, table: &[(u32, i64, i64)]) -> i64 {
        let total: u64 = table.iter().map(|b| u64::from(b.0)).sum();
        let mut x = self.below(total);
        for &(w, lo, hi) in table {
            if x < u64::from(w) {
                return self.range_i(lo, hi);
            }
            x -= u64::from(w);
        }
        let last = table[table.len() - 1];
        self.range_i(last.1, last.2)
    }
}

/// SplitMix64's finaliser: a fixed, well-mixed hash of a 64-bit value, for values derived
/// from ids (a caller's number, home and name) that must not depend on draw order.
pub(crate) fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let mut a = Rand::new(7, 1);
        let mut b = Rand::new(7, 1);
        let mut c = Rand::new(7, 2);
        let xs: Vec<u64> = (0..8).map(|_| a.next()).collect();
        let ys: Vec<u64> = (0..8).map(|_| b.next()).collect();
        let zs: Vec<u64> = (0..8).map(|_| c.next()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
    }

    #[test]
    fn samplers_stay_in_range() {
        let mut r = Rand::new(1, 1);
        for _ in 0..10_000 {
            assert!(r.below(7) < 7);
            let x = r.range(3, 5);
            assert!((3..=5).contains(&x));
            let y = r.range_i(-2, 2);
            assert!((-2..=2).contains(&y));
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
            assert_eq!(r.weighted(&[0, 5, 0]), 1);
            let b = r.buckets(&[(1, 10, 20), (0, 100, 200)]);
            assert!((10..=20).contains(&b));
        }
    }
}
