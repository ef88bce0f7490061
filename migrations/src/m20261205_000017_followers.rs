//! Other guardians who follow a registration read-only (另一位监护人): named by the
//! registrant (by ID number) or by the household register, and confirmed by that person
//! signed in through the host app. The ID number is kept only as its keyed hash (to find
//! the person when they sign in) and masked (to show the registrant whom they named).

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
enum Follower {
    Table,
    Id,
    RegistrationId,
    IdKey,
    MaskedId,
    Name,
    Source,
    AccountId,
    CreatedAt,
    ConfirmedAt,
    WithdrawnAt,
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
                    .table(Follower::Table)
                    .col(pk_auto(Follower::Id))
                    .col(integer(Follower::RegistrationId))
                    // The keyed hash of the follower's ID number (crypto::blind).
                    .col(text(Follower::IdKey))
                    .col(text(Follower::MaskedId))
                    .col(text(Follower::Name))
                    // invited or household_register.
                    .col(text(Follower::Source))
                    // The account that confirmed; none until then.
                    .col(integer_null(Follower::AccountId))
                    .col(timestamp_with_time_zone(Follower::CreatedAt))
                    .col(timestamp_with_time_zone_null(Follower::ConfirmedAt))
                    .col(timestamp_with_time_zone_null(Follower::WithdrawnAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Follower::Table, Follower::RegistrationId)
                            .to(Registration::Table, Registration::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Follower::Table, Follower::AccountId)
                            .to(ParentAccount::Table, ParentAccount::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("follower_once_a_registration")
                    .table(Follower::Table)
                    .col(Follower::RegistrationId)
                    .col(Follower::IdKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("follower_by_person")
                    .table(Follower::Table)
                    .col(Follower::IdKey)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Follower::Table).to_owned())
            .await
    }
}
