//! On-site appointments (现场登记预约): time slots at registration points, and the one
//! appointment a migrant family's registration books in one of them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RegistrationPoint {
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
enum AppointmentSlot {
    Table,
    Id,
    PointId,
    StartsAt,
    EndsAt,
    Capacity,
    Booked,
}

#[derive(DeriveIden)]
enum Appointment {
    Table,
    Id,
    RegistrationId,
    SlotId,
    BookedAt,
    CheckedInAt,
    CheckedInBy,
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
                    .table(AppointmentSlot::Table)
                    .col(pk_auto(AppointmentSlot::Id))
                    .col(integer(AppointmentSlot::PointId))
                    .col(timestamp_with_time_zone(AppointmentSlot::StartsAt))
                    .col(timestamp_with_time_zone(AppointmentSlot::EndsAt))
                    .col(integer(AppointmentSlot::Capacity))
                    // Counted by a conditional update, so that a slot is never overbooked.
                    .col(integer(AppointmentSlot::Booked).default(0))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AppointmentSlot::Table, AppointmentSlot::PointId)
                            .to(RegistrationPoint::Table, RegistrationPoint::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Appointment::Table)
                    .col(pk_auto(Appointment::Id))
                    .col(integer_uniq(Appointment::RegistrationId))
                    .col(integer(Appointment::SlotId))
                    .col(timestamp_with_time_zone(Appointment::BookedAt))
                    .col(timestamp_with_time_zone_null(Appointment::CheckedInAt))
                    .col(integer_null(Appointment::CheckedInBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Appointment::Table, Appointment::RegistrationId)
                            .to(Registration::Table, Registration::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Appointment::Table, Appointment::SlotId)
                            .to(AppointmentSlot::Table, AppointmentSlot::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Appointment::Table, Appointment::CheckedInBy)
                            .to(StaffAccount::Table, StaffAccount::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Appointment::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AppointmentSlot::Table).to_owned())
            .await
    }
}
