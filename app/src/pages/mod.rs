//! Pages, one module each.

pub mod admissions;
pub mod appointments;
pub mod bureau;
pub mod claims;
pub mod configuration;
pub mod draw;
pub mod home;
#[cfg(feature = "router")]
pub mod lazy;
pub mod materials;
pub mod me;
pub mod not_found;
pub mod registrations;
pub mod review;
pub mod sign_in_problem;
pub mod slots;
pub mod staff;
