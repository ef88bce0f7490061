//! The contract between the pages and the server: the wire types each page reads and sends,
//! and the server functions that carry them, one module per area. Server functions parse
//! their input, name the caller and call one service in [`crate::server`]; pages only call
//! them. Nothing here imports a page.

pub mod admissions;
pub mod appointments;
pub mod bureau;
pub mod claims;
pub mod codec;
pub mod configuration;
pub mod draws;
pub mod home;
pub mod me;
pub mod registrations;
pub mod review;
pub mod session;
pub mod staff;
