//! Components shared by pages.

mod error_panel;
mod language_switch;

pub use error_panel::ErrorPanel;
pub use language_switch::LanguageSwitch;
