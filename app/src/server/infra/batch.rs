//! Work that many requests ask of the database at the same moment, done for all of them at
//! once. A database pays per statement and per transaction (a round trip, a parse, a plan;
//! a commit's flush), whatever the rows: on the opening morning hundreds of requests a second
//! read their session, read the registration they save, and write a section, each the same
//! statement with another key. A [`Batcher`] hands every request's item to a few worker
//! tasks; a worker takes every item waiting (at most [`MAX_BATCH`]), runs them as one
//! [`Batch`] (one statement, or one transaction, for all), and answers each request with
//! its own outcome. A lone request goes at once: nothing waits for company.
//!
//! Several workers take turns at the queue: while one waits for the database another
//! gathers the next batch, so a batch's round trips do not leave the database idle.
//! If a batch fails as a whole, each of its items is run alone, so that one item cannot
//! fail the others.

use std::{
    collections::BTreeMap,
    future::Future,
    sync::{Arc, OnceLock},
};

use sea_orm::{DatabaseConnection, DbBackend};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::server::failure::ServiceError;

/// Most items in one batch.
pub const MAX_BATCH: usize = 64;
/// Items waiting for a worker before a request waits to hand its own over.
const QUEUE: usize = 1024;

/// The sizes a batch's statement is written for (see [`padded`]).
const STATEMENT_SIZES: [usize; 4] = [1, 4, 16, MAX_BATCH];

/// `items`, the last repeated up to the next of a few fixed sizes, for a statement that
/// names each item (an `IN` list, an `OR` of conditions; a repeated item changes nothing).
/// A statement text for every batch size would be prepared and planned by PostgreSQL again
/// and again; a few are prepared once per connection and their plans kept.
pub fn padded<T>(items: &[T]) -> impl Iterator<Item = &T> {
    let size = STATEMENT_SIZES
        .into_iter()
        .find(|size| *size >= items.len())
        .unwrap_or(items.len());
    let repeated = items.last().into_iter().cycle().take(size - items.len());
    items.iter().chain(repeated)
}

/// Batches run at once on PostgreSQL: each waits for its round trips (and a write for its
/// commit) while the others are gathered and sent.
pub const POSTGRES_WORKERS: usize = 4;
/// Reads run at once on SQLite (its readers wait neither for each other nor for the writer).
const SQLITE_READERS: usize = 2;

/// Each of `items` its own value from `found` (keyed by `key`), in the items' order: moved
/// out, or cloned where a later item asks for the same key.
pub fn each_its_own<T, K: Ord, V: Clone>(
    items: &[T],
    key: impl Fn(&T) -> K,
    mut found: BTreeMap<K, V>,
) -> Vec<Option<V>> {
    items
        .iter()
        .enumerate()
        .map(|(at, item)| {
            let wanted = key(item);
            if items[at + 1..].iter().any(|later| key(later) == wanted) {
                found.get(&wanted).cloned()
            } else {
                found.remove(&wanted)
            }
        })
        .collect()
}

/// One kind of work done for many items at once.
pub trait Batch: Send + Sync + 'static {
    type Item: Send + Sync + 'static;
    type Outcome: Send + 'static;

    /// How many batches run at once on `backend`; by default, as many as reads may.
    fn workers(backend: DbBackend) -> usize {
        match backend {
            DbBackend::Postgres => POSTGRES_WORKERS,
            _ => SQLITE_READERS,
        }
    }

    /// Runs `items`: an outcome for each, in their order. An `Err` fails the whole batch
    /// (its items are then run one by one).
    fn run(
        db: &DatabaseConnection,
        items: &[Self::Item],
    ) -> impl Future<Output = Result<Vec<Result<Self::Outcome, ServiceError>>, ServiceError>> + Send;
}

/// One item and who waits for its outcome.
struct Job<B: Batch> {
    item: B::Item,
    answer: oneshot::Sender<Result<B::Outcome, ServiceError>>,
}

