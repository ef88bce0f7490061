//! A child held hostage (issue: "anyone can lock a family out"): a child's ID number can be
//! in one registration only, so a stranger who registers another family's child blocks the
//! real parents. A parent the household register names as the child's father or mother can
//! claim the child: the other claim, by an account the register does not confirm, is set
//! aside for the bureau (its owner told in-app and by SMS), and the parent goes on. Two
//! confirmed parents keep the rule that they agree between them. The bureau sees every
//! claim set aside, with the registration that replaced it, and upholds it or gives the
//! child back; every step is in the audit log.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, SqlErr, TransactionTrait, sea_query::Expr,
};

use crate::{
    api::claims::SetAsideClaim,
    domain::{RegistrationState, ResidentId, provenance::RegistrySource},
    i18n::{Locale, LocalizedText},
    server::{
        entities::{audit_log, collection_window, parent_account, registration, school},
        failure::ServiceError,
        infra::audit::{self, AuditAction, Request},
        infra::crypto,
        infra::registry::{Question, Record, Registries},
        services::bureau::{admin_bureau, offset_of},
        services::notify::{self, Notice},
        services::prefill,
        services::registrations::{self, NewRegistration},
    },
};

fn cannot_verify() -> ServiceError {
    ServiceError::invalid(
        "child_id_number",
        "暂时无法向户籍登记核验，请稍后再试；如仍无法报名，请联系教体局。",
        "The household register cannot be asked just now. Try again later; if you still cannot register, contact the bureau.",
    )
}

fn not_confirmed() -> ServiceError {
    ServiceError::invalid(
        "child_id_number",
        "户籍登记中未能确认您是该儿童的父亲或母亲，因此不能替换已有的报名。请与孩子的家人商定由谁报名，或携带户口簿、出生医学证明联系教体局。",
        "The household register does not list you as the child's father or mother, so the existing registration cannot be replaced. Agree with the child's family who registers, or contact the bureau with the household booklet and birth certificate.",
    )
}

fn both_parents() -> ServiceError {
    ServiceError::invalid(
        "child_id_number",
        "孩子的另一位家长已经用自己的账号为孩子报了名。每个孩子每学年只能报名一次，请与家人商定；如需由您报名，请对方先在“我的报名”中删除该记录。",
        "The child's other parent has registered the child from their own account. A child can be registered once a school year: agree who registers, and ask them to delete theirs under “My registrations” first.",
    )
}

