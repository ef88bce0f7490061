//! Metrics for the people who run the platform: `GET /metrics` in the Prometheus text format,
//! answered only to the addresses in `RUXUE_METRICS_FROM` (404 to anyone else, as if there
//! were no such page). Requests are counted by route pattern (never by a path a client
//! chose), with their latency to the first byte; the app's own counters (autosaves,
//! submissions, uploads, registry lookups, SMS) are recorded where they happen
//! (`app::server::infra::measure`); gauges that are cheap to read (database pool, outbox)
//! are read when the page is asked for. `docs/operations.md` says what to alert on.

use std::{
    net::SocketAddr,
    sync::OnceLock,
    time::{Duration, Instant},
};

use app::server::{AppState, entities::outbox};
use axum::{
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

/// Histogram buckets, in seconds: from a quick autosave to a slow photo.
const BUCKETS: [f64; 14] = [
    0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use (one per process: every server a test
/// starts in the same process records into it).
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let installed = PrometheusBuilder::new()
                .set_buckets(&BUCKETS)
                .and_then(PrometheusBuilder::install_recorder);
            match installed {
                Ok(handle) => {
                    // Histograms are kept in blocks that upkeep folds; a thread of its own,
                    // so that no runtime's end stops it.
                    let upkeep = handle.clone();
                    let spawned = std::thread::Builder::new()
                        .name("metrics-upkeep".into())
                        .spawn(move || {
                            loop {
                                std::thread::sleep(Duration::from_secs(5));
                                upkeep.run_upkeep();
                            }
                        });
                    if let Err(error) = spawned {
                        tracing::warn!(error = %error, "metrics upkeep could not start");
                    }
                    describe();
                    metrics::gauge!("ruxue_draining").set(0.0);
                    Some(handle)
                }
                Err(error) => {
                    tracing::warn!(error = %error, "metrics are off: no recorder");
                    None
                }
            }
        })
        .as_ref()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "ruxue_http_requests_total",
        "Requests answered, by route pattern, method and status"
    );
    describe_histogram!(
        "ruxue_http_request_duration_seconds",
        "Time to the response's first byte, by route pattern"
    );
    describe_counter!(
        "ruxue_autosaves_total",
        "Section saves by outcome (saved, merged, conflict, error)"
    );
    describe_histogram!(
        "ruxue_autosave_duration_seconds",
        "Time a section save took on the server"
    );
    describe_counter!("ruxue_submissions_total", "Submissions by outcome");
    describe_counter!("ruxue_uploads_total", "Photo uploads by outcome");
    describe_counter!(
        "ruxue_upload_bytes_total",
        "Bytes of photo uploads received"
    );
    describe_histogram!(
        "ruxue_photo_processing_seconds",
        "Time a photo took on a worker (an upload: check, decode, full size and thumbnail; or a reviewer's copy made on first view)"
    );
    describe_gauge!("ruxue_photo_workers_busy", "Photo workers at work now");
    describe_counter!(
        "ruxue_registry_lookups_total",
        "Registry questions by source and outcome"
    );
    describe_histogram!(
        "ruxue_registry_lookup_duration_seconds",
        "Time a registry question took, retries included, by source"
    );
    describe_counter!("ruxue_sms_total", "SMS handed to the gateway, by outcome");
    describe_gauge!(
        "ruxue_outbox_depth",
        "SMS not yet delivered (all instances)"
    );
    describe_gauge!(
        "ruxue_outbox_oldest_age_seconds",
        "Age of the oldest SMS not yet delivered"
    );
    describe_gauge!(
        "ruxue_db_pool_connections",
        "This instance's database connections, in use or idle"
    );
    describe_gauge!(
        "ruxue_db_pool_acquire_wait_seconds",
        "How long taking a database connection took when the metrics were read (waiting for the pool)"
    );
    describe_gauge!(
        "ruxue_requests_in_flight",
        "Requests being worked on by this instance"
    );
    describe_gauge!(
        "ruxue_requests_waiting",
        "Requests waiting for a turn on this instance (beyond the queue: 503)"
    );
    describe_counter!(
        "ruxue_panics_total",
        "Panics caught (an SSR panic is a bug)"
    );
    describe_gauge!(
        "ruxue_draining",
        "1 while this instance drains before stopping"
    );
}

