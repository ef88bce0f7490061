//! When a school's admission results for a subsystem and year are published, and whether
//! they have been.

use sea_orm::entity::prelude::*;

use crate::domain::Subsystem;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "publication")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub school_id: i32,
    pub subsystem: Subsystem,
    pub school_year: i32,
    pub publish_at: DateTimeUtc,
    /// Set, once, when the results were applied.
    pub published_at: Option<DateTimeUtc>,
    pub created_by: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
