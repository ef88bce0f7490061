//! What the parent's registration pages exchange with the server, and the server
//! functions themselves (thin: each checks nothing itself and calls one service function,
//! which checks the caller first).

use std::collections::BTreeMap;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    api::{
        review::{RequestedItem, TimelineEntry},
        staff::PlaceOption,
    },
    domain::{
        RegistrationState, SectionData, SectionKind, SectionStatus, Subsystem,
        admission::OfferAnswer,
        follower::FollowerSource,
        materials::MaterialItem,
        provenance::{Provenance, RegistrySource},
        review::ChangeRequest,
    },
    error::{AppError, FieldProblem},
    i18n::LocalizedText,
};

/// One registration in "my registrations".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationSummary {
    pub id: i32,
    pub reference: String,
    pub subsystem: Subsystem,
    pub school_year: i32,
    pub state: RegistrationState,
    pub child_name: Option<String>,
    pub child_masked_id: String,
    pub school: LocalizedText,
    pub entry: LocalizedText,
    pub completed_sections: usize,
    pub required_sections: usize,
    /// The registrant can change it now (a draft in its year's window, requested changes in
    /// their time); a follower never does.
    pub editable: bool,
}

/// The parent's registrations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyRegistrations {
    pub registrations: Vec<RegistrationSummary>,
    /// Of them, those holding one of the account's places in the school year parents can
    /// register for now with the most room (`limit` a year).
    pub held: usize,
    pub limit: usize,
    /// The parent has checked their details (核对用户信息), which a first registration needs.
    pub identity_confirmed: bool,
    /// The latest messages from schools and the bureau, newest first.
    pub messages: Vec<MessageView>,
    /// Other parents' registrations this parent follows (另一位监护人), read-only.
    pub following: Vec<RegistrationSummary>,
    /// Invitations to follow, waiting for this parent's confirmation.
    pub invitations: Vec<Invitation>,
}

/// An in-app message to the parent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: i32,
    pub registration_id: Option<i32>,
    pub title: LocalizedText,
    pub body: LocalizedText,
    /// In the bureau's local time, written out in the reader's language by the page.
    pub at: chrono::NaiveDateTime,
    pub unread: bool,
}

/// An entry a parent can choose.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryOption {
    pub id: i32,
    pub name: LocalizedText,
    pub explanation: LocalizedText,
    pub sections: Vec<SectionKind>,
    pub schools: Vec<PlaceOption>,
}

/// A subsystem with its window and entries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubsystemOption {
    pub subsystem: Subsystem,
    /// Its collection window as it stands now; `None` while the bureau has not set one.
    pub window: Option<OptionWindow>,
    pub entries: Vec<EntryOption>,
}

impl SubsystemOption {
    /// Whether a registration can be started now.
    pub fn is_open(&self) -> bool {
        self.window
            .as_ref()
            .is_some_and(|w| w.state == crate::domain::WindowState::Open)
    }
}

/// A collection window as a parent is told about it: open, not yet open or closed, with
/// its times in the bureau's clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionWindow {
    pub state: crate::domain::WindowState,
    pub opens_at: chrono::NaiveDateTime,
    pub closes_at: chrono::NaiveDateTime,
}

