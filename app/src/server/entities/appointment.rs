//! A registration's on-site appointment (one at most).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appointment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub registration_id: i32,
    pub slot_id: i32,
    pub booked_at: DateTimeUtc,
    pub checked_in_at: Option<DateTimeUtc>,
    pub checked_in_by: Option<i32>,
    /// What the point found checking the original documents: they match (`true`), or a
    /// problem, said in `originals_note`.
    pub originals_ok: Option<bool>,
    pub originals_note: Option<String>,
    pub originals_checked_at: Option<DateTimeUtc>,
    pub originals_checked_by: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
