//! Appointment slots as the bureau edits them: times at its registration points with their
//! places. A slot's places never go below those booked (a conditional update: a booking
//! landing meanwhile is never lost), and only a slot nobody booked can be removed.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait, sea_query::Expr,
};

use crate::{
    api::appointments::{PointSlots, SlotAdmin},
    domain::StaffRole,
    error::FieldProblem,
    i18n::LocalizedText,
    server::{
        entities::{appointment_slot, bureau, registration_point},
        failure::ServiceError,
        infra::audit::{self, AuditAction, Request},
        services::bureau::offset_of,
    },
};

/// Most places in one slot.
const MAX_CAPACITY: i32 = 500;
/// Most days one request adds slots on.
const MAX_DAYS: i64 = 62;

/// The days to add a slot on: local dates `YYYY-MM-DD`, both included.
#[derive(Clone, Debug)]
pub struct Days {
    pub from: String,
    pub to: String,
    /// Saturdays and Sundays too.
    pub weekends: bool,
}

/// A point of the administrator's bureau, with that bureau.
async fn own_point(
    db: &impl ConnectionTrait,
    request: &Request,
    point_id: i32,
) -> Result<(registration_point::Model, bureau::Model), ServiceError> {
    request.actor.require_role(&[StaffRole::BureauAdmin])?;
    let point = registration_point::Entity::find_by_id(point_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    request.actor.require_bureau_admin_of(point.bureau_id)?;
    let bureau = bureau::Entity::find_by_id(point.bureau_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok((point, bureau))
}

/// A slot of the administrator's bureau, with its point and bureau.
async fn own_slot(
    db: &impl ConnectionTrait,
    request: &Request,
    slot_id: i32,
) -> Result<(appointment_slot::Model, bureau::Model), ServiceError> {
    request.actor.require_role(&[StaffRole::BureauAdmin])?;
    let slot = appointment_slot::Entity::find_by_id(slot_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let (_, bureau) = own_point(db, request, slot.point_id).await?;
    Ok((slot, bureau))
}

/// The bureau's points, each with its slots from today on, in time order.
pub async fn points(
    db: &impl ConnectionTrait,
    request: &Request,
) -> Result<Vec<PointSlots>, ServiceError> {
    let staff = request.actor.require_role(&[StaffRole::BureauAdmin])?;
    let mut points =
        registration_point::Entity::find().order_by_asc(registration_point::Column::Id);
    if let Some(bureau) = staff.bureau_id {
        points = points.filter(registration_point::Column::BureauId.eq(bureau));
    }
    let points = points.all(db).await?;
    let bureaus = bureau::Entity::find().all(db).await?;
    let since = request.now - Duration::hours(24);
    let slots = appointment_slot::Entity::find()
        .filter(appointment_slot::Column::PointId.is_in(points.iter().map(|p| p.id)))
        .filter(appointment_slot::Column::EndsAt.gt(since))
        .order_by_asc(appointment_slot::Column::StartsAt)
        .all(db)
        .await?;
    Ok(points
        .into_iter()
        .map(|point| {
            let offset = bureaus
                .iter()
                .find(|b| b.id == point.bureau_id)
                .map_or(chrono::Offset::fix(&Utc), offset_of);
            let today = request.now.with_timezone(&offset).date_naive();
            PointSlots {
                id: point.id,
                name: LocalizedText::new(&point.name_zh, &point.name_en),
                address: LocalizedText::new(&point.address_zh, &point.address_en),
                slots: slots
                    .iter()
                    .filter(|s| s.point_id == point.id)
                    .filter(|s| s.starts_at.with_timezone(&offset).date_naive() >= today)
                    .map(|s| {
                        let starts = s.starts_at.with_timezone(&offset);
                        SlotAdmin {
                            id: s.id,
                            date: starts.format("%Y-%m-%d").to_string(),
                            starts: starts.format("%H:%M").to_string(),
                            ends: s.ends_at.with_timezone(&offset).format("%H:%M").to_string(),
                            capacity: s.capacity,
                            booked: s.booked,
                        }
                    })
                    .collect(),
            }
        })
        .collect())
}

fn date(field: &str, text: &str) -> Result<NaiveDate, FieldProblem> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| FieldProblem::new(field, "请选择日期。", "Choose a date."))
}

fn time(field: &str, text: &str) -> Result<NaiveTime, FieldProblem> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| {
        FieldProblem::new(
            field,
            "请填写时间，例如 09:00。",
            "Enter a time, such as 09:00.",
        )
    })
}

