//! Routes for document photos: upload (a raw image body, at most a little over 5 MB, read
//! with an explicit limit whatever the headers say) and download (only for those who may
//! see the registration, never cached, never sniffed).

use app::{
    domain::photo::PhotoSize,
    error::AppError,
    server::{
        AppState, ServiceError,
        infra::auth::Actor,
        infra::measure,
        infra::photos::MAX_PHOTO_BYTES,
        services::documents::{self, Upload, UploadError},
        to_app_error,
    },
};
use axum::{
    Extension, Json,
    body::Body,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

/// Largest upload body: a photo and a little room.
pub const UPLOAD_BODY_LIMIT: usize = MAX_PHOTO_BYTES + 64 * 1024;

fn failure(error: AppError) -> Response {
    (error.status(), Json(error)).into_response()
}

/// What the upload address may carry.
#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    replaces: Option<i32>,
}

/// `POST /api/registrations/{id}/documents/{document}`: a photo of a document. Refused
/// with 429 and `Retry-After` when the account uploads more often than the upload policy
/// allows (see [`app::server::infra::photos::UploadPolicy`]).
pub async fn upload(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((registration_id, document)): Path<(i32, String)>,
    Query(query): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    // A crowd's photos wait their turn before their bytes are read: memory stays bounded. An
    // upload that announces more than the limit is refused as soon as it is read.
    let room = announced
        .unwrap_or(UPLOAD_BODY_LIMIT)
        .min(UPLOAD_BODY_LIMIT);
    let Some(_room) = state.photos.room_for_upload(room).await else {
        tracing::warn!("upload refused for now: too many photos waiting");
        measure::upload("busy", 0);
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "3")],
            Json(AppError::Unavailable { request_id: None }),
        )
            .into_response();
    };
    let bytes = match read_body(body, announced, UPLOAD_BODY_LIMIT).await {
        Ok(bytes) => bytes,
        // Nobody is left to read an answer.
        Err(Unread::Broken) => {
            measure::upload("broken", 0);
            return StatusCode::BAD_REQUEST.into_response();
        }
        Err(Unread::TooLarge) => {
            measure::upload("refused", 0);
            let error = AppError::Invalid {
                problems: vec![app::server::infra::photos::PhotoError::TooLarge.problem()],
            };
            return (StatusCode::PAYLOAD_TOO_LARGE, Json(error)).into_response();
        }
    };
    let received = bytes.len();
    let upload = Upload {
        registration_id,
        document,
        replaces: query.replaces,
        bytes,
    };
    match documents::upload(
        &state.db,
        &state.documents,
        &state.photos,
        &actor,
        upload,
        state.clock.now(),
    )
    .await
    {
        Ok(photo) => {
            measure::upload("stored", received);
            (StatusCode::OK, Json(photo)).into_response()
        }
        // Over the account's upload rate: 429 with when to try again, for people (the
        // message) and for machines (`Retry-After`, in seconds).
        Err(UploadError::TooFrequent {
            retry_after,
            problem,
        }) => {
            measure::upload("refused", received);
            let error = AppError::Invalid {
                problems: vec![problem],
            };
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(
                    header::RETRY_AFTER,
                    retry_after.as_secs().max(1).to_string(),
                )],
                Json(error),
            )
                .into_response()
        }
        Err(UploadError::Service(error)) => {
            measure::upload(
                match error {
                    ServiceError::Invalid(_) => "refused",
                    _ => "error",
                },
                received,
            );
            failure(to_app_error(error))
        }
    }
}

/// Why an upload's bytes were not read.
enum Unread {
    /// More than the limit arrived.
    TooLarge,
    /// The connection failed or the client left before the last byte.
    Broken,
}

/// An upload's bytes, at most `limit` of them whatever the headers say, in one buffer:
/// sized from `Content-Length` when it is announced within the limit, each piece from the
/// network copied in as it arrives and let go at once. (Collecting the pieces first and
/// joining them after held every photo twice at its peak, times the uploads waiting for a
/// photo worker.)
async fn read_body(body: Body, announced: Option<usize>, limit: usize) -> Result<Vec<u8>, Unread> {
    use futures_util::StreamExt;
    let mut bytes = Vec::with_capacity(announced.filter(|n| *n <= limit).unwrap_or(0));
    let mut pieces = body.into_data_stream();
    while let Some(piece) = pieces.next().await {
        let piece = piece.map_err(|error| {
            // The router's body limit (for a body without a length) ends the stream with
            // its own error.
            let error = error.into_inner();
            let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error.as_ref());
            while let Some(e) = cause {
                if e.is::<http_body_util::LengthLimitError>() {
                    return Unread::TooLarge;
                }
                cause = e.source();
            }
            Unread::Broken
        })?;
        if bytes.len() + piece.len() > limit {
            return Err(Unread::TooLarge);
        }
        bytes.extend_from_slice(&piece);
    }
    Ok(bytes)
}

/// `GET /documents/{photo}/{size}`: a photo's `full`, `review` or `thumb` copy. Views by
/// staff are audited, with the address the request came from.
pub async fn photo(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((photo_id, size)): Path<(i32, String)>,
    parts: axum::http::request::Parts,
) -> Response {
    let Some(size) = PhotoSize::from_code(&size) else {
        return failure(AppError::NotFound);
    };
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0);
    let request = app::server::infra::audit::Request {
        actor,
        address: state.client_address_from(&parts.headers, peer),
        now: state.clock.now(),
    };
    match documents::photo(
        &state.db,
        &state.documents,
        &request,
        &state.photos,
        photo_id,
        size,
    )
    .await
    {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "image/jpeg".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"photo-{photo_id}.jpg\""),
                ),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Err(error) => failure(to_app_error(error)),
    }
}
