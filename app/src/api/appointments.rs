//! On-site appointments of migrant families and the registration points' day.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{error::AppError, i18n::LocalizedText};

/// A bookable time at a registration point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotView {
    pub id: i32,
    pub point: LocalizedText,
    pub address: LocalizedText,
    /// Local time (the point's district).
    pub starts_at: chrono::NaiveDateTime,
    pub ends_at: chrono::NaiveDateTime,
    pub remaining: i32,
}

/// The appointment a registration holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentView {
    pub slot: SlotView,
    pub checked_in: bool,
}

/// Where a family that must come on site stands, as the school's reviewer reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnSiteView {
    /// The time booked, if any.
    pub booked: Option<SlotView>,
    /// When the point checked the family in (local time).
    pub checked_in_at: Option<chrono::NaiveDateTime>,
    /// What the point found in the original documents, once recorded.
    pub originals: Option<OriginalsView>,
}

/// What a registration point found checking a family's original documents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginalsView {
    /// They match what was entered and uploaded.
    pub ok: bool,
    /// The problem found (or a remark), in the point's words.
    pub note: String,
    /// When it was recorded (the point's local time).
    pub at: chrono::NaiveDateTime,
}

/// The longest note a point writes on a family's original documents.
pub const ORIGINALS_NOTE_MAX: usize = 200;

/// What the parent can do about an appointment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentOptions {
    /// The entry calls for an on-site appointment.
    pub needed: bool,
    /// It can be booked now (submitted, still in the running).
    pub bookable: bool,
    /// Set aside while the bureau settles a claim on the child: not bookable for now.
    pub set_aside: bool,
    pub current: Option<AppointmentView>,
    pub slots: Vec<SlotView>,
}

/// An appointment as the registration point sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointAppointment {
    pub id: i32,
    pub slot: SlotView,
    pub reference: String,
    pub child_name: String,
    pub child_masked_id: String,
    pub checked_in: bool,
    /// When, in the point's local time.
    pub checked_in_at: Option<chrono::NaiveDateTime>,
    /// A check-in of today, which the point may take back (the wrong row tapped).
    pub undoable: bool,
    /// What the point found in the original documents, once recorded.
    pub originals: Option<OriginalsView>,
    /// Checked in and the school's review not over: the check of the originals can be
    /// recorded (again).
    pub originals_checkable: bool,
    /// Still in the running: not set aside (a claim on the child) or decided since booking.
    pub in_running: bool,
    pub state: crate::domain::RegistrationState,
}

/// The most appointments a point's search lists (the first by day; more typing finds the
/// rest).
pub const MOST_FOUND: usize = 50;

/// What a point's page shows: one day's appointments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointDay {
    pub point: LocalizedText,
    /// The day shown (the point's local date; today unless another was asked).
    pub date: chrono::NaiveDate,
    /// Today and the days after it with appointments, and how many each.
    pub days: Vec<(chrono::NaiveDate, u32)>,
    /// What the clerk looked for (a reference or a child's name): then the appointments are
    /// those of the days ahead and the last weeks that match, not the day's.
    pub find: Option<String>,
    /// More matched than are listed: the clerk types more of the reference or name.
    pub more_found: bool,
    pub appointments: Vec<PointAppointment>,
}

/// A registration's appointment and the times it could book (its registrant).
#[server(prefix = "/api", endpoint = "get_appointment_options", output = crate::api::codec::JsonText)]
pub async fn get_appointment_options(id: i32) -> Result<AppointmentOptions, AppError> {
    use crate::server::{Context, services::appointments, to_app_error};
    let cx = Context::current()?;
    appointments::options(cx.db(), cx.caller(), id, cx.now())
        .await
        .map_err(to_app_error)
}

/// Books (or moves) the registration's appointment (its registrant).
#[server(prefix = "/api", endpoint = "book_appointment", output = crate::api::codec::JsonText)]
pub async fn book_appointment(id: i32, slot_id: i32) -> Result<(), AppError> {
    use crate::server::{Context, services::appointments, to_app_error};
    let cx = Context::current()?;
    appointments::book(cx.db(), &cx.request, id, slot_id)
        .await
        .map_err(to_app_error)?;
    // Back to the panel, where the time booked is now said (a phone's form post would
    // otherwise land at the top of the page, the panel out of sight).
    leptos_axum::redirect(&crate::routes::appointment_panel(id));
    Ok(())
}

/// Cancels the registration's appointment (its registrant).
#[server(prefix = "/api", endpoint = "cancel_appointment", output = crate::api::codec::JsonText)]
pub async fn cancel_appointment(id: i32) -> Result<(), AppError> {
    use crate::server::{Context, services::appointments, to_app_error};
    let cx = Context::current()?;
    appointments::cancel(cx.db(), &cx.request, id)
        .await
        .map_err(to_app_error)?;
    leptos_axum::redirect(&crate::routes::appointment_panel(id));
    Ok(())
}

