//! Moving stored values to the current data key: rows written before encryption (plain
//! ID numbers, answers and registry answers) are sealed at start-up, and `server
//! rotate-key` seals again everything sealed under an older key. Rows are read in pages
//! and each is updated only if it still holds what was read, so that this can run while
//! the platform serves (several app servers included) without overwriting a newer save.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};

use crate::server::{
    entities::{parent_account, registration, registration_section, registry_lookup},
    failure::ServiceError,
    infra::crypto::{self, Keyring},
};

const PAGE: u64 = 500;

/// Which values to seal again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Only values stored before encryption.
    Plain,
    /// Every value not sealed under the current key (`rotate-key`).
    NotCurrent,
}

/// What a run changed, per kind of value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sealed {
    pub child_ids: u64,
    pub parent_ids: u64,
    pub sections: u64,
    pub registry_answers: u64,
    /// Registry lookups keyed the old way (a plain hash of the ID number): deleted, asked
    /// again when needed.
    pub old_lookups_deleted: u64,
}

impl Sealed {
    pub fn total(&self) -> u64 {
        self.child_ids
            + self.parent_ids
            + self.sections
            + self.registry_answers
            + self.old_lookups_deleted
    }
}

fn wants(keys: &Keyring, scope: Scope, stored: &str) -> bool {
    match scope {
        Scope::Plain => !stored.starts_with("enc:"),
        Scope::NotCurrent => !keys.is_current(stored),
    }
}

/// The next page of a table in id order, after the row with id `after` (moved on to the
/// page's last row).
async fn page<E: EntityTrait>(
    db: &impl ConnectionTrait,
    id: E::Column,
    after: &mut i32,
    id_of: impl Fn(&E::Model) -> i32,
) -> Result<Vec<E::Model>, ServiceError> {
    let rows = E::find()
        .filter(id.gt(*after))
        .order_by_asc(id)
        .limit(PAGE)
        .all(db)
        .await?;
    if let Some(last) = rows.last() {
        *after = id_of(last);
    }
    Ok(rows)
}

fn reseal(keys: &Keyring, stored: &str) -> Result<String, ServiceError> {
    keys.seal(&keys.open(stored)?)
}

/// Seals what `scope` names in every table that holds ID numbers or answers.
pub async fn seal_stored(db: &impl ConnectionTrait, scope: Scope) -> Result<Sealed, ServiceError> {
    let keys = crypto::keyring()?;
    let mut sealed = Sealed::default();

    let mut after = 0;
    loop {
        let rows = page::<registration::Entity>(db, registration::Column::Id, &mut after, |r| r.id)
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            // A key not (yet) a keyed hash of its school year: a plain number from before
            // sealing, or one without the year written by an older server.
            let plain_key = row.active_child_key.as_deref().is_some_and(|k| {
                !k.starts_with("h1:") || !k.ends_with(&format!(":{}", row.school_year))
            });
            if !wants(&keys, scope, &row.child_id_number) && !plain_key {
                continue;
            }
            let child = keys.open(&row.child_id_number)?;
            let key = row
                .active_child_key
                .as_ref()
                .map(|_| {
                    keys.blind(&child)
                        .map(|hash| crypto::per_year(&hash, row.school_year))
                })
                .transpose()?;
            let done = registration::Entity::update_many()
                .col_expr(
                    registration::Column::ChildIdNumber,
                    Expr::value(keys.seal(&child)?),
                )
                .col_expr(registration::Column::ActiveChildKey, Expr::value(key))
                .filter(registration::Column::Id.eq(row.id))
                .filter(registration::Column::ChildIdNumber.eq(row.child_id_number.as_str()))
                .filter(registration::Column::Version.eq(row.version))
                .exec(db)
                .await?;
            sealed.child_ids += done.rows_affected;
        }
    }

    let mut after = 0;
    loop {
        let rows =
            page::<parent_account::Entity>(db, parent_account::Column::Id, &mut after, |r| r.id)
                .await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            if !wants(&keys, scope, &row.resident_id) {
                continue;
            }
            let done = parent_account::Entity::update_many()
                .col_expr(
                    parent_account::Column::ResidentId,
                    Expr::value(reseal(&keys, &row.resident_id)?),
                )
                .filter(parent_account::Column::Id.eq(row.id))
                .filter(parent_account::Column::ResidentId.eq(row.resident_id.as_str()))
                .exec(db)
                .await?;
            sealed.parent_ids += done.rows_affected;
        }
    }

    let mut after = 0;
    loop {
        let rows = page::<registration_section::Entity>(
            db,
            registration_section::Column::Id,
            &mut after,
            |r| r.id,
        )
        .await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            if !wants(&keys, scope, &row.data) && !wants(&keys, scope, &row.provenance) {
                continue;
            }
            let done = registration_section::Entity::update_many()
                .col_expr(
                    registration_section::Column::Data,
                    Expr::value(reseal(&keys, &row.data)?),
                )
                .col_expr(
                    registration_section::Column::Provenance,
                    Expr::value(reseal(&keys, &row.provenance)?),
                )
                .filter(registration_section::Column::Id.eq(row.id))
                .filter(registration_section::Column::Version.eq(row.version))
                .exec(db)
                .await?;
            sealed.sections += done.rows_affected;
        }
    }

    let mut after = 0;
    loop {
        let rows =
            page::<registry_lookup::Entity>(db, registry_lookup::Column::Id, &mut after, |r| r.id)
                .await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            if !row.key_digest.starts_with("h1:") {
                let done = registry_lookup::Entity::delete_many()
                    .filter(registry_lookup::Column::Id.eq(row.id))
                    .exec(db)
                    .await?;
                sealed.old_lookups_deleted += done.rows_affected;
                continue;
            }
            let Some(answer) = row.answer.as_deref().filter(|a| wants(&keys, scope, a)) else {
                continue;
            };
            let done = registry_lookup::Entity::update_many()
                .col_expr(
                    registry_lookup::Column::Answer,
                    Expr::value(Some(reseal(&keys, answer)?)),
                )
                .filter(registry_lookup::Column::Id.eq(row.id))
                .filter(registry_lookup::Column::Answer.eq(answer))
                .exec(db)
                .await?;
            sealed.registry_answers += done.rows_affected;
        }
    }
    Ok(sealed)
}
