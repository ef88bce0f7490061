//! The grade a registration is for, kept when it is submitted: 1 for first-grade
//! enrollment, the grade asked for by a transfer. Statistics and draws count per grade
//! without opening the sealed answers.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Registration {
    Table,
    Grade,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Registration::Table)
                    .add_column(ColumnDef::new(Registration::Grade).integer().null())
                    .to_owned(),
            )
            .await?;
        // First-grade enrollments already submitted are for grade 1; a transfer's grade is
        // in its sealed answers and is kept at its next submission.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE registration SET grade = 1 WHERE subsystem = 'enrollment' AND submitted_at IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Registration::Table)
                    .drop_column(Registration::Grade)
                    .to_owned(),
            )
            .await
    }
}
