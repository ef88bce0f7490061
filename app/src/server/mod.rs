//! Server-only code: database entities, services and the state server functions use.
//! Compiled only with the `ssr` feature.

pub mod accounts;
pub mod admission;
pub mod appointments;
pub mod audit;
pub mod auth;
pub mod bureau;
pub mod claims;
pub mod configuration;
pub mod crypto;
#[cfg(feature = "dev")]
pub mod demo;
pub mod documents;
pub mod entities;
pub mod export;
pub mod failure;
pub mod group_commit;
pub mod home;
pub mod notify;
pub mod photos;
pub mod prefill;
pub mod registrations;
pub mod registry;
pub mod review;
pub mod sealing;
pub mod security;
pub mod state;
pub mod storage;

pub use failure::{ServiceError, to_app_error};
pub use state::{AppState, Clock, HostApp};
