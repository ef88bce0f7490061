//! Draws (电脑随机派位): one per school, subsystem and grade, committed before it runs (the
//! frozen list, its fingerprint, the commitment to a sealed secret) and run once; and the
//! registrations in each, so that a registration in a committed draw is known at once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum School {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Registration {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StaffAccount {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Draw {
    Table,
    Id,
    SchoolId,
    Subsystem,
    Grade,
    Places,
    Tiers,
    Fingerprint,
    Commitment,
    Secret,
    PublicValue,
    Seed,
    Result,
    ScheduledAt,
    ScheduledBy,
    RanAt,
    RanBy,
}

#[derive(DeriveIden)]
enum DrawEntrant {
    Table,
    DrawId,
    RegistrationId,
    Tier,
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
                    .table(Draw::Table)
                    .col(pk_auto(Draw::Id))
                    .col(integer(Draw::SchoolId))
                    .col(text(Draw::Subsystem))
                    .col(integer(Draw::Grade))
                    .col(integer(Draw::Places))
                    // The frozen list (tiers of units of reference numbers), as JSON.
                    .col(text(Draw::Tiers))
                    .col(text(Draw::Fingerprint))
                    .col(text(Draw::Commitment))
                    // Sealed under the data key until the draw reveals it.
                    .col(text(Draw::Secret))
                    .col(text_null(Draw::PublicValue))
                    .col(text_null(Draw::Seed))
                    // The allocation, as JSON.
                    .col(text_null(Draw::Result))
                    .col(timestamp_with_time_zone(Draw::ScheduledAt))
                    .col(integer(Draw::ScheduledBy))
                    .col(timestamp_with_time_zone_null(Draw::RanAt))
                    .col(integer_null(Draw::RanBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Draw::Table, Draw::SchoolId)
                            .to(School::Table, School::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Draw::Table, Draw::ScheduledBy)
                            .to(StaffAccount::Table, StaffAccount::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Draw::Table, Draw::RanBy)
                            .to(StaffAccount::Table, StaffAccount::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("draw_one_per_school_subsystem_grade")
                    .table(Draw::Table)
                    .col(Draw::SchoolId)
                    .col(Draw::Subsystem)
                    .col(Draw::Grade)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DrawEntrant::Table)
                    .col(integer(DrawEntrant::DrawId))
                    // A registration is in one draw at most.
                    .col(integer_uniq(DrawEntrant::RegistrationId))
                    .col(integer(DrawEntrant::Tier))
                    .primary_key(
                        Index::create()
                            .col(DrawEntrant::DrawId)
                            .col(DrawEntrant::RegistrationId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DrawEntrant::Table, DrawEntrant::DrawId)
                            .to(Draw::Table, Draw::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DrawEntrant::Table, DrawEntrant::RegistrationId)
                            .to(Registration::Table, Registration::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DrawEntrant::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Draw::Table).to_owned())
            .await
    }
}
