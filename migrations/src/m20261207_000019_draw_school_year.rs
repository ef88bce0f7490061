//! A draw belongs to a school year: one per school, subsystem, grade and year. Without the
//! year, a school's first draw closed its list for every year after it (no review decision,
//! no second draw), and its places counted admissions of every year.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Draw {
    Table,
    SchoolId,
    Subsystem,
    Grade,
    SchoolYear,
}

const OLD_INDEX: &str = "draw_one_per_school_subsystem_grade";
const INDEX: &str = "draw_one_per_school_subsystem_grade_year";

/// A draw made before this migration is of its entrants' school year.
const BACKFILL: &str = "UPDATE draw SET school_year = COALESCE((SELECT MAX(registration.school_year) \
     FROM draw_entrant JOIN registration ON registration.id = draw_entrant.registration_id \
     WHERE draw_entrant.draw_id = draw.id), 0)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Draw::Table)
                    .add_column(
                        ColumnDef::new(Draw::SchoolYear)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(BACKFILL)
            .await?;
        manager
            .drop_index(Index::drop().name(OLD_INDEX).table(Draw::Table).to_owned())
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Draw::Table)
                    .col(Draw::SchoolId)
                    .col(Draw::Subsystem)
                    .col(Draw::Grade)
                    .col(Draw::SchoolYear)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Draw::Table).to_owned())
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(OLD_INDEX)
                    .table(Draw::Table)
                    .col(Draw::SchoolId)
                    .col(Draw::Subsystem)
                    .col(Draw::Grade)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Draw::Table)
                    .drop_column(Draw::SchoolYear)
                    .to_owned(),
            )
            .await
    }
}