/// The workers of one kind of batch on one database, started with the first item.
pub struct Batcher<B: Batch> {
    sender: Arc<OnceLock<mpsc::Sender<Job<B>>>>,
}

impl<B: Batch> Clone for Batcher<B> {
    fn clone(&self) -> Self {
        Self {
            sender: self.sender.clone(),
        }
    }
}

impl<B: Batch> Default for Batcher<B> {
    fn default() -> Self {
        Self {
            sender: Arc::default(),
        }
    }
}

impl<B: Batch> std::fmt::Debug for Batcher<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batcher")
            .field("started", &self.sender.get().is_some())
            .finish()
    }
}

impl<B: Batch> Batcher<B> {
    /// Runs `item` with the others waiting and answers its outcome, once the batch is done.
    pub async fn run(
        &self,
        db: &DatabaseConnection,
        item: B::Item,
    ) -> Result<B::Outcome, ServiceError> {
        let sender = self.sender.get_or_init(|| {
            let (sender, receiver) = mpsc::channel(QUEUE);
            let receiver = Arc::new(Mutex::new(receiver));
            for _ in 0..B::workers(db.get_database_backend()).max(1) {
                tokio::spawn(worker::<B>(db.clone(), receiver.clone()));
            }
            sender
        });
        let (answer, outcome) = oneshot::channel();
        let stopped = || ServiceError::Unexpected("a batch worker stopped".into());
        sender
            .send(Job { item, answer })
            .await
            .map_err(|_| stopped())?;
        outcome.await.map_err(|_| stopped())?
    }
}

/// Takes every waiting item, runs them as one batch, answers each.
async fn worker<B: Batch>(db: DatabaseConnection, receiver: Arc<Mutex<mpsc::Receiver<Job<B>>>>) {
    let mut jobs: Vec<Job<B>> = Vec::with_capacity(MAX_BATCH);
    let mut items: Vec<B::Item> = Vec::with_capacity(MAX_BATCH);
    let mut answers = Vec::with_capacity(MAX_BATCH);
    loop {
        let taken = receiver.lock().await.recv_many(&mut jobs, MAX_BATCH).await;
        if taken == 0 {
            return;
        }
        for job in jobs.drain(..) {
            items.push(job.item);
            answers.push(job.answer);
        }
        match run_batch::<B>(&db, &items).await {
            Ok(outcomes) => {
                for (answer, outcome) in answers.drain(..).zip(outcomes) {
                    let _ = answer.send(outcome);
                }
            }
            Err(error) if items.len() == 1 => {
                if let Some(answer) = answers.pop() {
                    let _ = answer.send(Err(error));
                }
            }
            Err(_) => {
                for (item, answer) in items.iter().zip(answers.drain(..)) {
                    let alone = run_batch::<B>(&db, std::slice::from_ref(item)).await;
                    let outcome = alone
                        .and_then(|mut outcomes| outcomes.pop().unwrap_or_else(|| Err(missing())));
                    let _ = answer.send(outcome);
                }
            }
        }
        items.clear();
    }
}

/// [`Batch::run`], held to its promise of one outcome an item.
async fn run_batch<B: Batch>(
    db: &DatabaseConnection,
    items: &[B::Item],
) -> Result<Vec<Result<B::Outcome, ServiceError>>, ServiceError> {
    let outcomes = B::run(db, items).await?;
    if outcomes.len() == items.len() {
        Ok(outcomes)
    } else {
        Err(missing())
    }
}

fn missing() -> ServiceError {
    ServiceError::Unexpected("a batch answered another number of items than it was given".into())
}

#[cfg(test)]
mod tests {
    use std::{
        sync::atomic::{AtomicUsize, Ordering},
        time::Duration,
    };

    use super::*;

    async fn database() -> DatabaseConnection {
        sea_orm::Database::connect("sqlite::memory:")
            .await
            .expect("an in-memory database")
    }

