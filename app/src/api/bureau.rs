//! The bureau's settings, catchments, statistics and audit log.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{domain::Subsystem, error::AppError, i18n::LocalizedText};

/// A community in a school's catchment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatchmentRow {
    pub id: i32,
    pub community: String,
    pub note: String,
}

/// A school as the bureau configures it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolAdmin {
    pub id: i32,
    pub name: LocalizedText,
    /// (subsystem, grade, places).
    pub capacities: Vec<(Subsystem, i32, i32)>,
    pub catchment: Vec<CatchmentRow>,
}

/// The bureau's schools as it configures them, with their places of one school year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BureauSchools {
    /// The year whose places are shown and set.
    pub school_year: i32,
    /// The years places can be set for (each with a window), newest first.
    pub school_years: Vec<i32>,
    pub schools: Vec<SchoolAdmin>,
}

/// A community found by the public look-up, with its school and how full it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatchmentMatch {
    pub community: String,
    pub note: String,
    pub school: LocalizedText,
    pub address: LocalizedText,
    /// First-grade places, when set.
    pub capacity: Option<i32>,
    /// First-grade registrations submitted so far.
    pub registrations: u64,
}

/// A subsystem's window, in the bureau's local time (`YYYY-MM-DDTHH:MM`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowView {
    pub subsystem: Subsystem,
    pub school_year: i32,
    /// The subsystem's newest school year (the one after it can be added once it opened).
    pub newest: bool,
    pub opened: bool,
    pub opens_at: String,
    pub closes_at: String,
    pub review_closes_at: Option<String>,
}

/// A school's figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolStat {
    pub name: LocalizedText,
    pub capacity: Option<i32>,
    pub registrations: u64,
    pub drafts: u64,
    pub admitted: u64,
}

/// A labelled count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    pub label: LocalizedText,
    pub count: u64,
}

/// The statistics page's figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statistics {
    pub per_school: Vec<SchoolStat>,
    pub per_state: Vec<Count>,
    pub per_entry: Vec<Count>,
    /// Submissions per day (local `MM-DD`).
    pub per_day: Vec<Count>,
    /// Transfers per school and grade, against the places of that grade.
    pub transfers: Vec<GradeStat>,
}

/// A school's transfers into one grade.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeStat {
    pub school: LocalizedText,
    /// The grade asked for; none when a transfer was submitted before grades were kept.
    pub grade: Option<i32>,
    pub capacity: Option<i32>,
    pub registrations: u64,
    pub admitted: u64,
}

/// One audit row as the bureau reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub at: String,
    /// A member of staff as `name (username)`, else the kind of actor and its id.
    pub who: String,
    /// The same, as the bureau reads it.
    pub who_name: LocalizedText,
    /// A person's name (kept as written in every language).
    pub who_is_staff: bool,
    /// The action's code as stored (`registration.view`).
    pub action: String,
    /// The action as the bureau reads it (the code for one this build does not know).
    pub action_name: LocalizedText,
    /// The object's kind and id as stored (`registration 11`).
    pub object: String,
    /// The same, as the bureau reads it.
    pub object_name: LocalizedText,
    pub address: String,
    pub detail: String,
}

/// The bureau's schools with their places of a school year (the newest with a window when
/// none is named) and catchments (administrators).
#[server(prefix = "/api", endpoint = "get_bureau_schools", output = crate::api::codec::JsonText)]
pub async fn get_bureau_schools(school_year: Option<i32>) -> Result<BureauSchools, AppError> {
    use crate::server::{Context, services::bureau, to_app_error};
    let cx = Context::current()?;
    bureau::schools(cx.db(), cx.caller(), school_year, cx.now())
        .await
        .map_err(to_app_error)
}

/// Sets a school's places for a subsystem, grade and school year (the newest with a window
/// when none is named) (administrators).
#[server(prefix = "/api", endpoint = "set_school_capacity", output = crate::api::codec::JsonText)]
pub async fn set_school_capacity(
    school_id: i32,
    subsystem: String,
    grade: i32,
    capacity: i32,
    school_year: Option<i32>,
) -> Result<(), AppError> {
    use crate::server::{Context, services::bureau, to_app_error};
    let cx = Context::current()?;
    let subsystem = Subsystem::from_code(&subsystem).ok_or(AppError::NotFound)?;
    bureau::set_capacity(
        cx.db(),
        &cx.request,
        school_id,
        subsystem,
        grade,
        capacity,
        school_year,
    )
    .await
    .map_err(to_app_error)
}

/// Adds a community to a school's catchment (administrators).
#[server(prefix = "/api", endpoint = "add_catchment", output = crate::api::codec::JsonText)]
pub async fn add_catchment(
    school_id: i32,
    community: String,
    note: String,
) -> Result<i32, AppError> {
    use crate::server::{Context, services::bureau, to_app_error};
    let cx = Context::current()?;
    bureau::add_catchment(cx.db(), &cx.request, school_id, &community, &note)
        .await
        .map_err(to_app_error)
}

