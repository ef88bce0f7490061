//! Builds the application from [`Settings`]: database, migrations, demo data, router and
//! middleware. Tests start the real server through [`Application::build`].

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use app::{
    App,
    display::{TEXT_COOKIE, TextSize},
    i18n::{LOCALE_COOKIE, Locale, LocalizedText},
    server::{
        AppState, Clock, HostApp,
        infra::auth::{
            SessionPolicy,
            sso::{SsoVerifier, delete_expired_token_ids},
            store::DbSessionStore,
            throttle,
        },
        infra::crypto,
        infra::photos::PhotoProcessor,
        infra::registry::{LookupPolicy, Registries, http::HttpRegistry},
        infra::sealing,
        infra::storage::DocumentStore,
        services::admission,
        services::notify::{self, HttpGateway, LogGateway, OutboxPolicy, SmsGateway},
    },
    shell,
};
use axum::{
    Router,
    extract::{FromRef, Path, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tower_http::{
    CompressionLevel,
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};
use tracing::Level;

#[cfg(feature = "dev")]
use crate::dev_host_app;
use crate::{
    assets::{self, Assets},
    auth_routes::{self, SsoState},
    database, documents, exports,
    layers::{self, SecurityConfig},
    observe,
    settings::Settings,
};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("demo data: {0}")]
    Demo(#[from] app::server::ServiceError),
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
    #[error("configuration: {0}")]
    Config(String),
}

/// State of the axum router.
#[derive(Clone, FromRef)]
pub struct ServerState {
    pub leptos_options: LeptosOptions,
    pub assets: Assets,
    pub app: AppState,
    pub sso: SsoState,
    pub metrics_from: observe::MetricsFrom,
    pub readiness: Readiness,
}

/// Whether this instance takes new work: false from SIGTERM on, while it drains.
#[derive(Clone, Debug, Default)]
pub struct Readiness(Arc<std::sync::atomic::AtomicBool>);

impl Readiness {
    pub fn drain(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Release);
        metrics::gauge!("ruxue_draining").set(1.0);
    }

    pub fn is_draining(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Acquire)
    }
}

/// A built server, bound to its port, not yet serving.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    statements: database::Statements,
    readiness: Readiness,
    /// The background workers: stopped before the pool closes.
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Application {
    /// Connects to the database, migrates it, loads demo data when asked and the database is
    /// empty, and binds the listener.
    pub async fn build(settings: &Settings) -> Result<Self, StartupError> {
        Self::build_with_clock(settings, Clock::System).await
    }

    /// As [`Application::build`], with a fixed clock for tests.
    pub async fn build_with_clock(settings: &Settings, clock: Clock) -> Result<Self, StartupError> {
        install_data_key(settings)?;
        let (db, statements) = database::connect_counted(
            settings.database_url.expose_secret(),
            settings.database_max_connections,
        )
        .await?;
        observe::install();
        // Instances starting together take turns: migrations, sealing and demo data once.
        let start_lock = database::StartLock::take(settings.database_url.expose_secret()).await?;
        database::migrate(&db).await?;
        // Rows written before encryption are sealed once; later starts find none.
        let sealed = sealing::seal_stored(&db, sealing::Scope::Plain).await?;
        if sealed.total() > 0 {
            tracing::info!(?sealed, "sealed values stored before encryption");
        }
        #[cfg(feature = "dev")]
        if settings.demo_data {
            dev_host_app::load_demo_data(
                &db,
                clock,
                settings.demo_draw.then_some(settings.sso_issuer.as_str()),
            )
            .await?;
        }
        start_lock.release().await;
        let state = app_state(settings, db, clock)?;
        let readiness = Readiness::default();
        let router = build_router(settings, state.clone(), readiness.clone())?;
        let workers = vec![
            DbSessionStore::new(state.db.clone()).spawn_cleanup(Duration::from_secs(600)),
            spawn_housekeeping(state.clone()),
            notify::spawn_outbox_worker(
                state.db.clone(),
                sms_gateway(settings)?,
                OutboxPolicy {
                    interval: settings.outbox_interval,
                    ..OutboxPolicy::default()
                },
                clock,
            ),
            admission::spawn_publisher(state.db.clone(), clock, settings.outbox_interval),
            app::server::services::documents::spawn_photo_sweeper(
                state.db.clone(),
                state.documents.clone(),
                settings.uploads,
                clock,
            ),
        ];
        let listener = TcpListener::bind(settings.addr).await?;
        Ok(Self {
            listener,
            router,
            state,
            statements,
            readiness,
            workers,
        })
    }

    /// The address the server listens on (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The database connection the server uses.
    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// Whether the instance takes new work (`/readyz`); [`Readiness::drain`] starts draining.
    pub fn readiness(&self) -> Readiness {
        self.readiness.clone()
    }

    /// The count of statements the server has sent to its database.
    pub fn statements(&self) -> database::Statements {
        self.statements.clone()
    }

    /// Serves until `shutdown` completes, lets in-flight requests finish, then closes the pool.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let Self {
            listener,
            router,
            state,
            workers,
            ..
        } = self;
        serve_router(listener, router, shutdown).await?;
        // The workers stop where they wait (a transaction under way rolls back; an SMS sent
        // but not yet marked goes again, with its id, after its claim lapses) rather than
        // failing on a closed pool.
        for worker in workers {
            worker.abort();
        }
        if let Err(error) = state.db.close_by_ref().await {
            tracing::warn!(error = %error, "closing the database pool failed");
        }
        Ok(())
    }
}

