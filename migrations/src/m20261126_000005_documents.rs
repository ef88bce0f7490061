//! The materials table (rules the bureau configures) and the photos parents upload.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Bureau {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Entry {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Registration {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum MaterialRule {
    Table,
    Id,
    BureauId,
    EntryId,
    Document,
    Condition,
    Required,
    ExplanationZh,
    ExplanationEn,
    ExampleZh,
    ExampleEn,
    Position,
}

#[derive(DeriveIden)]
enum DocumentPhoto {
    Table,
    Id,
    RegistrationId,
    Document,
    FullKey,
    ReviewKey,
    ThumbKey,
    Width,
    Height,
    Bytes,
    UploadedAt,
    RemovedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MaterialRule::Table)
                    .col(pk_auto(MaterialRule::Id))
                    .col(integer(MaterialRule::BureauId))
                    .col(integer_null(MaterialRule::EntryId))
                    .col(string_len(MaterialRule::Document, 32))
                    .col(string_len(MaterialRule::Condition, 32))
                    .col(boolean(MaterialRule::Required))
                    .col(text(MaterialRule::ExplanationZh))
                    .col(text(MaterialRule::ExplanationEn))
                    .col(text(MaterialRule::ExampleZh))
                    .col(text(MaterialRule::ExampleEn))
                    .col(integer(MaterialRule::Position).default(0))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MaterialRule::Table, MaterialRule::BureauId)
                            .to(Bureau::Table, Bureau::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MaterialRule::Table, MaterialRule::EntryId)
                            .to(Entry::Table, Entry::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DocumentPhoto::Table)
                    .col(pk_auto(DocumentPhoto::Id))
                    .col(integer(DocumentPhoto::RegistrationId))
                    .col(string_len(DocumentPhoto::Document, 32))
                    .col(string_len(DocumentPhoto::FullKey, 200))
                    .col(string_len(DocumentPhoto::ReviewKey, 200))
                    .col(string_len(DocumentPhoto::ThumbKey, 200))
                    .col(integer(DocumentPhoto::Width))
                    .col(integer(DocumentPhoto::Height))
                    .col(big_integer(DocumentPhoto::Bytes))
                    .col(timestamp_with_time_zone(DocumentPhoto::UploadedAt))
                    .col(timestamp_with_time_zone_null(DocumentPhoto::RemovedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DocumentPhoto::Table, DocumentPhoto::RegistrationId)
                            .to(Registration::Table, Registration::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_document_photo_registration")
                    .table(DocumentPhoto::Table)
                    .col(DocumentPhoto::RegistrationId)
                    .col(DocumentPhoto::Document)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DocumentPhoto::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(MaterialRule::Table).to_owned())
            .await
    }
}
