//! The Ruxue server: settings, telemetry, the database, the HTTP stack and start-up.
//! `main.rs` only parses the command; tests start the real server through [`startup`].

pub mod allocator;
pub mod assets;
pub mod auth_routes;
pub mod database;
#[cfg(feature = "dev")]
pub mod dev_host_app;
pub mod documents;
pub mod exports;
pub mod layers;
pub mod observe;
pub mod settings;
pub mod startup;
pub mod telemetry;
pub mod verify_draw;
