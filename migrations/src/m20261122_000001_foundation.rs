//! The bureau, its schools, collection windows and notices.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Bureau {
    Table,
    Id,
    Code,
    NameZh,
    NameEn,
    PlatformNameZh,
    PlatformNameEn,
    CityZh,
    CityEn,
    DistrictZh,
    DistrictEn,
    Hotline,
    UtcOffsetMinutes,
    CreatedAt,
}

#[derive(DeriveIden)]
enum School {
    Table,
    Id,
    BureauId,
    Code,
    NameZh,
    NameEn,
    AddressZh,
    AddressEn,
    Position,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CollectionWindow {
    Table,
    Id,
    BureauId,
    Subsystem,
    SchoolYear,
    OpensAt,
    ClosesAt,
}

#[derive(DeriveIden)]
enum Notice {
    Table,
    Id,
    BureauId,
    TitleZh,
    TitleEn,
    BodyZh,
    BodyEn,
    PublishedAt,
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
                    .table(Bureau::Table)
                    .col(pk_auto(Bureau::Id))
                    .col(string_len_uniq(Bureau::Code, 32))
                    .col(string(Bureau::NameZh))
                    .col(string(Bureau::NameEn))
                    .col(string(Bureau::PlatformNameZh))
                    .col(string(Bureau::PlatformNameEn))
                    .col(string(Bureau::CityZh))
                    .col(string(Bureau::CityEn))
                    .col(string(Bureau::DistrictZh))
                    .col(string(Bureau::DistrictEn))
                    .col(string(Bureau::Hotline))
                    .col(integer(Bureau::UtcOffsetMinutes).default(480))
                    .col(timestamp_with_time_zone(Bureau::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(School::Table)
                    .col(pk_auto(School::Id))
                    .col(integer(School::BureauId))
                    .col(string_len_uniq(School::Code, 32))
                    .col(string(School::NameZh))
                    .col(string(School::NameEn))
                    .col(string(School::AddressZh))
                    .col(string(School::AddressEn))
                    .col(integer(School::Position).default(0))
                    .col(timestamp_with_time_zone(School::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(School::Table, School::BureauId)
                            .to(Bureau::Table, Bureau::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CollectionWindow::Table)
                    .col(pk_auto(CollectionWindow::Id))
                    .col(integer(CollectionWindow::BureauId))
                    .col(string_len(CollectionWindow::Subsystem, 16))
                    .col(integer(CollectionWindow::SchoolYear))
                    .col(timestamp_with_time_zone(CollectionWindow::OpensAt))
                    .col(timestamp_with_time_zone(CollectionWindow::ClosesAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CollectionWindow::Table, CollectionWindow::BureauId)
                            .to(Bureau::Table, Bureau::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .check(
                        Expr::col(CollectionWindow::OpensAt)
                            .lt(Expr::col(CollectionWindow::ClosesAt)),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_collection_window_bureau_subsystem_year")
                    .table(CollectionWindow::Table)
                    .col(CollectionWindow::BureauId)
                    .col(CollectionWindow::Subsystem)
                    .col(CollectionWindow::SchoolYear)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Notice::Table)
                    .col(pk_auto(Notice::Id))
                    .col(integer(Notice::BureauId))
                    .col(string(Notice::TitleZh))
                    .col(string(Notice::TitleEn))
                    .col(text(Notice::BodyZh))
                    .col(text(Notice::BodyEn))
                    .col(timestamp_with_time_zone(Notice::PublishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Notice::Table, Notice::BureauId)
                            .to(Bureau::Table, Bureau::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_notice_bureau_published")
                    .table(Notice::Table)
                    .col(Notice::BureauId)
                    .col(Notice::PublishedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Notice::Table.into_iden(),
            CollectionWindow::Table.into_iden(),
            School::Table.into_iden(),
            Bureau::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
