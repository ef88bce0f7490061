//! Database tables, one module each (sea-orm entities).

pub mod bureau;
pub mod collection_window;
pub mod notice;
pub mod school;
