//! A parent's own identity and sign-in records.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{error::AppError, i18n::LocalizedText};

/// The signed-in parent as the host app vouched for them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyIdentity {
    pub name: String,
    pub masked_id_number: String,
    pub phone: String,
    /// The parent has confirmed this is them.
    pub confirmed: bool,
    pub host_app_name: LocalizedText,
}

/// The signed-in parent's identity.
#[server(prefix = "/api", endpoint = "get_my_identity", output = crate::api::codec::JsonText)]
pub async fn get_my_identity() -> Result<MyIdentity, AppError> {
    use crate::server::{Context, services::accounts, to_app_error};
    let cx = Context::current()?;
    accounts::my_identity(cx.db(), cx.caller(), &cx.state.host_app)
        .await
        .map_err(to_app_error)
}

/// The parent confirms the identity shown is theirs.
#[server(prefix = "/api", endpoint = "confirm_my_identity", output = crate::api::codec::JsonText)]
pub async fn confirm_my_identity() -> Result<(), AppError> {
    use crate::server::{Context, services::accounts, to_app_error};
    let cx = Context::current()?;
    accounts::confirm_identity(cx.db(), cx.caller(), cx.now())
        .await
        .map_err(to_app_error)
}
