//! One question put to a government registry for a registration, and its answer.

use sea_orm::entity::prelude::*;

use crate::domain::{coded::coded, provenance::RegistrySource};

coded! {
    /// Where a lookup stands.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum LookupStatus {
        /// Asked; no answer yet.
        Pending = "pending",
        Found = "found",
        NotFound = "not-found",
        /// The registry could not be reached (asked again after a while).
        Unavailable = "unavailable",
        /// The household register does not name the registrant as the child's parent:
        /// nothing of it was kept.
        Unconfirmed = "unconfirmed",
    }
}

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registry_lookup")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub registration_id: i32,
    /// A [`crate::domain::provenance::RegistrySource`] code.
    pub source: RegistrySource,
    /// SHA-256 of the question (the ID numbers asked about), so that the same question is
    /// asked once and a changed one is asked again.
    pub key_digest: String,
    pub status: LookupStatus,
    /// The record found, as JSON. Holds ID numbers: never logged.
    pub answer: Option<String>,
    pub attempts: i32,
    pub requested_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryLookup")
            .field("registration_id", &self.registration_id)
            .field("source", &self.source)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
