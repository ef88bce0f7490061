//! The bureau's admission decision on a registration that passed review; parents see it
//! only once its school's results are published.

use sea_orm::entity::prelude::*;

use crate::domain::admission::AdmissionOutcome;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "admission_decision")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub registration_id: i32,
    /// `admitted` or `not_admitted`.
    pub outcome: AdmissionOutcome,
    pub decided_by: i32,
    pub decided_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
