//! A member of staff: reviewer (of one school), bureau administrator, registration-point staff.

use sea_orm::entity::prelude::*;

use crate::domain::StaffRole;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_account")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub username: String,
    pub display_name: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// `reviewer`, `bureau_admin` or `point_staff`.
    pub role: StaffRole,
    /// The bureau an administrator runs; none for a city-wide administrator.
    pub bureau_id: Option<i32>,
    pub school_id: Option<i32>,
    pub registration_point_id: Option<i32>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub created_by: Option<i32>,
    pub last_sign_in_at: Option<DateTimeUtc>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffAccount")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
