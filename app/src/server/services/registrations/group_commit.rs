//! A database commits one transaction after another's flush of its log: saves committed one
//! by one pay a commit (and, on PostgreSQL, a transaction's round trips) each. Here the
//! writes of concurrent saves (planned from their own reads, see
//! [`crate::server::services::registrations::save_section`]) go to one writer task that takes
//! every write waiting, runs them in one transaction of two statements (the version claims,
//! then the sections), commits once, and only then answers each save. A save whose version
//! claim lost is answered "moved" (and planned again by its caller); nothing of it was
//! written. If the batch fails as a whole, each of its writes is tried alone, so that one
//! cannot fail the others.
//!
//! SQLite takes one writer at a time whatever the number: one writer task. PostgreSQL has
//! [`POSTGRES_WRITERS`]: a batch's four round trips and its commit leave the database idle
//! most of the batch's time (measured: the writer's connection "idle in transaction", waiting
//! for the next statement, in nearly every sample), so while one batch waits the next is
//! written, and PostgreSQL flushes their commits together. Two batches claiming the same
//! registration queue on its row lock; the later finds the version moved.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbBackend, TransactionTrait};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::server::{
    failure::ServiceError,
    services::registrations::{SaveWrite, write_saves},
};

/// Most writes in one transaction.
const MAX_BATCH: usize = 64;
/// Writes waiting for the writer before a save waits to hand its own over.
const QUEUE: usize = 1024;
/// Batches written at once on PostgreSQL (see the module's text).
const POSTGRES_WRITERS: usize = 4;

/// One save's write and who waits for its outcome.
struct Job {
    write: Box<SaveWrite>,
    now: DateTime<Utc>,
    answer: oneshot::Sender<Result<bool, ServiceError>>,
}

/// The writer of a database's saves, started with the first save.
#[derive(Clone, Debug, Default)]
pub struct SaveQueue {
    sender: Arc<OnceLock<mpsc::Sender<Job>>>,
}

impl SaveQueue {
    /// Writes `write` with the others waiting, after the commit: `true` when written,
    /// `false` when the registration moved since the save's read (nothing written).
    pub(crate) async fn write(
        &self,
        db: &DatabaseConnection,
        write: Box<SaveWrite>,
        now: DateTime<Utc>,
    ) -> Result<bool, ServiceError> {
        let sender = self.sender.get_or_init(|| {
            let (sender, receiver) = mpsc::channel(QUEUE);
            let receiver = Arc::new(Mutex::new(receiver));
            let writers = match db.get_database_backend() {
                DbBackend::Postgres => POSTGRES_WRITERS,
                _ => 1,
            };
            for _ in 0..writers {
                tokio::spawn(writer(db.clone(), receiver.clone()));
            }
            sender
        });
        let (answer, outcome) = oneshot::channel();
        let stopped = || ServiceError::Unexpected("the save writer stopped".into());
        sender
            .send(Job { write, now, answer })
            .await
            .map_err(|_| stopped())?;
        outcome.await.map_err(|_| stopped())?
    }
}

/// Takes every waiting write, writes them in one transaction, answers each after the commit.
/// Writers take turns at the queue: one waits there while the others write.
async fn writer(db: DatabaseConnection, receiver: Arc<Mutex<mpsc::Receiver<Job>>>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    loop {
        let taken = receiver.lock().await.recv_many(&mut jobs, MAX_BATCH).await;
        if taken == 0 {
            return;
        }
        match write_batch(&db, &jobs).await {
            Ok(written) => {
                for (job, written) in jobs.drain(..).zip(written) {
                    let _ = job.answer.send(Ok(written));
                }
            }
            Err(error) if jobs.len() == 1 => {
                if let Some(job) = jobs.pop() {
                    let _ = job.answer.send(Err(error));
                }
            }
            Err(_) => {
                for job in jobs.drain(..) {
                    let alone = write_batch(&db, std::slice::from_ref(&job)).await;
                    let _ = job
                        .answer
                        .send(alone.map(|w| w.first().copied().unwrap_or(false)));
                }
            }
        }
    }
}

async fn write_batch(db: &DatabaseConnection, jobs: &[Job]) -> Result<Vec<bool>, ServiceError> {
    let writes: Vec<_> = jobs.iter().map(|job| (&*job.write, job.now)).collect();
    let txn = db.begin().await?;
    let written = write_saves(&txn, &writes).await?;
    txn.commit().await?;
    Ok(written)
}
