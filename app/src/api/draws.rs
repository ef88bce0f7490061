//! Draws (电脑随机派位): the bureau commits and runs them; anyone reads a draw's public record.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{domain::Subsystem, error::AppError, i18n::LocalizedText};

/// A priority tier as the bureau orders it: the entries whose registrations it holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawTierInput {
    pub name: String,
    /// The name in English (the entries' English names).
    #[serde(default)]
    pub name_en: String,
    pub entry_ids: Vec<i32>,
}

/// A tier of a committed draw: units of reference numbers (siblings drawn together share
/// one unit).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawTierView {
    pub name: String,
    /// Empty for draws committed before English names were kept.
    pub name_en: String,
    pub units: Vec<Vec<String>>,
}

/// What a run draw adds to its record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawResultView {
    /// The secret committed to, revealed.
    pub secret: String,
    pub public_value: String,
    pub seed: String,
    /// The tier (from 1) the draw decided in; none when everyone had a place.
    pub drawn_tier: Option<usize>,
    pub order: Vec<Vec<String>>,
    pub admitted: Vec<String>,
    pub waiting: Vec<String>,
    /// Local time (the bureau's).
    pub ran_at: chrono::NaiveDateTime,
}

/// A draw's public record: every input, and once run what they gave. No names, no ID
/// numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawView {
    pub id: i32,
    /// The algorithm's version (`docs/lottery.md`).
    pub version: String,
    pub school: LocalizedText,
    pub subsystem: Subsystem,
    /// A school has a draw each year: which one this is.
    pub school_year: i32,
    pub grade: i32,
    pub places: i32,
    pub tiers: Vec<DrawTierView>,
    pub fingerprint: String,
    pub commitment: String,
    /// Local time (the bureau's).
    pub scheduled_at: chrono::NaiveDateTime,
    /// How long a parent has to accept a place the draw offers, from the publication (or
    /// from the offer, for places moved down the waiting list).
    pub answer_hours: i32,
    pub result: Option<DrawResultView>,
}

/// Commits a school's draw: freezes the list of registrations that passed review, in the
/// bureau's tiers, and publishes its fingerprint and the commitment to a secret, with how
/// long parents will have to accept a place (`answer_hours`, 72 unless given). One draw a
/// school, subsystem and grade (`grade`: 1 unless given; a transfer names its grade;
/// administrators).
#[server(prefix = "/api", endpoint = "schedule_draw", input = crate::api::codec::JsonText, output = crate::api::codec::JsonText)]
pub async fn schedule_draw(
    school_id: i32,
    subsystem: String,
    grade: Option<i32>,
    tiers: Vec<DrawTierInput>,
    answer_hours: Option<u32>,
    /// The year the admissions page shows (the current one when none is named).
    school_year: Option<i32>,
) -> Result<DrawView, AppError> {
    use crate::server::{Context, services::draws, to_app_error};
    let cx = Context::current()?;
    let subsystem = Subsystem::from_code(subsystem.trim()).ok_or(AppError::NotFound)?;
    let target = draws::DrawTarget {
        school_id,
        subsystem,
        grade,
        school_year,
    };
    draws::schedule(cx.db(), &cx.request, target, tiers, answer_hours)
        .await
        .map_err(to_app_error)
}

/// Runs a committed draw with the public value drawn in the room (administrators); once.
#[server(prefix = "/api", endpoint = "run_draw", output = crate::api::codec::JsonText)]
pub async fn run_draw(draw_id: i32, public_value: String) -> Result<DrawView, AppError> {
    use crate::server::{Context, services::draws, to_app_error};
    let cx = Context::current()?;
    draws::run(cx.db(), &cx.request, draw_id, &public_value)
        .await
        .map_err(to_app_error)
}

/// A draw's public record (anyone, signed in or not).
#[server(prefix = "/api", endpoint = "get_draw", output = crate::api::codec::JsonText)]
pub async fn get_draw(draw_id: i32) -> Result<DrawView, AppError> {
    use crate::server::{Context, services::draws, to_app_error};
    let cx = Context::current()?;
    draws::public_view(cx.db(), draw_id)
        .await
        .map_err(to_app_error)
}
