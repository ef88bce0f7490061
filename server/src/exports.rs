//! `GET /exports/registrations.xlsx?filter=…&entry=…`: the caller's review list, as its queue's
//! filters select it, as an Excel file;
//! `GET /draws/{id}/record.json`: a run draw's record, for anyone.

use std::{collections::HashMap, net::SocketAddr};

use app::{
    api::review::QueueQuery,
    error::AppError,
    server::{AppState, infra::audit, infra::auth::Actor, services::export, to_app_error},
};
use axum::{
    Extension, Json,
    extract::{ConnectInfo, Query, State},
    http::{header, request::Parts},
    response::{IntoResponse, Response},
};

/// The workbook, as an attachment that is never cached.
pub async fn registrations(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Query(parameters): Query<HashMap<String, String>>,
    parts: Parts,
) -> Response {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0);
    let query = QueueQuery::from_parameters(|name| parameters.get(name).cloned());
    let address = state.client_address_from(&parts.headers, peer);
    let request = audit::Request {
        actor,
        address,
        now: state.clock.now(),
    };
    // In the language the reviewer reads the platform in.
    let locale = parts
        .headers
        .get(header::COOKIE)
        .and_then(|cookie| cookie.to_str().ok())
        .map(app::i18n::Locale::from_cookie_header)
        .unwrap_or_default();
    match export::export(&state.db, &request, &query, locale).await {
        Ok(file) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", file.file_name),
                ),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            file.bytes,
        )
            .into_response(),
        Err(error) => {
            let error: AppError = to_app_error(error);
            (error.status(), Json(error)).into_response()
        }
    }
}

/// `GET /draws/{id}/record.json`: a run draw's record, for anyone to download and check.
pub async fn draw_record(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<i32>,
) -> Response {
    match app::server::services::draws::record(&state.db, id).await {
        Ok(record) => (
            [
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"draw-{id}.json\""),
                ),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            ],
            Json(record),
        )
            .into_response(),
        Err(error) => {
            let error: AppError = to_app_error(error);
            (error.status(), Json(error)).into_response()
        }
    }
}
