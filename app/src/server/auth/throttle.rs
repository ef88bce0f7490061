//! Throttling of staff sign-in: failures are counted in the database per account and per
//! address over a sliding window, so that every app server sees the same counts.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};

use crate::server::{entities::sign_in_failure, failure::ServiceError};

/// How far back failures count.
pub const WINDOW_MINUTES: i64 = 15;
/// Failures allowed per account within the window.
pub const MAX_PER_ACCOUNT: u64 = 5;
/// Failures allowed per address within the window (a school's office shares one address).
pub const MAX_PER_ADDRESS: u64 = 30;

fn account_key(username: &str) -> String {
    format!("account:{}", username.trim().to_lowercase())
}

fn address_key(address: &str) -> String {
    format!("address:{address}")
}

async fn recent(
    db: &impl ConnectionTrait,
    key: String,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    Ok(sign_in_failure::Entity::find()
        .filter(sign_in_failure::Column::ThrottleKey.eq(key))
        .filter(sign_in_failure::Column::FailedAt.gt(now - Duration::minutes(WINDOW_MINUTES)))
        .count(db)
        .await?)
}

/// Whether sign-in is currently refused for this account or address.
pub async fn is_throttled(
    db: &impl ConnectionTrait,
    username: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    Ok(
        recent(db, account_key(username), now).await? >= MAX_PER_ACCOUNT
            || recent(db, address_key(address), now).await? >= MAX_PER_ADDRESS,
    )
}

/// Records a failed attempt against the account and the address.
pub async fn record_failure(
    db: &impl ConnectionTrait,
    username: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    for key in [account_key(username), address_key(address)] {
        sign_in_failure::ActiveModel {
            throttle_key: Set(key),
            failed_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Forgets the account's failures after a successful sign-in.
pub async fn clear_account(db: &impl ConnectionTrait, username: &str) -> Result<(), ServiceError> {
    sign_in_failure::Entity::delete_many()
        .filter(sign_in_failure::Column::ThrottleKey.eq(account_key(username)))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes failures older than the window.
pub async fn delete_old(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), ServiceError> {
    sign_in_failure::Entity::delete_many()
        .filter(sign_in_failure::Column::FailedAt.lt(now - Duration::minutes(WINDOW_MINUTES)))
        .exec(db)
        .await?;
    Ok(())
}
