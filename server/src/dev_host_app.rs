//! Development code, compiled only with the `dev` feature (`make run`, the tests; never
//! `make release`): the simulated host app (`/dev/host-app`), which plays the provincial
//! government app: lists demo identities, lets you make a new one, and opens the platform
//! with a token signed by the development key, so that sign-in goes through the same
//! verification as in production; the demo registry and its controls (`/dev/registry`);
//! and the demo data. Each is off unless its setting asks for it, and refused with HTTPS.

use std::sync::Arc;

use app::server::{
    AppState, Clock,
    demo::{self, DEMO_PARENTS},
    infra::auth::{
        dev_signer::{DEV_PUBLIC_KEY_PEM, DevTokenSigner},
        sso::SsoVerifier,
    },
    infra::registry::demo::{DEMO_CHILDREN, DemoRegistry},
};
use axum::{
    Router,
    extract::{Query, State},
    response::{Html, IntoResponse, Redirect, Response},
    routing::get,
};
use http::StatusCode;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use tower_http::limit::RequestBodyLimitLayer;

use crate::{settings::Settings, startup::StartupError};

/// The simulated host app's home: where parents open the platform again on a local run.
pub const HOME: &str = "/dev/host-app";

/// Loads the demo data into an empty database (`RUXUE_DEMO_DATA`), and into one loaded by
/// an earlier version what that version did not have yet; with `draw` (`RUXUE_DEMO_DRAW`:
/// the simulated host app's issuer) the registrations of the draw demo too, whose families
/// sign in through it as `demo-draw-family-1` … `-8`.
pub async fn load_demo_data(
    db: &DatabaseConnection,
    clock: Clock,
    draw: Option<&str>,
) -> Result<(), StartupError> {
    if demo::load_demo_data(db, clock.now()).await? {
        tracing::info!("loaded demo data into the empty database");
    } else if demo::ensure_demo_entries(db).await? {
        tracing::info!("added the demo entries");
    }
    if demo::ensure_demo_materials(db).await? {
        tracing::info!("added the demo materials table");
    }
    if demo::ensure_demo_administration(db, clock.now()).await? {
        tracing::info!("added demo places and catchments");
    }
    if demo::ensure_demo_slots(db, clock.now()).await? {
        tracing::info!("added demo appointment slots");
    }
    if let Some(issuer) = draw
        && demo::ensure_demo_draw(db, issuer, clock.now()).await?
    {
        tracing::info!("added the draw demo's registrations");
    }
    Ok(())
}

/// The demo registry for every source (`RUXUE_REGISTRY_DEMO`): made-up answers, so never
/// with HTTPS.
pub fn demo_registry(settings: &Settings) -> Result<Arc<DemoRegistry>, StartupError> {
    if settings.https {
        return Err(StartupError::Config(
            "RUXUE_REGISTRY_DEMO answers with made-up data: it cannot be on with RUXUE_HTTPS"
                .into(),
        ));
    }
    tracing::warn!("the demo registry answers registry lookups: for local runs and tests only");
    let r = &settings.registry;
    Ok(Arc::new(DemoRegistry::new(
        r.demo_latency,
        r.demo_failure_rate,
    )))
}

/// The verifier of the development key's tokens, when the simulated host app is on and no
/// host key is configured.
pub fn verifier(settings: &Settings) -> Result<Option<SsoVerifier>, StartupError> {
    if !settings.dev_host_app {
        return Ok(None);
    }
    SsoVerifier::from_pem(
        DEV_PUBLIC_KEY_PEM,
        &settings.sso_issuer,
        &settings.sso_audience,
    )
    .map(Some)
    .map_err(|e| StartupError::Config(e.to_string()))
}

/// The routes of the simulated host app and, with the demo registry, its controls; `None`
/// unless `RUXUE_DEV_HOST_APP` is on. Refused with HTTPS: the key is published.
pub fn router(settings: &Settings, state: &AppState) -> Result<Option<Router>, StartupError> {
    if !settings.dev_host_app {
        return Ok(None);
    }
    if settings.https {
        return Err(StartupError::Config(
            "RUXUE_DEV_HOST_APP signs tokens with a published development key: it cannot be on with RUXUE_HTTPS".into(),
        ));
    }
    tracing::warn!("the simulated host app is on at {HOME}: for local runs and tests only");
    let signer = DevTokenSigner::new(&settings.sso_issuer, &settings.sso_audience)
        .map_err(|e| StartupError::Config(e.to_string()))?;
    let mut router = Router::new()
        .route(HOME, get(home))
        .route("/dev/host-app/open", get(open))
        .with_state(HostAppState {
            signer: Arc::new(signer),
            clock: state.clock,
        });
    if let Some(registry) = state.registries.demo.clone() {
        router = router.merge(
            Router::new()
                .route("/dev/registry", get(registry_home).post(registry_set))
                .with_state(registry),
        );
    }
    Ok(Some(router.layer(RequestBodyLimitLayer::new(
        settings.body_limit_bytes,
    ))))
}

