//! An entry (报名入口): the door a registration comes in by. The bureau configures which
//! sections it requires and which schools it leads to.

use sea_orm::entity::prelude::*;

use crate::domain::Subsystem;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "entry")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub bureau_id: i32,
    pub subsystem: Subsystem,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub explanation_zh: String,
    pub explanation_en: String,
    /// Section codes, comma-separated (3 to 6 of them).
    pub sections: String,
    pub position: i32,
    pub active: bool,
}

impl ActiveModelBehavior for ActiveModel {}
