//! Offers of the places a draw admitted (录取确认): each admitted child's parent accepts or
//! declines before a deadline; a declined or expired place goes down the draw's waiting
//! list. A draw keeps how long parents have to answer, and a counter every change of its
//! offers bumps first, so that two workers or a worker and a parent take turns.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Registration {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Draw {
    Table,
    Id,
    AnswerHours,
    Moves,
}

#[derive(DeriveIden)]
enum Offer {
    Table,
    RegistrationId,
    DrawId,
    OfferedAt,
    Deadline,
    Answer,
    AnsweredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite adds columns one by one.
        manager
            .alter_table(
                Table::alter()
                    .table(Draw::Table)
                    .add_column(integer(Draw::AnswerHours).default(72))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Draw::Table)
                    .add_column(big_integer(Draw::Moves).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Offer::Table)
                    // One offer a registration, ever: a place is offered once.
                    .col(integer(Offer::RegistrationId).primary_key())
                    .col(integer(Offer::DrawId))
                    .col(timestamp_with_time_zone(Offer::OfferedAt))
                    .col(timestamp_with_time_zone(Offer::Deadline))
                    // accepted, declined or expired; none while open.
                    .col(text_null(Offer::Answer))
                    .col(timestamp_with_time_zone_null(Offer::AnsweredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Offer::Table, Offer::RegistrationId)
                            .to(Registration::Table, Registration::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Offer::Table, Offer::DrawId)
                            .to(Draw::Table, Draw::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("offer_by_draw_and_deadline")
                    .table(Offer::Table)
                    .col(Offer::DrawId)
                    .col(Offer::Deadline)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Offer::Table).to_owned())
            .await?;
        for column in [Draw::Moves, Draw::AnswerHours] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Draw::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
