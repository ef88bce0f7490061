//! Another guardian following a registration read-only (另一位监护人).

use sea_orm::entity::prelude::*;

use crate::domain::follower::FollowerSource;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follower")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub registration_id: i32,
    /// The keyed hash of the follower's ID number.
    pub id_key: String,
    pub masked_id: String,
    pub name: String,
    pub source: FollowerSource,
    /// The account that confirmed; none until then.
    pub account_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub confirmed_at: Option<DateTimeUtc>,
    pub withdrawn_at: Option<DateTimeUtc>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Follower")
            .field("id", &self.id)
            .field("registration_id", &self.registration_id)
            .field("source", &self.source)
            .field("account_id", &self.account_id)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
