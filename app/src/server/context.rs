//! What a server function knows of the request it serves, read once at its start: the
//! application's state (database, storage, registries), who calls, from where, and when.
//! Every server function takes one, then parses its input and calls one service.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use tower_sessions::Session;

use crate::{
    error::AppError,
    server::{
        AppState, ServiceError,
        infra::audit,
        infra::auth::{Actor, current_session},
    },
};

/// The request a server function serves.
pub struct Context {
    pub state: Arc<AppState>,
    /// Who calls, from which address, at what time (what audited services record).
    pub request: audit::Request,
}

impl Context {
    /// The current request's context (an internal error if the server set none up).
    pub fn current() -> Result<Self, AppError> {
        let state = AppState::from_context()?;
        let request = state.audit_request();
        Ok(Self { state, request })
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// The signed-in parent or staff member, or a visitor.
    pub fn caller(&self) -> &Actor {
        &self.request.actor
    }

    /// The request's session (what signing in and out change).
    pub fn session(&self) -> Result<Session, ServiceError> {
        current_session()
    }

    /// The request's time, in the application's clock (tests move it).
    pub fn now(&self) -> DateTime<Utc> {
        self.request.now
    }
}
