//! A child is registered once a school year, and an account holds three registrations a
//! school year: the unique keys name the year. Without it, last year's registration held
//! the child's ID number and a place of the account's three for ever, so that no child
//! could be registered again (a transfer, first grade a year later) and a family with
//! three children could never register a fourth in a later year.
//!
//! `active_child_key` becomes `<keyed hash>:<year>` and `active_slot`
//! `<account>:<year>:<place>` (it was `<account>:<place>`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every active key gets its registration's school year.
const UP: [&str; 2] = [
    "UPDATE registration SET active_child_key = active_child_key || ':' || CAST(school_year AS TEXT) \
     WHERE active_child_key IS NOT NULL",
    "UPDATE registration SET active_slot = CAST(account_id AS TEXT) || ':' || CAST(school_year AS TEXT) || ':' \
     || SUBSTR(active_slot, LENGTH(CAST(account_id AS TEXT)) + 2) \
     WHERE active_slot IS NOT NULL",
];

/// Rolling back: the old keys had no year, so only the newest year's registrations can keep
/// theirs (an earlier year's, which held the same child or place, give them up first).
const DOWN: [&str; 3] = [
    "UPDATE registration SET active_child_key = NULL, active_slot = NULL \
     WHERE active_slot IS NOT NULL AND school_year < (SELECT MAX(newest.school_year) \
     FROM registration newest WHERE newest.active_slot IS NOT NULL)",
    "UPDATE registration SET active_child_key = SUBSTR(active_child_key, 1, \
     LENGTH(active_child_key) - LENGTH(CAST(school_year AS TEXT)) - 1) \
     WHERE active_child_key IS NOT NULL",
    "UPDATE registration SET active_slot = CAST(account_id AS TEXT) || ':' \
     || SUBSTR(active_slot, LENGTH(CAST(account_id AS TEXT)) + LENGTH(CAST(school_year AS TEXT)) + 3) \
     WHERE active_slot IS NOT NULL",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for statement in UP {
            manager
                .get_connection()
                .execute_unprepared(statement)
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for statement in DOWN {
            manager
                .get_connection()
                .execute_unprepared(statement)
                .await?;
        }
        Ok(())
    }
}
