//! The HTTP side of sign-in: the host app's callback, sign-out, and the middleware that
//! finds who is calling on every request.

use std::sync::Arc;

use app::server::{
    AppState,
    failure::{RETURN_TO_COOKIE, is_return_path},
    infra::auth::{
        self, Actor,
        sso::{
            SessionHolder, SsoRefusal, SsoVerifier, accept_claims, check_identity, mask_name,
            session_holder,
        },
    },
};
use axum::{
    Extension, Form,
    extract::{Query, Request, State},
    middleware::Next,
    response::{Html, IntoResponse, Redirect, Response},
};
use http::{HeaderMap, HeaderName, header};
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
    /// [`SWITCH_CONFIRMED`] when the person, asked on the platform's own page, chose to
    /// replace the signed-in person. Heard only in a posted form, which the cross-site check
    /// has let through.
    #[serde(default)]
    switch: String,
}

/// The `switch` value of the form that confirms replacing the signed-in person.
pub const SWITCH_CONFIRMED: &str = "continue";

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
        || path == "/metrics"
    {
        return next.run(request).await;
    }
    let actor =
        match auth::resolve_actor(&state.db, &session, state.sessions, state.clock.now()).await {
            Ok(actor) => actor,
            Err(error) => {
                tracing::error!(error = %error, "resolving the session failed");
                return crate::layers::busy_answer(&request);
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
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
    Query(params): Query<TokenParams>,
) -> Response {
    let actor = actor.map(|Extension(actor)| actor).unwrap_or_default();
    sso_callback(state, sso, session, actor, headers, params.token, false).await
}

/// `POST /sso/callback` with a `token` form field: the host app posts instead, or the
/// person confirms on the platform's page that they want to switch.
pub async fn sso_callback_post(
    State(state): State<AppState>,
    State(sso): State<SsoState>,
    session: Session,
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
    Form(params): Form<TokenParams>,
) -> Response {
    let actor = actor.map(|Extension(actor)| actor).unwrap_or_default();
    let confirmed = params.switch == SWITCH_CONFIRMED;
    sso_callback(state, sso, session, actor, headers, params.token, confirmed).await
}

fn refused(reason: SsoRefusal) -> Response {
    tracing::info!(reason = reason.code(), "host-app sign-in refused");
    Redirect::to(&format!("/sign-in/problem?reason={}", reason.code())).into_response()
}

fn unavailable() -> Response {
    Redirect::to("/sign-in/problem?reason=unavailable").into_response()
}

/// Whether the browser says the request came from a page of this very origin (the
/// simulated host app, say), which another site cannot make it say.
fn from_this_origin(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|site| site.eq_ignore_ascii_case("same-origin"))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The page that asks before replacing the signed-in person: continuing posts the token
/// back from this origin; staying keeps the session and spends nothing.
fn ask_to_switch(current: &str, next: &str, home: &str, token: &str) -> Response {
    let (current, next, home, token) = (escape(current), escape(next), escape(home), escape(token));
    let page = format!(
        r#"<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>切换登录身份？ · Switch who is signed in?</title><link rel="stylesheet" href="/pkg/ruxue.css"></head>
<body><main id="main" class="panel" data-switch-person>
<h1>切换登录身份？ · Switch who is signed in?</h1>
<p>您当前以 <strong data-current>{current}</strong> 的身份登录。要切换为 <strong data-next>{next}</strong> 吗？</p>
<p lang="en">You are signed in as <strong>{current}</strong>. Continue as <strong>{next}</strong>?</p>
<p class="hint">如果您没有打算切换，请选择保持当前登录。 If you did not mean to switch, stay signed in.</p>
<form method="post" action="/sso/callback">
<input type="hidden" name="token" value="{token}">
<input type="hidden" name="switch" value="{SWITCH_CONFIRMED}">
<button class="button button-primary" type="submit">切换为 {next} · Continue as {next}</button>
</form>
<p><a class="button" href="{home}">保持以 {current} 登录 · Stay signed in as {current}</a></p>
</main></body></html>"#
    );
    // The page carries a live token: never stored. (Its referrer policy stays same-origin:
    // with no-referrer, browsers would send `Origin: null` with the form, which the
    // cross-site check refuses.)
    ([(header::CACHE_CONTROL, "no-store")], Html(page)).into_response()
}

async fn sso_callback(
    state: AppState,
    sso: SsoState,
    session: Session,
    actor: Actor,
    headers: HeaderMap,
    token: String,
    confirmed: bool,
) -> Response {
    let Some(verifier) = sso.0 else {
        return refused(SsoRefusal::NotConfigured);
    };
    let now = state.clock.now();
    let claims = match verifier.verify(&token, now) {
        Ok(claims) => claims,
        Err(reason) => return refused(reason),
    };
    if let Err(reason) = check_identity(&claims, now) {
        return refused(reason);
    }
    // A link from anywhere can carry someone's token: it never replaces the person signed
    // in here without their say (login CSRF). The token stays unspent until they choose.
    let holder = match session_holder(&state.db, &actor, &claims).await {
        Ok(holder) => holder,
        Err(error) => {
            tracing::error!(error = %error, "reading the signed-in person failed");
            return unavailable();
        }
    };
    if let SessionHolder::Other { masked_name, home } = &holder
        && !confirmed
        && !from_this_origin(&headers)
    {
        tracing::info!("a host token arrived for another person than the signed-in one: asking");
        return ask_to_switch(masked_name, &mask_name(&claims.name), home, token.trim());
    }
    let parent = match accept_claims(&state.db, &claims, now).await {
        Ok(Ok(parent)) => parent,
        Ok(Err(reason)) => return refused(reason),
        Err(error) => {
            tracing::error!(error = %error, "host-app sign-in failed");
            return unavailable();
        }
    };
    if let Err(error) = auth::begin_parent_session(&session, parent.account_id, now).await {
        tracing::error!(error = %error, "starting a session failed");
        return unavailable();
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
    // Nothing of a child stays in the browser (the drafts kept on the phone): the button's
    // script forgets them where the page has code, this header everywhere.
    (
        [(HeaderName::from_static("clear-site-data"), "\"storage\"")],
        Redirect::to(target),
    )
        .into_response()
}
