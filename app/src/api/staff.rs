//! Staff accounts, sign-in and the staff home.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{domain::StaffRole, error::AppError, i18n::LocalizedText};

/// The signed-in member of staff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffOverview {
    pub username: String,
    pub display_name: String,
    pub role: StaffRole,
    /// Their school, registration point or bureau.
    pub place: Option<LocalizedText>,
    pub school_id: Option<i32>,
}

/// A staff account as administrators see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffAccountView {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub role: StaffRole,
    pub place: Option<LocalizedText>,
    pub active: bool,
    pub is_self: bool,
}

/// A school or registration point staff can be assigned to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceOption {
    pub id: i32,
    pub name: LocalizedText,
}

/// What the staff-management page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffAdminData {
    pub accounts: Vec<StaffAccountView>,
    pub schools: Vec<PlaceOption>,
    pub points: Vec<PlaceOption>,
}

/// A new staff account, as the service takes it.
#[derive(Clone, Serialize, Deserialize)]
pub struct NewStaffAccount {
    pub username: String,
    pub display_name: String,
    /// `None` when none was chosen, or what was sent is not a role.
    pub role: Option<StaffRole>,
    /// The school (reviewers) or registration point (point staff).
    pub place_id: Option<i32>,
    pub password: String,
}

/// A school as its reviewers and bureau see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolOverview {
    pub id: i32,
    pub name: LocalizedText,
    pub address: LocalizedText,
    pub active_reviewers: u64,
}

/// Signs a member of staff in; on success goes to their overview.
#[server(prefix = "/api", endpoint = "staff_sign_in", output = crate::api::codec::JsonText)]
pub async fn staff_sign_in(username: String, password: String) -> Result<(), AppError> {
    use crate::server::{Context, services::accounts, to_app_error};
    let cx = Context::current()?;
    let session = cx.session().map_err(to_app_error)?;
    accounts::staff_sign_in(
        cx.db(),
        &session,
        &username,
        password,
        &cx.request.address,
        cx.now(),
    )
    .await
    .map_err(to_app_error)?;
    leptos_axum::redirect("/staff");
    Ok(())
}

/// The signed-in member of staff.
#[server(prefix = "/api", endpoint = "get_staff_overview", output = crate::api::codec::JsonText)]
pub async fn get_staff_overview() -> Result<StaffOverview, AppError> {
    use crate::server::{Context, services::accounts, to_app_error};
    let cx = Context::current()?;
    accounts::staff_overview(cx.db(), cx.caller())
        .await
        .map_err(to_app_error)
}

/// Staff accounts and where they can be assigned (administrators).
#[server(prefix = "/api", endpoint = "list_staff_accounts", output = crate::api::codec::JsonText)]
pub async fn list_staff_accounts() -> Result<StaffAdminData, AppError> {
    use crate::server::{Context, services::accounts, to_app_error};
    let cx = Context::current()?;
    accounts::staff_admin(cx.db(), cx.caller())
        .await
        .map_err(to_app_error)
}

/// Creates a staff account (administrators).
#[server(prefix = "/api", endpoint = "create_staff_account", output = crate::api::codec::JsonText)]
pub async fn create_staff_account(
    username: String,
    display_name: String,
    role: String,
    place_id: String,
    password: String,
) -> Result<i32, AppError> {
    use crate::server::{Context, services::accounts, to_app_error};
    let cx = Context::current()?;
    let place_id = match place_id.trim() {
        "" => None,
        text => Some(text.parse::<i32>().map_err(|_| AppError::BadRequest)?),
    };
    let input = NewStaffAccount {
        username,
        display_name,
        role: StaffRole::from_code(role.trim()),
        place_id,
        password,
    };
    accounts::create_staff(cx.db(), cx.caller(), input, cx.now())
        .await
        .map_err(to_app_error)
}

/// Activates or deactivates a staff account (administrators).
#[server(prefix = "/api", endpoint = "set_staff_account_active", output = crate::api::codec::JsonText)]
pub async fn set_staff_account_active(account_id: i32, active: bool) -> Result<(), AppError> {
    use crate::server::{Context, services::accounts, to_app_error};
    let cx = Context::current()?;
    accounts::set_staff_active(cx.db(), cx.caller(), account_id, active)
        .await
        .map_err(to_app_error)
}

/// A school's overview (its reviewers, its bureau's administrators).
#[server(prefix = "/api", endpoint = "get_school_overview", output = crate::api::codec::JsonText)]
pub async fn get_school_overview(school_id: i32) -> Result<SchoolOverview, AppError> {
    use crate::server::{Context, services::accounts, to_app_error};
    let cx = Context::current()?;
    accounts::school_overview(cx.db(), cx.caller(), school_id)
        .await
        .map_err(to_app_error)
}
