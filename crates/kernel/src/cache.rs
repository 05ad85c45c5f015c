//! Hints to the CPU's cache, for loops whose lookups would otherwise wait on memory one at a
//! time: ask for what a later step will read, and the misses of several steps overlap.

/// Asks the CPU to bring `value` into the cache: a hint, which never faults and does nothing on
/// targets other than x86-64.
#[inline]
pub fn prefetch<T: ?Sized>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch is a hint that never faults, and the pointer comes from a reference.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
