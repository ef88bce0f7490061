//! Entries (报名入口), the schools they lead to, registrations and their sections.
//!
//! One active registration per child and at most three per account are enforced by unique
//! indexes (on columns that are NULL once a registration is deleted), so that concurrent
//! attempts cannot both win.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Bureau {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum School {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ParentAccount {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Entry {
    Table,
    Id,
    BureauId,
    Subsystem,
    Code,
    NameZh,
    NameEn,
    ExplanationZh,
    ExplanationEn,
    Sections,
    Position,
    Active,
}

#[derive(DeriveIden)]
enum EntrySchool {
    Table,
    EntryId,
    SchoolId,
}

#[derive(DeriveIden)]
enum Registration {
    Table,
    Id,
    Reference,
    AccountId,
    Subsystem,
    SchoolYear,
    EntryId,
    SchoolId,
    ChildIdNumber,
    ActiveChildKey,
    ActiveSlot,
    State,
    Version,
    CreatedAt,
    UpdatedAt,
    SubmittedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum RegistrationSection {
    Table,
    Id,
    RegistrationId,
    Section,
    Data,
    Completed,
    UpdatedAt,
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
                    .table(Entry::Table)
                    .col(pk_auto(Entry::Id))
                    .col(integer(Entry::BureauId))
                    .col(string_len(Entry::Subsystem, 16))
                    .col(string_len(Entry::Code, 64))
                    .col(string(Entry::NameZh))
                    .col(string(Entry::NameEn))
                    .col(text(Entry::ExplanationZh))
                    .col(text(Entry::ExplanationEn))
                    .col(string_len(Entry::Sections, 200))
                    .col(integer(Entry::Position).default(0))
                    .col(boolean(Entry::Active).default(true))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Entry::Table, Entry::BureauId)
                            .to(Bureau::Table, Bureau::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_entry_bureau_code")
                    .table(Entry::Table)
                    .col(Entry::BureauId)
                    .col(Entry::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EntrySchool::Table)
                    .col(integer(EntrySchool::EntryId))
                    .col(integer(EntrySchool::SchoolId))
                    .primary_key(
                        Index::create()
                            .col(EntrySchool::EntryId)
                            .col(EntrySchool::SchoolId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EntrySchool::Table, EntrySchool::EntryId)
                            .to(Entry::Table, Entry::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EntrySchool::Table, EntrySchool::SchoolId)
                            .to(School::Table, School::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Registration::Table)
                    .col(pk_auto(Registration::Id))
                    .col(string_len_uniq(Registration::Reference, 32))
                    .col(integer(Registration::AccountId))
                    .col(string_len(Registration::Subsystem, 16))
                    .col(integer(Registration::SchoolYear))
                    .col(integer(Registration::EntryId))
                    .col(integer(Registration::SchoolId))
                    .col(string_len(Registration::ChildIdNumber, 18))
                    .col(string_len_null(Registration::ActiveChildKey, 18))
                    .col(string_len_null(Registration::ActiveSlot, 32))
                    .col(string_len(Registration::State, 32))
                    .col(big_integer(Registration::Version).default(1))
                    .col(timestamp_with_time_zone(Registration::CreatedAt))
                    .col(timestamp_with_time_zone(Registration::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Registration::SubmittedAt))
                    .col(timestamp_with_time_zone_null(Registration::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Registration::Table, Registration::AccountId)
                            .to(ParentAccount::Table, ParentAccount::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Registration::Table, Registration::EntryId)
                            .to(Entry::Table, Entry::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Registration::Table, Registration::SchoolId)
                            .to(School::Table, School::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // A child's ID number is in one active registration only, whichever account holds it.
        manager
            .create_index(
                Index::create()
                    .name("ux_registration_active_child")
                    .table(Registration::Table)
                    .col(Registration::ActiveChildKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Three slots per account: "<account>:1", "<account>:2", "<account>:3".
        manager
            .create_index(
                Index::create()
                    .name("ux_registration_active_slot")
                    .table(Registration::Table)
                    .col(Registration::ActiveSlot)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_registration_account")
                    .table(Registration::Table)
                    .col(Registration::AccountId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_registration_school_state")
                    .table(Registration::Table)
                    .col(Registration::SchoolId)
                    .col(Registration::State)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RegistrationSection::Table)
                    .col(pk_auto(RegistrationSection::Id))
                    .col(integer(RegistrationSection::RegistrationId))
                    .col(string_len(RegistrationSection::Section, 32))
                    .col(text(RegistrationSection::Data))
                    .col(boolean(RegistrationSection::Completed).default(false))
                    .col(timestamp_with_time_zone(RegistrationSection::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                RegistrationSection::Table,
                                RegistrationSection::RegistrationId,
                            )
                            .to(Registration::Table, Registration::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_registration_section")
                    .table(RegistrationSection::Table)
                    .col(RegistrationSection::RegistrationId)
                    .col(RegistrationSection::Section)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RegistrationSection::Table.into_iden(),
            Registration::Table.into_iden(),
            EntrySchool::Table.into_iden(),
            Entry::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