/// Largest read buffer of a connection. hyper grows a connection's buffer while a large body
/// arrives, by default up to ~400 KB, and keeps it as long as the connection lives: 64 phones
/// that uploaded a photo held ~37 MB of them between requests (docs/memory.md). 64 KB reads
/// a 2 MB photo in about thirty reads, and no request head comes near it.
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// Serves `router` until `shutdown` completes; requests already being handled finish first.
/// Each connection is served by hyper with [`READ_BUFFER_BYTES`], and its requests carry the
/// peer's address (`ConnectInfo`).
pub async fn serve_router(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::TokioIo;
    use tokio::sync::watch;

    // Closed when the shutdown signal comes: every connection then finishes its request in
    // flight and closes.
    let (stopping, stop) = watch::channel(());
    tokio::spawn(async move {
        shutdown.await;
        drop(stop);
    });
    // Each connection's task holds a receiver: all dropped means all connections closed.
    let (closed, connections) = watch::channel(());
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
            () = stopping.closed() => break,
        };
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY not set");
        }
        let router = router.clone();
        let service =
            hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
                let mut request = request.map(axum::body::Body::new);
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                tower::ServiceExt::oneshot(router.clone(), request)
            });
        let stopping = stopping.clone();
        let connections = connections.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.max_buf_size(READ_BUFFER_BYTES);
            let connection = builder
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            let mut connection = std::pin::pin!(connection);
            let served = tokio::select! {
                served = connection.as_mut() => served,
                // Stopping: the request in flight is answered, then the connection closes.
                () = stopping.closed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.as_mut().await
                }
            };
            if let Err(error) = served {
                tracing::trace!(%error, "connection ended");
            }
            drop(connections);
        });
    }
    drop(listener);
    drop(connections);
    closed.closed().await;
    Ok(())
}

