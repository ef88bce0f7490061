//! What every request handler and server function can reach.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::{error::AppError, i18n::LocalizedText, server::infra::auth::SessionPolicy};

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

/// The government app parents come from, as configured for this installation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostApp {
    pub name: LocalizedText,
    /// Where a parent goes to open the platform again (the simulated host app locally).
    pub entry_url: Option<String>,
}

impl Default for HostApp {
    fn default() -> Self {
        Self {
            name: LocalizedText {
                zh: "爱山东".into(),
                en: "iShandong".into(),
            },
            entry_url: None,
        }
    }
}

/// Shared state of the application, cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub clock: Clock,
    pub sessions: SessionPolicy,
    pub host_app: HostApp,
    /// The header trusted reverse proxies put the client's address in (`None`:
    /// `X-Forwarded-For`); read only on requests whose peer is one of `trusted_proxies`.
    pub client_ip_header: Option<http::HeaderName>,
    /// The reverse proxies whose forwarded-for header is believed (none by default).
    pub trusted_proxies: crate::server::infra::auth::client_address::TrustedProxies,
    /// Government registries for prefill (none: everything is typed by hand).
    pub registries: crate::server::infra::registry::Registries,
    /// Where document photos are kept.
    pub documents: crate::server::infra::storage::DocumentStore,
    /// Decodes and re-encodes uploaded photos, a few at a time.
    pub photos: crate::server::infra::photos::PhotoProcessor,
    /// Writes concurrent saves together (SQLite).
    pub saves: crate::server::services::registrations::group_commit::SaveQueue,
}

impl AppState {
    /// State with default policies, as tests and tools need.
    pub fn new(
        db: DatabaseConnection,
        clock: Clock,
        documents: crate::server::infra::storage::DocumentStore,
    ) -> Self {
        Self {
            db,
            clock,
            sessions: SessionPolicy::default(),
            host_app: HostApp::default(),
            client_ip_header: None,
            trusted_proxies: Default::default(),
            registries: crate::server::infra::registry::Registries::none(),
            documents,
            photos: crate::server::infra::photos::PhotoProcessor::default(),
            saves: Default::default(),
        }
    }

    /// Who makes the current request, from where, and when: what audited services take.
    pub fn audit_request(&self) -> crate::server::infra::audit::Request {
        crate::server::infra::audit::Request {
            actor: crate::server::infra::auth::current_actor(),
            address: self.client_address(),
            now: self.clock.now(),
        }
    }

    /// The address of the client of the current request, for throttling and the audit log.
    pub fn client_address(&self) -> String {
        let Some(parts) = leptos::prelude::use_context::<http::request::Parts>() else {
            return "unknown".into();
        };
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0);
        self.client_address_from(&parts.headers, peer)
    }

    /// The client's address: the peer's, or, when the peer is a trusted proxy, the
    /// right-most address in the forwarded-for header that no trusted proxy wrote.
    pub fn client_address_from(
        &self,
        headers: &http::HeaderMap,
        peer: Option<std::net::SocketAddr>,
    ) -> String {
        use crate::server::infra::auth::client_address::{DEFAULT_CLIENT_IP_HEADER, client_ip};
        let header = self
            .client_ip_header
            .clone()
            .unwrap_or_else(|| http::HeaderName::from_static(DEFAULT_CLIENT_IP_HEADER));
        client_ip(
            headers,
            &header,
            peer.map(|peer| peer.ip()),
            &self.trusted_proxies,
        )
        .map_or_else(|| "unknown".into(), |ip| ip.to_string())
    }
}

impl AppState {
    /// The state provided to the current server function or page render: shared, so that
    /// a request takes a reference count instead of a copy of every setting.
    pub fn from_context() -> Result<std::sync::Arc<Self>, AppError> {
        leptos::prelude::use_context::<std::sync::Arc<Self>>().ok_or_else(|| {
            tracing::error!("AppState missing from the leptos context");
            AppError::Internal {
                request_id: crate::server::failure::current_request_id(),
            }
        })
    }
}
