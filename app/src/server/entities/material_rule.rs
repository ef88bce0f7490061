//! A rule of the materials table (材料对照表), configured by the bureau.

use sea_orm::entity::prelude::*;

use crate::domain::{materials::Condition, provenance::Document};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "material_rule")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub bureau_id: i32,
    /// The entry it belongs to; every entry of the bureau when `None`.
    pub entry_id: Option<i32>,
    /// A [`crate::domain::provenance::Document`] code.
    pub document: Document,
    /// A [`crate::domain::materials::Condition`] code.
    pub condition: Condition,
    pub required: bool,
    pub explanation_zh: String,
    pub explanation_en: String,
    pub example_zh: String,
    pub example_en: String,
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