/// Counts every request by route pattern, method and status, with its latency. Added with
/// `Router::layer`, it runs after routing, where the matched pattern is known.
pub async fn record(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = match *request.method() {
        http::Method::GET => "GET",
        http::Method::POST => "POST",
        http::Method::HEAD => "HEAD",
        _ => "other",
    };
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::histogram!("ruxue_http_request_duration_seconds", "route" => route.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!(
        "ruxue_http_requests_total",
        "route" => route,
        "method" => method,
        "status" => status
    )
    .increment(1);
    response
}

/// `GET /metrics`.
pub async fn page(
    State(state): State<AppState>,
    State(allowed): State<MetricsFrom>,
    request: Request,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0);
    // Through a trusted proxy, the client behind it is who asks.
    let client = state.client_address_from(request.headers(), peer);
    let allowed = client
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| allowed.0.contains(ip));
    let Some(handle) = install().filter(|_| allowed) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    read_gauges(&state.db).await;
    (
        [
            (header::CONTENT_TYPE, "text/plain; version=0.0.4"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        handle.render(),
    )
        .into_response()
}

/// Seconds it takes to get a connection from `pool` now (at most 5: a pool that gives none
/// within 5 s reads as 5).
async fn acquire_wait<DB: sea_orm::sqlx::Database>(pool: &sea_orm::sqlx::Pool<DB>) -> f64 {
    let started = Instant::now();
    let limit = Duration::from_secs(5);
    match tokio::time::timeout(limit, pool.acquire()).await {
        Ok(Ok(connection)) => {
            drop(connection);
            started.elapsed().as_secs_f64()
        }
        Ok(Err(_)) | Err(_) => limit.as_secs_f64(),
    }
}

/// Who may read `/metrics` (`RUXUE_METRICS_FROM`).
#[derive(Clone, Debug, Default)]
pub struct MetricsFrom(pub app::server::infra::auth::client_address::TrustedProxies);

/// The gauges read at scrape time: the database pool and the SMS outbox.
async fn read_gauges(db: &DatabaseConnection) {
    let (size, idle) = match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    };
    // sqlx counts no waiters; how long a request would wait for a connection now is
    // measured instead, by taking one and giving it back.
    let wait = match db.get_database_backend() {
        DbBackend::Postgres => acquire_wait(db.get_postgres_connection_pool()).await,
        DbBackend::Sqlite => acquire_wait(db.get_sqlite_connection_pool()).await,
        _ => 0.0,
    };
    metrics::gauge!("ruxue_db_pool_acquire_wait_seconds").set(wait);
    let idle = u32::try_from(idle).unwrap_or(u32::MAX);
    metrics::gauge!("ruxue_db_pool_connections", "state" => "in_use")
        .set(f64::from(size.saturating_sub(idle)));
    metrics::gauge!("ruxue_db_pool_connections", "state" => "idle").set(f64::from(idle));
    let pending = || outbox::Entity::find().filter(outbox::Column::DeliveredAt.is_null());
    match pending().count(db).await {
        Ok(depth) => metrics::gauge!("ruxue_outbox_depth").set(depth as f64),
        Err(error) => tracing::warn!(error = %error, "metrics: outbox depth unread"),
    }
    let oldest: Result<Option<DateTime<Utc>>, _> = pending()
        .select_only()
        .column(outbox::Column::CreatedAt)
        .order_by_asc(outbox::Column::CreatedAt)
        .into_tuple()
        .one(db)
        .await;
    let age = match oldest {
        Ok(Some(created)) => (Utc::now() - created).num_milliseconds().max(0) as f64 / 1000.0,
        Ok(None) => 0.0,
        Err(error) => {
            tracing::warn!(error = %error, "metrics: outbox age unread");
            return;
        }
    };
    metrics::gauge!("ruxue_outbox_oldest_age_seconds").set(age);
}
