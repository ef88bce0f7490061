//! Review: the events on a registration's timeline (decisions, change requests,
//! resubmissions), the append-only audit log, the outbox of SMS notices, parents' in-app
//! messages, and the review deadline of each collection window.
//!
//! The audit log refuses UPDATE and DELETE in the database itself (a trigger on SQLite and
//! PostgreSQL), so that no code path and no administrator with the application's
//! credentials can rewrite it.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Registration {
    Table,
    Id,
    ChildName,
    HandEntered,
    ChangeRequest,
    ReviewerId,
    ReviewedAt,
}

#[derive(DeriveIden)]
enum Bureau {
    Table,
    ExportFullIds,
}

#[derive(DeriveIden)]
enum CollectionWindow {
    Table,
    ReviewClosesAt,
}

#[derive(DeriveIden)]
enum StaffAccount {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ParentAccount {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ReviewEvent {
    Table,
    Id,
    RegistrationId,
    Kind,
    Stage,
    StaffId,
    Reason,
    Message,
    Request,
    FromState,
    ToState,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorKind,
    ActorId,
    Action,
    ObjectKind,
    ObjectId,
    Address,
    Detail,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Channel,
    Recipient,
    Body,
    DedupeKey,
    CreatedAt,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    DeliveredAt,
    LastError,
}

#[derive(DeriveIden)]
enum ParentMessage {
    Table,
    Id,
    AccountId,
    RegistrationId,
    TitleZh,
    TitleEn,
    BodyZh,
    BodyEn,
    CreatedAt,
    ReadAt,
}

const SQLITE_AUDIT_GUARDS: [&str; 2] = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
];

const POSTGRES_AUDIT_GUARDS: [&str; 2] = [
    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log \
     FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // What the reviewer's queue filters and searches on, written when the parent
        // submits (answers are locked then).
        for column in [
            ColumnDef::new(Registration::ChildName)
                .string_len(100)
                .null()
                .to_owned(),
            ColumnDef::new(Registration::HandEntered)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            // The open change request (JSON), while the parent makes the changes.
            ColumnDef::new(Registration::ChangeRequest)
                .text()
                .null()
                .to_owned(),
            // The reviewer who last decided: a resubmission goes back to them.
            ColumnDef::new(Registration::ReviewerId)
                .integer()
                .null()
                .to_owned(),
            ColumnDef::new(Registration::ReviewedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Registration::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        // Until when requested changes can be made and reviewers decide; NULL: until the
        // collection window closes.
        manager
            .alter_table(
                Table::alter()
                    .table(CollectionWindow::Table)
                    .add_column(
                        ColumnDef::new(CollectionWindow::ReviewClosesAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;

        // Whether exports of registration lists may carry full ID numbers (masked unless
        // the bureau allows it).
        manager
            .alter_table(
                Table::alter()
                    .table(Bureau::Table)
                    .add_column(
                        ColumnDef::new(Bureau::ExportFullIds)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReviewEvent::Table)
                    .col(pk_auto(ReviewEvent::Id))
                    .col(integer(ReviewEvent::RegistrationId))
                    .col(string_len(ReviewEvent::Kind, 32))
                    .col(string_len_null(ReviewEvent::Stage, 16))
                    .col(integer_null(ReviewEvent::StaffId))
                    .col(string_len_null(ReviewEvent::Reason, 32))
                    .col(text(ReviewEvent::Message))
                    .col(text_null(ReviewEvent::Request))
                    .col(string_len(ReviewEvent::FromState, 32))
                    .col(string_len(ReviewEvent::ToState, 32))
                    .col(timestamp_with_time_zone(ReviewEvent::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReviewEvent::Table, ReviewEvent::RegistrationId)
                            .to(Registration::Table, Registration::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReviewEvent::Table, ReviewEvent::StaffId)
                            .to(StaffAccount::Table, StaffAccount::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_review_event_registration")
                    .table(ReviewEvent::Table)
                    .col(ReviewEvent::RegistrationId)
                    .col(ReviewEvent::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(string_len(AuditLog::ActorKind, 16))
                    .col(integer_null(AuditLog::ActorId))
                    .col(string_len(AuditLog::Action, 48))
                    .col(string_len(AuditLog::ObjectKind, 32))
                    .col(integer_null(AuditLog::ObjectId))
                    .col(string_len(AuditLog::Address, 64))
                    .col(text(AuditLog::Detail))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_log_object")
                    .table(AuditLog::Table)
                    .col(AuditLog::ObjectKind)
                    .col(AuditLog::ObjectId)
                    .to_owned(),
            )
            .await?;
        let guards: &[&str] = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => &SQLITE_AUDIT_GUARDS,
            DatabaseBackend::Postgres => &POSTGRES_AUDIT_GUARDS,
            _ => &[],
        };
        for statement in guards {
            manager
                .get_connection()
                .execute_unprepared(statement)
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(big_pk_auto(Outbox::Id))
                    .col(string_len(Outbox::Channel, 16))
                    .col(string_len(Outbox::Recipient, 32))
                    .col(text(Outbox::Body))
                    .col(string_len_uniq(Outbox::DedupeKey, 128))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Outbox::ClaimedUntil))
                    .col(timestamp_with_time_zone_null(Outbox::DeliveredAt))
                    .col(text_null(Outbox::LastError))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_due")
                    .table(Outbox::Table)
                    .col(Outbox::DeliveredAt)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ParentMessage::Table)
                    .col(pk_auto(ParentMessage::Id))
                    .col(integer(ParentMessage::AccountId))
                    .col(integer_null(ParentMessage::RegistrationId))
                    .col(string(ParentMessage::TitleZh))
                    .col(string(ParentMessage::TitleEn))
                    .col(text(ParentMessage::BodyZh))
                    .col(text(ParentMessage::BodyEn))
                    .col(timestamp_with_time_zone(ParentMessage::CreatedAt))
                    .col(timestamp_with_time_zone_null(ParentMessage::ReadAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ParentMessage::Table, ParentMessage::AccountId)
                            .to(ParentAccount::Table, ParentAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ParentMessage::Table, ParentMessage::RegistrationId)
                            .to(Registration::Table, Registration::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_parent_message_account")
                    .table(ParentMessage::Table)
                    .col(ParentMessage::AccountId)
                    .col(ParentMessage::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ParentMessage::Table.into_iden(),
            Outbox::Table.into_iden(),
            AuditLog::Table.into_iden(),
            ReviewEvent::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS audit_log_append_only()")
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Bureau::Table)
                    .drop_column(Bureau::ExportFullIds)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(CollectionWindow::Table)
                    .drop_column(CollectionWindow::ReviewClosesAt)
                    .to_owned(),
            )
            .await?;
        for column in [
            Registration::ReviewedAt,
            Registration::ReviewerId,
            Registration::ChangeRequest,
            Registration::HandEntered,
            Registration::ChildName,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Registration::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
