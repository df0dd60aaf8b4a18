//! The one way SimCred runs network futures from blocking code: a single-threaded tokio runtime
//! made when a request is about to be sent (a command that sends none starts none), driven here
//! or, when the caller is already inside another runtime's thread (the app's async commands),
//! on a thread of its own beside it, where starting one is allowed.

use std::future::Future;

/// A single-threaded runtime with I/O and timers.
pub fn new() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// Drives `fut` to its end on `rt`; `None` when the thread driving it panicked.
pub fn block_on<F>(rt: &tokio::runtime::Runtime, fut: F) -> Option<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|s| s.spawn(|| rt.block_on(fut)).join()).ok()
    } else {
        Some(rt.block_on(fut))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs_inside_another_runtime_too() {
        let outer = super::new().unwrap();
        let inner = super::new().unwrap();
        let got = outer.block_on(async { super::block_on(&inner, async { 7 }) });
        assert_eq!(got, Some(7));
    }
}