/// A registration as its pages show it, with every answer (the parent's own).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationView {
    pub id: i32,
    pub reference: String,
    pub subsystem: Subsystem,
    pub school_year: i32,
    pub state: RegistrationState,
    pub version: i64,
    /// Each section's version, which its page's saves name (0: never saved).
    pub section_versions: BTreeMap<SectionKind, i64>,
    pub entry: LocalizedText,
    pub school: LocalizedText,
    pub child_masked_id: String,
    /// Derived from the ID number.
    pub child_birth_date: String,
    pub child_is_male: bool,
    pub sections: Vec<(SectionKind, SectionStatus)>,
    pub answers: BTreeMap<SectionKind, SectionData>,
    /// The collection window is open now.
    pub window_open: bool,
    /// When the collection window closes, in the school's local time.
    pub window_closes_at: Option<chrono::NaiveDateTime>,
    pub editable: bool,
    /// Changes were requested and can still be made: 提交修改 sends them.
    pub resubmittable: bool,
    /// What the school asked to change, while the request is open.
    pub change_request: Option<ChangeRequest>,
    /// The same, named for the parent.
    pub requested_items: Vec<RequestedItem>,
    /// Submitted, reviews, results, with dates and the school's messages.
    pub timeline: Vec<TimelineEntry>,
    pub deletable: bool,
    /// In the school's local time.
    pub submitted_at: Option<chrono::NaiveDateTime>,
    /// Registries configured and the parent's consent to ask them.
    pub registry: RegistryInfo,
    /// Values registries confirm, per section (自动回填).
    pub prefill: BTreeMap<SectionKind, SectionData>,
    /// Where each stored answer came from.
    pub provenance: BTreeMap<SectionKind, BTreeMap<String, Provenance>>,
    /// The documents this registration needs (材料), with the photos uploaded for each.
    pub materials: Vec<MaterialItem>,
    /// The place a draw offered, to accept or decline before its deadline (录取确认).
    pub offer: Option<OfferView>,
    /// Seen by another guardian who follows it (另一位监护人): read-only, whatever the state.
    pub following: bool,
    /// The draw (电脑随机派位) the registration is in, once committed.
    pub draw: Option<DrawLink>,
    /// The registrant's own sign-in phone (the host app's), offered as the child section's
    /// contact phone until that section is first saved; never in a follower's view.
    pub sign_in_phone: Option<String>,
}

/// A committed draw as a participating registration shows it: what was published before
/// it, and where anyone can check it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawLink {
    pub id: i32,
    pub fingerprint: String,
    pub commitment: String,
    pub ran: bool,
}

impl RegistrationView {
    /// The registration as a follower sees it: nothing to change, delete or answer.
    pub fn for_follower(mut self) -> Self {
        self.editable = false;
        self.resubmittable = false;
        self.deletable = false;
        self.following = true;
        self.sign_in_phone = None;
        self
    }
}

/// Another guardian who follows a registration, or is invited to, as the registrant sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowerView {
    pub id: i32,
    pub name: String,
    pub masked_id: String,
    pub source: FollowerSource,
    /// Confirmed by that person, signed in through the host app.
    pub confirmed: bool,
}

/// An invitation to follow another parent's registration, as its addressee sees it before
/// confirming (names masked).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub id: i32,
    pub source: FollowerSource,
    pub registrant: String,
    pub child: String,
    pub school: LocalizedText,
    pub subsystem: Subsystem,
}

/// A place a draw offered the registration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferView {
    /// In the school's local time, written out in the reader's language by the page.
    pub deadline: chrono::NaiveDateTime,
    pub answer: Option<OfferAnswer>,
    /// When the parent answered, in the school's local time.
    pub answered_at: Option<chrono::NaiveDateTime>,
    /// Still to answer, and in time.
    pub open: bool,
}

/// The registries of this installation and the parent's decision about them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryInfo {
    pub configured: Vec<RegistrySource>,
    /// `None` until the parent decides.
    pub consent: Option<bool>,
}

crate::domain::coded::named! {
    /// Where a lookup stands, as the section page tells the parent.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
    pub enum LookupState {
        /// Asked, not answered yet.
        Checking,
        /// Not answered within the timeout: the parent types; a late answer fills blanks.
        Slow,
        Found,
        NotFound,
        /// The source failed after every retry.
        Unavailable,
        /// This account asked the registries too often within the hour: the parent types.
        Limited,
        /// The household register does not name the signed-in parent as the child's father or
        /// mother: nothing from any register is used; the parent types and uploads proof.
        NotConfirmed,
        /// Needs an earlier section's answers first.
        Waiting,
    }
}

/// One registry's lookup for a section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCheck {
    pub source: RegistrySource,
    pub state: LookupState,
}

