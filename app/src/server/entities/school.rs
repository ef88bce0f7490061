//! A school that takes registrations.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "school")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub bureau_id: i32,
    #[sea_orm(unique)]
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub address_zh: String,
    pub address_en: String,
    /// Display order in lists.
    pub position: i32,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
