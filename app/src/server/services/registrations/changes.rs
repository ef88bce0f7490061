//! How a registration changes: every write bumps its version and time and holds only if
//! nobody changed it first, and every move between states leaves a step on its timeline.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
    UpdateMany,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    domain::{
        RegistrationState,
        review::{ReviewStage, TimelineKind},
    },
    server::entities::{registration, review_event},
};

/// An update of registration `id` that bumps its version and time; with `version`, it
/// changes nothing if another request changed the registration since it was read at that
/// version. Callers add their columns and the states it may change from, and check that
/// one row was changed.
pub fn change(
    id: i32,
    version: Option<i64>,
    now: DateTime<Utc>,
) -> UpdateMany<registration::Entity> {
    let update = change_all(now).filter(registration::Column::Id.eq(id));
    match version {
        Some(version) => update.filter(registration::Column::Version.eq(version)),
        None => update,
    }
}

/// Holds registration `id`'s row until the transaction ends: an UPDATE that changes
/// nothing, run as the transaction's first statement. It takes SQLite's write lock and
/// PostgreSQL's row lock, so that whatever else changes this registration waits, and the
/// reads that follow see what it did. Callers may filter it further (the states it may be
/// held in) and read how many rows it held.
pub(crate) fn hold(id: i32) -> UpdateMany<registration::Entity> {
    registration::Entity::update_many()
        .col_expr(
            registration::Column::State,
            Expr::col(registration::Column::State),
        )
        .filter(registration::Column::Id.eq(id))
}

/// An update of every registration it is filtered to that bumps each one's version and
/// time; callers filter it (each registration at the version read) and read which changed.
pub fn change_all(now: DateTime<Utc>) -> UpdateMany<registration::Entity> {
    registration::Entity::update_many()
        .col_expr(
            registration::Column::Version,
            Expr::col(registration::Column::Version).add(1),
        )
        .col_expr(registration::Column::UpdatedAt, Expr::value(now))
}

/// A move between states, as its timeline step records it.
pub struct Step {
    pub registration_id: i32,
    pub kind: TimelineKind,
    pub from: RegistrationState,
    pub to: RegistrationState,
    pub at: DateTime<Utc>,
    /// Who decided, and at which review stage (none for the parent's own steps).
    pub staff_id: Option<i32>,
    pub stage: Option<ReviewStage>,
    pub reason: Option<String>,
    /// The school's message to the parent (may be empty).
    pub message: String,
    /// A change request's items (JSON).
    pub request: Option<String>,
}

impl Step {
    /// A step nobody on staff decided (a resubmission, a published result).
    pub fn plain(
        registration_id: i32,
        kind: TimelineKind,
        from: RegistrationState,
        to: RegistrationState,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            registration_id,
            kind,
            from,
            to,
            at,
            staff_id: None,
            stage: None,
            reason: None,
            message: String::new(),
            request: None,
        }
    }

    /// Writes the step on the registration's timeline.
    pub async fn record(self, db: &impl ConnectionTrait) -> Result<review_event::Model, DbErr> {
        review_event::ActiveModel {
            registration_id: Set(self.registration_id),
            kind: Set(self.kind),
            stage: Set(self.stage),
            staff_id: Set(self.staff_id),
            reason: Set(self.reason),
            message: Set(self.message),
            request: Set(self.request),
            from_state: Set(self.from),
            to_state: Set(self.to),
            created_at: Set(self.at),
            ..Default::default()
        }
        .insert(db)
        .await
    }
}