/// What the simulated host app's pages need: the development signer and the clock.
#[derive(Clone)]
struct HostAppState {
    signer: Arc<DevTokenSigner>,
    clock: Clock,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// `GET /dev/host-app`: the host app's home screen.
async fn home() -> Response {
    let identities: String = DEMO_PARENTS
        .iter()
        .map(|p| {
            format!(
                r#"<li class="card"><h3>{name}</h3><p class="hint">{about}</p>
<p class="hint">{id} · {phone}{unverified}</p>
<a class="button button-primary" data-subject="{subject}" href="/dev/host-app/open?subject={subject}">以此身份进入入学报名 · Open as this person</a></li>"#,
                name = escape(p.name),
                about = escape(p.about),
                id = escape(&format!("{}********{}", &p.id_number[..6], &p.id_number[14..])),
                phone = escape(p.phone),
                subject = escape(p.subject),
                unverified = if p.verified { "" } else { " · 未实人认证 not verified" },
            )
        })
        .collect();
    let subject = uuid::Uuid::new_v4().simple().to_string();
    Html(format!(
        r#"<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>模拟政务 APP · Simulated host app</title><link rel="stylesheet" href="/pkg/ruxue.css"></head>
<body><header class="site-header dev-host"><span class="brand">模拟政务 APP · Simulated host app</span></header>
<main id="main"><p class="panel hint">本页面仅用于开发和测试：它扮演省政务 APP，用开发密钥签发登录令牌。
This page exists only for development and tests: it plays the government app and signs tokens with a development key.</p>
<h2>演示身份 · Demo identities</h2><ul class="cards">{identities}</ul>
<p class="hint"><a href="/dev/registry">演示政务数据（儿童身份证号、响应速度） · Demo registry (children's ID numbers, latency)</a></p>
<h2>新建身份 · A new identity</h2>
<form class="panel form" method="get" action="/dev/host-app/open">
<label for="subject">主体标识 Subject id</label><input id="subject" name="subject" value="{subject}" required>
<label for="name">姓名 Name</label><input id="name" name="name" required>
<label for="id_number">身份证号 ID number</label><input id="id_number" name="id_number" required>
<label for="phone">手机号 Phone</label><input id="phone" name="phone" required>
<label><input type="checkbox" name="verified" value="true" checked> 已实人认证 Verified</label>
<button class="button button-primary" type="submit">进入入学报名 · Open the platform</button>
</form></main></body></html>"#
    ))
    .into_response()
}

/// What `/dev/host-app/open` takes: a demo subject, or a whole new identity.
#[derive(Debug, Default, Deserialize)]
struct OpenParams {
    #[serde(default)]
    subject: String,
    name: Option<String>,
    id_number: Option<String>,
    phone: Option<String>,
    verified: Option<String>,
}

/// `GET /dev/host-app/open`: signs a token for the identity and opens the platform.
async fn open(
    State(HostAppState { signer, clock }): State<HostAppState>,
    Query(params): Query<OpenParams>,
) -> Response {
    let now = clock.now();
    let claims = match (&params.name, &params.id_number, &params.phone) {
        (Some(name), Some(id_number), Some(phone)) => signer.claims_for(
            params.subject.trim(),
            name,
            id_number,
            phone,
            params.verified.as_deref() == Some("true"),
            now,
        ),
        _ => match DEMO_PARENTS.iter().find(|p| p.subject == params.subject) {
            Some(p) => signer.claims_for(p.subject, p.name, p.id_number, p.phone, p.verified, now),
            None => return (StatusCode::NOT_FOUND, "no such demo identity").into_response(),
        },
    };
    match signer.sign(&claims) {
        Ok(token) => Redirect::to(&format!("/sso/callback?token={token}")).into_response(),
        Err(error) => {
            tracing::error!(error = %error, "signing a development token failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn registry_page(registry: &DemoRegistry, note: &str) -> Response {
    let children: String = DEMO_CHILDREN
        .iter()
        .map(|c| {
            format!(
                "<li><code>{id}</code> {name} — {about}</li>",
                id = escape(c.id_number),
                name = escape(c.name),
                about = escape(c.about)
            )
        })
        .collect();
    Html(format!(
        r#"<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>演示政务数据 · Demo registry</title><link rel="stylesheet" href="/pkg/ruxue.css"></head>
<body><header class="site-header dev-host"><span class="brand">演示政务数据 · Demo registry</span></header>
<main id="main"><p class="panel hint">仅用于开发和测试。For development and tests only.</p>
<p role="status" data-registry-latency="{latency}" data-registry-failure-rate="{rate}">{note}</p>
<form class="panel form" method="post" action="/dev/registry">
<label for="latency_ms">响应时间（毫秒） Latency (ms)</label><input id="latency_ms" name="latency_ms" inputmode="numeric" value="{latency}">
<label for="failure_rate">失败比例 0–1 Failure rate</label><input id="failure_rate" name="failure_rate" value="{rate}">
<button class="button button-primary" type="submit">保存 · Save</button></form>
<h2>登记在册的儿童 · Children in the demo register</h2><ul>{children}</ul></main></body></html>"#,
        latency = registry.latency().as_millis(),
        rate = registry.failure_rate(),
    ))
    .into_response()
}

/// `GET /dev/registry`: the demo registry's latency and failure rate, and its children.
async fn registry_home(State(registry): State<Arc<DemoRegistry>>) -> Response {
    registry_page(&registry, "")
}

/// What `POST /dev/registry` takes.
#[derive(Debug, Deserialize)]
struct RegistryControls {
    latency_ms: String,
    failure_rate: String,
}

/// `POST /dev/registry`: makes the demo registry slow or failing, for tests and trials.
async fn registry_set(
    State(registry): State<Arc<DemoRegistry>>,
    axum::Form(controls): axum::Form<RegistryControls>,
) -> Response {
    let latency = controls.latency_ms.trim().parse::<u64>();
    let rate = controls.failure_rate.trim().parse::<f64>();
    match (latency, rate) {
        (Ok(latency), Ok(rate)) if (0.0..=1.0).contains(&rate) && latency <= 120_000 => {
            registry.set(std::time::Duration::from_millis(latency), rate);
            registry_page(&registry, "已保存 · Saved")
        }
        _ => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "响应时间应为 0–120000 的整数，失败比例为 0–1 的小数。Latency: 0–120000; failure rate: 0–1.",
        )
            .into_response(),
    }
}
