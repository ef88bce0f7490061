//! A database commits one transaction after another's flush of its log: saves committed one
//! by one pay a commit (and, on PostgreSQL, a transaction's round trips) each. Here a save
//! reads what it needs with the other saves reading at the same moment (one query for all:
//! [`SaveReads`]), plans its write from that read (on its own task, see
//! [`crate::server::services::registrations::save_section`]), and hands the write to
//! [`SaveWrites`]: every write waiting runs in one transaction of two statements (the
//! version claims, then the sections), committed once, and only then is each save
//! answered. A save whose version claim lost is answered "moved" (and planned again by its
//! caller); nothing of it was written. Both go through [`Batcher`]s.
//!
//! SQLite takes one writer at a time whatever the number: one writer task. PostgreSQL has
//! [`POSTGRES_WORKERS`]: a batch's round trips and its commit leave the database idle most
//! of the batch's time (measured: the writer's connection "idle in transaction", waiting for
//! the next statement, in nearly every sample), so while one batch waits the next is
//! written, and PostgreSQL flushes their commits together. Two batches claiming the same
//! registration queue on its row lock; the later finds the version moved.

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbBackend, TransactionTrait};

use crate::server::{
    failure::ServiceError,
    infra::batch::{Batch, Batcher, POSTGRES_WORKERS},
    services::registrations::{
        SaveWrite,
        queries::{Basis, StoredSections, basis_and_sections_of_all},
        write_saves,
    },
};

/// The saves' reads and writes of one database.
#[derive(Clone, Debug, Default)]
pub struct SaveQueue {
    reads: Batcher<SaveReads>,
    writes: Batcher<SaveWrites>,
}

impl SaveQueue {
    /// The parent `owner`'s registration `id` as a save reads it, read with the others
    /// waiting.
    pub(crate) async fn read(
        &self,
        db: &DatabaseConnection,
        id: i32,
        owner: i32,
    ) -> Result<(Basis, StoredSections), ServiceError> {
        self.reads.run(db, (id, owner)).await
    }

    /// Writes `write` with the others waiting, after the commit: `true` when written,
    /// `false` when the registration moved since the save's read (nothing written).
    pub(crate) async fn write(
        &self,
        db: &DatabaseConnection,
        write: Box<SaveWrite>,
        now: DateTime<Utc>,
    ) -> Result<bool, ServiceError> {
        self.writes.run(db, (write, now)).await
    }
}

/// Saves' reads: a registration and its parent's account.
pub(crate) struct SaveReads;

impl Batch for SaveReads {
    type Item = (i32, i32);
    type Outcome = (Basis, StoredSections);

    async fn run(
        db: &DatabaseConnection,
        items: &[(i32, i32)],
    ) -> Result<Vec<Result<Self::Outcome, ServiceError>>, ServiceError> {
        basis_and_sections_of_all(db, items).await
    }
}

/// Saves' writes, in one transaction.
pub(crate) struct SaveWrites;

impl Batch for SaveWrites {
    type Item = (Box<SaveWrite>, DateTime<Utc>);
    type Outcome = bool;

    fn workers(backend: DbBackend) -> usize {
        match backend {
            DbBackend::Postgres => POSTGRES_WORKERS,
            _ => 1,
        }
    }

    async fn run(
        db: &DatabaseConnection,
        items: &[Self::Item],
    ) -> Result<Vec<Result<bool, ServiceError>>, ServiceError> {
        let writes: Vec<_> = items.iter().map(|(write, now)| (&**write, *now)).collect();
        let txn = db.begin().await?;
        let written = write_saves(&txn, &writes).await?;
        txn.commit().await?;
        Ok(written.into_iter().map(Ok).collect())
    }
}
