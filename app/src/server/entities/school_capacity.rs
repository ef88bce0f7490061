//! How many children a school takes, per subsystem, grade and school year.

use sea_orm::entity::prelude::*;

use crate::domain::Subsystem;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "school_capacity")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub school_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub subsystem: Subsystem,
    #[sea_orm(primary_key, auto_increment = false)]
    pub grade: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub school_year: i32,
    pub capacity: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
