//! Room for sealed values: ID numbers are stored encrypted (`enc:1:<key id>:<base64>`, about
//! a hundred characters) and the unique child index and registry lookup keys as keyed hashes
//! (`h1:` and 64 hex digits). SQLite does not enforce lengths; PostgreSQL's columns widen.

use sea_orm_migration::{prelude::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ParentAccount {
    Table,
    ResidentId,
}

#[derive(DeriveIden)]
enum Registration {
    Table,
    ChildIdNumber,
    ActiveChildKey,
}

#[derive(DeriveIden)]
enum RegistryLookup {
    Table,
    KeyDigest,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .alter_table(
                Table::alter()
                    .table(ParentAccount::Table)
                    .modify_column(ColumnDef::new(ParentAccount::ResidentId).text().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Registration::Table)
                    .modify_column(
                        ColumnDef::new(Registration::ChildIdNumber)
                            .text()
                            .not_null(),
                    )
                    .modify_column(
                        ColumnDef::new(Registration::ActiveChildKey)
                            .string_len(80)
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(RegistryLookup::Table)
                    .modify_column(
                        ColumnDef::new(RegistryLookup::KeyDigest)
                            .string_len(80)
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Narrowing again would cut sealed values: nothing to undo safely.
        Ok(())
    }
}
