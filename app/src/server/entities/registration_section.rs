//! The answers of one section of a registration.

use sea_orm::entity::prelude::*;

use crate::domain::SectionKind;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registration_section")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub registration_id: i32,
    pub section: SectionKind,
    /// The answers as a JSON object of field → value.
    pub data: String,
    /// The parent pressed "save and continue" and the answers passed every check.
    pub completed: bool,
    /// Where each answer came from, a JSON object of field → [`crate::domain::provenance::Provenance`].
    pub provenance: String,
    pub updated_at: DateTimeUtc,
    /// Counts this section's saves: a page's save names the version it read.
    pub version: i64,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrationSection")
            .field("registration_id", &self.registration_id)
            .field("section", &self.section)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
