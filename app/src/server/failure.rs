//! Errors of the service layer, and their one mapping to what crosses the wire.

use sea_orm::DbErr;

use crate::error::AppError;

/// What a service can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("conflict")]
    Conflict,
    #[error("closed")]
    Closed,
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("unexpected: {0}")]
    Unexpected(String),
}

/// The request ID of the request being served, as set by the request-ID layer.
pub fn current_request_id() -> Option<String> {
    leptos::prelude::use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    })
}

/// Maps a service error for the browser: logs internal causes with their chain and the
/// request ID, sets the HTTP status, and keeps every internal text out of the answer.
pub fn to_app_error(error: ServiceError) -> AppError {
    let request_id = current_request_id();
    let app_error = match &error {
        ServiceError::Unauthenticated => AppError::Unauthenticated,
        ServiceError::Forbidden => AppError::Forbidden,
        ServiceError::NotFound => AppError::NotFound,
        ServiceError::Conflict => AppError::Conflict,
        ServiceError::Closed => AppError::Closed,
        ServiceError::Database(DbErr::ConnectionAcquire(_) | DbErr::Conn(_)) => {
            tracing::error!(error = %chain(&error), "database unavailable");
            AppError::Unavailable { request_id }
        }
        ServiceError::Database(_) | ServiceError::Unexpected(_) => {
            tracing::error!(error = %chain(&error), "internal error");
            AppError::Internal { request_id }
        }
    };
    if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(app_error.status());
    }
    app_error
}

/// The error and all its sources on one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
