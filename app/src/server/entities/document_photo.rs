//! A photo of a document, re-encoded by the server, stored under generated names.

use sea_orm::entity::prelude::*;

use crate::domain::provenance::Document;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "document_photo")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub registration_id: i32,
    /// A [`crate::domain::provenance::Document`] code.
    pub document: Document,
    /// Object keys in the document store: full size, reviewer size, thumbnail.
    pub full_key: String,
    pub review_key: String,
    pub thumb_key: String,
    pub width: i32,
    pub height: i32,
    /// Size of the full-size JPEG.
    pub bytes: i64,
    pub uploaded_at: DateTimeUtc,
    /// Replaced or removed by the parent: no longer shown to the parent. Its files and row
    /// are deleted after a grace period if the registration was never submitted; once
    /// submitted, kept as the school saw it.
    pub removed_at: Option<DateTimeUtc>,
    /// Until when a photo sweep has claimed it (one sweeper at a time deletes it).
    pub sweep_claimed_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
