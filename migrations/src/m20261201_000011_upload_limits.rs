//! Bounds on uploads: every upload a parent account sends is counted (its rate is limited
//! over the database, so that it holds across app servers), and replaced or removed photos
//! of drafts are claimed by a sweep that deletes their files after a grace period.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ParentAccount {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum UploadAttempt {
    Table,
    Id,
    AccountId,
    AttemptedAt,
}

#[derive(DeriveIden)]
enum DocumentPhoto {
    Table,
    RemovedAt,
    SweepClaimedUntil,
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
                    .table(UploadAttempt::Table)
                    .col(pk_auto(UploadAttempt::Id))
                    .col(integer(UploadAttempt::AccountId))
                    .col(timestamp_with_time_zone(UploadAttempt::AttemptedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(UploadAttempt::Table, UploadAttempt::AccountId)
                            .to(ParentAccount::Table, ParentAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_upload_attempt_account_time")
                    .table(UploadAttempt::Table)
                    .col(UploadAttempt::AccountId)
                    .col(UploadAttempt::AttemptedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(DocumentPhoto::Table)
                    .add_column(timestamp_with_time_zone_null(
                        DocumentPhoto::SweepClaimedUntil,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_document_photo_removed")
                    .table(DocumentPhoto::Table)
                    .col(DocumentPhoto::RemovedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_document_photo_removed")
                    .table(DocumentPhoto::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(DocumentPhoto::Table)
                    .drop_column(DocumentPhoto::SweepClaimedUntil)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(UploadAttempt::Table).to_owned())
            .await
    }
}
