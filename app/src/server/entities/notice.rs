//! A notice the bureau publishes on the home page (公告).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notice")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub bureau_id: i32,
    pub title_zh: String,
    pub title_en: String,
    #[sea_orm(column_type = "Text")]
    pub body_zh: String,
    #[sea_orm(column_type = "Text")]
    pub body_en: String,
    pub published_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
