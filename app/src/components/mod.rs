//! Components shared by pages.

mod dialog;
mod done_note;
mod error_panel;
mod language_switch;
mod loading;
mod school_year;
mod session;
mod text_size_switch;

pub use dialog::{CancelButton, ConfirmDialog};
pub use done_note::done_note;
pub use error_panel::ErrorPanel;
pub use language_switch::LanguageSwitch;
pub use loading::{LoadFailed, Loading};
pub use school_year::{year_choice, year_link};
pub use session::{SignInRequired, SignOutButton};
pub use text_size_switch::TextSizeSwitch;
