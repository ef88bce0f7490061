//! What only a browser does: local drafts, the tab's saves, photo compression and upload,
//! checking a draw, the device's clock, the document's language. This is the one module that names
//! `target_arch = "wasm32"` (a test in `tests/dependencies.rs` holds it to that): every
//! function here has one signature on both targets, and on the server it does nothing or
//! answers what a page being rendered needs (no draft, no photo, an empty time).

pub mod clock;
pub mod dialog;
pub mod drafts;
pub mod draw;
pub mod page;
pub mod photos;
pub mod saves;