/// Lookups for a section and the values they confirm.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryStatus {
    pub consent: Option<bool>,
    pub checks: Vec<SourceCheck>,
    pub prefill: SectionData,
    /// A lookup is still under way: ask again later.
    pub pending: bool,
}

impl RegistrationView {
    /// The required section before and after `kind`.
    pub fn neighbours(&self, kind: SectionKind) -> (Option<SectionKind>, Option<SectionKind>) {
        let order: Vec<SectionKind> = self.sections.iter().map(|(k, _)| *k).collect();
        let Some(at) = order.iter().position(|k| *k == kind) else {
            return (None, None);
        };
        (
            at.checked_sub(1).and_then(|i| order.get(i).copied()),
            order.get(at + 1).copied(),
        )
    }

    pub fn status_of(&self, kind: SectionKind) -> Option<SectionStatus> {
        self.sections
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, s)| *s)
    }

    /// Required documents without a photo yet.
    pub fn missing_documents(&self) -> usize {
        self.materials.iter().filter(|m| m.missing()).count()
    }

    pub fn completed_count(&self) -> usize {
        self.sections
            .iter()
            .filter(|(_, s)| *s == SectionStatus::Completed)
            .count()
    }
}

/// What saving a section did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SaveOutcome {
    /// Saved as version `version`; with `problems` when "save and continue" found some
    /// (the answers are kept all the same).
    Saved {
        version: i64,
        saved_at: String,
        status: SectionStatus,
        problems: Vec<FieldProblem>,
        /// Another page saved this section meanwhile and its changes to other answers were
        /// merged with this page's: the answers as saved.
        merged: Option<SectionData>,
        /// The registration's version after this save (what submit and delete name).
        registration_version: i64,
    },
    /// Another page changed the same answers since this page read them: nothing was
    /// written. The newer answers, their version, and the answers changed on both sides.
    Conflict {
        version: i64,
        data: SectionData,
        fields: Vec<String>,
    },
}

/// The parent's registrations.
#[server(prefix = "/api", endpoint = "list_my_registrations", output = crate::api::codec::JsonText)]
pub async fn list_my_registrations() -> Result<MyRegistrations, AppError> {
    use crate::server::{Context, services::registrations, to_app_error};
    let cx = Context::current()?;
    registrations::list_mine(cx.db(), cx.caller(), cx.now())
        .await
        .map_err(to_app_error)
}

/// Subsystems, entries and schools to register for.
#[server(prefix = "/api", endpoint = "get_registration_options", output = crate::api::codec::JsonText)]
pub async fn get_registration_options() -> Result<Vec<SubsystemOption>, AppError> {
    use crate::server::{Context, services::registrations, to_app_error};
    let cx = Context::current()?;
    registrations::options(cx.db(), cx.caller(), cx.now())
        .await
        .map_err(to_app_error)
}

/// Starts a registration for a child; on success goes to its task list.
#[server(prefix = "/api", endpoint = "create_registration", output = crate::api::codec::JsonText)]
pub async fn create_registration(
    subsystem: String,
    entry_id: String,
    school_id: String,
    child_id_number: String,
) -> Result<i32, AppError> {
    use crate::server::{Context, services::registrations, to_app_error};
    let cx = Context::current()?;
    let id = registrations::create(
        cx.db(),
        cx.caller(),
        registrations::NewRegistration {
            subsystem,
            entry_id,
            school_id,
            child_id_number,
        },
        cx.now(),
    )
    .await
    .map_err(to_app_error)?;
    leptos_axum::redirect(&crate::routes::registration(id));
    Ok(id)
}

