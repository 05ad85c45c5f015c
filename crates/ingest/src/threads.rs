//! Work split between two threads where there are threads: natively, when the ingest may use
//! more than one; never in WebAssembly, where there is one.

/// Runs `a` and `b`, at once on two threads when `threads` allows (never in WebAssembly), and
/// gives both results.
pub(crate) fn both<A: Send, B: Send>(
    threads: usize,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    #[cfg(not(target_arch = "wasm32"))]
    if threads > 1 {
        return std::thread::scope(|scope| {
            let b = scope.spawn(b);
            let a = a();
            let b = b
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (a, b)
        });
    }
    let _ = threads;
    (a(), b())
}
