//! Components shared by pages.

mod error_panel;
mod language_switch;
mod session;

pub use error_panel::ErrorPanel;
pub use language_switch::LanguageSwitch;
pub use session::{SignInRequired, SignOutButton};