/// Registers a child another account holds, for a parent the household register names as
/// the child's father or mother: the other registration is passed to the bureau.
#[server(prefix = "/api", endpoint = "claim_child_registration", output = crate::api::codec::JsonText)]
pub async fn claim_child_registration(
    subsystem: String,
    entry_id: String,
    school_id: String,
    child_id_number: String,
) -> Result<i32, AppError> {
    use crate::server::{Context, services::claims, services::registrations, to_app_error};
    let cx = Context::current()?;
    let id = claims::claim_child(
        cx.db(),
        &cx.state.registries,
        &cx.request,
        registrations::NewRegistration {
            subsystem,
            entry_id,
            school_id,
            child_id_number,
        },
    )
    .await
    .map_err(to_app_error)?;
    leptos_axum::redirect(&crate::routes::registration(id));
    Ok(id)
}

/// Moves the child's registration from another account of the caller's own (the same ID
/// number, vouched for by the host app: a new account after a change of phone number) to
/// the account signed in.
#[server(prefix = "/api", endpoint = "move_child_registration", output = crate::api::codec::JsonText)]
pub async fn move_child_registration(child_id_number: String) -> Result<i32, AppError> {
    use crate::server::{Context, services::claims, to_app_error};
    let cx = Context::current()?;
    let id = claims::move_child(cx.db(), &cx.request, &child_id_number)
        .await
        .map_err(to_app_error)?;
    leptos_axum::redirect(&crate::routes::registration(id));
    Ok(id)
}

/// One registration with its answers.
#[server(prefix = "/api", endpoint = "get_registration", output = crate::api::codec::JsonText)]
pub async fn get_registration(id: i32) -> Result<RegistrationView, AppError> {
    use crate::server::{Context, services::registrations, to_app_error};
    let cx = Context::current()?;
    registrations::view(cx.db(), &cx.state.registries, cx.caller(), id, cx.now())
        .await
        .map_err(to_app_error)
}

/// What a registration's documents page shows of it: the documents it needs with their
/// photos, and whether (and which of) them can change. Small on purpose: the page's
/// island reads it again after every upload or removal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationDocuments {
    pub id: i32,
    pub editable: bool,
    /// While changes are requested, only the documents the school named can change.
    pub change_request: Option<crate::domain::review::ChangeRequest>,
    pub materials: Vec<crate::domain::materials::MaterialItem>,
}

impl RegistrationDocuments {
    pub fn of(r: &RegistrationView) -> Self {
        Self {
            id: r.id,
            editable: r.editable,
            change_request: r.change_request.clone(),
            materials: r.materials.clone(),
        }
    }
}

/// One registration's documents (its owner only, as [`get_registration`]).
#[server(prefix = "/api", endpoint = "get_registration_documents", output = crate::api::codec::JsonText)]
pub async fn get_registration_documents(id: i32) -> Result<RegistrationDocuments, AppError> {
    use crate::server::{Context, services::registrations, to_app_error};
    let cx = Context::current()?;
    registrations::view(cx.db(), &cx.state.registries, cx.caller(), id, cx.now())
        .await
        .map(|r| RegistrationDocuments::of(&r))
        .map_err(to_app_error)
}

/// Saves a section's answers, based on the section's `base_version` and the answers the
/// page read (`base`, to merge with changes saved meanwhile). `complete` asks to check them and
/// mark the section completed ("save and continue"); autosave leaves it false.
#[server(prefix = "/api", endpoint = "save_section", input = crate::api::codec::JsonText, output = crate::api::codec::JsonText)]
pub async fn save_section(
    id: i32,
    section: String,
    base_version: i64,
    data: SectionData,
    corrections: BTreeMap<String, String>,
    complete: bool,
    base: Option<SectionData>,
) -> Result<SaveOutcome, AppError> {
    use crate::server::{Context, services::registrations, to_app_error};
    let cx = Context::current()?;
    let kind = SectionKind::from_code(&section).ok_or(AppError::NotFound)?;
    registrations::save_section(
        cx.db(),
        &cx.state.saves,
        &cx.state.registries,
        cx.caller(),
        id,
        kind,
        base_version,
        registrations::SectionAnswers {
            data,
            corrections,
            base,
        },
        complete,
        cx.now(),
    )
    .await
    .map_err(to_app_error)
}

