//! Admission results: the bureau's decision on each registration that passed review (kept
//! from parents until published), and a publication per school, subsystem and year, due at
//! a chosen time and applied once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Registration {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum School {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StaffAccount {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AdmissionDecision {
    Table,
    RegistrationId,
    Outcome,
    DecidedBy,
    DecidedAt,
}

#[derive(DeriveIden)]
enum Publication {
    Table,
    Id,
    SchoolId,
    Subsystem,
    SchoolYear,
    PublishAt,
    PublishedAt,
    CreatedBy,
    CreatedAt,
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
                    .table(AdmissionDecision::Table)
                    .col(integer(AdmissionDecision::RegistrationId).primary_key())
                    .col(string_len(AdmissionDecision::Outcome, 16))
                    .col(integer(AdmissionDecision::DecidedBy))
                    .col(timestamp_with_time_zone(AdmissionDecision::DecidedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AdmissionDecision::Table, AdmissionDecision::RegistrationId)
                            .to(Registration::Table, Registration::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AdmissionDecision::Table, AdmissionDecision::DecidedBy)
                            .to(StaffAccount::Table, StaffAccount::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Publication::Table)
                    .col(pk_auto(Publication::Id))
                    .col(integer(Publication::SchoolId))
                    .col(string_len(Publication::Subsystem, 16))
                    .col(integer(Publication::SchoolYear))
                    .col(timestamp_with_time_zone(Publication::PublishAt))
                    .col(timestamp_with_time_zone_null(Publication::PublishedAt))
                    .col(integer(Publication::CreatedBy))
                    .col(timestamp_with_time_zone(Publication::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Publication::Table, Publication::SchoolId)
                            .to(School::Table, School::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Publication::Table, Publication::CreatedBy)
                            .to(StaffAccount::Table, StaffAccount::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // One publication per school, subsystem and year: scheduling again moves its time.
        manager
            .create_index(
                Index::create()
                    .name("ux_publication_school_subsystem_year")
                    .table(Publication::Table)
                    .col(Publication::SchoolId)
                    .col(Publication::Subsystem)
                    .col(Publication::SchoolYear)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Publication::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AdmissionDecision::Table).to_owned())
            .await
    }
}
