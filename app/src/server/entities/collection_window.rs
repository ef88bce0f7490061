//! When parents may fill in, submit and delete registrations of one subsystem and year.

use sea_orm::entity::prelude::*;

use crate::domain::Subsystem;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "collection_window")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub bureau_id: i32,
    /// `enrollment` or `transfer` (see [`crate::domain::Subsystem`]).
    pub subsystem: Subsystem,
    pub school_year: i32,
    pub opens_at: DateTimeUtc,
    pub closes_at: DateTimeUtc,
    /// Until when requested changes can be made and reviewers decide; `None`: until the
    /// collection window closes.
    pub review_closes_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
