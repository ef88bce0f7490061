//! On-site appointments (Jinan 10): a migrant family, after submitting online, books a
//! time at a registration point of the bureau; the point's staff see their own point's
//! appointments only and check families in. Places are claimed by a conditional update,
//! so a slot is never overbooked however many book at once.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionSession, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    api::appointments::{
        AppointmentOptions, AppointmentView, MOST_FOUND, ORIGINALS_NOTE_MAX, OnSiteView,
        OriginalsView, PointAppointment, PointDay, SlotView,
    },
    domain::{RegistrationState, SectionKind, StaffRole},
    i18n::LocalizedText,
    server::{
        entities::{
            appointment, appointment_slot, entry, registration, registration_point, school,
        },
        failure::ServiceError,
        infra::audit::{self, AuditAction, Request},
        infra::auth::Actor,
        services::registrations::{load_own, local_time, masked_child, offset_of},
    },
};

/// Whether a registration's entry calls for an on-site appointment: the migrant family's
/// entries, those that ask for the residence permit.
async fn needs_appointment(
    db: &impl ConnectionTrait,
    row: &registration::Model,
) -> Result<bool, ServiceError> {
    Ok(entry::Entity::find_by_id(row.entry_id)
        .one(db)
        .await?
        .is_some_and(|e| {
            SectionKind::parse_list(&e.sections).contains(&SectionKind::ResidencePermit)
        }))
}

/// Whether a registration is of a school year before the one its subsystem works on now:
/// the registration points' slots are this year's families'.
async fn past_year(
    db: &impl ConnectionTrait,
    row: &registration::Model,
    school: &school::Model,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    Ok(row.school_year
        < crate::server::services::admission::year_of(db, school, row.subsystem, now).await?)
}

/// A registration may book once submitted and while still in the running.
fn may_book(state: RegistrationState) -> bool {
    !NOT_BOOKABLE.contains(&state)
}

/// States in which a registration books no appointment: not sent yet, or no longer going
/// anywhere.
const NOT_BOOKABLE: [RegistrationState; 6] = [
    RegistrationState::Draft,
    RegistrationState::Deleted,
    RegistrationState::SetAside,
    RegistrationState::Rejected,
    RegistrationState::NotAdmitted,
    RegistrationState::PlaceDeclined,
];

fn slot_view(
    slot: &appointment_slot::Model,
    point: &registration_point::Model,
    offset: chrono::FixedOffset,
) -> SlotView {
    SlotView {
        id: slot.id,
        point: LocalizedText::new(&point.name_zh, &point.name_en),
        address: LocalizedText::new(&point.address_zh, &point.address_en),
        starts_at: local_time(slot.starts_at, offset),
        ends_at: local_time(slot.ends_at, offset),
        remaining: Ord::max(slot.capacity - slot.booked, 0),
    }
}

/// Where a registration's family stands on site, for its reviewer: `None` when its entry
/// needs no appointment.
pub(crate) async fn on_site_of(
    db: &impl ConnectionTrait,
    row: &registration::Model,
    offset: chrono::FixedOffset,
) -> Result<Option<OnSiteView>, ServiceError> {
    if !needs_appointment(db, row).await? {
        return Ok(None);
    }
    let Some(booked) = booked_for(db, row.id).await? else {
        // Nothing owed by a registration that can no longer book (rejected, set aside,
        // decided).
        return Ok(may_book(row.state).then_some(OnSiteView {
            booked: None,
            checked_in_at: None,
            originals: None,
        }));
    };
    let slot = appointment_slot::Entity::find_by_id(booked.slot_id)
        .one(db)
        .await?;
    let point = match &slot {
        Some(slot) => {
            registration_point::Entity::find_by_id(slot.point_id)
                .one(db)
                .await?
        }
        None => None,
    };
    Ok(Some(OnSiteView {
        booked: slot
            .zip(point)
            .map(|(slot, point)| slot_view(&slot, &point, offset)),
        checked_in_at: booked.checked_in_at.map(|at| local_time(at, offset)),
        originals: originals_of(&booked, offset),
    }))
}

