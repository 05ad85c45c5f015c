//! Hints to the CPU's cache, for loops whose lookups would otherwise wait on memory one at a
//! time: ask for what a later step will read, and the misses of several steps overlap.

/// Asks the CPU to bring `value` into the cache: a hint, which never faults. On x86-64 a
/// prefetch instruction; in WebAssembly, which has none, a read of its first byte whose value
/// is not used (the CPU running the module starts it and goes on); elsewhere nothing.
#[inline]
pub fn prefetch<T: ?Sized>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch is a hint that never faults, and the pointer comes from a reference.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast::<i8>()) };
    }
    #[cfg(target_arch = "wasm32")]
    if std::mem::size_of_val(value) > 0 {
        // SAFETY: the reference is to at least one byte, valid for reads; read as a
        // `MaybeUninit`, since that byte may be padding.
        unsafe { std::ptr::read_volatile((value as *const T).cast::<std::mem::MaybeUninit<u8>>()) };
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "wasm32")))]
    let _ = value;
}