/// Removes a community from a catchment (administrators).
#[server(prefix = "/api", endpoint = "remove_catchment", output = crate::api::codec::JsonText)]
pub async fn remove_catchment(catchment_id: i32) -> Result<(), AppError> {
    use crate::server::{Context, services::bureau, to_app_error};
    let cx = Context::current()?;
    bureau::remove_catchment(cx.db(), &cx.request, catchment_id)
        .await
        .map_err(to_app_error)
}

/// Which school takes a community's children, and how full it is (everyone).
#[server(prefix = "/api", endpoint = "lookup_catchment", output = crate::api::codec::JsonText)]
pub async fn lookup_catchment(text: String) -> Result<Vec<CatchmentMatch>, AppError> {
    use crate::server::{Context, services::bureau, to_app_error};
    let cx = Context::current()?;
    bureau::lookup(cx.db(), &text, cx.now())
        .await
        .map_err(to_app_error)
}

/// The bureau's windows (administrators).
#[server(prefix = "/api", endpoint = "get_windows", output = crate::api::codec::JsonText)]
pub async fn get_windows() -> Result<Vec<WindowView>, AppError> {
    use crate::server::{Context, services::bureau, to_app_error};
    let cx = Context::current()?;
    bureau::windows(cx.db(), cx.caller(), cx.now())
        .await
        .map_err(to_app_error)
}

/// The field of the refusal that asks the bureau to confirm a window ending at once, and
/// the form's field that confirms it.
pub const END_NOW: &str = "end_now";

/// Changes the collection window and review deadline of a subsystem's school year (its
/// newest without one; administrators). `end_now` ("1") confirms a change that ends an
/// open window at once.
#[server(prefix = "/api", endpoint = "set_window", output = crate::api::codec::JsonText)]
pub async fn set_window(
    subsystem: String,
    school_year: Option<i32>,
    opens_at: String,
    closes_at: String,
    review_closes_at: String,
    end_now: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{Context, services::bureau, to_app_error};
    let cx = Context::current()?;
    let subsystem = Subsystem::from_code(&subsystem).ok_or(AppError::NotFound)?;
    bureau::set_window(
        cx.db(),
        &cx.request,
        subsystem,
        school_year,
        &opens_at,
        &closes_at,
        &review_closes_at,
        end_now.is_some_and(|v| v == "1"),
    )
    .await
    .map_err(to_app_error)
}

/// Adds a subsystem's next school year's window (administrators); returns its id.
#[server(prefix = "/api", endpoint = "open_next_year", output = crate::api::codec::JsonText)]
pub async fn open_next_year(
    subsystem: String,
    opens_at: String,
    closes_at: String,
    review_closes_at: String,
) -> Result<i32, AppError> {
    use crate::server::{Context, services::bureau, to_app_error};
    let cx = Context::current()?;
    let subsystem = Subsystem::from_code(&subsystem).ok_or(AppError::NotFound)?;
    bureau::open_next_year(
        cx.db(),
        &cx.request,
        subsystem,
        &opens_at,
        &closes_at,
        &review_closes_at,
    )
    .await
    .map_err(to_app_error)
}

/// Publishes a notice on the home page (administrators).
#[server(prefix = "/api", endpoint = "add_notice", output = crate::api::codec::JsonText)]
pub async fn add_notice(
    title_zh: String,
    title_en: String,
    body_zh: String,
    body_en: String,
) -> Result<i32, AppError> {
    use crate::server::{Context, services::bureau, to_app_error};
    let cx = Context::current()?;
    bureau::add_notice(
        cx.db(),
        &cx.request,
        LocalizedText {
            zh: title_zh,
            en: title_en,
        },
        LocalizedText {
            zh: body_zh,
            en: body_en,
        },
    )
    .await
    .map_err(to_app_error)
}

/// The statistics page's figures (administrators).
#[server(prefix = "/api", endpoint = "get_statistics", output = crate::api::codec::JsonText)]
pub async fn get_statistics() -> Result<Statistics, AppError> {
    use crate::server::{Context, services::bureau, to_app_error};
    let cx = Context::current()?;
    bureau::statistics(cx.db(), cx.caller(), cx.now())
        .await
        .map_err(to_app_error)
}

/// The latest audit rows, optionally of one registration (administrators; read-only).
#[server(prefix = "/api", endpoint = "get_audit_log", output = crate::api::codec::JsonText)]
pub async fn get_audit_log(reference: String) -> Result<Vec<AuditRow>, AppError> {
    use crate::server::{Context, services::bureau, to_app_error};
    let cx = Context::current()?;
    bureau::audit_rows(cx.db(), cx.caller(), &reference)
        .await
        .map_err(to_app_error)
}

impl CatchmentMatch {
    /// How full the school is: none, near (≥ 90 %), over.
    pub fn load(&self) -> Load {
        match self.capacity {
            Some(c) if self.registrations > u64::try_from(c).unwrap_or(0) => Load::Over,
            Some(c) if self.registrations * 10 >= u64::try_from(c).unwrap_or(0) * 9 => Load::Near,
            _ => Load::Fine,
        }
    }
}

/// How full a school is against its places.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Load {
    Fine,
    Near,
    Over,
}
