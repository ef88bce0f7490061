//! What every request handler and server function can reach.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::error::AppError;

/// The source of "now", fixed in tests that need a window open or closed.
#[derive(Clone, Copy, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// The current instant.
    pub fn now(self) -> DateTime<Utc> {
        match self {
            Self::System => Utc::now(),
            Self::Fixed(at) => at,
        }
    }
}

/// Shared state of the application, cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub clock: Clock,
}

impl AppState {
    /// The state provided to the current server function or page render.
    pub fn from_context() -> Result<Self, AppError> {
        leptos::prelude::use_context::<Self>().ok_or_else(|| {
            tracing::error!("AppState missing from the leptos context");
            AppError::Internal {
                request_id: crate::server::failure::current_request_id(),
            }
        })
    }
}
