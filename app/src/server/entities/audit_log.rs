//! The audit log: who saw or did what, when, from where. Append-only (the database
//! refuses updates and deletes).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    /// `staff`, `parent` or `system`.
    pub actor_kind: String,
    pub actor_id: Option<i32>,
    pub action: String,
    pub object_kind: String,
    pub object_id: Option<i32>,
    pub address: String,
    /// What else matters (JSON); never an ID number.
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
