//! A district education bureau (教体局): the authority that runs one platform.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bureau")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub platform_name_zh: String,
    pub platform_name_en: String,
    pub city_zh: String,
    pub city_en: String,
    pub district_zh: String,
    pub district_en: String,
    pub hotline: String,
    /// Offset of the bureau's local time from UTC, in minutes (480 for China).
    pub utc_offset_minutes: i32,
    pub created_at: DateTimeUtc,
    /// Exports of registration lists carry full ID numbers (masked otherwise).
    pub export_full_ids: bool,
}

impl ActiveModelBehavior for ActiveModel {}
