//! A parent's decision on letting the platform look a child up in government registries.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registry_consent")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub registration_id: i32,
    pub account_id: i32,
    pub granted: bool,
    /// Which wording the parent read (see [`crate::domain::provenance::CONSENT_WORDING_VERSION`]).
    pub wording_version: String,
    pub decided_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