/// The days and times asked for, checked: every problem at once.
fn plan(
    days: &Days,
    (starts, ends): (&str, &str),
    capacity: i32,
    today: NaiveDate,
) -> Result<(Vec<NaiveDate>, NaiveTime, NaiveTime), ServiceError> {
    let mut problems = Vec::new();
    let from = date("from", &days.from).map_err(|p| problems.push(p)).ok();
    let to = date("to", &days.to).map_err(|p| problems.push(p)).ok();
    let starts = time("starts", starts).map_err(|p| problems.push(p)).ok();
    let ends = time("ends", ends).map_err(|p| problems.push(p)).ok();
    if let (Some(starts), Some(ends)) = (starts, ends)
        && ends <= starts
    {
        problems.push(FieldProblem::new(
            "ends",
            "结束时间应晚于开始时间。",
            "The end must be after the start.",
        ));
    }
    if !(1..=MAX_CAPACITY).contains(&capacity) {
        problems.push(FieldProblem::new(
            "capacity",
            format!("每个时段可预约人数应在 1 到 {MAX_CAPACITY} 之间。"),
            format!("A slot takes 1 to {MAX_CAPACITY} families."),
        ));
    }
    if let Some(from) = from
        && from < today
    {
        problems.push(FieldProblem::new(
            "from",
            "开始日期已经过去，请从今天或以后开始。",
            "That day has passed: start today or later.",
        ));
    }
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            problems.push(FieldProblem::new(
                "to",
                "结束日期应不早于开始日期。",
                "The last day cannot be before the first.",
            ));
        } else if (to - from).num_days() >= MAX_DAYS {
            problems.push(FieldProblem::new(
                "to",
                format!("一次最多安排 {MAX_DAYS} 天。"),
                format!("At most {MAX_DAYS} days at a time."),
            ));
        }
    }
    match (from, to, starts, ends) {
        (Some(from), Some(to), Some(starts), Some(ends)) if problems.is_empty() => {
            let dates: Vec<NaiveDate> = from
                .iter_days()
                .take_while(|d| *d <= to)
                .filter(|d| days.weekends || !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
                .collect();
            if dates.is_empty() {
                return Err(ServiceError::invalid(
                    "to",
                    "所选日期都是周末：请勾选“周末也安排”，或换一段日期。",
                    "Every day chosen is a weekend: tick “weekends too”, or choose other days.",
                ));
            }
            Ok((dates, starts, ends))
        }
        _ => Err(ServiceError::Invalid(problems)),
    }
}

