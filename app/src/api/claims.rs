//! Claims on a child's ID number set aside for the bureau.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{domain::RegistrationState, error::AppError, i18n::LocalizedText};

/// A registration set aside by a confirmed parent's claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAsideClaim {
    pub id: i32,
    pub reference: String,
    pub child_masked_id: String,
    pub school: LocalizedText,
    /// The state it had, which restoring gives back.
    pub from_state: Option<RegistrationState>,
    /// When it was set aside, in the bureau's clock.
    pub set_aside_at: chrono::NaiveDateTime,
    /// The reference of the confirmed parent's registration, while it is active.
    pub claimed_by: Option<String>,
}

/// The claims set aside in the caller's bureau.
#[server(prefix = "/api", endpoint = "get_set_aside_claims", output = crate::api::codec::JsonText)]
pub async fn get_set_aside_claims() -> Result<Vec<SetAsideClaim>, AppError> {
    use crate::server::{Context, services::claims, to_app_error};
    let cx = Context::current()?;
    claims::set_aside_claims(cx.db(), &cx.request)
        .await
        .map_err(to_app_error)
}

/// Upholds a set-aside (`restore` false) or gives the child back to it.
#[server(prefix = "/api", endpoint = "decide_set_aside", output = crate::api::codec::JsonText)]
pub async fn decide_set_aside(id: i32, restore: bool) -> Result<(), AppError> {
    use crate::server::{Context, services::claims, to_app_error};
    let cx = Context::current()?;
    claims::decide_set_aside(cx.db(), &cx.request, id, restore)
        .await
        .map_err(to_app_error)
}
