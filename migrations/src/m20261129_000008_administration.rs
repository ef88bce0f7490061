//! The bureau's administration: each school's capacity per subsystem and grade, and its
//! catchment (the communities whose children it takes).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum School {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SchoolCapacity {
    Table,
    SchoolId,
    Subsystem,
    Grade,
    Capacity,
}

#[derive(DeriveIden)]
enum Catchment {
    Table,
    Id,
    SchoolId,
    Community,
    Note,
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
                    .table(SchoolCapacity::Table)
                    .col(integer(SchoolCapacity::SchoolId))
                    .col(string_len(SchoolCapacity::Subsystem, 16))
                    .col(integer(SchoolCapacity::Grade))
                    .col(integer(SchoolCapacity::Capacity))
                    .primary_key(
                        Index::create()
                            .col(SchoolCapacity::SchoolId)
                            .col(SchoolCapacity::Subsystem)
                            .col(SchoolCapacity::Grade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SchoolCapacity::Table, SchoolCapacity::SchoolId)
                            .to(School::Table, School::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Catchment::Table)
                    .col(pk_auto(Catchment::Id))
                    .col(integer(Catchment::SchoolId))
                    .col(string_len(Catchment::Community, 100))
                    .col(string_len(Catchment::Note, 200))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Catchment::Table, Catchment::SchoolId)
                            .to(School::Table, School::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A community belongs to one school's catchment.
        manager
            .create_index(
                Index::create()
                    .name("ux_catchment_community")
                    .table(Catchment::Table)
                    .col(Catchment::Community)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Catchment::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SchoolCapacity::Table).to_owned())
            .await
    }
}
