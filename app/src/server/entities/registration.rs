//! A registration: one child, one subsystem, one school year, one registrant account.

use sea_orm::entity::prelude::*;

use crate::domain::{RegistrationState, Subsystem};

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registration")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// What the parent quotes to the school.
    #[sea_orm(unique)]
    pub reference: String,
    pub account_id: i32,
    pub subsystem: Subsystem,
    pub school_year: i32,
    pub entry_id: i32,
    pub school_id: i32,
    /// The child's resident ID number. Never logged.
    pub child_id_number: String,
    /// The child's ID number while the registration is active; NULL once deleted.
    pub active_child_key: Option<String>,
    /// `<account>:<1..3>` while active; NULL once deleted.
    pub active_slot: Option<String>,
    pub state: RegistrationState,
    /// Raised by every write; a write based on another version is refused.
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    pub deleted_at: Option<DateTimeUtc>,
    /// The child's name as submitted, for reviewers' search.
    pub child_name: Option<String>,
    /// Some submitted answer was typed by hand rather than confirmed by a registry.
    pub hand_entered: bool,
    /// The open change request (a [`crate::domain::review::ChangeRequest`] as JSON).
    pub change_request: Option<String>,
    /// The member of staff who last decided on it.
    pub reviewer_id: Option<i32>,
    pub reviewed_at: Option<DateTimeUtc>,
    /// The state it had when it was set aside for the bureau (a claim by a parent the
    /// household register confirms); given back if the bureau restores it.
    pub set_aside_from: Option<RegistrationState>,
    /// The grade it is for, kept at submission: 1 for enrollment, the transfer's grade.
    pub grade: Option<i32>,
    /// The keyed hash of both guardians' ID numbers, kept when sent to the school: what
    /// registrations of one household share (none without a second guardian).
    pub family_key: Option<String>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("id", &self.id)
            .field("state", &self.state)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl Model {
    /// Whether the parent ever sent it to the school: only then may staff read it. A draft
    /// set aside by a claim was never sent, and stays the family's own.
    pub fn sent_to_school(&self) -> bool {
        let sent = |state| !matches!(state, RegistrationState::Draft | RegistrationState::Deleted);
        match self.state {
            RegistrationState::SetAside => self.set_aside_from.is_some_and(sent),
            state => sent(state),
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
