//! Other guardians following a registration read-only (另一位监护人). The registrant names
//! one by name and ID number, or the household register names the child's other parent at
//! submission; either way that person sees nothing until they sign in through the host app
//! and confirm. A confirmed follower reads the registration — answers, documents, progress,
//! results — and gets the same notices; every write stays the registrant's alone (the
//! services that change a registration load it with `load_own`). The registrant sees who
//! follows and withdraws any of them.
//!
//! The follower's ID number is kept only as its keyed hash (to recognise them when they
//! sign in) and masked (to show the registrant whom they named).

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
    sea_query::{Expr, OnConflict},
};

use crate::{
    api::registrations::{FollowerView, Invitation},
    domain::{
        PersonName, RegistrationState, ResidentId,
        follower::{FollowerSource, MAX_FOLLOWERS},
    },
    error::FieldProblem,
    i18n::{Locale, LocalizedText},
    server::{
        entities::{follower, parent_account, registration, school},
        failure::ServiceError,
        infra::{
            audit::{self, AuditAction, Request},
            auth::Actor,
            crypto,
        },
        services::{prefill, registrations},
    },
};

/// The registrant names another guardian to follow the registration.
pub async fn invite(
    db: &DatabaseConnection,
    request: &Request,
    registration_id: i32,
    name: &str,
    id_number: &str,
) -> Result<Vec<FollowerView>, ServiceError> {
    let row = registrations::load_own(db, &request.actor, registration_id).await?;
    let mut problems = Vec::new();
    let name = match PersonName::parse(name) {
        Ok(name) => Some(name),
        Err(error) => {
            problems.push(FieldProblem::new(
                "name",
                format!("姓名：{}", error.message(Locale::Zh)),
                format!("Name: {}", error.message(Locale::En)),
            ));
            None
        }
    };
    let person = match ResidentId::parse(id_number, request.now.date_naive()) {
        Ok(id) => Some(id),
        Err(error) => {
            problems.push(FieldProblem::new(
                "id_number",
                format!("身份证号：{}", error.message(Locale::Zh)),
                format!("ID number: {}", error.message(Locale::En)),
            ));
            None
        }
    };
    let (Some(name), Some(person)) = (name, person) else {
        return Err(ServiceError::Invalid(problems));
    };
    let registrant = registrant_id(db, &row).await?;
    let child = registrations::child_id_of(&row)?;
    if person.as_str() == registrant || person.as_str() == child {
        return Err(ServiceError::invalid(
            "id_number",
            "请填写另一位监护人的身份证号（不是您自己或孩子的）。",
            "Enter the other guardian's ID number (not your own or the child's).",
        ));
    }
    let key = crypto::blind(person.as_str())?;
    // The registration's row first: two invitations sent at once are counted one after the
    // other, so the limit holds.
    let txn = db.begin().await?;
    registrations::hold(row.id).exec(&txn).await?;
    let present = active_of(&txn, row.id).await?;
    if present.iter().any(|f| f.id_key == key) {
        return Err(ServiceError::invalid(
            "id_number",
            "这位监护人已经可以查看或已被邀请。",
            "This guardian can already see it, or is already invited.",
        ));
    }
    if present.len() >= MAX_FOLLOWERS {
        return Err(ServiceError::invalid(
            "id_number",
            &format!("最多邀请 {MAX_FOLLOWERS} 位监护人查看；请先撤回一位。"),
            &format!("At most {MAX_FOLLOWERS} guardians can follow: withdraw one first."),
        ));
    }
    // Named again after a withdrawal: the same row starts over, unconfirmed.
    follower::Entity::insert(follower::ActiveModel {
        registration_id: Set(row.id),
        id_key: Set(key),
        masked_id: Set(person.masked()),
        name: Set(name.as_str().to_owned()),
        source: Set(FollowerSource::Invited),
        account_id: Set(None),
        created_at: Set(request.now),
        confirmed_at: Set(None),
        withdrawn_at: Set(None),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([follower::Column::RegistrationId, follower::Column::IdKey])
            .update_columns([
                follower::Column::Name,
                follower::Column::Source,
                follower::Column::AccountId,
                follower::Column::CreatedAt,
                follower::Column::ConfirmedAt,
                follower::Column::WithdrawnAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    audit::record(
        &txn,
        request,
        AuditAction::FollowerInvite,
        "registration",
        Some(row.id),
        serde_json::json!({ "source": FollowerSource::Invited.code() }),
    )
    .await?;
    txn.commit().await?;
    views_of(db, row.id).await
}

/// The registrant withdraws a follower (or an invitation not yet confirmed).
pub async fn withdraw(
    db: &DatabaseConnection,
    request: &Request,
    registration_id: i32,
    follower_id: i32,
) -> Result<Vec<FollowerView>, ServiceError> {
    let row = registrations::load_own(db, &request.actor, registration_id).await?;
    let done = follower::Entity::update_many()
        .col_expr(follower::Column::WithdrawnAt, Expr::value(request.now))
        .filter(follower::Column::Id.eq(follower_id))
        .filter(follower::Column::RegistrationId.eq(row.id))
        .filter(follower::Column::WithdrawnAt.is_null())
        .exec(db)
        .await?;
    changed_one(
        db,
        request,
        done.rows_affected,
        AuditAction::FollowerWithdraw,
        row.id,
        follower_id,
    )
    .await?;
    views_of(db, row.id).await
}

/// Who follows the registrant's registration, or is invited to.
pub async fn of_registration(
    db: &impl ConnectionTrait,
    actor: &Actor,
    registration_id: i32,
) -> Result<Vec<FollowerView>, ServiceError> {
    let row = registrations::load_own(db, actor, registration_id).await?;
    views_of(db, row.id).await
}

/// The signed-in parent confirms an invitation addressed to their ID number.
pub async fn confirm(
    db: &DatabaseConnection,
    request: &Request,
    follower_id: i32,
) -> Result<(), ServiceError> {
    let account_id = request.actor.require_parent()?;
    let key = own_key(db, account_id).await?;
    let invitation = follower::Entity::find_by_id(follower_id)
        .one(db)
        .await?
        .filter(|f| f.id_key == key && f.withdrawn_at.is_none())
        .ok_or(ServiceError::NotFound)?;
    if invitation.account_id == Some(account_id) {
        return Ok(());
    }
    let done = follower::Entity::update_many()
        .col_expr(follower::Column::AccountId, Expr::value(account_id))
        .col_expr(follower::Column::ConfirmedAt, Expr::value(request.now))
        .filter(follower::Column::Id.eq(follower_id))
        .filter(follower::Column::IdKey.eq(key))
        .filter(follower::Column::WithdrawnAt.is_null())
        .filter(follower::Column::AccountId.is_null())
        .exec(db)
        .await?;
    changed_one(
        db,
        request,
        done.rows_affected,
        AuditAction::FollowerConfirm,
        invitation.registration_id,
        follower_id,
    )
    .await
}

/// A follower's row changed by one statement: audited when it changed, not found when the
/// statement found nothing to change.
async fn changed_one(
    db: &impl ConnectionTrait,
    request: &Request,
    rows_affected: u64,
    action: AuditAction,
    registration_id: i32,
    follower_id: i32,
) -> Result<(), ServiceError> {
    if rows_affected != 1 {
        return Err(ServiceError::NotFound);
    }
    audit::record(
        db,
        request,
        action,
        "registration",
        Some(registration_id),
        serde_json::json!({ "follower": follower_id }),
    )
    .await
}

/// Whether the caller is a confirmed follower of the registration.
pub(crate) async fn follows(
    db: &impl ConnectionTrait,
    actor: &Actor,
    registration_id: i32,
) -> Result<bool, ServiceError> {
    let Actor::Parent { account_id } = actor else {
        return Ok(false);
    };
    Ok(follower::Entity::find()
        .filter(follower::Column::RegistrationId.eq(registration_id))
        .filter(follower::Column::AccountId.eq(*account_id))
        .filter(follower::Column::WithdrawnAt.is_null())
        .one(db)
        .await?
        .is_some())
}

/// The registrations the parent follows (not deleted), oldest first.
pub(crate) async fn followed_by(
    db: &impl ConnectionTrait,
    account_id: i32,
) -> Result<Vec<registration::Model>, ServiceError> {
    let ids: Vec<i32> = follower::Entity::find()
        .filter(follower::Column::AccountId.eq(account_id))
        .filter(follower::Column::WithdrawnAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|f| f.registration_id)
        .collect();
    Ok(registration::Entity::find()
        .filter(registration::Column::Id.is_in(ids))
        .filter(registration::Column::State.ne(RegistrationState::Deleted))
        .order_by_asc(registration::Column::Id)
        .all(db)
        .await?)
}

/// Invitations addressed to the parent's ID number, not yet confirmed: whose, for which
/// child (the name masked until they confirm) and school.
pub(crate) async fn invitations_for(
    db: &impl ConnectionTrait,
    account: &parent_account::Model,
) -> Result<Vec<Invitation>, ServiceError> {
    let key = crypto::blind(&crypto::open(&account.resident_id)?)?;
    let open = follower::Entity::find()
        .filter(follower::Column::IdKey.eq(key))
        .filter(follower::Column::AccountId.is_null())
        .filter(follower::Column::WithdrawnAt.is_null())
        .order_by_asc(follower::Column::Id)
        .all(db)
        .await?;
    let mut invitations = Vec::with_capacity(open.len());
    for invitation in open {
        let Some(row) = registration::Entity::find_by_id(invitation.registration_id)
            .one(db)
            .await?
            .filter(|r| r.state != RegistrationState::Deleted && r.account_id != account.id)
        else {
            continue;
        };
        let registrant = parent_account::Entity::find_by_id(row.account_id)
            .one(db)
            .await?
            .map(|p| p.name)
            .unwrap_or_default();
        let school = school::Entity::find_by_id(row.school_id)
            .one(db)
            .await?
            .map(|s| LocalizedText::new(&s.name_zh, &s.name_en))
            .unwrap_or_default();
        invitations.push(Invitation {
            id: invitation.id,
            source: invitation.source,
            registrant: masked_name(&registrant),
            child: masked_name(row.child_name.as_deref().unwrap_or_default()),
            school,
            subsystem: row.subsystem,
        });
    }
    Ok(invitations)
}

/// The accounts that follow a registration (its notices go to them too).
pub(crate) async fn accounts_following(
    db: &impl ConnectionTrait,
    registration_id: i32,
) -> Result<Vec<parent_account::Model>, ServiceError> {
    let ids: Vec<i32> = follower::Entity::find()
        .filter(follower::Column::RegistrationId.eq(registration_id))
        .filter(follower::Column::WithdrawnAt.is_null())
        .filter(follower::Column::AccountId.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .filter_map(|f| f.account_id)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(parent_account::Entity::find()
        .filter(parent_account::Column::Id.is_in(ids))
        .all(db)
        .await?)
}

/// At submission: the child's other parent as the household register names them (from the
/// register's answer already fetched for the registration) is invited to follow, unless
/// named before. Nothing when the register was not asked or does not name the registrant.
pub async fn name_from_register(
    db: &impl ConnectionTrait,
    row: &registration::Model,
    now: DateTime<Utc>,
) -> Result<usize, ServiceError> {
    let registrant = registrant_id(db, row).await?;
    let others = prefill::other_parents(db, row, &registrant).await?;
    let mut named = 0;
    for (person, name) in others {
        let Ok(person) = ResidentId::parse(&person, now.date_naive()) else {
            continue;
        };
        let inserted = follower::Entity::insert(follower::ActiveModel {
            registration_id: Set(row.id),
            id_key: Set(crypto::blind(person.as_str())?),
            masked_id: Set(person.masked()),
            name: Set(name),
            source: Set(FollowerSource::HouseholdRegister),
            account_id: Set(None),
            created_at: Set(now),
            confirmed_at: Set(None),
            withdrawn_at: Set(None),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([follower::Column::RegistrationId, follower::Column::IdKey])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
        named += usize::try_from(inserted).unwrap_or(0);
    }
    if named > 0 {
        audit::record_system(
            db,
            AuditAction::FollowerInvite,
            "registration",
            Some(row.id),
            serde_json::json!({ "source": FollowerSource::HouseholdRegister.code() }),
            now,
        )
        .await?;
    }
    Ok(named)
}

async fn active_of(
    db: &impl ConnectionTrait,
    registration_id: i32,
) -> Result<Vec<follower::Model>, ServiceError> {
    Ok(follower::Entity::find()
        .filter(follower::Column::RegistrationId.eq(registration_id))
        .filter(follower::Column::WithdrawnAt.is_null())
        .order_by_asc(follower::Column::Id)
        .all(db)
        .await?)
}

async fn views_of(
    db: &impl ConnectionTrait,
    registration_id: i32,
) -> Result<Vec<FollowerView>, ServiceError> {
    Ok(active_of(db, registration_id)
        .await?
        .into_iter()
        .map(|f| FollowerView {
            id: f.id,
            name: f.name,
            masked_id: f.masked_id,
            source: f.source,
            confirmed: f.confirmed_at.is_some(),
        })
        .collect())
}

async fn registrant_id(
    db: &impl ConnectionTrait,
    row: &registration::Model,
) -> Result<String, ServiceError> {
    crypto::open(
        &registrations::registrant_account(db, row)
            .await?
            .resident_id,
    )
}

async fn own_key(db: &impl ConnectionTrait, account_id: i32) -> Result<String, ServiceError> {
    let account = parent_account::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    crypto::blind(&crypto::open(&account.resident_id)?)
}

/// A name with its middle hidden (张伟 → 张*, 林一诺 → 林*诺), for someone not yet confirmed.
fn masked_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_owned(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::masked_name;

    #[test]
    fn a_name_shows_its_first_and_last_character_only() {
        assert_eq!(masked_name("张伟"), "张*");
        assert_eq!(masked_name("林一诺"), "林*诺");
        assert_eq!(masked_name("欧阳娜娜"), "欧**娜");
        assert_eq!(masked_name(""), "");
    }
}