/// After a failed accept: a connection that failed before it was taken is nothing; anything
/// else (out of file descriptors, say) waits a second rather than spinning.
async fn accept_failed(error: std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "accepting a connection failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// Runs the platform until SIGTERM or SIGINT.
pub async fn serve(settings: Settings) -> Result<(), StartupError> {
    tracing::info!(database = %settings.database_url_for_logs(), "starting");
    let application = Application::build(&settings).await?;
    let addr = application.local_addr()?;
    tracing::info!("Ruxue is serving at http://{addr}");
    let readiness = application.readiness();
    let drain = settings.drain;
    application
        .run_until(async move {
            if shutdown_signal().await == Signal::Terminate && !drain.is_zero() {
                // Still serving, but no longer ready: the load balancer sends new requests
                // elsewhere before the listener closes.
                readiness.drain();
                tracing::info!(seconds = drain.as_secs(), "draining before stopping");
                tokio::time::sleep(drain).await;
            }
            tracing::info!("shutting down: finishing in-flight requests");
        })
        .await?;
    tracing::info!("stopped");
    Ok(())
}

/// Installs the keys that seal ID numbers and answers: serving without them is refused.
fn install_data_key(settings: &Settings) -> Result<(), StartupError> {
    let Some(keyring) = settings.data_key.clone() else {
        return Err(StartupError::Config(
            "RUXUE_DATA_KEY is not set: ID numbers and answers are stored encrypted and need a key. \
             `server data-key` prints a new one; keep it safe (without it nothing can be read)."
                .into(),
        ));
    };
    crypto::install(keyring);
    Ok(())
}

/// Seals every stored value again under the current data key (`server rotate-key`): run it
/// after putting a new key first in `RUXUE_DATA_KEY` (the old ones still listed) and
/// restarting the app servers; then the old keys can be removed.
pub async fn rotate_key(settings: &Settings) -> Result<(), StartupError> {
    install_data_key(settings)?;
    let db = database::connect(settings.database_url.expose_secret(), 2).await?;
    let start_lock = database::StartLock::take(settings.database_url.expose_secret()).await?;
    database::migrate(&db).await?;
    start_lock.release().await;
    let sealed = sealing::seal_stored(&db, sealing::Scope::NotCurrent).await?;
    db.close().await?;
    tracing::info!(?sealed, "every value is sealed under the current data key");
    Ok(())
}

/// Only applies the migrations (`server migrate`).
pub async fn migrate_only(settings: &Settings) -> Result<(), StartupError> {
    let db = database::connect(settings.database_url.expose_secret(), 1).await?;
    let start_lock = database::StartLock::take(settings.database_url.expose_secret()).await?;
    database::migrate(&db).await?;
    start_lock.release().await;
    db.close().await?;
    tracing::info!(database = %settings.database_url_for_logs(), "migrations applied");
    Ok(())
}

/// Creates a city-wide administrator (`server create-admin`).
pub async fn create_admin(
    settings: &Settings,
    username: &str,
    display_name: &str,
    password: String,
) -> Result<(), StartupError> {
    let db = database::connect(settings.database_url.expose_secret(), 1).await?;
    let start_lock = database::StartLock::take(settings.database_url.expose_secret()).await?;
    database::migrate(&db).await?;
    start_lock.release().await;
    let created = app::server::services::accounts::create_admin(
        &db,
        username,
        display_name,
        password,
        chrono::Utc::now(),
    )
    .await;
    db.close().await?;
    match created {
        Ok(id) => {
            tracing::info!(account = id, "administrator created");
            Ok(())
        }
        Err(app::server::ServiceError::Invalid(problems)) => Err(StartupError::Config(
            problems
                .iter()
                .map(|p| p.message.en.clone())
                .collect::<Vec<_>>()
                .join(" "),
        )),
        Err(error) => Err(error.into()),
    }
}

/// What asked the server to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Signal {
    /// Ctrl-C: a person at a terminal, stop now.
    Interrupt,
    /// SIGTERM: a service manager or a rolling restart, drain first.
    Terminate,
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM, saying which.
async fn shutdown_signal() -> Signal {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => Signal::Interrupt,
        () = terminate => Signal::Terminate,
    }
}

/// The leptos options, from the settings rather than from files, so that tests and the
/// binary agree.
fn leptos_options(settings: &Settings, assets: &Assets) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(settings.output_name.as_str())
        .site_root(settings.site_root.as_str())
        .site_pkg_dir(assets.pkg_dir())
        .site_addr(settings.addr)
        .build()
}

