//! A draw (电脑随机派位) for one school, subsystem, grade and school year: committed when
//! scheduled, run once (see `docs/lottery.md`).

use sea_orm::entity::prelude::*;

use crate::domain::Subsystem;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "draw")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub school_id: i32,
    pub subsystem: Subsystem,
    pub grade: i32,
    /// The school year it is for (its registrations' year).
    pub school_year: i32,
    pub places: i32,
    /// The frozen list: `Vec<draw::Tier>` as JSON (reference numbers only).
    pub tiers: String,
    pub fingerprint: String,
    pub commitment: String,
    /// The secret, sealed under the data key; revealed (in `draw::Record`) once run.
    pub secret: String,
    pub public_value: Option<String>,
    pub seed: Option<String>,
    /// `draw::Allocation` as JSON, once run.
    pub result: Option<String>,
    pub scheduled_at: DateTimeUtc,
    pub scheduled_by: i32,
    pub ran_at: Option<DateTimeUtc>,
    pub ran_by: Option<i32>,
    /// How long a parent has to accept or decline a place the draw offers.
    pub answer_hours: i32,
    /// Bumped first by every change of the draw's offers: they take turns on this row.
    pub moves: i64,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Draw")
            .field("id", &self.id)
            .field("school_id", &self.school_id)
            .field("subsystem", &self.subsystem)
            .field("grade", &self.grade)
            .field("ran_at", &self.ran_at)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