/// Checks every required section on the server (信息确认).
#[server(prefix = "/api", endpoint = "check_registration", output = crate::api::codec::JsonText)]
pub async fn check_registration(id: i32) -> Result<Vec<(SectionKind, FieldProblem)>, AppError> {
    use crate::server::{Context, services::registrations, to_app_error};
    let cx = Context::current()?;
    registrations::check(cx.db(), cx.caller(), id, cx.now())
        .await
        .map_err(to_app_error)
}

/// Submits the registration (locks it). Idempotent: a retried submit changes nothing.
#[server(prefix = "/api", endpoint = "submit_registration", output = crate::api::codec::JsonText)]
pub async fn submit_registration(id: i32, base_version: i64) -> Result<String, AppError> {
    use crate::server::{Context, services::registrations, to_app_error};
    let cx = Context::current()?;
    let submitted = registrations::submit(cx.db(), cx.caller(), id, base_version, cx.now()).await;
    crate::server::infra::measure::submission(if submitted.is_ok() {
        "submitted"
    } else {
        "refused"
    });
    if submitted.is_ok() {
        // On to the receipt: a plain form post (the page loads no code) follows it, the
        // browser's server-function client moves there.
        leptos_axum::redirect(&crate::routes::submitted(id));
    }
    submitted.map_err(to_app_error)
}

/// Deletes the registration (frees the child's ID number) while the window is open, before
/// any review has started or once the school did not pass it.
#[server(prefix = "/api", endpoint = "delete_registration", output = crate::api::codec::JsonText)]
pub async fn delete_registration(id: i32, base_version: i64) -> Result<(), AppError> {
    use crate::server::{Context, services::registrations, to_app_error};
    let cx = Context::current()?;
    registrations::delete(cx.db(), cx.caller(), id, base_version, cx.now())
        .await
        .map_err(to_app_error)?;
    // Back to the parent's list, which no longer shows it.
    leptos_axum::redirect("/registrations");
    Ok(())
}

/// Accepts or declines the place a draw offered the registration, before the deadline
/// (the registrant). A declined place goes to the next on the waiting list.
#[server(prefix = "/api", endpoint = "answer_offer", output = crate::api::codec::JsonText)]
pub async fn answer_offer(id: i32, accept: bool) -> Result<OfferView, AppError> {
    use crate::server::{Context, services::offers, to_app_error};
    let cx = Context::current()?;
    let offer = offers::answer(cx.db(), &cx.request, id, accept)
        .await
        .map_err(to_app_error)?;
    // The task list, with the answer (the decline is asked on a page of its own).
    leptos_axum::redirect(&crate::routes::registration(id));
    Ok(offer)
}

/// Who follows the registration (the registrant).
#[server(prefix = "/api", endpoint = "get_followers", output = crate::api::codec::JsonText)]
pub async fn get_followers(id: i32) -> Result<Vec<FollowerView>, AppError> {
    use crate::server::{Context, services::followers, to_app_error};
    let cx = Context::current()?;
    followers::of_registration(cx.db(), cx.caller(), id)
        .await
        .map_err(to_app_error)
}

/// Names another guardian to follow the registration read-only, by name and ID number (the
/// registrant); they see it once they confirm, signed in through the host app.
#[server(prefix = "/api", endpoint = "invite_follower", output = crate::api::codec::JsonText)]
pub async fn invite_follower(
    id: i32,
    name: String,
    id_number: String,
) -> Result<Vec<FollowerView>, AppError> {
    use crate::server::{Context, services::followers, to_app_error};
    let cx = Context::current()?;
    followers::invite(cx.db(), &cx.request, id, &name, &id_number)
        .await
        .map_err(to_app_error)
}

/// Withdraws a follower or an invitation (the registrant).
#[server(prefix = "/api", endpoint = "withdraw_follower", output = crate::api::codec::JsonText)]
pub async fn withdraw_follower(id: i32, follower_id: i32) -> Result<Vec<FollowerView>, AppError> {
    use crate::server::{Context, services::followers, to_app_error};
    let cx = Context::current()?;
    followers::withdraw(cx.db(), &cx.request, id, follower_id)
        .await
        .map_err(to_app_error)
}

