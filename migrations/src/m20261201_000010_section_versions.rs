//! A version per section: a save is refused only when the same section changed since the
//! page read it, never because the parent saved another section (the back button, a second
//! tab). The registration's own version still covers submit and delete.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RegistrationSection {
    Table,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RegistrationSection::Table)
                    .add_column(
                        ColumnDef::new(RegistrationSection::Version)
                            .big_integer()
                            .not_null()
                            .default(1),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RegistrationSection::Table)
                    .drop_column(RegistrationSection::Version)
                    .to_owned(),
            )
            .await
    }
}
