//! Server-only code: database entities, services and the state server functions use.
//! Compiled only with the `ssr` feature.

pub mod context;
#[cfg(feature = "dev")]
pub mod demo;
pub mod entities;
pub mod failure;
pub mod infra;
pub mod services;
pub mod state;

pub use context::Context;
pub use failure::{ServiceError, to_app_error};
pub use state::{AppState, Clock, HostApp};