/// Registers a child whose ID number another account holds, for a parent the household
/// register confirms: the other claim is set aside for the bureau first.
pub async fn claim_child(
    db: &DatabaseConnection,
    registries: &Registries,
    request: &Request,
    input: NewRegistration,
) -> Result<i32, ServiceError> {
    let now = request.now;
    let account = registrations::confirmed_account(db, &request.actor).await?;
    let account_id = account.id;
    let child = parse_child(&input.child_id_number, now)?;
    // The child's registration in the year this one would be in (no window open: the
    // registration is refused as any would be).
    let Some(school_year) = registrations::year_registering(db, &input, now).await? else {
        return registrations::create(db, &request.actor, input, now).await;
    };
    let child_key = registrations::child_key(child.as_str(), school_year)?;
    let held = registration::Entity::find()
        .filter(registration::Column::ActiveChildKey.eq(child_key.as_str()))
        .one(db)
        .await?;
    let Some(held) = held else {
        // Released meanwhile: an ordinary registration.
        return registrations::create(db, &request.actor, input, now).await;
    };
    if held.account_id == account_id {
        return Err(registrations::already_yours());
    }
    // The same person's other account: not a claim against anyone, it moves (`move_child`).
    if let Some(phone) = registrations::own_elsewhere(db, &held, &account).await? {
        return Err(registrations::registered_by_you_elsewhere(&phone));
    }
    if !registries.is_configured(RegistrySource::Household) {
        return Err(cannot_verify());
    }
    if decided_or_drawn(db, &held).await? {
        return Err(cannot_replace());
    }
    // Each claim asks the household register about a child's number: counted, so that an
    // account cannot use claims to probe the register.
    let asked = audit_log::Entity::find()
        .filter(audit_log::Column::ObjectKind.eq(CLAIMANT))
        .filter(audit_log::Column::ObjectId.eq(account_id))
        .filter(audit_log::Column::Action.eq(AuditAction::ClaimAsked.code()))
        .filter(audit_log::Column::At.gt(now - chrono::Duration::hours(1)))
        .count(db)
        .await?;
    if asked >= CLAIMS_PER_ACCOUNT_PER_HOUR {
        tracing::warn!("claims of one account over the hourly limit");
        return Err(ServiceError::invalid(
            "child_id_number",
            "核验次数过多，请一小时后再试；如有疑问，请联系教体局。",
            "Too many checks: try again in an hour, or contact the bureau.",
        ));
    }
    let question = Question::Household {
        child_id: child.as_str().to_owned(),
    };
    let answer = registries.ask(&question).await.0;
    let household = match answer {
        Ok(Record::Household(Some(household))) => Some(household),
        Ok(_) => None,
        Err(_) => {
            asked_register(db, request, held.id, "unavailable").await?;
            return Err(cannot_verify());
        }
    };
    let own = crypto::open(&account.resident_id)?;
    let Some(household) = household.filter(|h| prefill::is_guardian(h, Some(&own))) else {
        tracing::warn!("a claim to a child by a parent the register does not confirm");
        asked_register(db, request, held.id, "not_confirmed").await?;
        return Err(not_confirmed());
    };
    let holder = parent_account::Entity::find_by_id(held.account_id)
        .one(db)
        .await?;
    let holder_id = holder
        .as_ref()
        .map(|h| crypto::open(&h.resident_id))
        .transpose()?;
    if holder_id.is_some_and(|id| prefill::is_guardian(&household, Some(&id))) {
        asked_register(db, request, held.id, "both_parents").await?;
        return Err(both_parents());
    }
    asked_register(db, request, held.id, "confirmed").await?;
    // A claim the new registration could not use (its three places taken) sets nothing aside.
    registrations::check_room(db, account_id, school_year).await?;

    // The other registration is set aside and the parent's is started in one transaction:
    // a registration that cannot start (the window closed meanwhile, a school not offered)
    // sets nothing aside.
    let txn = db.begin().await?;
    // Asked again under the school's list: a draw committed since the first look holds it.
    crate::server::services::admission::hold_list(&txn, held.school_id).await?;
    let held = registration::Entity::find_by_id(held.id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if decided_or_drawn(&txn, &held).await? {
        return Err(cannot_replace());
    }
    let set_aside = set_aside(&held, now)
        .filter(registration::Column::ActiveChildKey.eq(child_key.as_str()))
        .exec(&txn)
        .await?;
    if set_aside.rows_affected == 1 {
        notify::send(
            &txn,
            Notice {
                account_id: held.account_id,
                registration_id: Some(held.id),
                title: LocalizedText::new("报名已交教体局处理", "Registration passed to the bureau"),
                body: LocalizedText::new(
                    &format!(
                        "报名 {} 所登记的儿童，已由户籍登记确认的父母为其报名。您的这份报名已交教体局处理，教体局会与您联系。",
                        held.reference
                    ),
                    &format!(
                        "A parent confirmed by the household register has registered the child of registration {}. Yours was passed to the bureau, which will contact you.",
                        held.reference
                    ),
                ),
                sms: holder.as_ref().map(|h| {
                    (
                        h.phone.clone(),
                        format!(
                            "【入学报名】您的报名{}已交教体局处理：户籍登记确认的孩子父母已为孩子报名。详情请登录平台查看。",
                            held.reference
                        ),
                    )
                }),
                dedupe_key: format!("set-aside:{}:{}", held.id, held.version),
            },
            now,
        )
        .await?;
        audit::record(
            &txn,
            request,
            AuditAction::RegistrationSetAside,
            "registration",
            Some(held.id),
            serde_json::json!({ "confirmed_by": "household_register", "from_state": held.state }),
        )
        .await?;
    }
    let id = registrations::create(&txn, &request.actor, input, now).await?;
    audit::record(
        &txn,
        request,
        AuditAction::RegistrationClaimed,
        "registration",
        Some(id),
        serde_json::json!({ "set_aside": held.id }),
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// A child's ID number as the parent typed it, checked.
fn parse_child(child_id_number: &str, now: DateTime<Utc>) -> Result<ResidentId, ServiceError> {
    ResidentId::parse(child_id_number, now.date_naive()).map_err(|error| {
        ServiceError::invalid(
            "child_id_number",
            &format!("儿童身份证号：{}", error.message(Locale::Zh)),
            &format!("Child's ID number: {}", error.message(Locale::En)),
        )
    })
}

/// Moves the child's registration from another account of the caller's own to the
/// caller's: the host app vouches for both with the same ID number (a new host-app account
/// after a change of phone number, Qingdao Q5), so no register is asked. Anything else (the
/// child not registered, or by someone else) moves nothing and says only that there is
/// nothing of theirs to move.
pub async fn move_child(
    db: &DatabaseConnection,
    request: &Request,
    child_id_number: &str,
) -> Result<i32, ServiceError> {
    let account = registrations::confirmed_account(db, &request.actor).await?;
    let child = parse_child(child_id_number, request.now)?;
    // Of any school year the platform has run: the newest registration of the child.
    let years: Vec<i32> = collection_window::Entity::find()
        .select_only()
        .column(collection_window::Column::SchoolYear)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let keys = years
        .into_iter()
        .map(|year| registrations::child_key(child.as_str(), year))
        .collect::<Result<Vec<_>, _>>()?;
    // Of the child's registrations (a year each), the newest from another account of the
    // caller's own; one another family holds moves nothing.
    let rows = registration::Entity::find()
        .filter(registration::Column::ActiveChildKey.is_in(keys))
        .order_by_desc(registration::Column::SchoolYear)
        .all(db)
        .await?;
    let nothing_to_move = || {
        ServiceError::invalid(
            "child_id_number",
            "您的其他账号中没有这个孩子的报名，没有可以转来的报名。请核对孩子的身份证号；如果报名是孩子的另一位家长用自己的账号填写的，它不能转，请对方在“我的报名”中邀请您查看。",
            "None of your other accounts holds a registration of this child: there is nothing to move. Check the child's ID number; a registration the child's other parent made from their own account cannot move: ask them to invite you under “My registrations”.",
        )
    };
    let mine = rows.iter().any(|r| r.account_id == account.id);
    let mut held = None;
    for row in rows.into_iter().filter(|r| r.account_id != account.id) {
        if registrations::own_elsewhere(db, &row, &account)
            .await?
            .is_some()
        {
            held = Some(row);
            break;
        }
    }
    let Some(held) = held else {
        return Err(if mine {
            registrations::already_yours()
        } else {
            nothing_to_move()
        });
    };
    move_here(db, request, &held).await
}

/// Moves `held`, registered from another account of the same person, to the caller's
/// account: into a free one of its three places (the unique slot index decides between
/// concurrent moves and registrations), its version moved on so that a page still open on
/// the other account cannot save over it. The other account is told in its messages.
async fn move_here(
    db: &DatabaseConnection,
    request: &Request,
    held: &registration::Model,
) -> Result<i32, ServiceError> {
    let account_id = request.actor.require_parent()?;
    let now = request.now;
    registrations::check_room(db, account_id, held.school_year).await?;
    let txn = db.begin().await?;
    let mut moved = false;
    for slot in 1..=crate::domain::registration::MAX_REGISTRATIONS_PER_ACCOUNT {
        let attempt = txn.begin().await?;
        let update = registrations::change(held.id, None, now)
            .col_expr(registration::Column::AccountId, Expr::value(account_id))
            .col_expr(
                registration::Column::ActiveSlot,
                Expr::value(registrations::slot_key(account_id, held.school_year, slot)),
            )
            .filter(registration::Column::AccountId.eq(held.account_id))
            .filter(registration::Column::ActiveChildKey.is_not_null())
            .exec(&attempt)
            .await;
        match update {
            Ok(done) if done.rows_affected == 1 => {
                attempt.commit().await?;
                moved = true;
                break;
            }
            // Moved, deleted or set aside meanwhile: the parent is asked to look again.
            Ok(_) => return Err(ServiceError::Conflict),
            Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                attempt.rollback().await?;
            }
            Err(error) => return Err(error.into()),
        }
    }
    if !moved {
        return Err(
            registrations::check_room(&txn, account_id, held.school_year)
                .await
                .err()
                .unwrap_or(ServiceError::Conflict),
        );
    }
    // To the old account alone: not about the registration for those who follow it.
    notify::send(
        &txn,
        Notice {
            account_id: held.account_id,
            registration_id: None,
            title: LocalizedText::new("报名已转到您的另一个账号", "Registration moved to your other account"),
            body: LocalizedText::new(
                &format!("报名 {} 已按您本人的要求转到您的另一个账号，请用该账号查看和继续填写。", held.reference),
                &format!("At your own request, registration {} was moved to your other account: see it and go on there.", held.reference),
            ),
            sms: None,
            dedupe_key: format!("moved:{}:{}", held.id, held.version),
        },
        now,
    )
    .await?;
    audit::record(
        &txn,
        request,
        AuditAction::RegistrationMoved,
        "registration",
        Some(held.id),
        serde_json::json!({ "from_account": held.account_id, "to_account": account_id }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        registration = held.id,
        "registration moved to the same person's other account"
    );
    Ok(held.id)
}

/// Admissions decided, or a draw's list holding it: setting `row` aside would take a place
/// out of the draw's order. The bureau settles it with the families.
async fn decided_or_drawn(
    db: &impl ConnectionTrait,
    row: &registration::Model,
) -> Result<bool, ServiceError> {
    Ok(matches!(
        row.state,
        RegistrationState::Admitted
            | RegistrationState::NotAdmitted
            | RegistrationState::PlaceDeclined
    ) || crate::server::services::draws::in_a_draw(db, &[row.id]).await?)
}

fn cannot_replace() -> ServiceError {
    ServiceError::invalid(
        "child_id_number",
        "该儿童的报名已进入录取或派位，不能在线替换。请携带户口簿、出生医学证明联系教体局。",
        "This child's registration is already in admissions or a draw, so it cannot be replaced online. Contact the bureau with the household booklet and birth certificate.",
    )
}

/// The audit log's object for a claim's question to the register: the claimant's account.
const CLAIMANT: &str = "parent_account";

/// Claims one account may make within an hour. A family needs one; a few more allow for
/// mistakes.
pub const CLAIMS_PER_ACCOUNT_PER_HOUR: u64 = 5;

/// Records that the claimant's account asked the household register about the child of
/// registration `held`, and what it answered (a code, never a name or a number).
async fn asked_register(
    db: &impl ConnectionTrait,
    request: &Request,
    held: i32,
    outcome: &str,
) -> Result<(), ServiceError> {
    audit::record(
        db,
        request,
        AuditAction::ClaimAsked,
        CLAIMANT,
        request.actor.require_parent().ok(),
        serde_json::json!({ "held": held, "outcome": outcome }),
    )
    .await
}

/// Sets `row` aside for the bureau: the state it had kept, the child's number and the
/// account's place released. Only as read: changed since (reviewed, sent, admitted), it
/// is left as it is and nothing is set aside.
fn set_aside(
    row: &registration::Model,
    now: DateTime<Utc>,
) -> sea_orm::UpdateMany<registration::Entity> {
    registrations::change(row.id, Some(row.version), now)
        .col_expr(
            registration::Column::State,
            Expr::value(RegistrationState::SetAside),
        )
        .col_expr(registration::Column::SetAsideFrom, Expr::value(row.state))
        .col_expr(
            registration::Column::ActiveChildKey,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            registration::Column::ActiveSlot,
            Expr::value(Option::<String>::None),
        )
}

/// The claims set aside in the caller's bureau, newest first.
pub async fn set_aside_claims(
    db: &impl ConnectionTrait,
    request: &Request,
) -> Result<Vec<SetAsideClaim>, ServiceError> {
    let (_, bureau) = admin_bureau(db, &request.actor).await?;
    let offset = offset_of(&bureau);
    let schools = school::Entity::find()
        .filter(school::Column::BureauId.eq(bureau.id))
        .all(db)
        .await?;
    let rows = registration::Entity::find()
        .filter(registration::Column::State.eq(RegistrationState::SetAside))
        .filter(registration::Column::SchoolId.is_in(schools.iter().map(|s| s.id)))
        .order_by_desc(registration::Column::UpdatedAt)
        .all(db)
        .await?;
    let mut claims = Vec::with_capacity(rows.len());
    for row in &rows {
        let key = registrations::child_key(&registrations::child_id_of(row)?, row.school_year)?;
        let claimed_by = registration::Entity::find()
            .filter(registration::Column::ActiveChildKey.eq(key))
            .one(db)
            .await?
            .map(|r| r.reference);
        let school = schools.iter().find(|s| s.id == row.school_id);
        claims.push(SetAsideClaim {
            id: row.id,
            reference: row.reference.clone(),
            child_masked_id: registrations::masked_child(row, request.now),
            school: school
                .map(|s| LocalizedText::new(&s.name_zh, &s.name_en))
                .unwrap_or_default(),
            from_state: row.set_aside_from,
            set_aside_at: registrations::local_time(row.updated_at, offset),
            claimed_by,
        });
    }
    audit::record_list(
        db,
        request,
        AuditAction::ListSetAside,
        "bureau",
        Some(bureau.id),
        &rows.iter().map(|r| r.id).collect::<Vec<_>>(),
        serde_json::json!({}),
    )
    .await?;
    Ok(claims)
}

/// The bureau's decision on a claim set aside: `restore` gives the child back to it (and
/// sets the confirmed parent's registration aside in turn); otherwise the set-aside
/// registration is closed for good. Either way its owner is told.
pub async fn decide_set_aside(
    db: &DatabaseConnection,
    request: &Request,
    id: i32,
    restore: bool,
) -> Result<(), ServiceError> {
    let now = request.now;
    let (_, bureau) = admin_bureau(db, &request.actor).await?;
    let row = registration::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|r| r.state == RegistrationState::SetAside)
        .ok_or(ServiceError::NotFound)?;
    let school = school::Entity::find_by_id(row.school_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if school.bureau_id != bureau.id {
        return Err(ServiceError::NotFound);
    }
    let child_key = registrations::child_key(&registrations::child_id_of(&row)?, row.school_year)?;
    let claimant = registration::Entity::find()
        .filter(registration::Column::ActiveChildKey.eq(child_key.as_str()))
        .one(db)
        .await?;
    // Both schools' lists, in one order so that two restores cannot wait on each other.
    let txn = db.begin().await?;
    let mut lists = vec![row.school_id];
    if restore {
        lists.extend(claimant.as_ref().map(|c| c.school_id));
    }
    lists.sort_unstable();
    lists.dedup();
    for school_id in lists {
        crate::server::services::admission::hold_list(&txn, school_id).await?;
    }
    let (state, note) = if restore {
        // Sent to the school before it was set aside, it would come back to a list that a
        // draw has closed meanwhile: neither reviewed nor drawn.
        if row
            .set_aside_from
            .is_some_and(|from| from != RegistrationState::Draft)
            && crate::server::services::draws::closes_list_of(&txn, &row).await?
        {
            return Err(ServiceError::invalid(
                "registration",
                "该校本年级的派位名单已经确定，原报名不能恢复；请与两个家庭联系另行处理。",
                "The school's draw list for the grade is committed since: the registration cannot be restored. Settle it with both families.",
            ));
        }
        let claimant = registration::Entity::find()
            .filter(registration::Column::ActiveChildKey.eq(child_key.as_str()))
            .one(&txn)
            .await?;
        if let Some(claimant) = &claimant {
            // The confirmed parent's registration, admitted or drawn since, is not undone
            // from here either.
            if decided_or_drawn(&txn, claimant).await? {
                return Err(ServiceError::invalid(
                    "registration",
                    "户籍确认的父母所报的名已进入录取或派位，原报名不能恢复；请与两个家庭联系另行处理。",
                    "The registration of the parent the register confirms is already in admissions or a draw: this one cannot be restored. Settle it with both families.",
                ));
            }
            if set_aside(claimant, now).exec(&txn).await?.rows_affected != 1 {
                return Err(ServiceError::Conflict);
            }
        }
        let state = row.set_aside_from.unwrap_or(RegistrationState::Draft);
        (state, "restored")
    } else {
        (RegistrationState::Deleted, "upheld")
    };
    let slot = if restore {
        free_slot(&txn, row.account_id, row.school_year).await?
    } else {
        None
    };
    if restore && slot.is_none() {
        return Err(ServiceError::invalid(
            "registration",
            "原注册人的账号本学年已有 3 个报名，无法恢复。",
            "The original account already holds 3 registrations this school year: it cannot be restored.",
        ));
    }
    let done = registrations::change(row.id, Some(row.version), now)
        .col_expr(registration::Column::State, Expr::value(state))
        .col_expr(
            registration::Column::SetAsideFrom,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            registration::Column::ActiveChildKey,
            Expr::value(restore.then(|| child_key.clone())),
        )
        .col_expr(registration::Column::ActiveSlot, Expr::value(slot))
        .col_expr(
            registration::Column::DeletedAt,
            Expr::value((!restore).then_some(now)),
        )
        .exec(&txn)
        .await
        .map_err(|error| {
            // The free place taken by a registration the account started meanwhile.
            if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
                ServiceError::Conflict
            } else {
                error.into()
            }
        })?;
    if done.rows_affected == 0 {
        return Err(ServiceError::Conflict);
    }
    if !restore {
        // Closed for good: its on-site time goes back to the point.
        crate::server::services::appointments::release_for(&txn, row.id).await?;
    }
    let (title, body) = if restore {
        (
            LocalizedText::new("报名已恢复", "Registration restored"),
            LocalizedText::new(
                &format!("教体局已恢复您的报名 {}。", row.reference),
                &format!("The bureau restored your registration {}.", row.reference),
            ),
        )
    } else {
        (
            LocalizedText::new("报名已关闭", "Registration closed"),
            LocalizedText::new(
                &format!(
                    "教体局核实后，由户籍登记确认的孩子父母报名，您的报名 {} 已关闭。如有疑问，请联系教体局。",
                    row.reference
                ),
                &format!(
                    "After checking, the bureau kept the registration of the parent the household register confirms; your registration {} is closed. Questions: contact the bureau.",
                    row.reference
                ),
            ),
        )
    };
    notify::send(
        &txn,
        Notice {
            account_id: row.account_id,
            registration_id: Some(row.id),
            title,
            body,
            sms: None,
            dedupe_key: format!("set-aside-decided:{}:{}", row.id, row.version),
        },
        now,
    )
    .await?;
    audit::record(
        &txn,
        request,
        AuditAction::RegistrationSetAsideDecided,
        "registration",
        Some(row.id),
        serde_json::json!({ "decision": note }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A free place among the account's three, as `active_slot` names it.
async fn free_slot(
    db: &impl ConnectionTrait,
    account_id: i32,
    school_year: i32,
) -> Result<Option<String>, ServiceError> {
    let taken: Vec<Option<String>> = registration::Entity::find()
        .filter(registration::Column::AccountId.eq(account_id))
        .filter(registration::Column::SchoolYear.eq(school_year))
        .filter(registration::Column::ActiveSlot.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.active_slot)
        .collect();
    Ok(
        (1..=crate::domain::registration::MAX_REGISTRATIONS_PER_ACCOUNT)
            .map(|slot| registrations::slot_key(account_id, school_year, slot))
            .find(|slot| !taken.iter().any(|t| t.as_deref() == Some(slot.as_str()))),
    )
}
