//! Government registries (自动回填): the parent's consent to look a child up, each lookup
//! with its answer, and the provenance of every stored answer.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Registration {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ParentAccount {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RegistrationSection {
    Table,
    Provenance,
}

#[derive(DeriveIden)]
enum RegistryConsent {
    Table,
    Id,
    RegistrationId,
    AccountId,
    Granted,
    WordingVersion,
    DecidedAt,
}

#[derive(DeriveIden)]
enum RegistryLookup {
    Table,
    Id,
    RegistrationId,
    Source,
    KeyDigest,
    Status,
    Answer,
    Attempts,
    RequestedAt,
    AnsweredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RegistrationSection::Table)
                    .add_column(text(RegistrationSection::Provenance).default("{}"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RegistryConsent::Table)
                    .col(pk_auto(RegistryConsent::Id))
                    .col(integer_uniq(RegistryConsent::RegistrationId))
                    .col(integer(RegistryConsent::AccountId))
                    .col(boolean(RegistryConsent::Granted))
                    .col(string_len(RegistryConsent::WordingVersion, 32))
                    .col(timestamp_with_time_zone(RegistryConsent::DecidedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RegistryConsent::Table, RegistryConsent::RegistrationId)
                            .to(Registration::Table, Registration::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RegistryConsent::Table, RegistryConsent::AccountId)
                            .to(ParentAccount::Table, ParentAccount::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RegistryLookup::Table)
                    .col(pk_auto(RegistryLookup::Id))
                    .col(integer(RegistryLookup::RegistrationId))
                    .col(string_len(RegistryLookup::Source, 32))
                    .col(string_len(RegistryLookup::KeyDigest, 64))
                    .col(string_len(RegistryLookup::Status, 16))
                    .col(text_null(RegistryLookup::Answer))
                    .col(integer(RegistryLookup::Attempts).default(0))
                    .col(timestamp_with_time_zone(RegistryLookup::RequestedAt))
                    .col(timestamp_with_time_zone_null(RegistryLookup::AnsweredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RegistryLookup::Table, RegistryLookup::RegistrationId)
                            .to(Registration::Table, Registration::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One lookup per registration, source and question: concurrent pages start it once.
        manager
            .create_index(
                Index::create()
                    .name("ux_registry_lookup_question")
                    .table(RegistryLookup::Table)
                    .col(RegistryLookup::RegistrationId)
                    .col(RegistryLookup::Source)
                    .col(RegistryLookup::KeyDigest)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RegistryLookup::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RegistryConsent::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(RegistrationSection::Table)
                    .drop_column(RegistrationSection::Provenance)
                    .to_owned(),
            )
            .await
    }
}
