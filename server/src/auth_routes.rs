//! The HTTP side of sign-in: the host app's callback, sign-out, and the middleware that
//! finds who is calling on every request.

use std::sync::Arc;

use app::server::{
    AppState,
    auth::{
        self, Actor,
        sso::{SsoRefusal, SsoVerifier, accept_claims},
    },
    failure::{RETURN_TO_COOKIE, is_return_path},
};
use axum::{
    Form,
    extract::{Query, Request, State},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use http::{HeaderMap, StatusCode, header};
use serde::Deserialize;
use tower_sessions::Session;

/// How host tokens are checked; `None` when sign-in through a host app is not configured.
#[derive(Clone)]
pub struct SsoState(pub Option<Arc<SsoVerifier>>);

/// A token handed over by the host app, in the query string or a posted form.
#[derive(Debug, Default, Deserialize)]
pub struct TokenParams {
    #[serde(default)]
    token: String,
}

/// Finds the actor of every request (except static files and probes) and puts it in the
/// request's extensions, where server functions read it.
pub async fn authenticate(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if path.starts_with("/pkg/")
        || path == "/favicon.ico"
        || path == "/healthz"
        || path == "/readyz"
    {
        return next.run(request).await;
    }
    let actor =
        match auth::resolve_actor(&state.db, &session, state.sessions, state.clock.now()).await {
            Ok(actor) => actor,
            Err(error) => {
                tracing::error!(error = %error, "resolving the session failed");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "系统繁忙，请稍后再试。The system is busy; try again in a few minutes.",
                )
                    .into_response();
            }
        };
    request.extensions_mut().insert(actor);
    next.run(request).await
}

/// `GET /sso/callback?token=…`: the host app opens the platform.
pub async fn sso_callback_get(
    State(state): State<AppState>,
    State(sso): State<SsoState>,
    session: Session,
    headers: HeaderMap,
    Query(params): Query<TokenParams>,
) -> Response {
    sso_callback(state, sso, session, headers, params.token).await
}

/// `POST /sso/callback` with a `token` form field: the host app posts instead.
pub async fn sso_callback_post(
    State(state): State<AppState>,
    State(sso): State<SsoState>,
    session: Session,
    headers: HeaderMap,
    Form(params): Form<TokenParams>,
) -> Response {
    sso_callback(state, sso, session, headers, params.token).await
}

fn refused(reason: SsoRefusal) -> Response {
    tracing::info!(reason = reason.code(), "host-app sign-in refused");
    Redirect::to(&format!("/sign-in/problem?reason={}", reason.code())).into_response()
}

async fn sso_callback(
    state: AppState,
    sso: SsoState,
    session: Session,
    headers: HeaderMap,
    token: String,
) -> Response {
    let Some(verifier) = sso.0 else {
        return refused(SsoRefusal::NotConfigured);
    };
    let now = state.clock.now();
    let claims = match verifier.verify(&token, now) {
        Ok(claims) => claims,
        Err(reason) => return refused(reason),
    };
    let parent = match accept_claims(&state.db, &claims, now).await {
        Ok(Ok(parent)) => parent,
        Ok(Err(reason)) => return refused(reason),
        Err(error) => {
            tracing::error!(error = %error, "host-app sign-in failed");
            return Redirect::to("/sign-in/problem?reason=unavailable").into_response();
        }
    };
    if let Err(error) = auth::begin_parent_session(&session, parent.account_id, now).await {
        tracing::error!(error = %error, "starting a session failed");
        return Redirect::to("/sign-in/problem?reason=unavailable").into_response();
    }
    tracing::info!(
        account = parent.account_id,
        "parent signed in through the host app"
    );
    let return_to = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|cookies| {
            cookies
                .split(';')
                .filter_map(|pair| pair.trim().split_once('='))
                .find(|(name, _)| *name == RETURN_TO_COOKIE)
                .map(|(_, value)| value.to_owned())
        })
        .filter(|path| is_return_path(path));
    let target = match return_to {
        _ if parent.needs_identity_check => "/me".to_owned(),
        Some(path) => path,
        None => "/registrations".to_owned(),
    };
    let clear = format!("{RETURN_TO_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    ([(header::SET_COOKIE, clear)], Redirect::to(&target)).into_response()
}

/// `POST /sign-out`: deletes the session on the server and clears the cookie.
pub async fn sign_out(session: Session, request: Request) -> Response {
    let actor = request
        .extensions()
        .get::<Actor>()
        .cloned()
        .unwrap_or_default();
    if let Err(error) = auth::end_session(&session).await {
        tracing::error!(error = %error, "ending a session failed");
    }
    let target = match actor {
        Actor::Staff(_) => "/staff/sign-in",
        _ => "/",
    };
    Redirect::to(target).into_response()
}