/// What the point recorded of an appointment's original documents.
fn originals_of(a: &appointment::Model, offset: chrono::FixedOffset) -> Option<OriginalsView> {
    Some(OriginalsView {
        ok: a.originals_ok?,
        note: a.originals_note.clone().unwrap_or_default(),
        at: local_time(a.originals_checked_at?, offset),
    })
}

/// What the parent can book for a registration, and what they booked.
pub async fn options(
    db: &impl ConnectionTrait,
    actor: &Actor,
    registration_id: i32,
    now: DateTime<Utc>,
) -> Result<AppointmentOptions, ServiceError> {
    let row = load_own(db, actor, registration_id).await?;
    let needed = needs_appointment(db, &row).await?;
    let offset = offset_of(db, row.school_id).await?;
    let school = school::Entity::find_by_id(row.school_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let bureau = school.bureau_id;
    let past_year = past_year(db, &row, &school, now).await?;
    let bookable = needed && may_book(row.state) && !past_year;
    let points = registration_point::Entity::find()
        .filter(registration_point::Column::BureauId.eq(bureau))
        .all(db)
        .await?;
    let current = match booked_for(db, row.id).await? {
        Some(a) => {
            let slot = appointment_slot::Entity::find_by_id(a.slot_id)
                .one(db)
                .await?;
            slot.and_then(|slot| {
                let point = points.iter().find(|p| p.id == slot.point_id)?;
                Some(AppointmentView {
                    slot: slot_view(&slot, point, offset),
                    checked_in: a.checked_in_at.is_some(),
                })
            })
        }
        None => None,
    };
    let slots = if bookable {
        appointment_slot::Entity::find()
            .filter(appointment_slot::Column::PointId.is_in(points.iter().map(|p| p.id)))
            .filter(appointment_slot::Column::StartsAt.gt(now))
            // Full ones are left out: the times shown are those with a place.
            .filter(
                Expr::col(appointment_slot::Column::Booked)
                    .lt(Expr::col(appointment_slot::Column::Capacity)),
            )
            .order_by_asc(appointment_slot::Column::StartsAt)
            .all(db)
            .await?
            .iter()
            .filter_map(|slot| {
                let point = points.iter().find(|p| p.id == slot.point_id)?;
                Some(slot_view(slot, point, offset))
            })
            .take(60)
            .collect()
    } else {
        Vec::new()
    };
    Ok(AppointmentOptions {
        // A past year's registration shows the appointment it had, and offers none; so does
        // one whose entry stopped asking for it (the time booked can still be cancelled).
        needed: (needed && !past_year) || current.is_some(),
        bookable,
        set_aside: row.state == RegistrationState::SetAside,
        current,
        slots,
    })
}

/// Books (or moves) a registration's appointment into `slot_id`.
pub async fn book(
    db: &DatabaseConnection,
    request: &Request,
    registration_id: i32,
    slot_id: i32,
) -> Result<(), ServiceError> {
    let row = load_own(db, &request.actor, registration_id).await?;
    let school = school::Entity::find_by_id(row.school_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if past_year(db, &row, &school, request.now).await? {
        return Err(ServiceError::invalid(
            "slot",
            &format!("这是 {} 学年的报名，不能再预约现场登记。", row.school_year),
            &format!(
                "This registration is of the {} school year: it can no longer book an on-site appointment.",
                row.school_year
            ),
        ));
    }
    if !needs_appointment(db, &row).await? || !may_book(row.state) {
        return Err(ServiceError::invalid(
            "slot",
            "这条报名无需或不能预约现场登记。",
            "This registration does not need, or cannot book, an on-site appointment.",
        ));
    }
    let slot = appointment_slot::Entity::find_by_id(slot_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let point = registration_point::Entity::find_by_id(slot.point_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if point.bureau_id != school.bureau_id || slot.starts_at <= request.now {
        return Err(ServiceError::NotFound);
    }
    // The transaction starts by writing, so that on SQLite two bookings queue for the write
    // lock instead of both holding a read lock and failing to upgrade. It holds the
    // registration's row: a second press of the same booking, or a delete from another
    // device, waits here, and what it did is seen by the reads that follow.
    let txn = db.begin().await?;
    let held = crate::server::services::registrations::hold(row.id)
        .filter(registration::Column::State.is_not_in(NOT_BOOKABLE))
        .exec(&txn)
        .await?;
    if held.rows_affected != 1 {
        return Err(ServiceError::Conflict);
    }
    let old = booked_for(&txn, row.id).await?;
    if let Some(old) = &old {
        if old.checked_in_at.is_some() {
            return Err(checked_in_already());
        }
        if old.slot_id == slot_id {
            return Ok(());
        }
    }
    let claimed = appointment_slot::Entity::update_many()
        .col_expr(
            appointment_slot::Column::Booked,
            Expr::col(appointment_slot::Column::Booked).add(1),
        )
        .filter(appointment_slot::Column::Id.eq(slot_id))
        .filter(
            Expr::col(appointment_slot::Column::Booked)
                .lt(Expr::col(appointment_slot::Column::Capacity)),
        )
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(ServiceError::invalid(
            "slot",
            "这个时段已约满，请选择其他时段。",
            "This time is fully booked: choose another.",
        ));
    }
    if let Some(old) = &old
        && !release(&txn, old).await?
    {
        // Checked in or moved meanwhile: leave everything as it was.
        return Err(ServiceError::Conflict);
    }
    appointment::ActiveModel {
        registration_id: Set(row.id),
        slot_id: Set(slot_id),
        booked_at: Set(request.now),
        checked_in_at: Set(None),
        checked_in_by: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        request,
        AuditAction::AppointmentBook,
        "registration",
        Some(row.id),
        serde_json::json!({ "slot": slot_id }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Refused: the family has been seen at the point already.
fn checked_in_already() -> ServiceError {
    ServiceError::invalid(
        "slot",
        "您已在登记点签到，预约不能再取消或改约。",
        "You have been checked in at the point: the appointment can no longer be cancelled or moved.",
    )
}

/// The appointment a registration booked, if any (one at most).
pub(crate) async fn booked_for(
    db: &impl ConnectionTrait,
    registration_id: i32,
) -> Result<Option<appointment::Model>, ServiceError> {
    Ok(appointment::Entity::find()
        .filter(appointment::Column::RegistrationId.eq(registration_id))
        .one(db)
        .await?)
}

/// Deletes an appointment not yet checked in and gives its place back; `false` when it
/// was checked in or is gone.
pub(crate) async fn release(
    db: &impl ConnectionTrait,
    old: &appointment::Model,
) -> Result<bool, ServiceError> {
    let deleted = appointment::Entity::delete_many()
        .filter(appointment::Column::Id.eq(old.id))
        .filter(appointment::Column::CheckedInAt.is_null())
        .exec(db)
        .await?;
    if deleted.rows_affected != 1 {
        return Ok(false);
    }
    appointment_slot::Entity::update_many()
        .col_expr(
            appointment_slot::Column::Booked,
            Expr::col(appointment_slot::Column::Booked).sub(1),
        )
        .filter(appointment_slot::Column::Id.eq(old.slot_id))
        .filter(appointment_slot::Column::Booked.gt(0))
        .exec(db)
        .await?;
    Ok(true)
}

/// Gives back the place of a registration that ended (deleted, a claim upheld, a
/// rejection): the time is another family's, and the point's list no longer shows it. An
/// appointment the family came to is kept, as seen.
pub(crate) async fn release_for(
    db: &impl ConnectionTrait,
    registration_id: i32,
) -> Result<(), ServiceError> {
    if let Some(booked) = booked_for(db, registration_id).await? {
        release(db, &booked).await?;
    }
    Ok(())
}

/// Cancels a registration's appointment (before check-in).
pub async fn cancel(
    db: &DatabaseConnection,
    request: &Request,
    registration_id: i32,
) -> Result<(), ServiceError> {
    let row = load_own(db, &request.actor, registration_id).await?;
    let Some(old) = booked_for(db, row.id).await? else {
        return Ok(());
    };
    if old.checked_in_at.is_some() {
        return Err(checked_in_already());
    }
    let txn = db.begin().await?;
    if !release(&txn, &old).await? {
        return Err(ServiceError::Conflict);
    }
    audit::record(
        &txn,
        request,
        AuditAction::AppointmentCancel,
        "registration",
        Some(row.id),
        serde_json::json!({ "slot": old.slot_id }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// How many days back a point's search reaches.
const SEARCHED_DAYS_BACK: i64 = 30;

/// The instant a local day starts.
fn start_of_day(
    day: chrono::NaiveDate,
    offset: chrono::FixedOffset,
) -> Result<DateTime<Utc>, ServiceError> {
    chrono::TimeZone::from_local_datetime(&offset, &day.and_time(chrono::NaiveTime::MIN))
        .single()
        .map(|at| at.with_timezone(&Utc))
        .ok_or_else(|| ServiceError::Unexpected("a day without a start".into()))
}

/// A registration point and its bureau's clock (times are the bureau's, as everywhere).
async fn point_of(
    db: &impl ConnectionTrait,
    point_id: i32,
) -> Result<(registration_point::Model, chrono::FixedOffset), ServiceError> {
    let point = registration_point::Entity::find_by_id(point_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let offset = match crate::server::entities::bureau::Entity::find_by_id(point.bureau_id)
        .one(db)
        .await?
    {
        Some(b) => crate::server::services::bureau::offset_of(&b),
        None => chrono::Offset::fix(&Utc),
    };
    Ok((point, offset))
}

/// Whether a registration is the one a point's clerk looks for: its reference, or its
/// child's name, holds what was typed (spaces and letter case aside).
fn found(row: &registration::Model, find: &str) -> bool {
    let plain = |text: &str| -> String {
        text.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let find = plain(find);
    !find.is_empty()
        && (plain(&row.reference).contains(&find)
            || row
                .child_name
                .as_deref()
                .is_some_and(|name| plain(name).contains(&find)))
}

/// The calling point staff's point: one day's appointments (`date`, else today in the
/// point's clock), by time, and the days from today on that have any; or, with `find`,
/// those of the days ahead and the last 30 days whose reference or child's name holds it
/// (the first [`MOST_FOUND`]). The
/// registrations listed are recorded in the audit log (by id; what was typed is not kept).
pub async fn point_list(
    db: &impl ConnectionTrait,
    request: &Request,
    date: Option<chrono::NaiveDate>,
    find: Option<&str>,
) -> Result<PointDay, ServiceError> {
    let now = request.now;
    let staff = request.actor.require_role(&[StaffRole::PointStaff])?;
    let (point, offset) = point_of(db, staff.registration_point_id.unwrap_or(-1)).await?;
    let today = local_time(now, offset).date();
    let find = find.map(str::trim).filter(|find| !find.is_empty());
    // A family looked for may have come on another day than it booked, or come back: the
    // days ahead and the last weeks are searched (this season's, not years of history).
    let from = match find {
        Some(_) => today - chrono::Duration::days(SEARCHED_DAYS_BACK),
        None => date.map_or(today, |date| Ord::min(date, today)),
    };
    let slots = appointment_slot::Entity::find()
        .filter(appointment_slot::Column::PointId.eq(point.id))
        .filter(appointment_slot::Column::StartsAt.gte(start_of_day(from, offset)?))
        .order_by_asc(appointment_slot::Column::StartsAt)
        .all(db)
        .await?;
    let booked = appointment::Entity::find()
        .filter(appointment::Column::SlotId.is_in(slots.iter().map(|s| s.id)))
        .all(db)
        .await?;
    let registrations = registration::Entity::find()
        .filter(registration::Column::Id.is_in(booked.iter().map(|a| a.registration_id)))
        .all(db)
        .await?;
    // Every appointment still to be seen, or seen, with its day.
    let mut rows = Vec::new();
    for slot in &slots {
        let day = local_time(slot.starts_at, offset).date();
        for a in booked.iter().filter(|a| a.slot_id == slot.id) {
            let Some(r) = registrations.iter().find(|r| r.id == a.registration_id) else {
                continue;
            };
            // One deleted or rejected before its family came is not on the list (its place
            // was given back); one set aside or decided meanwhile is shown, not to be
            // checked in.
            if matches!(
                r.state,
                RegistrationState::Deleted | RegistrationState::Rejected
            ) && a.checked_in_at.is_none()
            {
                continue;
            }
            rows.push((day, slot, a, r));
        }
    }
    let mut days: BTreeMap<chrono::NaiveDate, u32> = BTreeMap::from([(today, 0)]);
    for (day, ..) in rows.iter().filter(|(day, ..)| *day >= today) {
        *days.entry(*day).or_default() += 1;
    }
    // Today's list; on a day without appointments (a weekend), the next day that has some
    // (the days counted start today).
    let date = date.unwrap_or_else(|| {
        days.iter()
            .find(|(_, count)| **count > 0)
            .map_or(today, |(day, _)| *day)
    });
    let mut list = Vec::new();
    let mut shown = Vec::new();
    let mut listed: Vec<_> = rows
        .into_iter()
        .filter(|(day, _, _, r)| match find {
            Some(find) => found(r, find),
            None => *day == date,
        })
        .collect();
    let mut more_found = false;
    if find.is_some() {
        // Today and the days ahead first, by time; then the days past, the latest first.
        listed.sort_by_key(|(day, slot, ..)| {
            (
                *day < today,
                if *day < today {
                    -slot.starts_at.timestamp()
                } else {
                    slot.starts_at.timestamp()
                },
            )
        });
        more_found = listed.len() > MOST_FOUND;
        listed.truncate(MOST_FOUND);
    }
    for (_, slot, a, r) in listed {
        shown.push(r.id);
        let checked_in_at = a.checked_in_at.map(|at| local_time(at, offset));
        list.push(PointAppointment {
            id: a.id,
            slot: slot_view(slot, &point, offset),
            reference: r.reference.clone(),
            child_name: r.child_name.clone().unwrap_or_default(),
            child_masked_id: masked_child(r, now),
            checked_in: a.checked_in_at.is_some(),
            checked_in_at,
            undoable: checked_in_at.is_some_and(|at| at.date() == today) && may_book(r.state),
            originals: originals_of(a, offset),
            originals_checkable: a.checked_in_at.is_some()
                && ORIGINALS_CHECKABLE.contains(&r.state),
            in_running: may_book(r.state),
            state: r.state,
        });
    }
    audit::record_list(
        db,
        request,
        AuditAction::ListPointAppointments,
        "registration_point",
        Some(point.id),
        &shown,
        match find {
            Some(_) => serde_json::json!({ "search": true }),
            None => serde_json::json!({ "date": date.to_string() }),
        },
    )
    .await?;
    Ok(PointDay {
        point: LocalizedText::new(&point.name_zh, &point.name_en),
        date,
        days: days.into_iter().collect(),
        find: find.map(str::to_owned),
        more_found,
        appointments: list,
    })
}

/// An appointment of the calling point staff's own point, with its slot (another point's
/// is not even shown to exist).
async fn at_own_point<'a>(
    db: &impl ConnectionTrait,
    request: &'a Request,
    appointment_id: i32,
) -> Result<
    (
        &'a crate::server::infra::auth::StaffActor,
        appointment::Model,
        appointment_slot::Model,
    ),
    ServiceError,
> {
    let staff = request.actor.require_role(&[StaffRole::PointStaff])?;
    let a = appointment::Entity::find_by_id(appointment_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let slot = appointment_slot::Entity::find_by_id(a.slot_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if staff.registration_point_id != Some(slot.point_id) {
        return Err(ServiceError::NotFound);
    }
    Ok((staff, a, slot))
}

/// Holds a registration's row while it is still in the running: a decision taken at the
/// same moment is seen, or waits. Otherwise refused in the words given.
async fn hold_in_running(
    txn: &impl ConnectionTrait,
    registration_id: i32,
    zh: &str,
    en: &str,
) -> Result<(), ServiceError> {
    let held = crate::server::services::registrations::hold(registration_id)
        .filter(registration::Column::State.is_not_in(NOT_BOOKABLE))
        .exec(txn)
        .await?;
    match held.rows_affected {
        1 => Ok(()),
        _ => Err(ServiceError::invalid("appointment", zh, en)),
    }
}

/// Checks a family in at the point (its own point's appointments only).
pub async fn check_in(
    db: &(impl ConnectionTrait + TransactionTrait),
    request: &Request,
    appointment_id: i32,
) -> Result<(), ServiceError> {
    let (staff, a, _) = at_own_point(db, request, appointment_id).await?;
    if a.checked_in_at.is_some() {
        return Ok(());
    }
    // Once, whoever presses: a second desk, or the family moving the appointment meanwhile,
    // leaves nothing to check in. The registration's row is held first: a decision taken
    // at the same moment is seen, or waits.
    let txn = db.begin().await?;
    hold_in_running(
        &txn,
        a.registration_id,
        "这份报名已被搁置或已有结果，不能签到；请家长联系教体局。",
        "This registration is set aside or decided: it cannot be checked in. The family should contact the bureau.",
    )
    .await?;
    let done = appointment::Entity::update_many()
        .col_expr(
            appointment::Column::CheckedInAt,
            Expr::value(Some(request.now)),
        )
        .col_expr(
            appointment::Column::CheckedInBy,
            Expr::value(Some(staff.account_id)),
        )
        .filter(appointment::Column::Id.eq(appointment_id))
        .filter(appointment::Column::CheckedInAt.is_null())
        .exec(&txn)
        .await?;
    if done.rows_affected != 1 {
        let now_there = appointment::Entity::find_by_id(appointment_id)
            .one(&txn)
            .await?;
        return match now_there {
            Some(a) if a.checked_in_at.is_some() => Ok(()),
            _ => Err(ServiceError::Conflict),
        };
    }
    audit::record(
        &txn,
        request,
        AuditAction::AppointmentCheckIn,
        "registration",
        Some(a.registration_id),
        serde_json::json!({ "appointment": appointment_id }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Takes back a check-in its point made by mistake (the wrong row tapped), on the day it
/// was made and while the registration is still in the running: the family is again to be
/// checked in, and may again move its time. A check-in of an earlier day stays.
pub async fn undo_check_in(
    db: &(impl ConnectionTrait + TransactionTrait),
    request: &Request,
    appointment_id: i32,
) -> Result<(), ServiceError> {
    let (_, a, slot) = at_own_point(db, request, appointment_id).await?;
    let (_, offset) = point_of(db, slot.point_id).await?;
    let today = start_of_day(local_time(request.now, offset).date(), offset)?;
    let txn = db.begin().await?;
    // As by a check-in: a decided family's check-in is not taken back (it could not be
    // checked in again).
    hold_in_running(
        &txn,
        a.registration_id,
        "这份报名已被搁置或已有结果，签到不能撤销。",
        "This registration is set aside or decided: its check-in cannot be taken back.",
    )
    .await?;
    // What was recorded of the originals goes with it (the family was not seen).
    let done = appointment::Entity::update_many()
        .col_expr(
            appointment::Column::CheckedInAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            appointment::Column::CheckedInBy,
            Expr::value(Option::<i32>::None),
        )
        .col_expr(
            appointment::Column::OriginalsOk,
            Expr::value(Option::<bool>::None),
        )
        .col_expr(
            appointment::Column::OriginalsNote,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            appointment::Column::OriginalsCheckedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            appointment::Column::OriginalsCheckedBy,
            Expr::value(Option::<i32>::None),
        )
        .filter(appointment::Column::Id.eq(appointment_id))
        .filter(appointment::Column::CheckedInAt.gte(today))
        .exec(&txn)
        .await?;
    if done.rows_affected != 1 {
        let now_there = appointment::Entity::find_by_id(appointment_id)
            .one(&txn)
            .await?;
        return match now_there {
            // Not checked in (taken back meanwhile by another desk): the same outcome.
            Some(a) if a.checked_in_at.is_none() => Ok(()),
            Some(_) => Err(ServiceError::invalid(
                "appointment",
                "只能撤销当天的签到。",
                "Only a check-in made today can be taken back.",
            )),
            None => Err(ServiceError::NotFound),
        };
    }
    audit::record(
        &txn,
        request,
        AuditAction::AppointmentCheckInUndo,
        "registration",
        Some(a.registration_id),
        serde_json::json!({ "appointment": appointment_id, "checked_in_at": a.checked_in_at }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Whether the registration point found a problem in the registration's originals.
pub(crate) async fn originals_problem(
    db: &impl ConnectionTrait,
    registration_id: i32,
) -> Result<bool, ServiceError> {
    Ok(appointment::Entity::find()
        .filter(appointment::Column::RegistrationId.eq(registration_id))
        .filter(appointment::Column::OriginalsOk.eq(false))
        .one(db)
        .await?
        .is_some())
}

/// The states in which a point's check of the originals can be recorded: before the school's
/// review is over, so that a reviewer reads it.
pub(crate) const ORIGINALS_CHECKABLE: [RegistrationState; 4] = [
    RegistrationState::Submitted,
    RegistrationState::FirstReviewPassed,
    RegistrationState::ChangesRequested,
    RegistrationState::Resubmitted,
];

/// States in which the registration waits for a reviewer (the parent is not changing it).
const AWAITING_REVIEWER: [RegistrationState; 3] = [
    RegistrationState::Submitted,
    RegistrationState::FirstReviewPassed,
    RegistrationState::Resubmitted,
];

/// Records what the point found checking a checked-in family's original documents: they
/// match (`ok`), or a problem, which `note` must say (the reviewers read it; a note is kept
/// only with a problem). It can be recorded again (a second look) until the school's review
/// is over. A registration waiting for a reviewer moves to a new version: a reviewer's page
/// read before is stale, and a decision from it is refused until it is read again.
pub async fn record_originals(
    db: &(impl ConnectionTrait + TransactionTrait),
    request: &Request,
    appointment_id: i32,
    ok: Option<bool>,
    note: &str,
) -> Result<(), ServiceError> {
    let (staff, a, _) = at_own_point(db, request, appointment_id).await?;
    let Some(ok) = ok else {
        return Err(ServiceError::invalid(
            "ok",
            "请选择核验结果：原件无误，或原件有问题。",
            "Choose what the check found: the originals match, or there is a problem.",
        ));
    };
    let note = if ok { "" } else { note.trim() };
    if !ok && note.is_empty() {
        return Err(ServiceError::invalid(
            "note",
            "请写明原件的问题，学校审核时会看到。",
            "Say what the problem is: the school's reviewer reads it.",
        ));
    }
    if note.chars().count() > ORIGINALS_NOTE_MAX {
        return Err(ServiceError::invalid(
            "note",
            "说明太长：请在 200 字以内写明。",
            "The note is too long: 200 characters at most.",
        ));
    }
    let txn = db.begin().await?;
    let moved = crate::server::services::registrations::change_all(request.now)
        .filter(registration::Column::Id.eq(a.registration_id))
        .filter(registration::Column::State.is_in(AWAITING_REVIEWER))
        .exec(&txn)
        .await?;
    let held = match moved.rows_affected {
        1 => 1,
        // Sent back to the parent for changes: held without a new version, which would
        // turn the parent's next save into a conflict.
        _ => {
            crate::server::services::registrations::hold(a.registration_id)
                .filter(registration::Column::State.is_in(ORIGINALS_CHECKABLE))
                .exec(&txn)
                .await?
                .rows_affected
        }
    };
    if held != 1 {
        return Err(ServiceError::invalid(
            "appointment",
            "这份报名已审核完毕或已被搁置，不能再记录核验结果；如原件有问题，请联系学校。",
            "This registration's review is over, or it is set aside: no check can be recorded now. Tell the school of any problem.",
        ));
    }
    let done = appointment::Entity::update_many()
        .col_expr(appointment::Column::OriginalsOk, Expr::value(Some(ok)))
        .col_expr(
            appointment::Column::OriginalsNote,
            Expr::value((!note.is_empty()).then(|| note.to_owned())),
        )
        .col_expr(
            appointment::Column::OriginalsCheckedAt,
            Expr::value(Some(request.now)),
        )
        .col_expr(
            appointment::Column::OriginalsCheckedBy,
            Expr::value(Some(staff.account_id)),
        )
        .filter(appointment::Column::Id.eq(appointment_id))
        .filter(appointment::Column::CheckedInAt.is_not_null())
        .exec(&txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(ServiceError::invalid(
            "appointment",
            "请先为这个家庭签到，再记录原件核验结果。",
            "Check the family in first, then record what the originals showed.",
        ));
    }
    // The note is the point's words about a family: the log keeps that it was written,
    // not what it says.
    audit::record(
        &txn,
        request,
        AuditAction::OriginalsChecked,
        "registration",
        Some(a.registration_id),
        serde_json::json!({ "appointment": appointment_id, "ok": ok }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
