//! A registration's family key: the keyed hash of both guardians' ID numbers as its
//! guardian section gives them, kept when it is sent to the school. Registrations of one
//! household that name the same two guardians share it, from any account: siblings linked
//! for the reviewer and drawn together, found without opening anyone's sealed answers.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Registration {
    Table,
    FamilyKey,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Registration::Table)
                    .add_column(ColumnDef::new(Registration::FamilyKey).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("registration_by_family_key")
                    .table(Registration::Table)
                    .col(Registration::FamilyKey)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("registration_by_family_key")
                    .table(Registration::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Registration::Table)
                    .drop_column(Registration::FamilyKey)
                    .to_owned(),
            )
            .await
    }
}
