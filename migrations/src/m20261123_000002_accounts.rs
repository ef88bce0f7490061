//! Accounts and sign-in: parents (created on first sign-in through the host app), staff,
//! registration points, server-side sessions, used host-app tokens and failed sign-ins.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Bureau {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum School {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RegistrationPoint {
    Table,
    Id,
    BureauId,
    NameZh,
    NameEn,
    AddressZh,
    AddressEn,
}

#[derive(DeriveIden)]
enum ParentAccount {
    Table,
    Id,
    HostIssuer,
    HostSubject,
    Name,
    ResidentId,
    Phone,
    RealPersonVerified,
    IdentityConfirmedAt,
    CreatedAt,
    LastSignInAt,
}

#[derive(DeriveIden)]
enum StaffAccount {
    Table,
    Id,
    Username,
    DisplayName,
    PasswordHash,
    Role,
    BureauId,
    SchoolId,
    RegistrationPointId,
    Active,
    CreatedAt,
    CreatedBy,
    LastSignInAt,
}

#[derive(DeriveIden)]
enum AuthSession {
    Table,
    Id,
    Data,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum UsedHostToken {
    Table,
    Jti,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum SignInFailure {
    Table,
    Id,
    ThrottleKey,
    FailedAt,
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
                    .table(RegistrationPoint::Table)
                    .col(pk_auto(RegistrationPoint::Id))
                    .col(integer(RegistrationPoint::BureauId))
                    .col(string(RegistrationPoint::NameZh))
                    .col(string(RegistrationPoint::NameEn))
                    .col(string(RegistrationPoint::AddressZh))
                    .col(string(RegistrationPoint::AddressEn))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RegistrationPoint::Table, RegistrationPoint::BureauId)
                            .to(Bureau::Table, Bureau::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ParentAccount::Table)
                    .col(pk_auto(ParentAccount::Id))
                    .col(string_len(ParentAccount::HostIssuer, 200))
                    .col(string_len(ParentAccount::HostSubject, 200))
                    .col(string_len(ParentAccount::Name, 100))
                    .col(string_len(ParentAccount::ResidentId, 18))
                    .col(string_len(ParentAccount::Phone, 20))
                    .col(boolean(ParentAccount::RealPersonVerified))
                    .col(timestamp_with_time_zone_null(
                        ParentAccount::IdentityConfirmedAt,
                    ))
                    .col(timestamp_with_time_zone(ParentAccount::CreatedAt))
                    .col(timestamp_with_time_zone(ParentAccount::LastSignInAt))
                    .to_owned(),
            )
            .await?;
        // The host's stable subject id is the key: a corrected name or phone in the host
        // app never disconnects a parent from their registrations.
        manager
            .create_index(
                Index::create()
                    .name("ux_parent_account_host_subject")
                    .table(ParentAccount::Table)
                    .col(ParentAccount::HostIssuer)
                    .col(ParentAccount::HostSubject)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StaffAccount::Table)
                    .col(pk_auto(StaffAccount::Id))
                    .col(string_len_uniq(StaffAccount::Username, 64))
                    .col(string_len(StaffAccount::DisplayName, 100))
                    .col(string_len(StaffAccount::PasswordHash, 200))
                    .col(string_len(StaffAccount::Role, 32))
                    .col(integer_null(StaffAccount::BureauId))
                    .col(integer_null(StaffAccount::SchoolId))
                    .col(integer_null(StaffAccount::RegistrationPointId))
                    .col(boolean(StaffAccount::Active).default(true))
                    .col(timestamp_with_time_zone(StaffAccount::CreatedAt))
                    .col(integer_null(StaffAccount::CreatedBy))
                    .col(timestamp_with_time_zone_null(StaffAccount::LastSignInAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffAccount::Table, StaffAccount::BureauId)
                            .to(Bureau::Table, Bureau::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffAccount::Table, StaffAccount::SchoolId)
                            .to(School::Table, School::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffAccount::Table, StaffAccount::RegistrationPointId)
                            .to(RegistrationPoint::Table, RegistrationPoint::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffAccount::Table, StaffAccount::CreatedBy)
                            .to(StaffAccount::Table, StaffAccount::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    // A reviewer belongs to a school, registration-point staff to a point.
                    .check(
                        Expr::col(StaffAccount::Role)
                            .ne("reviewer")
                            .or(Expr::col(StaffAccount::SchoolId).is_not_null()),
                    )
                    .check(
                        Expr::col(StaffAccount::Role)
                            .ne("point_staff")
                            .or(Expr::col(StaffAccount::RegistrationPointId).is_not_null()),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuthSession::Table)
                    .col(string_len(AuthSession::Id, 64).primary_key())
                    .col(text(AuthSession::Data))
                    .col(timestamp_with_time_zone(AuthSession::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_auth_session_expires_at")
                    .table(AuthSession::Table)
                    .col(AuthSession::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UsedHostToken::Table)
                    .col(string_len(UsedHostToken::Jti, 200).primary_key())
                    .col(timestamp_with_time_zone(UsedHostToken::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInFailure::Table)
                    .col(pk_auto(SignInFailure::Id))
                    .col(string_len(SignInFailure::ThrottleKey, 200))
                    .col(timestamp_with_time_zone(SignInFailure::FailedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sign_in_failure_key_time")
                    .table(SignInFailure::Table)
                    .col(SignInFailure::ThrottleKey)
                    .col(SignInFailure::FailedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SignInFailure::Table.into_iden(),
            UsedHostToken::Table.into_iden(),
            AuthSession::Table.into_iden(),
            StaffAccount::Table.into_iden(),
            ParentAccount::Table.into_iden(),
            RegistrationPoint::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
