//! Offers of the places a draw admitted (录取确认). When a school's results are published,
//! each child the draw admitted is offered the place until a deadline (the draw's
//! `answer_hours` after the publication). The parent accepts or declines; an offer nobody
//! answered expires. A declined or expired place goes down the draw's waiting list by the
//! draw's own rule (`draw::move_up`): the next unit whose children all fit is offered it,
//! with a notice and an SMS, and its own deadline.
//!
//! Every change of a draw's offers starts by bumping the draw's `moves` counter: the row
//! lock (PostgreSQL) or the write lock (SQLite) makes a parent's answer, a second parent's
//! and any number of workers on any number of instances take turns, and each reads the
//! offers afresh once it holds the lock. A place is offered once (one offer a
//! registration, ever), and each step is audited.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, Set, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    api::registrations::OfferView,
    domain::{
        RegistrationState, admission::OfferAnswer, dates::format_date_time, review::TimelineKind,
    },
    i18n::{Locale, LocalizedText},
    server::{
        entities::{draw, draw_entrant, offer, registration, school},
        failure::ServiceError,
        infra::audit::{self, AuditAction, Request},
        services::{
            draws,
            notify::{self, Notice},
            registrations::{self, local_time, offset_of},
        },
    },
};

/// How long parents have to answer when the bureau does not say.
pub const DEFAULT_ANSWER_HOURS: u32 = 72;

/// The longest answering time the bureau may set (30 days).
pub const MAX_ANSWER_HOURS: u32 = 720;

/// The offer of a registration, as its parent's page shows it.
pub(crate) async fn view_of(
    db: &impl ConnectionTrait,
    row: &registration::Model,
    now: DateTime<Utc>,
) -> Result<Option<OfferView>, ServiceError> {
    let Some(offer) = offer::Entity::find_by_id(row.id).one(db).await? else {
        return Ok(None);
    };
    let offset = offset_of(db, row.school_id).await?;
    Ok(Some(OfferView {
        deadline: local_time(offer.deadline, offset),
        answer: offer.answer,
        answered_at: offer.answered_at.map(|at| local_time(at, offset)),
        open: offer.answer.is_none() && offer.deadline > now,
    }))
}

/// Offers a draw's place to a registration (inside the transaction that admits it); the
/// deadline it is given.
pub(crate) async fn offer(
    txn: &DatabaseTransaction,
    draw: &draw::Model,
    registration_id: i32,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ServiceError> {
    let deadline = now + Duration::hours(i64::from(Ord::max(draw.answer_hours, 1)));
    offer::Entity::insert(offer::ActiveModel {
        registration_id: Set(registration_id),
        draw_id: Set(draw.id),
        offered_at: Set(now),
        deadline: Set(deadline),
        answer: Set(None),
        answered_at: Set(None),
    })
    .exec_without_returning(txn)
    .await?;
    Ok(deadline)
}

/// The parent accepts or declines the place offered to their registration, before the
/// deadline and once. A declined place goes down the waiting list in the same transaction.
pub async fn answer(
    db: &DatabaseConnection,
    request: &Request,
    registration_id: i32,
    accept: bool,
) -> Result<OfferView, ServiceError> {
    let row = registrations::load_own(db, &request.actor, registration_id).await?;
    let draw_id = offer::Entity::find_by_id(row.id)
        .one(db)
        .await?
        .map(|o| o.draw_id)
        .ok_or_else(no_offer)?;
    let now = request.now;
    let txn = db.begin().await?;
    let draw = take_turn(&txn, draw_id).await?;
    // Read again under the lock: another tab, the other parent or the worker may have been
    // first.
    let offer = offer::Entity::find_by_id(row.id)
        .one(&txn)
        .await?
        .ok_or_else(no_offer)?;
    if let Some(given) = offer.answer {
        return Err(ServiceError::invalid(
            "offer",
            &format!("这个学位已经有了答复：{}。", given.label().zh),
            &format!("This place was already answered: {}.", given.label().en),
        ));
    }
    if offer.deadline <= now {
        return Err(ServiceError::invalid(
            "offer",
            "确认期限已过，学位已按规定让给候补名单上的下一位。",
            "The time to answer is over: the place goes to the next on the waiting list.",
        ));
    }
    let (given, to, kind) = if accept {
        (
            OfferAnswer::Accepted,
            RegistrationState::Admitted,
            TimelineKind::PlaceAccepted,
        )
    } else {
        (
            OfferAnswer::Declined,
            RegistrationState::PlaceDeclined,
            TimelineKind::PlaceDeclined,
        )
    };
    settle(&txn, row.id, given, now).await?;
    let moved = registrations::change(row.id, None, now)
        .col_expr(registration::Column::State, Expr::value(to))
        .filter(registration::Column::State.eq(RegistrationState::Admitted))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(ServiceError::Unexpected(
            "an open offer on a registration that is not admitted".into(),
        ));
    }
    registrations::Step::plain(row.id, kind, RegistrationState::Admitted, to, now)
        .record(&txn)
        .await?;
    audit::record(
        &txn,
        request,
        AuditAction::OfferAnswered,
        "registration",
        Some(row.id),
        serde_json::json!({ "draw": draw.id, "answer": given.code() }),
    )
    .await?;
    if !accept {
        move_up(&txn, &draw, now).await?;
    }
    txn.commit().await?;
    tracing::info!(
        registration = row.id,
        answer = given.code(),
        "offer answered"
    );
    view_of(db, &row, now).await?.ok_or_else(no_offer)
}

