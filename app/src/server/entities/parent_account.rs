//! A parent as the host app vouched for them, keyed on the host's stable subject id.

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "parent_account")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub host_issuer: String,
    pub host_subject: String,
    pub name: String,
    /// The parent's resident ID number, normalised. Never logged.
    pub resident_id: String,
    pub phone: String,
    pub real_person_verified: bool,
    /// When the parent confirmed that the identity shown is theirs (核对用户信息).
    pub identity_confirmed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub last_sign_in_at: DateTimeUtc,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParentAccount")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
