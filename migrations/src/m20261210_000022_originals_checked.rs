//! What a registration point found when it checked a family's original documents (the
//! Jinan points help families with their permits and check them): that they match, or a
//! problem in the point's words, for the school's reviewer to read.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Appointment {
    Table,
    OriginalsOk,
    OriginalsNote,
    OriginalsCheckedAt,
    OriginalsCheckedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite alters one at a time.
        for column in [
            boolean_null(Appointment::OriginalsOk),
            text_null(Appointment::OriginalsNote),
            timestamp_with_time_zone_null(Appointment::OriginalsCheckedAt),
            integer_null(Appointment::OriginalsCheckedBy),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Appointment::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Appointment::OriginalsCheckedBy,
            Appointment::OriginalsCheckedAt,
            Appointment::OriginalsNote,
            Appointment::OriginalsOk,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Appointment::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
