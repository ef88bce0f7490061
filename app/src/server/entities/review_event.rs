//! One event on a registration's timeline: a review decision, a change request, a
//! resubmission or an admission result.

use sea_orm::entity::prelude::*;

use crate::domain::{RegistrationState, review::ReviewStage, review::TimelineKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub registration_id: i32,
    /// A [`crate::domain::review::TimelineKind`] code.
    pub kind: TimelineKind,
    /// `first` or `second` for decisions.
    pub stage: Option<ReviewStage>,
    /// Who decided; `None` for the parent's own events.
    pub staff_id: Option<i32>,
    /// A [`crate::domain::review::REJECT_REASONS`] code.
    pub reason: Option<String>,
    /// The school's message to the parent (may be empty).
    pub message: String,
    /// A change request's items (JSON).
    pub request: Option<String>,
    pub from_state: RegistrationState,
    pub to_state: RegistrationState,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
