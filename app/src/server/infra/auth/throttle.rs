//! Throttling of staff sign-in, per account and per address over a sliding window, kept in
//! the database so that every app server sees the same counts.
//!
//! An attempt is counted *before* its password is checked: it writes one row per key, then
//! takes its rank, the number of rows of that key in the window up to its own. An attempt
//! ranked past the limit is refused without checking the password, so that parallel
//! guesses cannot all slip in before the first failure is written. Ids of one key are handed
//! out in commit order (SQLite has one writer at a time; on PostgreSQL a transaction-scoped
//! advisory lock on the key serialises the insert and the count), so two attempts can never
//! take the same rank.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait, PaginatorTrait, QueryFilter, Set, Statement, TransactionTrait, Value,
};

use crate::server::{entities::sign_in_failure, failure::ServiceError};

/// How far back attempts count.
pub const WINDOW_MINUTES: i64 = 15;
/// Failed attempts allowed per account within the window.
pub const MAX_PER_ACCOUNT: u64 = 5;
/// Failed attempts allowed per address within the window (a school's office shares one
/// address).
pub const MAX_PER_ADDRESS: u64 = 30;

/// The first number of the two-number PostgreSQL advisory locks taken here, so that they
/// cannot meet locks taken for another purpose.
const ADVISORY_LOCK_CLASS: i32 = 0x5275_7875; // "Ruxu"

fn account_key(username: &str) -> String {
    let username: String = username.trim().to_lowercase().chars().take(100).collect();
    format!("account:{username}")
}

/// The address's key: an IPv4 address as it is, an IPv6 address by its /64 network (one
/// household or server holds a whole /64, and could otherwise rotate through it).
fn address_key(address: &str) -> String {
    match address.trim().parse::<IpAddr>().map(|ip| ip.to_canonical()) {
        Ok(IpAddr::V6(ip)) => {
            let network = u128::from(ip) & (u128::MAX << 64);
            format!("address:{}/64", std::net::Ipv6Addr::from(network))
        }
        Ok(IpAddr::V4(ip)) => format!("address:{ip}"),
        Err(_) => {
            let address: String = address.chars().take(100).collect();
            format!("address:{address}")
        }
    }
}

/// A sign-in attempt that was counted and may go on to check its password.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "an attempt ends as a failure (kept), a success or a forgotten attempt"]
pub struct Attempt {
    account_key: String,
    rows: [i32; 2],
}

/// Counts one attempt for the account and the address. Refuses it (and forgets it) with
/// [`ServiceError::TooManyAttempts`] when either key is over its limit, counting this
/// attempt and every earlier one still in the window, pending ones included.
pub async fn begin_attempt(
    db: &DatabaseConnection,
    username: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<Attempt, ServiceError> {
    let account_key = account_key(username);
    let (account_row, account_rank) = take_rank(db, account_key.clone(), now).await?;
    let (address_row, address_rank) = take_rank(db, address_key(address), now).await?;
    let attempt = Attempt {
        account_key,
        rows: [account_row, address_row],
    };
    if account_rank > MAX_PER_ACCOUNT || address_rank > MAX_PER_ADDRESS {
        // A refused attempt does not count: the lock ends a window after the failures that
        // caused it, however often someone knocks meanwhile.
        forget(db, attempt).await?;
        return Err(ServiceError::TooManyAttempts);
    }
    Ok(attempt)
}

/// Writes the attempt's row for `key` and returns its id and rank.
async fn take_rank(
    db: &DatabaseConnection,
    key: String,
    now: DateTime<Utc>,
) -> Result<(i32, u64), ServiceError> {
    let txn = db.begin().await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1, hashtext($2))",
            [Value::from(ADVISORY_LOCK_CLASS), Value::from(key.clone())],
        ))
        .await?;
    }
    let row = sign_in_failure::ActiveModel {
        throttle_key: Set(key.clone()),
        failed_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let rank = sign_in_failure::Entity::find()
        .filter(sign_in_failure::Column::ThrottleKey.eq(key))
        .filter(sign_in_failure::Column::FailedAt.gt(now - Duration::minutes(WINDOW_MINUTES)))
        .filter(sign_in_failure::Column::Id.lte(row.id))
        .count(&txn)
        .await?;
    txn.commit().await?;
    Ok((row.id, rank))
}

/// Forgets an attempt that ended without its password being judged (refused, or the server
/// too busy to check it).
pub async fn forget(db: &impl ConnectionTrait, attempt: Attempt) -> Result<(), ServiceError> {
    sign_in_failure::Entity::delete_many()
        .filter(sign_in_failure::Column::Id.is_in(attempt.rows))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends a successful attempt: forgets it and the account's failures. The address's other
/// failures stay: they may be guesses at other accounts.
pub async fn succeed(db: &impl ConnectionTrait, attempt: Attempt) -> Result<(), ServiceError> {
    sign_in_failure::Entity::delete_many()
        .filter(
            Condition::any()
                .add(sign_in_failure::Column::Id.is_in(attempt.rows))
                .add(sign_in_failure::Column::ThrottleKey.eq(attempt.account_key)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes attempts older than the window.
pub async fn delete_old(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), ServiceError> {
    sign_in_failure::Entity::delete_many()
        .filter(sign_in_failure::Column::FailedAt.lt(now - Duration::minutes(WINDOW_MINUTES)))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_group_what_one_guesser_controls() {
        assert_eq!(account_key(" Reviewer.SN1 "), "account:reviewer.sn1");
        assert_eq!(address_key("203.0.113.7"), "address:203.0.113.7");
        assert_eq!(address_key("::ffff:203.0.113.7"), "address:203.0.113.7");
        assert_eq!(
            address_key("2001:db8:1:2:aaaa::1"),
            address_key("2001:db8:1:2:bbbb::9"),
            "one /64"
        );
        assert_ne!(
            address_key("2001:db8:1:2::1"),
            address_key("2001:db8:1:3::1")
        );
        assert_eq!(address_key("unknown"), "address:unknown");
    }
}
