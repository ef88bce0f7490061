//! Work the server does on its own schedule (the outbox, the publisher, the photo sweeper,
//! housekeeping), told apart from work done for a request: what a request costs is then
//! counted without the workers that happened to run beside it.

use std::future::Future;

tokio::task_local! {
    static BACKGROUND: ();
}

/// Starts `work` as background work.
pub fn spawn<F>(work: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(BACKGROUND.scope((), work))
}

/// Whether the running task was started by [`spawn`].
pub fn is_current() -> bool {
    BACKGROUND.try_with(|_| ()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn background_work_is_told_apart_from_a_request() {
        assert!(!is_current());
        let inside = spawn(async { is_current() }).await.expect("runs");
        assert!(inside);
        let plain = tokio::spawn(async { is_current() }).await.expect("runs");
        assert!(!plain);
    }
}
