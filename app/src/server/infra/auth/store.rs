//! tower-sessions records kept in the platform's own database, through sea-orm, so that
//! sessions work the same on SQLite and PostgreSQL and survive restarts and any number of
//! stateless app servers. Every request with a session cookie reads its session: the reads
//! of the requests arriving at the same moment are one query ([`Batcher`]).

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
    SqlErr, sea_query::OnConflict,
};
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
    session_store,
};

use crate::server::{
    entities::auth_session,
    failure::ServiceError,
    infra::batch::{Batch, Batcher, each_its_own, padded},
};

/// The session store of the platform.
#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: DatabaseConnection,
    loads: Batcher<SessionLoads>,
}

impl DbSessionStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            loads: Batcher::default(),
        }
    }

    /// Deletes expired sessions; returns how many.
    pub async fn delete_expired(&self) -> Result<u64, DbErr> {
        let result = auth_session::Entity::delete_many()
            .filter(auth_session::Column::ExpiresAt.lt(Utc::now()))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected)
    }

    /// Deletes expired sessions every `period` until the process stops.
    pub fn spawn_cleanup(self, period: Duration) -> tokio::task::JoinHandle<()> {
        crate::server::infra::background::spawn(async move {
            let mut interval = tokio::time::interval(period);
            loop {
                interval.tick().await;
                if let Err(error) = self.delete_expired().await {
                    tracing::warn!(error = %error, "deleting expired sessions failed");
                }
            }
        })
    }
}

fn backend(error: DbErr) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

/// Sessions read by id, those not expired.
struct SessionLoads;

impl Batch for SessionLoads {
    type Item = String;
    type Outcome = Option<auth_session::Model>;

    async fn run(
        db: &DatabaseConnection,
        ids: &[String],
    ) -> Result<Vec<Result<Self::Outcome, ServiceError>>, ServiceError> {
        let found = auth_session::Entity::find()
            .filter(auth_session::Column::Id.is_in(padded(ids).map(String::as_str)))
            .filter(auth_session::Column::ExpiresAt.gt(Utc::now()))
            .all(db)
            .await?
            .into_iter()
            .map(|row| (row.id.clone(), row))
            .collect();
        Ok(each_its_own(ids, String::clone, found)
            .into_iter()
            .map(Ok)
            .collect())
    }
}

fn expiry(record: &Record) -> Result<DateTime<Utc>, session_store::Error> {
    DateTime::from_timestamp(record.expiry_date.unix_timestamp(), 0)
        .ok_or_else(|| session_store::Error::Encode("expiry out of range".into()))
}

fn encode(record: &Record) -> Result<String, session_store::Error> {
    serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = encode(record)?;
        let expires_at = expiry(record)?;
        // A fresh random id collides with an existing one with negligible probability;
        // when it does, draw another.
        for _ in 0..8 {
            let row = auth_session::ActiveModel {
                id: Set(record.id.to_string()),
                data: Set(data.clone()),
                expires_at: Set(expires_at),
            };
            match row.insert(&self.db).await {
                Ok(_) => return Ok(()),
                Err(error)
                    if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
                {
                    record.id = Id::default();
                }
                Err(error) => return Err(backend(error)),
            }
        }
        Err(session_store::Error::Backend("no free session id".into()))
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let row = auth_session::ActiveModel {
            id: Set(record.id.to_string()),
            data: Set(encode(record)?),
            expires_at: Set(expiry(record)?),
        };
        auth_session::Entity::insert(row)
            .on_conflict(
                OnConflict::column(auth_session::Column::Id)
                    .update_columns([auth_session::Column::Data, auth_session::Column::ExpiresAt])
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        let Some(row) = self
            .loads
            .run(&self.db, session_id.to_string())
            .await
            .map_err(|error| match error {
                ServiceError::Database(error) => backend(error),
                other => session_store::Error::Backend(other.to_string()),
            })?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&row.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(row.expires_at.timestamp())
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *session_id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        auth_session::Entity::delete_by_id(session_id.to_string())
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
