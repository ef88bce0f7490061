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
    /// Local `YYYY-MM-DD HH:MM`.
    pub starts_at: String,
    /// Local `HH:MM`.
    pub ends_at: String,
    pub remaining: i32,
}

/// The appointment a registration holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentView {
    pub slot: SlotView,
    pub checked_in: bool,
}

/// What the parent can do about an appointment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentOptions {
    /// The entry calls for an on-site appointment.
    pub needed: bool,
    /// It can be booked now (submitted, still in the running).
    pub bookable: bool,
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
}

/// What a point's page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointDay {
    pub point: LocalizedText,
    pub appointments: Vec<PointAppointment>,
}

/// A registration's appointment and the times it could book (its registrant).
#[server(prefix = "/api", endpoint = "get_appointment_options")]
pub async fn get_appointment_options(id: i32) -> Result<AppointmentOptions, AppError> {
    use crate::server::{Context, services::appointments, to_app_error};
    let cx = Context::current()?;
    appointments::options(cx.db(), cx.caller(), id, cx.now())
        .await
        .map_err(to_app_error)
}

/// Books (or moves) the registration's appointment (its registrant).
#[server(prefix = "/api", endpoint = "book_appointment")]
pub async fn book_appointment(id: i32, slot_id: i32) -> Result<(), AppError> {
    use crate::server::{Context, services::appointments, to_app_error};
    let cx = Context::current()?;
    appointments::book(cx.db(), &cx.request, id, slot_id)
        .await
        .map_err(to_app_error)
}

/// Cancels the registration's appointment (its registrant).
#[server(prefix = "/api", endpoint = "cancel_appointment")]
pub async fn cancel_appointment(id: i32) -> Result<(), AppError> {
    use crate::server::{Context, services::appointments, to_app_error};
    let cx = Context::current()?;
    appointments::cancel(cx.db(), &cx.request, id)
        .await
        .map_err(to_app_error)
}

/// The calling point staff's appointments (the registrations listed are audited).
#[server(prefix = "/api", endpoint = "get_point_appointments")]
pub async fn get_point_appointments() -> Result<PointDay, AppError> {
    use crate::server::{Context, services::appointments, to_app_error};
    let cx = Context::current()?;
    let (point, appointments) = appointments::point_list(cx.db(), &cx.request)
        .await
        .map_err(to_app_error)?;
    Ok(PointDay {
        point,
        appointments,
    })
}

/// Checks a family in (point staff of that point).
#[server(prefix = "/api", endpoint = "check_in_appointment")]
pub async fn check_in_appointment(appointment_id: i32) -> Result<(), AppError> {
    use crate::server::{Context, services::appointments, to_app_error};
    let cx = Context::current()?;
    appointments::check_in(cx.db(), &cx.request, appointment_id)
        .await
        .map_err(to_app_error)
}
