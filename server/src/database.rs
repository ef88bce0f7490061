//! Opening the database: SQLite in WAL mode with full sync, or PostgreSQL, through one code path.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DbErr,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

/// How many statements the server has sent to the database for requests since it started
/// (background workers' rounds left out): what a request costs is counted, not guessed.
#[derive(Clone, Debug, Default)]
pub struct Statements(Arc<AtomicU64>);

impl Statements {
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Connects to `url`, creating a SQLite file (and its folder) when missing.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    Ok(connect_counted(url, max_connections).await?.0)
}

/// Like [`connect`], counting every statement sent through the connection.
pub async fn connect_counted(
    url: &str,
    max_connections: u32,
) -> Result<(DatabaseConnection, Statements), DbErr> {
    if let Some(path) = sqlite_file_path(url)
        && let Some(parent) = std::path::Path::new(&path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| DbErr::Custom(format!("cannot create the database folder: {e}")))?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
                .create_if_missing(true)
        });
    let mut db = Database::connect(options).await?;
    let statements = Statements::default();
    let counter = statements.0.clone();
    db.set_metric_callback(move |_| {
        // The workers' rounds are not a request's cost.
        if !app::server::infra::background::is_current() {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    Ok((db, statements))
}

/// Held while an instance migrates and loads what a start loads, so that instances started
/// together take turns (PostgreSQL: a session advisory lock on a connection of its own; a
/// SQLite file has one server).
pub struct StartLock(Option<sea_orm::sqlx::PgConnection>);

/// The advisory lock's key: "ruxue" in ASCII.
const START_LOCK_KEY: i64 = 0x72_75_78_75_65;

impl StartLock {
    /// Waits for the lock.
    pub async fn take(url: &str) -> Result<Self, DbErr> {
        use sea_orm::sqlx::Connection;
        if !url.starts_with("postgres") {
            return Ok(Self(None));
        }
        let mut connection = sea_orm::sqlx::PgConnection::connect(url)
            .await
            .map_err(|e| DbErr::Custom(format!("start lock: {e}")))?;
        sea_orm::sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(START_LOCK_KEY)
            .execute(&mut connection)
            .await
            .map_err(|e| DbErr::Custom(format!("start lock: {e}")))?;
        Ok(Self(Some(connection)))
    }

    /// Lets the next instance start (closing the connection would too).
    pub async fn release(self) {
        use sea_orm::sqlx::Connection;
        if let Some(mut connection) = self.0 {
            let unlocked = sea_orm::sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(START_LOCK_KEY)
                .execute(&mut connection)
                .await;
            if let Err(error) = unlocked {
                tracing::warn!(error = %error, "start lock: unlock failed (closing releases it)");
            }
            if let Err(error) = connection.close().await {
                tracing::warn!(error = %error, "start lock: closing its connection failed");
            }
        }
    }
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// The file of a `sqlite:` URL, if it names one.
fn sqlite_file_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file_path("sqlite://data/ruxue.db?mode=rwc").as_deref(),
            Some("data/ruxue.db")
        );
        assert_eq!(
            sqlite_file_path("sqlite:///tmp/x.db").as_deref(),
            Some("/tmp/x.db")
        );
        assert_eq!(sqlite_file_path("sqlite::memory:"), None);
        assert_eq!(sqlite_file_path("postgres://localhost/x"), None);
    }
}