/// The application state from the settings.
pub fn app_state(
    settings: &Settings,
    db: DatabaseConnection,
    clock: Clock,
) -> Result<AppState, StartupError> {
    let client_ip_header = settings
        .client_ip_header
        .as_deref()
        .map(|name| {
            http::HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
                StartupError::Config(format!(
                    "RUXUE_CLIENT_IP_HEADER `{name}` is not a header name"
                ))
            })
        })
        .transpose()?;
    let entry_url = settings.host_app_entry_url.clone();
    #[cfg(feature = "dev")]
    let entry_url =
        entry_url.or_else(|| settings.dev_host_app.then(|| dev_host_app::HOME.to_owned()));
    Ok(AppState {
        db,
        clock,
        sessions: SessionPolicy {
            idle: settings.session_idle,
            absolute: settings.session_absolute,
        },
        host_app: HostApp {
            name: LocalizedText {
                zh: settings.host_app_name_zh.clone(),
                en: settings.host_app_name_en.clone(),
            },
            entry_url,
        },
        client_ip_header,
        trusted_proxies: settings.trusted_proxies.clone(),
        registries: registries(settings)?,
        documents: document_store(settings)?,
        photos: PhotoProcessor::new(settings.photo_workers, Duration::from_secs(20))
            .with_policy(settings.uploads),
        saves: Default::default(),
    })
}

/// The document store from the settings (a local directory unless configured).
fn document_store(settings: &Settings) -> Result<DocumentStore, StartupError> {
    let mut options: std::collections::HashMap<String, String> = settings
        .storage_options
        .iter()
        .map(|(k, v)| (k.clone(), v.expose_secret().to_owned()))
        .collect();
    if settings.storage_scheme == "fs" {
        options
            .entry("root".to_owned())
            .or_insert_with(|| "data/documents".to_owned());
    }
    DocumentStore::new(&settings.storage_scheme, options).map_err(StartupError::Config)
}

/// The registries from the settings: the demo one, exchanges per source, or none.
fn registries(settings: &Settings) -> Result<Registries, StartupError> {
    let r = &settings.registry;
    let policy = LookupPolicy {
        timeout: r.timeout,
        retries: r.retries,
        backoff: r.backoff,
        cache_for: r.cache_for,
    };
    let mut registries = Registries::new(policy);
    #[cfg(feature = "dev")]
    if r.demo {
        registries = registries.with_demo(dev_host_app::demo_registry(settings)?);
    }
    for exchange in &r.exchanges {
        let adapter = HttpRegistry::new(&exchange.url, exchange.token.clone(), r.timeout)
            .map_err(|e| StartupError::Config(e.to_string()))?;
        registries = registries.with(exchange.source, Arc::new(adapter));
    }
    if registries.configured().is_empty() {
        tracing::info!("no registry is configured: parents type every value by hand");
    }
    Ok(registries)
}

/// The SMS gateway from the settings: an HTTP endpoint, or the log.
fn sms_gateway(settings: &Settings) -> Result<Arc<dyn SmsGateway>, StartupError> {
    match &settings.sms_url {
        Some(url) => {
            let gateway = HttpGateway::new(
                url.clone(),
                settings.sms_token.clone(),
                Duration::from_secs(10),
            )
            .map_err(|e| StartupError::Config(e.to_string()))?;
            Ok(Arc::new(gateway))
        }
        None => {
            tracing::info!("RUXUE_SMS_URL is not set: SMS notices are written to the log");
            Ok(Arc::new(LogGateway))
        }
    }
}

/// Deletes spent host-token ids and old sign-in attempts every ten minutes.
fn spawn_housekeeping(state: AppState) -> tokio::task::JoinHandle<()> {
    app::server::infra::background::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(600));
        loop {
            interval.tick().await;
            let now = state.clock.now();
            if let Err(error) = delete_expired_token_ids(&state.db, now).await {
                tracing::warn!(error = %error, "deleting spent host-token ids failed");
            }
            if let Err(error) = throttle::delete_old(&state.db, now).await {
                tracing::warn!(error = %error, "deleting old sign-in attempts failed");
            }
        }
    })
}

