//! Components shared by pages.

mod done_note;
mod error_panel;
mod language_switch;
mod session;

pub use done_note::done_note;
pub use error_panel::ErrorPanel;
pub use language_switch::LanguageSwitch;
pub use session::{SignInRequired, SignOutButton};
