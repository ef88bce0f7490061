//! Admission decisions and their publication.

use std::collections::BTreeMap;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    api::staff::PlaceOption,
    domain::{
        RegistrationState, Subsystem,
        admission::{AdmissionOutcome, OfferAnswer},
    },
    error::AppError,
    i18n::LocalizedText,
};

/// A registration that passed review, with the decision on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdmissionCandidate {
    pub id: i32,
    pub reference: String,
    pub child_name: String,
    pub child_masked_id: String,
    pub entry_id: i32,
    pub entry: LocalizedText,
    /// The grade it is for (1 for enrollment; a transfer's 转入年级).
    pub grade: i32,
    pub state: RegistrationState,
    pub outcome: Option<AdmissionOutcome>,
    /// The place a draw offered, once published: its answer, or its deadline while open.
    pub offer: Option<CandidateOffer>,
}

/// Where a draw's offer to a candidate stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateOffer {
    pub answer: Option<OfferAnswer>,
    /// In the school's local time, written out in the reader's language by the page.
    pub deadline: chrono::NaiveDateTime,
}

/// A school's publication.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicationView {
    /// In the school's local time, written out in the reader's language by the page.
    pub publish_at: chrono::NaiveDateTime,
    pub published: bool,
}

/// The admissions page of one school and subsystem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdmissionsPage {
    pub schools: Vec<PlaceOption>,
    pub school: PlaceOption,
    pub subsystem: Subsystem,
    pub school_year: i32,
    /// The years that can be shown (their windows opened), newest first.
    pub school_years: Vec<i32>,
    /// The school's other years with registrations in review or passed without a
    /// published result, and how many.
    pub unfinished_years: Vec<(i32, u64)>,
    pub candidates: Vec<AdmissionCandidate>,
    /// Registrations of the school still somewhere in review.
    pub still_in_review: u64,
    pub publication: Option<PublicationView>,
    /// The school's draws, once committed (one a grade).
    pub draws: Vec<DrawSummary>,
    /// Places by grade, where set.
    pub places: BTreeMap<i32, i32>,
}

/// A school's committed draw, as the admissions page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawSummary {
    pub id: i32,
    pub grade: i32,
    pub places: i32,
    pub entrants: usize,
    pub ran: bool,
}

/// A school's admissions (bureau administrators).
#[server(prefix = "/api", endpoint = "get_admissions", output = crate::api::codec::JsonText)]
pub async fn get_admissions(
    school_id: Option<i32>,
    subsystem: String,
    /// The current year when none is named.
    school_year: Option<i32>,
) -> Result<AdmissionsPage, AppError> {
    use crate::server::{Context, services::admission, to_app_error};
    let cx = Context::current()?;
    let subsystem = Subsystem::from_code(&subsystem).unwrap_or(Subsystem::Enrollment);
    admission::page(cx.db(), &cx.request, school_id, subsystem, school_year)
        .await
        .map_err(to_app_error)
}

/// Records decisions `(registration, "admitted" | "not_admitted")` for a school.
#[server(prefix = "/api", endpoint = "decide_admissions", input = crate::api::codec::JsonText, output = crate::api::codec::JsonText)]
pub async fn decide_admissions(
    school_id: i32,
    decisions: Vec<(i32, String)>,
) -> Result<usize, AppError> {
    use crate::server::{Context, services::admission, to_app_error};
    let cx = Context::current()?;
    admission::decide(cx.db(), &cx.request, school_id, decisions)
        .await
        .map_err(to_app_error)
}

/// Schedules the publication of a school's results at a local time (now or past: at once).
#[server(prefix = "/api", endpoint = "schedule_publication", output = crate::api::codec::JsonText)]
pub async fn schedule_publication(
    school_id: i32,
    subsystem: String,
    publish_at: String,
    /// The year the page shows (the current one when none is named).
    school_year: Option<i32>,
) -> Result<PublicationView, AppError> {
    use crate::server::{Context, services::admission, to_app_error};
    let cx = Context::current()?;
    let subsystem = Subsystem::from_code(&subsystem).ok_or(AppError::NotFound)?;
    admission::schedule(
        cx.db(),
        &cx.request,
        school_id,
        subsystem,
        &publish_at,
        school_year,
    )
    .await
    .map_err(to_app_error)
}

/// Cancels a school's scheduled publication (its decisions stay saved).
#[server(prefix = "/api", endpoint = "cancel_publication", output = crate::api::codec::JsonText)]
pub async fn cancel_publication(
    school_id: i32,
    subsystem: String,
    /// The year the page shows (the current one when none is named).
    school_year: Option<i32>,
) -> Result<(), AppError> {
    use crate::server::{Context, services::admission, to_app_error};
    let cx = Context::current()?;
    let subsystem = Subsystem::from_code(&subsystem).ok_or(AppError::NotFound)?;
    admission::cancel(cx.db(), &cx.request, school_id, subsystem, school_year)
        .await
        .map_err(to_app_error)
}
