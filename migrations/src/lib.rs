//! Database migrations, one file each, named by date. They run at start-up and through
//! `server migrate`.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_foundation;
mod m20261123_000002_accounts;
mod m20261124_000003_registrations;
mod m20261125_000004_registry;
mod m20261126_000005_documents;
mod m20261127_000006_review;
mod m20261128_000007_admission;
mod m20261129_000008_administration;
mod m20261130_000009_appointments;
mod m20261201_000010_section_versions;
mod m20261201_000011_upload_limits;
mod m20261201_000012_set_aside;
mod m20261201_000013_sealed_columns;
mod m20261202_000014_draws;
mod m20261203_000015_registration_grade;
mod m20261204_000016_offers;
mod m20261205_000017_followers;
mod m20261206_000018_family_key;
mod m20261207_000019_draw_school_year;
mod m20261208_000020_keys_per_school_year;
mod m20261209_000021_places_per_school_year;
mod m20261210_000022_originals_checked;

/// Every migration of the platform, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_foundation::Migration),
            Box::new(m20261123_000002_accounts::Migration),
            Box::new(m20261124_000003_registrations::Migration),
            Box::new(m20261125_000004_registry::Migration),
            Box::new(m20261126_000005_documents::Migration),
            Box::new(m20261127_000006_review::Migration),
            Box::new(m20261128_000007_admission::Migration),
            Box::new(m20261129_000008_administration::Migration),
            Box::new(m20261130_000009_appointments::Migration),
            Box::new(m20261201_000010_section_versions::Migration),
            Box::new(m20261201_000011_upload_limits::Migration),
            Box::new(m20261201_000012_set_aside::Migration),
            Box::new(m20261201_000013_sealed_columns::Migration),
            Box::new(m20261202_000014_draws::Migration),
            Box::new(m20261203_000015_registration_grade::Migration),
            Box::new(m20261204_000016_offers::Migration),
            Box::new(m20261205_000017_followers::Migration),
            Box::new(m20261206_000018_family_key::Migration),
            Box::new(m20261207_000019_draw_school_year::Migration),
            Box::new(m20261208_000020_keys_per_school_year::Migration),
            Box::new(m20261209_000021_places_per_school_year::Migration),
            Box::new(m20261210_000022_originals_checked::Migration),
        ]
    }
}