/// Expires every offer whose deadline passed unanswered and moves each draw's waiting list
/// up; returns how many offers expired. Safe to run from any number of workers at once.
pub async fn settle_due(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<usize, ServiceError> {
    let mut draws: Vec<i32> = offer::Entity::find()
        .filter(offer::Column::Answer.is_null())
        .filter(offer::Column::Deadline.lte(now))
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.draw_id)
        .collect();
    draws.sort_unstable();
    draws.dedup();
    let mut expired = 0;
    for draw_id in draws {
        let txn = db.begin().await?;
        let draw = take_turn(&txn, draw_id).await?;
        let due = offer::Entity::find()
            .filter(offer::Column::DrawId.eq(draw_id))
            .filter(offer::Column::Answer.is_null())
            .filter(offer::Column::Deadline.lte(now))
            .all(&txn)
            .await?;
        let school = school_of(&txn, &draw).await?;
        let mut here = 0;
        for offer in due {
            settle(&txn, offer.registration_id, OfferAnswer::Expired, now).await?;
            let moved = registrations::change(offer.registration_id, None, now)
                .col_expr(
                    registration::Column::State,
                    Expr::value(RegistrationState::PlaceDeclined),
                )
                .filter(registration::Column::State.eq(RegistrationState::Admitted))
                .exec(&txn)
                .await?;
            if moved.rows_affected != 1 {
                continue;
            }
            let row = registration_of(&txn, offer.registration_id).await?;
            let (zh, en) = (
                format!(
                    "{}的学位未在确认期限内确认，已视为放弃，学位按候补顺序让给下一位。如有疑问，请联系教体局。",
                    school.name_zh
                ),
                format!(
                    "The place at {} was not accepted in time and was given up; it goes to the next on the waiting list. Questions: contact the bureau.",
                    school.name_en
                ),
            );
            let step = (
                RegistrationState::Admitted,
                RegistrationState::PlaceDeclined,
            );
            record_and_tell(&txn, &row, TimelineKind::PlaceExpired, step, (zh, en), now).await?;
            here += 1;
        }
        let offered = move_up(&txn, &draw, now).await?;
        if here == 0 && offered.is_empty() {
            // Another worker was first: nothing to record.
            txn.commit().await?;
            continue;
        }
        audit::record_system(
            &txn,
            AuditAction::OfferExpire,
            "draw",
            Some(draw_id),
            serde_json::json!({ "expired": here, "offered": offered }),
            now,
        )
        .await?;
        txn.commit().await?;
        if here > 0 {
            tracing::info!(draw = draw_id, expired = here, "offers expired");
        }
        expired += here;
    }
    Ok(expired)
}