/// How host tokens are verified.
fn sign_in_config(settings: &Settings) -> Result<SsoState, StartupError> {
    let key_error =
        |e: app::server::infra::auth::sso::KeyError| StartupError::Config(e.to_string());
    if settings.sso_public_key.is_some() && !settings.sso_public_keys.is_empty() {
        return Err(StartupError::Config(
            "set RUXUE_SSO_PUBLIC_KEY (one key) or RUXUE_SSO_PUBLIC_KEYS (keys by id), not both"
                .into(),
        ));
    }
    let verifier = if !settings.sso_public_keys.is_empty() {
        Some(
            SsoVerifier::from_keys(
                settings
                    .sso_public_keys
                    .iter()
                    .map(|(kid, pem)| (Some(kid.as_str()), pem.as_str())),
                &settings.sso_issuer,
                &settings.sso_audience,
            )
            .map_err(key_error)?,
        )
    } else if let Some(pem) = &settings.sso_public_key {
        Some(
            SsoVerifier::from_pem(pem, &settings.sso_issuer, &settings.sso_audience)
                .map_err(key_error)?,
        )
    } else {
        None
    };
    // Without a host key, a local run checks the simulated host app's tokens.
    #[cfg(feature = "dev")]
    let verifier = match verifier {
        None => dev_host_app::verifier(settings)?,
        configured => configured,
    };
    if verifier.is_none() {
        tracing::warn!(
            "RUXUE_SSO_PUBLIC_KEY(S) is not set: parents cannot sign in through the host app"
        );
    }
    Ok(SsoState(verifier.map(Arc::new)))
}

/// The app's routes, listed once a process. Listing them renders the app with every resource
/// of the whole process held back (leptos' `SuppressResourceLoad` is a process-wide flag): a
/// page of a server already running in the process whose data began to load in that moment
/// would wait for ever (seen in the test suite, where servers start beside others serving).
static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();

/// The complete router: pages, server functions, health checks and every middleware.
pub fn build_router(
    settings: &Settings,
    state: AppState,
    readiness: Readiness,
) -> Result<Router, StartupError> {
    let sso = sign_in_config(settings)?;
    let assets = Assets::load(&settings.site_root, &settings.output_name);
    let leptos_options = leptos_options(settings, &assets);
    let routes = ROUTES.get_or_init(|| generate_route_list(App)).clone();
    let context = {
        // One copy for every request: each takes a reference count.
        let state = Arc::new(state.clone());
        let split = assets.split_manifest();
        move || {
            provide_context(state.clone());
            if let Some(split) = &split {
                provide_context(split.clone());
            }
        }
    };
    let session_layer = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name(if settings.https {
            "__Host-ruxue_session"
        } else {
            "ruxue_session"
        })
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.https)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(
            time::Duration::try_from(settings.session_idle).unwrap_or(time::Duration::minutes(30)),
        ));
    let server_state = ServerState {
        leptos_options: leptos_options.clone(),
        assets,
        app: state.clone(),
        sso,
        metrics_from: observe::MetricsFrom(settings.metrics_from.clone()),
        readiness,
    };
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(observe::page))
        .route("/lang/{tag}", get(set_language))
        .route("/text/{size}", get(set_text_size))
        .route(
            "/sso/callback",
            get(auth_routes::sso_callback_get).post(auth_routes::sso_callback_post),
        )
        .route("/sign-out", post(auth_routes::sign_out))
        .route("/pkg/{*path}", get(assets::pkg_file))
        .route("/documents/{photo}/{size}", get(documents::photo))
        .route("/exports/registrations.xlsx", get(exports::registrations))
        .route("/draws/{id}/record.json", get(exports::draw_record))
        .leptos_routes_with_context(&server_state, routes, context.clone(), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(file_and_error_handler_with_context::<ServerState, _>(
            context, shell,
        ))
        .layer(axum::middleware::from_fn(layers::refuse_nul))
        // Everything but photo uploads takes small bodies.
        .layer(RequestBodyLimitLayer::new(settings.body_limit_bytes))
        .merge(
            Router::new()
                .route(
                    "/api/registrations/{id}/documents/{document}",
                    post(documents::upload),
                )
                .layer(RequestBodyLimitLayer::new(documents::UPLOAD_BODY_LIMIT)),
        )
        .with_state(server_state);
    #[cfg(feature = "dev")]
    let router = match dev_host_app::router(settings, &state)? {
        Some(dev) => router.merge(dev),
        None => router,
    };
    let router = router
        .layer(axum::middleware::from_fn_with_state(
            state,
            auth_routes::authenticate,
        ))
        .layer(session_layer);
    Ok(with_middleware(router, settings))
}

