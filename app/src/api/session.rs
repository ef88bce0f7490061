//! Where parents sign in.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{error::AppError, i18n::LocalizedText};

/// Where parents sign in: the host app, by name, and where to open it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostAppEntry {
    pub name: LocalizedText,
    pub entry_url: Option<String>,
    /// The bureau's help line, for a parent who cannot get in.
    pub hotline: Option<String>,
}

/// The host app parents sign in through. Public.
#[server(prefix = "/api", endpoint = "get_host_app_entry", output = crate::api::codec::JsonText)]
pub async fn get_host_app_entry() -> Result<HostAppEntry, AppError> {
    use crate::server::services::home;
    let cx = crate::server::Context::current()?;
    Ok(HostAppEntry {
        name: cx.state.host_app.name.clone(),
        entry_url: cx.state.host_app.entry_url.clone(),
        // The page must say why even when the database cannot answer (a busy morning).
        hotline: match home::hotline(cx.db()).await {
            Ok(hotline) => hotline,
            Err(error) => {
                tracing::warn!(error = ?error, "the help line could not be read");
                None
            }
        },
    })
}