    /// Runs 0..count at once, each from its own task: each number with its outcome.
    async fn all<B: Batch<Item = u32>>(
        batcher: &Batcher<B>,
        db: &DatabaseConnection,
        count: u32,
    ) -> Vec<(u32, Result<B::Outcome, ServiceError>)> {
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..count {
            let (batcher, db) = (batcher.clone(), db.clone());
            tasks.spawn(async move { (n, batcher.run(&db, n).await) });
        }
        tasks.join_all().await
    }

    static SLOW_BATCHES: AtomicUsize = AtomicUsize::new(0);

    /// Doubles numbers, slowly, counting its batches.
    struct Slow;

    impl Batch for Slow {
        type Item = u32;
        type Outcome = u32;
        fn workers(_: DbBackend) -> usize {
            1
        }
        async fn run(
            _: &DatabaseConnection,
            items: &[u32],
        ) -> Result<Vec<Result<u32, ServiceError>>, ServiceError> {
            SLOW_BATCHES.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(items.iter().map(|n| Ok(n * 2)).collect())
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn items_arriving_together_share_a_batch_and_each_gets_its_own_outcome() {
        let db = database().await;
        let batcher = Batcher::<Slow>::default();
        for (n, outcome) in all(&batcher, &db, 100).await {
            assert_eq!(outcome.ok(), Some(n * 2));
        }
        // The first batch takes what is there when it starts; the rest wait for it and go
        // together, at most MAX_BATCH at a time.
        let batches = SLOW_BATCHES.load(Ordering::SeqCst);
        assert!(
            (2..=4).contains(&batches),
            "{batches} batches for 100 items"
        );
    }

    #[test]
    fn statements_are_written_for_a_few_sizes_only() {
        let sizes: Vec<usize> = [0, 1, 2, 4, 5, 16, 17, 64]
            .into_iter()
            .map(|n| padded(&(0..n).collect::<Vec<_>>()).count())
            .collect();
        assert_eq!(sizes, [0, 1, 4, 4, 16, 16, 64, 64]);
        let items = [3, 7];
        assert_eq!(padded(&items).copied().collect::<Vec<_>>(), [3, 7, 7, 7]);
    }

    #[test]
    fn each_item_gets_its_own_value_even_when_two_ask_for_one_key() {
        let found = BTreeMap::from([(1, "one"), (2, "two")]);
        let items = [(2, 'a'), (1, 'b'), (3, 'c'), (2, 'd')];
        assert_eq!(
            each_its_own(&items, |(key, _)| *key, found),
            [Some("two"), Some("one"), None, Some("two")]
        );
    }

    /// Fails any batch holding 13 with others; 13 alone is not found.
    struct Unlucky;

    impl Batch for Unlucky {
        type Item = u32;
        type Outcome = u32;
        fn workers(_: DbBackend) -> usize {
            2
        }
        async fn run(
            _: &DatabaseConnection,
            items: &[u32],
        ) -> Result<Vec<Result<u32, ServiceError>>, ServiceError> {
            tokio::time::sleep(Duration::from_millis(10)).await;
            if items.len() > 1 && items.contains(&13) {
                return Err(ServiceError::Unexpected("thirteen".into()));
            }
            Ok(items
                .iter()
                .map(|&n| {
                    if n == 13 {
                        Err(ServiceError::NotFound)
                    } else {
                        Ok(n + 1)
                    }
                })
                .collect())
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_item_failing_its_batch_fails_no_other() {
        let db = database().await;
        let batcher = Batcher::<Unlucky>::default();
        for (n, outcome) in all(&batcher, &db, 40).await {
            match outcome {
                Ok(m) => assert_eq!(m, n + 1),
                Err(ServiceError::NotFound) => assert_eq!(n, 13),
                Err(other) => panic!("{n}: {other}"),
            }
        }
    }
}
