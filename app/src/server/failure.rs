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
    #[error("locked")]
    Locked,
    #[error("invalid input")]
    Invalid(Vec<crate::error::FieldProblem>),
    #[error("sign-in failed")]
    SignInFailed,
    #[error("too many attempts")]
    TooManyAttempts,
    /// The server is at its limit of a costly kind of work (password hashes); the caller may
    /// try again in a moment. Crosses the wire as [`AppError::Unavailable`] ("busy").
    #[error("busy")]
    Busy,
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("unexpected: {0}")]
    Unexpected(String),
}

impl ServiceError {
    /// One problem with one field, in both languages.
    pub fn invalid(field: &str, zh: &str, en: &str) -> Self {
        Self::Invalid(vec![crate::error::FieldProblem::new(field, zh, en)])
    }

    /// Refuses `text` longer than `max` characters: a long text is never cut short silently.
    pub fn at_most(field: &str, text: &str, max: usize) -> Result<(), Self> {
        let length = text.chars().count();
        if length > max {
            return Err(Self::invalid(
                field,
                &format!("内容过长：最多 {max} 字，现在是 {length} 字。请删减后再保存。"),
                &format!(
                    "Too long: at most {max} characters, this has {length}. Shorten it and save again."
                ),
            ));
        }
        Ok(())
    }
}

/// What a busy answer asks the client to wait, in seconds (`Retry-After`).
const BUSY_RETRY_AFTER_SECONDS: &str = "2";

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
        ServiceError::Unauthenticated => {
            remember_return_path();
            AppError::Unauthenticated
        }
        ServiceError::Forbidden => AppError::Forbidden,
        ServiceError::NotFound => AppError::NotFound,
        ServiceError::Conflict => AppError::Conflict,
        ServiceError::Closed => AppError::Closed,
        ServiceError::Locked => AppError::Locked,
        ServiceError::Invalid(problems) => AppError::Invalid {
            problems: problems.clone(),
        },
        ServiceError::SignInFailed => AppError::SignInFailed,
        ServiceError::TooManyAttempts => AppError::TooManyAttempts,
        ServiceError::Busy => {
            tracing::warn!("refused for now: the server is busy");
            if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                options.insert_header(
                    http::header::RETRY_AFTER,
                    http::HeaderValue::from_static(BUSY_RETRY_AFTER_SECONDS),
                );
            }
            AppError::Unavailable { request_id: None }
        }
        ServiceError::Database(DbErr::ConnectionAcquire(_) | DbErr::Conn(_)) => {
            tracing::error!(error = %chain(&error), "database unavailable");
            AppError::Unavailable { request_id }
        }
        ServiceError::Database(_) | ServiceError::Unexpected(_) => {
            tracing::error!(error = %chain(&error), "internal error");
            AppError::Internal { request_id }
        }
    };
    // A form a page without code posted is sent back to its page with the error in the
    // address (server_fn's form redirect), where the page shows it: a status set here would
    // replace the redirect's, and the browser would show the wire error as text.
    if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
        && !is_plain_form_post()
    {
        options.set_status(app_error.status());
    }
    app_error
}

/// Whether the request is a server function posted by a form without code (the browser
/// asks for a page, not for data).
fn is_plain_form_post() -> bool {
    leptos::prelude::use_context::<http::request::Parts>().is_some_and(|parts| {
        parts.uri.path().starts_with("/api/")
            && parts
                .headers
                .get(http::header::ACCEPT)
                .and_then(|accept| accept.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"))
    })
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

/// Name of the cookie that remembers where a parent was when their session ended, so that
/// signing in again returns them there.
pub const RETURN_TO_COOKIE: &str = "ruxue_return_to";

/// Whether `path` is a plain local path worth returning to (no open redirect, no API).
pub fn is_return_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/api/")
        && !path.starts_with("/sso/")
        && !path.starts_with("/dev/")
        && path.len() <= 512
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_-.?=&%~".contains(&b))
}

/// On a page or server call refused for want of a session, remembers the page.
fn remember_return_path() {
    use leptos::prelude::use_context;
    let Some(parts) = use_context::<http::request::Parts>() else {
        return;
    };
    let path = if parts.uri.path().starts_with("/api/") {
        // A server function called from a page: the page is the referrer, if it is ours.
        let host = parts
            .headers
            .get(http::header::HOST)
            .and_then(|v| v.to_str().ok());
        parts
            .headers
            .get(http::header::REFERER)
            .and_then(|v| v.to_str().ok())
            .and_then(|referer| {
                let rest = referer.split_once("://")?.1;
                let slash = rest.find('/')?;
                (Some(&rest[..slash]) == host).then(|| rest[slash..].to_owned())
            })
    } else {
        Some(
            parts
                .uri
                .path_and_query()
                .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned()),
        )
    };
    let Some(path) = path.filter(|p| is_return_path(p)) else {
        return;
    };
    if let (Some(options), Ok(cookie)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(&format!(
            "{RETURN_TO_COOKIE}={path}; Path=/; HttpOnly; SameSite=Lax; Max-Age=86400"
        )),
    ) {
        options.append_header(http::header::SET_COOKIE, cookie);
    }
}

#[cfg(test)]
mod tests {
    use super::is_return_path;

    #[test]
    fn only_local_page_paths_are_returned_to() {
        assert!(is_return_path("/me"));
        assert!(is_return_path("/registrations/12/sections/guardian?step=2"));
        assert!(!is_return_path("//evil.example/x"));
        assert!(!is_return_path("https://evil.example/"));
        assert!(!is_return_path("/api/get_my_identity"));
        assert!(!is_return_path("/me; Domain=evil"));
        assert!(!is_return_path("/sso/callback?token=x"));
    }
}