/// Wraps `router` in the middleware every response goes through (outermost first).
pub fn with_middleware(router: Router, settings: &Settings) -> Router {
    let security = SecurityConfig {
        host_app_origins: Arc::from(settings.host_app_origins.clone()),
        https: settings.https,
    };
    // Each `layer` call wraps everything added before it: the last one is outermost.
    // The outer bound: the router itself sets the tighter one for all but photo uploads.
    router
        .layer(RequestBodyLimitLayer::new(
            settings.body_limit_bytes.max(documents::UPLOAD_BODY_LIMIT),
        ))
        .layer(axum::middleware::from_fn_with_state(
            layers::Gate::new(settings.admission),
            layers::admit,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            settings.request_timeout,
        ))
        // Pages and server-function answers are compressed as they are sent, at the fastest
        // setting: on an 8 KB page brotli's default here (4) costs 2.5× the time of 1 for
        // 12 % fewer bytes (0.19 against 0.08 ms, 2,969 against 3,365 bytes; the site's own
        // files are compressed at build time and sent as they are, see `assets`).
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(1)))
        .layer(axum::middleware::from_fn_with_state(
            security.clone(),
            layers::refuse_cross_site,
        ))
        .layer(CatchPanicLayer::custom(layers::panic_response))
        .layer(axum::middleware::from_fn_with_state(
            security,
            layers::security_headers,
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &http::Request<_>| {
                    let request_id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default();
                    // The path only: query strings may carry tokens.
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                        request_id = %request_id,
                    )
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(axum::middleware::from_fn(layers::drop_client_request_id))
        // Outermost: counts what every other layer answered too (busy, timeout, panic).
        .layer(axum::middleware::from_fn(observe::record))
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: not draining, and the database answers within two seconds.
async fn readyz(State(state): State<AppState>, State(readiness): State<Readiness>) -> Response {
    if readiness.is_draining() {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining").into_response();
    }
    match tokio::time::timeout(Duration::from_secs(2), state.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready").into_response(),
        Ok(Err(error)) => {
            tracing::warn!(error = %error, "readiness: database unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
        Err(_) => {
            tracing::warn!("readiness: database did not answer in time");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Sets the language cookie without JavaScript, then returns to the page the switch was on.
async fn set_language(Path(tag): Path<String>, headers: HeaderMap) -> Response {
    let locale = Locale::from_tag(&tag).unwrap_or_default();
    let back = back_to(&headers);
    let cookie = format!(
        "{LOCALE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        locale.tag()
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to(&back)).into_response()
}

/// Sets the text-size cookie (长辈模式) without JavaScript, then returns to the page the
/// switch was on.
async fn set_text_size(Path(tag): Path<String>, headers: HeaderMap) -> Response {
    let size = TextSize::from_tag(&tag).unwrap_or_default();
    let cookie = format!(
        "{TEXT_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        size.tag()
    );
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&back_to(&headers)),
    )
        .into_response()
}

/// Where a switch returns to: the referring page when it is on this site, else home.
fn back_to(headers: &HeaderMap) -> String {
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(same_site_path)
        .unwrap_or_else(|| "/".to_owned())
}

/// The path and query of a referring URL, only if it is a plain local path (no open redirect).
fn same_site_path(referer: &str) -> Option<String> {
    let after_scheme = referer.split_once("://").map_or(referer, |(_, rest)| rest);
    let path = &after_scheme[after_scheme.find('/')?..];
    (path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/lang/")
        && !path.starts_with("/text/"))
    .then(|| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_switch_only_returns_to_local_paths() {
        assert_eq!(
            same_site_path("http://127.0.0.1:3000/schools?x=1").as_deref(),
            Some("/schools?x=1")
        );
        assert_eq!(same_site_path("https://evil.cn//evil.cn/x"), None);
        assert_eq!(same_site_path("https://host"), None);
        assert_eq!(same_site_path("http://host/lang/en"), None);
        assert_eq!(same_site_path("http://host/text/large"), None);
    }
}
