//! What every request handler and server function can reach.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::{error::AppError, i18n::LocalizedText, server::auth::SessionPolicy};

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
    /// The header a trusted reverse proxy puts the client's address in, if any.
    pub client_ip_header: Option<http::HeaderName>,
    /// Government registries for prefill (none: everything is typed by hand).
    pub registries: crate::server::registry::Registries,
    /// Where document photos are kept.
    pub documents: crate::server::storage::DocumentStore,
    /// Decodes and re-encodes uploaded photos, a few at a time.
    pub photos: crate::server::photos::PhotoProcessor,
}

impl AppState {
    /// State with default policies, as tests and tools need.
    pub fn new(
        db: DatabaseConnection,
        clock: Clock,
        documents: crate::server::storage::DocumentStore,
    ) -> Self {
        Self {
            db,
            clock,
            sessions: SessionPolicy::default(),
            host_app: HostApp::default(),
            client_ip_header: None,
            registries: crate::server::registry::Registries::none(),
            documents,
            photos: crate::server::photos::PhotoProcessor::default(),
        }
    }

    /// Who makes the current request, from where, and when: what audited services take.
    pub fn audit_request(&self) -> crate::server::audit::Request {
        crate::server::audit::Request {
            actor: crate::server::auth::current_actor(),
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

    /// The client's address from a request's headers (when a trusted proxy is configured)
    /// or its peer address.
    pub fn client_address_from(
        &self,
        headers: &http::HeaderMap,
        peer: Option<std::net::SocketAddr>,
    ) -> String {
        if let Some(header) = &self.client_ip_header
            && let Some(value) = headers.get(header).and_then(|v| v.to_str().ok())
            && let Some(last) = value.rsplit(',').next()
            && let Ok(ip) = last.trim().parse::<std::net::IpAddr>()
        {
            return ip.to_string();
        }
        peer.map_or_else(|| "unknown".into(), |peer| peer.ip().to_string())
    }
}

impl AppState {
    /// The state provided to the current server function or page render.
    pub fn from_context() -> Result<Self, AppError> {
        leptos::prelude::use_context::<Self>().ok_or_else(|| {
            tracing::error!("AppState missing from the leptos context");
            AppError::Internal {
                request_id: crate::server::failure::current_request_id(),
            }
        })
    }
}
