//! A registration in a committed draw, and the priority tier (from 1) it is in.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "draw_entrant")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub draw_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub registration_id: i32,
    pub tier: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