/// Confirms an invitation addressed to the signed-in parent's ID number.
#[server(prefix = "/api", endpoint = "confirm_following", output = crate::api::codec::JsonText)]
pub async fn confirm_following(follower_id: i32) -> Result<(), AppError> {
    use crate::server::{Context, services::followers, to_app_error};
    let cx = Context::current()?;
    followers::confirm(cx.db(), &cx.request, follower_id)
        .await
        .map_err(to_app_error)
}

/// Records whether the parent lets the platform ask government registries about this
/// child (asked before the first lookup; the wording's version is kept).
#[server(prefix = "/api", endpoint = "decide_registry_consent", input = crate::api::codec::JsonText, output = crate::api::codec::JsonText)]
pub async fn decide_registry_consent(id: i32, grant: bool) -> Result<(), AppError> {
    use crate::server::{Context, services::prefill, to_app_error};
    let cx = Context::current()?;
    prefill::decide_consent(cx.db(), cx.caller(), id, grant, cx.now())
        .await
        .map_err(to_app_error)
}

/// Starts the registry lookups a registration allows and reports those of a section,
/// answering within the lookup timeout whatever the registries do.
#[server(prefix = "/api", endpoint = "get_registry_status", input = crate::api::codec::JsonText, output = crate::api::codec::JsonText)]
pub async fn get_registry_status(id: i32, section: String) -> Result<RegistryStatus, AppError> {
    use crate::server::{Context, services::prefill, to_app_error};
    let cx = Context::current()?;
    let kind = SectionKind::from_code(&section).ok_or(AppError::NotFound)?;
    prefill::status(
        cx.db(),
        &cx.state.registries,
        cx.caller(),
        id,
        kind,
        cx.now(),
    )
    .await
    .map_err(to_app_error)
}

/// Removes a photo of a document while the registration can be changed.
#[server(prefix = "/api", endpoint = "remove_document_photo", output = crate::api::codec::JsonText)]
pub async fn remove_document_photo(photo_id: i32) -> Result<(), AppError> {
    use crate::server::{Context, services::documents, to_app_error};
    let cx = Context::current()?;
    documents::remove(cx.db(), cx.caller(), photo_id, cx.now())
        .await
        .map_err(to_app_error)
}

/// The whole materials table (材料对照表), for everyone.
#[server(prefix = "/api", endpoint = "get_materials_table", output = crate::api::codec::JsonText)]
pub async fn get_materials_table() -> Result<Vec<crate::domain::materials::MaterialRule>, AppError>
{
    use crate::server::{Context, services::documents, to_app_error};
    let cx = Context::current()?;
    documents::table(cx.db()).await.map_err(to_app_error)
}

/// Sends the changes the school asked for (提交修改): locks the registration again and
/// puts it back in the school's queue. Idempotent like submitting.
#[server(prefix = "/api", endpoint = "resubmit_registration", output = crate::api::codec::JsonText)]
pub async fn resubmit_registration(id: i32, base_version: i64) -> Result<String, AppError> {
    use crate::server::{Context, services::review, to_app_error};
    let cx = Context::current()?;
    let reference = review::resubmit(cx.db(), &cx.request, id, base_version)
        .await
        .map_err(to_app_error)?;
    // The task list, locked again (the question is asked on a page of its own).
    leptos_axum::redirect(&crate::routes::registration(id));
    Ok(reference)
}

/// Marks the parent's messages read (once they have been shown).
#[server(prefix = "/api", endpoint = "mark_messages_read", output = crate::api::codec::JsonText)]
pub async fn mark_messages_read() -> Result<(), AppError> {
    use crate::server::{Context, services::notify, to_app_error};
    let cx = Context::current()?;
    notify::mark_read(cx.db(), cx.caller(), cx.now())
        .await
        .map_err(to_app_error)
}
