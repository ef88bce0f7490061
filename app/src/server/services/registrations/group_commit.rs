//! A database commits one transaction after another's flush of its log: saves committed one
//! by one pay a commit (and, on PostgreSQL, a transaction's round trips) each. Here the
//! writes of concurrent saves (planned from their own reads, see
//! [`crate::server::services::registrations::save_section`]) go to one writer task that takes
//! every write waiting, runs them in one transaction of two statements (the version claims,
//! then the sections), commits once, and only then answers each save. A save whose version
//! claim lost is answered "moved" (and planned again by its caller); nothing of it was
//! written. If the batch fails as a whole, each of its writes is tried alone, so that one
//! cannot fail the others. The same on SQLite (one writer at a time anyway) and PostgreSQL.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use crate::server::{
    failure::ServiceError,
    services::registrations::{SaveWrite, write_saves},
};

/// Most writes in one transaction.
const MAX_BATCH: usize = 64;
/// Writes waiting for the writer before a save waits to hand its own over.
const QUEUE: usize = 1024;

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
            tokio::spawn(writer(db.clone(), receiver));
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
async fn writer(db: DatabaseConnection, mut receiver: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut jobs, MAX_BATCH).await > 0 {
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