/// Adds a slot on each of the days at a point of the administrator's bureau; a time the
/// point already has is left as it is. Returns how many were added.
pub async fn add(
    db: &DatabaseConnection,
    request: &Request,
    point_id: i32,
    days: &Days,
    times: (&str, &str),
    capacity: i32,
) -> Result<usize, ServiceError> {
    let (point, bureau) = own_point(db, request, point_id).await?;
    let offset = offset_of(&bureau);
    let today = request.now.with_timezone(&offset).date_naive();
    let (dates, starts, ends) = plan(days, times, capacity, today)?;
    let at = |day: NaiveDate, time: NaiveTime| -> Result<DateTime<Utc>, ServiceError> {
        offset
            .from_local_datetime(&day.and_time(time))
            .single()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| ServiceError::Unexpected("a local time that does not exist".into()))
    };
    // The point's row first: a second press (or a second administrator) adding the same
    // days waits, then finds the times taken instead of adding each one twice.
    let txn = db.begin().await?;
    registration_point::Entity::update_many()
        .col_expr(
            registration_point::Column::Id,
            Expr::col(registration_point::Column::Id),
        )
        .filter(registration_point::Column::Id.eq(point.id))
        .exec(&txn)
        .await?;
    let existing: Vec<DateTime<Utc>> = appointment_slot::Entity::find()
        .filter(appointment_slot::Column::PointId.eq(point.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| s.starts_at)
        .collect();
    let mut added = 0;
    for day in &dates {
        let (from, until) = (at(*day, starts)?, at(*day, ends)?);
        if from <= request.now || existing.contains(&from) {
            continue;
        }
        appointment_slot::ActiveModel {
            point_id: Set(point.id),
            starts_at: Set(from),
            ends_at: Set(until),
            capacity: Set(capacity),
            booked: Set(0),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        added += 1;
    }
    audit::record(
        &txn,
        request,
        AuditAction::SlotsAdd,
        "registration_point",
        Some(point.id),
        serde_json::json!({
            "from": days.from.trim(),
            "to": days.to.trim(),
            "starts": starts.format("%H:%M").to_string(),
            "ends": ends.format("%H:%M").to_string(),
            "capacity": capacity,
            "added": added,
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(added)
}

/// Changes a slot's places; refused below the places already booked, checked in the same
/// statement that writes.
pub async fn set_capacity(
    db: &DatabaseConnection,
    request: &Request,
    slot_id: i32,
    capacity: i32,
) -> Result<(), ServiceError> {
    let (slot, _) = own_slot(db, request, slot_id).await?;
    if !(1..=MAX_CAPACITY).contains(&capacity) {
        return Err(ServiceError::invalid(
            "capacity",
            &format!("每个时段可预约人数应在 1 到 {MAX_CAPACITY} 之间；不再需要的时段请删除。"),
            &format!("A slot takes 1 to {MAX_CAPACITY} families; remove a slot no longer needed."),
        ));
    }
    let txn = db.begin().await?;
    let changed = appointment_slot::Entity::update_many()
        .col_expr(appointment_slot::Column::Capacity, Expr::value(capacity))
        .filter(appointment_slot::Column::Id.eq(slot.id))
        .filter(appointment_slot::Column::Booked.lte(capacity))
        .exec(&txn)
        .await?;
    if changed.rows_affected != 1 {
        let booked = appointment_slot::Entity::find_by_id(slot.id)
            .one(&txn)
            .await?
            .map_or(slot.booked, |s| s.booked);
        return Err(ServiceError::invalid(
            "capacity",
            &format!("这个时段已有 {booked} 户预约，可预约人数不能少于 {booked}。"),
            &format!(
                "{booked} families have booked this slot: it cannot take fewer than {booked}."
            ),
        ));
    }
    audit::record(
        &txn,
        request,
        AuditAction::SlotCapacity,
        "appointment_slot",
        Some(slot.id),
        serde_json::json!({ "from": slot.capacity, "to": capacity }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Removes a slot nobody booked, checked in the same statement that deletes.
pub async fn remove(
    db: &DatabaseConnection,
    request: &Request,
    slot_id: i32,
) -> Result<(), ServiceError> {
    let (slot, _) = own_slot(db, request, slot_id).await?;
    let txn = db.begin().await?;
    let removed = appointment_slot::Entity::delete_many()
        .filter(appointment_slot::Column::Id.eq(slot.id))
        .filter(appointment_slot::Column::Booked.eq(0))
        .exec(&txn)
        .await?;
    if removed.rows_affected != 1 {
        return Err(ServiceError::invalid(
            "slot",
            "这个时段已有家庭预约，不能删除；可以不再增加名额。",
            "Families have booked this slot: it cannot be removed.",
        ));
    }
    audit::record(
        &txn,
        request,
        AuditAction::SlotRemove,
        "appointment_slot",
        Some(slot.id),
        serde_json::json!({ "point": slot.point_id, "starts_at": slot.starts_at }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(from: &str, to: &str, weekends: bool) -> Days {
        Days {
            from: from.into(),
            to: to.into(),
            weekends,
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default()
    }

    #[test]
    fn weekdays_of_a_fortnight_are_ten_days() {
        let (dates, starts, ends) = plan(
            &days("2026-12-07", "2026-12-20", false),
            ("09:00", "11:30"),
            20,
            today(),
        )
        .expect("a plan");
        assert_eq!(dates.len(), 10);
        assert!(
            dates
                .iter()
                .all(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        );
        assert_eq!(
            (starts.to_string(), ends.to_string()),
            ("09:00:00".into(), "11:30:00".into())
        );
        let (all, _, _) = plan(
            &days("2026-12-07", "2026-12-20", true),
            ("09:00", "11:30"),
            20,
            today(),
        )
        .expect("a plan");
        assert_eq!(all.len(), 14);
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let Err(ServiceError::Invalid(problems)) = plan(
            &days("2026-11-30", "", false),
            ("10:00", "09:00"),
            0,
            today(),
        ) else {
            panic!("refused");
        };
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["to", "ends", "capacity", "from"]);
    }

    #[test]
    fn only_weekend_days_are_refused_without_weekends() {
        assert!(
            plan(
                &days("2026-12-05", "2026-12-06", false),
                ("09:00", "10:00"),
                5,
                today()
            )
            .is_err()
        );
        assert!(
            plan(
                &days("2026-12-05", "2026-12-06", true),
                ("09:00", "10:00"),
                5,
                today()
            )
            .is_ok()
        );
        assert!(
            plan(
                &days("2026-12-01", "2027-03-01", true),
                ("09:00", "10:00"),
                5,
                today()
            )
            .is_err()
        );
    }
}