/// Bumps the draw's `moves` first: whoever changes its offers holds the draw's row (or the
/// database's write lock) until it commits. The draw as it is then.
async fn take_turn(txn: &DatabaseTransaction, draw_id: i32) -> Result<draw::Model, ServiceError> {
    let bumped = draw::Entity::update_many()
        .col_expr(draw::Column::Moves, Expr::col(draw::Column::Moves).add(1))
        .filter(draw::Column::Id.eq(draw_id))
        .exec(txn)
        .await?;
    if bumped.rows_affected != 1 {
        return Err(ServiceError::NotFound);
    }
    draw::Entity::find_by_id(draw_id)
        .one(txn)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// Records an open offer's answer; refuses one already answered.
async fn settle(
    txn: &DatabaseTransaction,
    registration_id: i32,
    given: OfferAnswer,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let settled = offer::Entity::update_many()
        .col_expr(offer::Column::Answer, Expr::value(given))
        .col_expr(offer::Column::AnsweredAt, Expr::value(now))
        .filter(offer::Column::RegistrationId.eq(registration_id))
        .filter(offer::Column::Answer.is_null())
        .exec(txn)
        .await?;
    if settled.rows_affected == 1 {
        Ok(())
    } else {
        Err(ServiceError::Unexpected(
            "an offer answered while its draw was held".into(),
        ))
    }
}

/// Offers the places the draw's offers leave free down its waiting list; the registrations
/// offered one. Called holding the draw's turn.
async fn move_up(
    txn: &DatabaseTransaction,
    draw: &draw::Model,
    now: DateTime<Utc>,
) -> Result<Vec<i32>, ServiceError> {
    let Some(result) = &draw.result else {
        return Ok(Vec::new());
    };
    let allocation: ::draw::Allocation = draws::read_json(result)?;
    let tiers: Vec<::draw::Tier> = draws::read_json(&draw.tiers)?;
    let offers = offer::Entity::find()
        .filter(offer::Column::DrawId.eq(draw.id))
        .all(txn)
        .await?;
    let holding = offers
        .iter()
        .filter(|o| matches!(o.answer, None | Some(OfferAnswer::Accepted)))
        .count();
    let free = usize::try_from(draw.places)
        .unwrap_or(0)
        .saturating_sub(holding);
    if free == 0 {
        return Ok(Vec::new());
    }
    let offered: HashSet<i32> = offers.iter().map(|o| o.registration_id).collect();
    let entrants: Vec<i32> = draw_entrant::Entity::find()
        .filter(draw_entrant::Column::DrawId.eq(draw.id))
        .all(txn)
        .await?
        .into_iter()
        .map(|e| e.registration_id)
        .collect();
    let rows: HashMap<String, registration::Model> = registration::Entity::find()
        .filter(registration::Column::Id.is_in(entrants))
        .all(txn)
        .await?
        .into_iter()
        .map(|r| (r.reference.clone(), r))
        .collect();
    // Still waiting: published as not admitted and never offered a place.
    let waiting: Vec<::draw::Unit> = ::draw::waiting_units(&tiers, &allocation.waiting)
        .into_iter()
        .filter(|unit| {
            unit.references().iter().all(|reference| {
                rows.get(reference).is_some_and(|r| {
                    r.state == RegistrationState::NotAdmitted && !offered.contains(&r.id)
                })
            })
        })
        .collect();
    let school = school_of(txn, draw).await?;
    let offset = offset_of(txn, draw.school_id).await?;
    let mut moved = Vec::new();
    for unit in ::draw::move_up(&waiting, free) {
        for reference in unit.references() {
            let Some(row) = rows.get(reference) else {
                continue;
            };
            let changed = registrations::change(row.id, None, now)
                .col_expr(
                    registration::Column::State,
                    Expr::value(RegistrationState::Admitted),
                )
                .filter(registration::Column::State.eq(RegistrationState::NotAdmitted))
                .exec(txn)
                .await?;
            if changed.rows_affected != 1 {
                continue;
            }
            let deadline = offer(txn, draw, row.id, now).await?;
            let until = local_time(deadline, offset);
            let (until_zh, until_en) = (
                format_date_time(until, Locale::Zh),
                format_date_time(until, Locale::En),
            );
            let (zh, en) = (
                format!(
                    "候补递补：{}有学位空出，按派位候补顺序为您保留。请在 {until_zh} 前登录平台确认接受学位，逾期视为放弃。",
                    school.name_zh
                ),
                format!(
                    "Moved up from the waiting list: a place at {} is offered to you. Accept it on the platform before {until_en}; unanswered, it is given up.",
                    school.name_en
                ),
            );
            let step = (RegistrationState::NotAdmitted, RegistrationState::Admitted);
            record_and_tell(txn, row, TimelineKind::PlaceOffered, step, (zh, en), now).await?;
            moved.push(row.id);
        }
    }
    if !moved.is_empty() {
        audit::record_system(
            txn,
            AuditAction::OfferMoveUp,
            "draw",
            Some(draw.id),
            serde_json::json!({ "free": free, "offered": moved }),
            now,
        )
        .await?;
        tracing::info!(
            draw = draw.id,
            offered = moved.len(),
            "waiting list moved up"
        );
    }
    Ok(moved)
}

/// Records a step of an offer on the registration's timeline and tells its family, in the
/// app and by SMS (queued once for the step).
async fn record_and_tell(
    txn: &DatabaseTransaction,
    row: &registration::Model,
    kind: TimelineKind,
    (from, to): (RegistrationState, RegistrationState),
    (zh, en): (String, String),
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let event = registrations::Step::plain(row.id, kind, from, to, now)
        .record(txn)
        .await?;
    let parent = registrations::registrant_account(txn, row).await?;
    let body = LocalizedText::new(&zh, &en);
    let notice = Notice::review_event(&parent, row, kind, event.id, body, &zh);
    notify::send(txn, notice, now).await
}

async fn school_of(
    db: &impl ConnectionTrait,
    draw: &draw::Model,
) -> Result<school::Model, ServiceError> {
    school::Entity::find_by_id(draw.school_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

async fn registration_of(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<registration::Model, ServiceError> {
    registration::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

fn no_offer() -> ServiceError {
    ServiceError::invalid(
        "offer",
        "这个报名没有需要确认的学位。",
        "This registration has no place to answer.",
    )
}