/// The calling point staff's appointments of a day (`YYYY-MM-DD`, today when none), or
/// those of the days ahead and the last weeks whose reference or child's name holds `find`;
/// the registrations listed are audited.
#[server(prefix = "/api", endpoint = "get_point_appointments", output = crate::api::codec::JsonText)]
pub async fn get_point_appointments(
    date: Option<String>,
    find: Option<String>,
) -> Result<PointDay, AppError> {
    use crate::server::{Context, failure::ServiceError, services::appointments, to_app_error};
    let cx = Context::current()?;
    let date = match date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(text) => Some(
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                to_app_error(ServiceError::invalid(
                    "date",
                    "日期不正确，请选择一天。",
                    "The date is not valid: choose a day.",
                ))
            })?,
        ),
    };
    if find
        .as_deref()
        .is_some_and(|find| find.chars().count() > 40)
    {
        return Err(to_app_error(ServiceError::invalid(
            "find",
            "查找内容太长：请输入报名编号或儿童姓名。",
            "Too long: type a reference or a child's name.",
        )));
    }
    appointments::point_list(cx.db(), &cx.request, date, find.as_deref())
        .await
        .map_err(to_app_error)
}

/// Checks a family in (point staff of that point).
#[server(prefix = "/api", endpoint = "check_in_appointment", output = crate::api::codec::JsonText)]
pub async fn check_in_appointment(appointment_id: i32) -> Result<(), AppError> {
    use crate::server::{Context, services::appointments, to_app_error};
    let cx = Context::current()?;
    appointments::check_in(cx.db(), &cx.request, appointment_id)
        .await
        .map_err(to_app_error)
}

/// Records what the point found in a checked-in family's original documents (point staff
/// of that point): `ok`, or the problem in `note`, for the school's reviewer.
#[server(prefix = "/api", endpoint = "record_originals", output = crate::api::codec::JsonText)]
pub async fn record_originals(
    appointment_id: i32,
    ok: Option<bool>,
    note: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{Context, services::appointments, to_app_error};
    let cx = Context::current()?;
    appointments::record_originals(
        cx.db(),
        &cx.request,
        appointment_id,
        ok,
        note.as_deref().unwrap_or_default(),
    )
    .await
    .map_err(to_app_error)
}

/// Takes back a check-in of today made by mistake (point staff of that point).
#[server(prefix = "/api", endpoint = "undo_check_in", output = crate::api::codec::JsonText)]
pub async fn undo_check_in(appointment_id: i32) -> Result<(), AppError> {
    use crate::server::{Context, services::appointments, to_app_error};
    let cx = Context::current()?;
    appointments::undo_check_in(cx.db(), &cx.request, appointment_id)
        .await
        .map_err(to_app_error)
}

/// A slot as the bureau edits it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotAdmin {
    pub id: i32,
    /// Local `YYYY-MM-DD`.
    pub date: String,
    /// Local `HH:MM`.
    pub starts: String,
    /// Local `HH:MM`.
    pub ends: String,
    pub capacity: i32,
    pub booked: i32,
}

/// A registration point and its slots from today on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointSlots {
    pub id: i32,
    pub name: LocalizedText,
    pub address: LocalizedText,
    pub slots: Vec<SlotAdmin>,
}

/// The bureau's registration points with their slots from today on (administrators).
#[server(prefix = "/api", endpoint = "get_slots", output = crate::api::codec::JsonText)]
pub async fn get_slots() -> Result<Vec<PointSlots>, AppError> {
    use crate::server::{Context, services::slots, to_app_error};
    let cx = Context::current()?;
    slots::points(cx.db(), &cx.request)
        .await
        .map_err(to_app_error)
}

/// Adds a slot from `starts` to `ends` (local `HH:MM`) with `capacity` places at a point on
/// every day from `from` to `to` (local `YYYY-MM-DD`), weekends left out when asked;
/// returns how many were added (a time the point already has is left as it is).
#[server(prefix = "/api", endpoint = "add_slots", output = crate::api::codec::JsonText)]
pub async fn add_slots(
    point_id: i32,
    from: String,
    to: String,
    starts: String,
    ends: String,
    capacity: i32,
    weekends: bool,
) -> Result<usize, AppError> {
    use crate::server::{Context, services::slots, to_app_error};
    let cx = Context::current()?;
    let days = slots::Days { from, to, weekends };
    slots::add(
        cx.db(),
        &cx.request,
        point_id,
        &days,
        (&starts, &ends),
        capacity,
    )
    .await
    .map_err(to_app_error)
}

/// Changes a slot's places, never below those already booked (administrators).
#[server(prefix = "/api", endpoint = "set_slot_capacity", output = crate::api::codec::JsonText)]
pub async fn set_slot_capacity(slot_id: i32, capacity: i32) -> Result<(), AppError> {
    use crate::server::{Context, services::slots, to_app_error};
    let cx = Context::current()?;
    slots::set_capacity(cx.db(), &cx.request, slot_id, capacity)
        .await
        .map_err(to_app_error)
}

/// Removes a slot nobody booked (administrators).
#[server(prefix = "/api", endpoint = "remove_slot", output = crate::api::codec::JsonText)]
pub async fn remove_slot(slot_id: i32) -> Result<(), AppError> {
    use crate::server::{Context, services::slots, to_app_error};
    let cx = Context::current()?;
    slots::remove(cx.db(), &cx.request, slot_id)
        .await
        .map_err(to_app_error)
}
