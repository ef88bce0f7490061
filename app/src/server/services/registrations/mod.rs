//! The parent's registrations: create, read, save sections, check, submit, delete.
//! Every function takes the actor first: a parent reaches only their own registrations
//! (anyone else's is "not found"), and every write is refused outside the collection window.

mod changes;
mod create;
pub mod group_commit;
mod queries;
mod save;
mod submit;
mod view;

use std::collections::BTreeMap;

use crate::domain::SectionData;

pub(crate) use changes::{Step, change, change_all, hold};
pub(crate) use create::{
    already_yours, check_room, child_key, confirmed_account, own_elsewhere,
    registered_by_you_elsewhere, slot_key, window_to_show, year_registering,
};
pub use create::{create, options};
pub(crate) use queries::{
    Editing, StoredSections, WindowTimes, answers_of, changes_closed, child_id_of, editing,
    load_own, local_time, masked_child, offset_of, registrant_account, required_sections,
    sections_of, window_of, window_open,
};
pub use save::save_section;
pub(crate) use save::{SaveWrite, write_saves};
pub use submit::{check, delete, submit};
pub(crate) use submit::{documents_still_there, ready_to_send};
pub use view::{list_mine, view};

/// A section's answers as a page sends them: the values, and the prefilled values the
/// parent said were wrong, with why.
#[derive(Clone, Debug, Default)]
pub struct SectionAnswers {
    pub data: SectionData,
    pub corrections: BTreeMap<String, String>,
    /// The section's answers as the page read them, to merge its changes into answers
    /// saved meanwhile by another page; without it a stale save is refused outright.
    pub base: Option<SectionData>,
}

/// What the new-registration form sends, as typed.
#[derive(Clone, Debug)]
pub struct NewRegistration {
    pub subsystem: String,
    pub entry_id: String,
    pub school_id: String,
    pub child_id_number: String,
}
