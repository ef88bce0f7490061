//! A school's places belong to a school year, as its registrations, draws and publications
//! do. Without the year, the places the bureau entered for next year were those of last
//! year's registrations still to be decided, drawn or published: a school taking fewer
//! children next year cut the places of last year's draw.
//!
//! The table is made again with the year in its key (SQLite cannot change a key). Places
//! set before hold for every school year the bureau has a window of in that subsystem, so
//! that nothing any year reads changes; places of a subsystem without a window are those
//! of the newest year of the bureau's other windows (else of this calendar year).

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum School {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SchoolCapacity {
    Table,
    SchoolId,
    Subsystem,
    Grade,
    SchoolYear,
    Capacity,
}

/// The new table's name until the old one is dropped.
#[derive(DeriveIden)]
enum SchoolCapacityNew {
    Table,
}

/// Each row, once for every school year with a window of its bureau and subsystem.
const COPY_PER_YEAR: &str = "INSERT INTO school_capacity_new (school_id, subsystem, grade, school_year, capacity) \
     SELECT c.school_id, c.subsystem, c.grade, w.school_year, c.capacity \
     FROM school_capacity c JOIN school s ON s.id = c.school_id \
     JOIN (SELECT DISTINCT bureau_id, subsystem, school_year FROM collection_window) w \
     ON w.bureau_id = s.bureau_id AND w.subsystem = c.subsystem";

/// Rows of a subsystem the bureau has no window of: the newest year of its other windows,
/// else this calendar year's (`{year}`), as the settings page offers them.
const COPY_WITHOUT_WINDOW: &str = "INSERT INTO school_capacity_new (school_id, subsystem, grade, school_year, capacity) \
     SELECT c.school_id, c.subsystem, c.grade, COALESCE((SELECT MAX(o.school_year) \
     FROM collection_window o WHERE o.bureau_id = s.bureau_id), {year}), c.capacity \
     FROM school_capacity c JOIN school s ON s.id = c.school_id \
     WHERE NOT EXISTS (SELECT 1 FROM collection_window w \
     WHERE w.bureau_id = s.bureau_id AND w.subsystem = c.subsystem)";

/// Rolling back keeps each grade's places of its newest year.
const COPY_NEWEST: &str = "INSERT INTO school_capacity_new (school_id, subsystem, grade, capacity) \
     SELECT c.school_id, c.subsystem, c.grade, c.capacity FROM school_capacity c \
     WHERE c.school_year = (SELECT MAX(n.school_year) FROM school_capacity n \
     WHERE n.school_id = c.school_id AND n.subsystem = c.subsystem AND n.grade = c.grade)";

/// The table with or without the year in its key, under its new name.
fn table(with_year: bool) -> TableCreateStatement {
    let mut key = Index::create();
    key.col(SchoolCapacity::SchoolId)
        .col(SchoolCapacity::Subsystem)
        .col(SchoolCapacity::Grade);
    let mut table = Table::create();
    table
        .table(SchoolCapacityNew::Table)
        .col(integer(SchoolCapacity::SchoolId))
        .col(string_len(SchoolCapacity::Subsystem, 16))
        .col(integer(SchoolCapacity::Grade));
    if with_year {
        table.col(integer(SchoolCapacity::SchoolYear));
        key.col(SchoolCapacity::SchoolYear);
    }
    table
        .col(integer(SchoolCapacity::Capacity))
        .primary_key(&mut key)
        .foreign_key(
            ForeignKey::create()
                .from(SchoolCapacityNew::Table, SchoolCapacity::SchoolId)
                .to(School::Table, School::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

/// Replaces the table with `new`, filled by `copies`.
async fn replace(
    manager: &SchemaManager<'_>,
    new: TableCreateStatement,
    copies: &[String],
) -> Result<(), DbErr> {
    manager.create_table(new).await?;
    for copy in copies {
        manager.get_connection().execute_unprepared(copy).await?;
    }
    manager
        .drop_table(Table::drop().table(SchoolCapacity::Table).to_owned())
        .await?;
    manager
        .rename_table(
            Table::rename()
                .table(SchoolCapacityNew::Table, SchoolCapacity::Table)
                .to_owned(),
        )
        .await?;
    // PostgreSQL named the key and the foreign key after the table they were made in: they
    // take the names a table made as `school_capacity` has.
    if manager.get_database_backend() == DbBackend::Postgres {
        for statement in RENAME_CONSTRAINTS {
            manager
                .get_connection()
                .execute_unprepared(statement)
                .await?;
        }
    }
    Ok(())
}

/// See [`replace`].
const RENAME_CONSTRAINTS: [&str; 2] = [
    "ALTER TABLE school_capacity RENAME CONSTRAINT school_capacity_new_pkey TO school_capacity_pkey",
    "ALTER TABLE school_capacity RENAME CONSTRAINT school_capacity_new_school_id_fkey TO school_capacity_school_id_fkey",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let this_year = match manager.get_database_backend() {
            DbBackend::Sqlite => "CAST(strftime('%Y', 'now') AS INTEGER)",
            _ => "CAST(EXTRACT(YEAR FROM CURRENT_DATE) AS INTEGER)",
        };
        replace(
            manager,
            table(true),
            &[
                COPY_PER_YEAR.to_owned(),
                COPY_WITHOUT_WINDOW.replace("{year}", this_year),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        replace(manager, table(false), &[COPY_NEWEST.to_owned()]).await
    }
}
