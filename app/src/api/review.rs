//! What the review pages exchange with the server, and the server functions (thin: each
//! calls one service function, which checks the caller first).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    api::staff::PlaceOption,
    domain::{
        RegistrationState, SectionKind, Subsystem,
        materials::MaterialItem,
        provenance::Origin,
        review::QueueFilter,
        review::{ChangeRequest, ReviewStage, TimelineKind},
    },
    error::AppError,
    i18n::{LocalizedText, Text, t},
};

/// Rows a queue page holds.
pub const QUEUE_PAGE_SIZE: u64 = 50;

/// How a queue is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum QueueSort {
    /// Oldest submission first: first come, first reviewed.
    SubmittedFirst,
    SubmittedLast,
    Reference,
    ChildName,
}

impl QueueSort {
    pub const ALL: [Self; 4] = [
        Self::SubmittedFirst,
        Self::SubmittedLast,
        Self::Reference,
        Self::ChildName,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::SubmittedFirst => "submitted",
            Self::SubmittedLast => "-submitted",
            Self::Reference => "reference",
            Self::ChildName => "name",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> Text {
        match self {
            Self::SubmittedFirst => t("提交时间（早→晚）", "Submitted (oldest first)"),
            Self::SubmittedLast => t("提交时间（晚→早）", "Submitted (newest first)"),
            Self::Reference => t("报名编号", "Reference"),
            Self::ChildName => t("儿童姓名", "Child's name"),
        }
    }
}

/// A queue's filters, as the page's address carries them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueQuery {
    pub filter: Option<QueueFilter>,
    pub entry_id: Option<i32>,
    pub school_id: Option<i32>,
    /// The school year listed: the current one when none is named.
    pub school_year: Option<i32>,
    pub hand_entered: bool,
    pub resubmitted: bool,
    pub search: String,
    pub sort: QueueSort,
    /// From 1.
    pub page: u64,
}

impl Default for QueueQuery {
    fn default() -> Self {
        Self {
            filter: None,
            entry_id: None,
            school_id: None,
            school_year: None,
            hand_entered: false,
            resubmitted: false,
            search: String::new(),
            sort: QueueSort::SubmittedFirst,
            page: 1,
        }
    }
}

impl QueueQuery {
    /// The filters from an address's parameters (`get` answers one by name). Anything
    /// unreadable is left out rather than refused: a hand-edited address still lists.
    pub fn from_parameters(get: impl Fn(&str) -> Option<String>) -> Self {
        let number = |name: &str| get(name).and_then(|v| v.trim().parse::<i32>().ok());
        Self {
            filter: get("filter").and_then(|f| QueueFilter::from_code(&f)),
            entry_id: number("entry"),
            school_id: number("school"),
            school_year: number("year"),
            hand_entered: get("hand").is_some_and(|v| v == "1"),
            resubmitted: get("resubmitted").is_some_and(|v| v == "1"),
            search: get("q").unwrap_or_default().chars().take(40).collect(),
            sort: get("sort")
                .and_then(|s| QueueSort::from_code(&s))
                .unwrap_or(QueueSort::SubmittedFirst),
            page: get("page")
                .and_then(|p| p.parse::<u64>().ok())
                .unwrap_or(1)
                .max(1),
        }
    }

    /// The filters from an address's parameters as written (`filter=…&sort=…`).
    pub fn from_address(parameters: &str) -> Self {
        let pairs: Vec<(String, String)> = parameters
            .trim_start_matches('?')
            .split('&')
            .filter_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                Some((name.to_owned(), percent_decoded(value)))
            })
            .collect();
        Self::from_parameters(|name| {
            pairs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        })
    }

    /// The parameters that carry these filters, `page` included when given: the queue's
    /// pages and its export share them, so an export holds what the reviewer sees.
    pub fn parameters(&self, page: Option<u64>) -> String {
        let mut parts = Vec::new();
        if let Some(filter) = self.filter {
            parts.push(format!("filter={}", filter.code()));
        }
        if let Some(entry) = self.entry_id {
            parts.push(format!("entry={entry}"));
        }
        if let Some(school) = self.school_id {
            parts.push(format!("school={school}"));
        }
        if let Some(year) = self.school_year {
            parts.push(format!("year={year}"));
        }
        if self.hand_entered {
            parts.push("hand=1".into());
        }
        if self.resubmitted {
            parts.push("resubmitted=1".into());
        }
        if !self.search.is_empty() {
            parts.push(format!("q={}", percent_encoded(&self.search)));
        }
        parts.push(format!("sort={}", self.sort.code()));
        if let Some(page) = page {
            parts.push(format!("page={page}"));
        }
        parts.join("&")
    }
}

/// Reads a percent-encoded parameter (`+` a space); an unreadable one is taken as written.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match text
                .get(i + 1..i + 3)
                .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            {
                Some(byte) => {
                    out.push(byte);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

/// Percent-encodes a text for an address's parameters.
fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One registration in a queue. The child's ID number is masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueRow {
    pub id: i32,
    pub version: i64,
    pub reference: String,
    pub child_name: String,
    pub child_masked_id: String,
    pub entry: LocalizedText,
    pub school: LocalizedText,
    pub state: RegistrationState,
    /// Local time (the school's offset).
    pub submitted_at: Option<chrono::NaiveDateTime>,
    pub hand_entered: bool,
    /// The caller decided on it last (a resubmission comes back to them).
    pub mine: bool,
}

/// A page of a queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePage {
    pub rows: Vec<QueueRow>,
    /// Matching the filters, on all pages.
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    pub filter: QueueFilter,
    /// The stage the caller decides (reviewers: first; the bureau: second).
    pub stage: ReviewStage,
    pub entries: Vec<PlaceOption>,
    /// Schools the caller may see (one for reviewers).
    pub schools: Vec<PlaceOption>,
    /// The school year listed.
    pub school_year: i32,
    /// The years that can be listed (their windows opened), newest first.
    pub school_years: Vec<i32>,
    /// Other years with registrations waiting for the caller's stage, and how many: last
    /// year's leftovers are not forgotten once next year opens.
    pub waiting_in_other_years: Vec<(i32, u64)>,
}

/// One answer as a reviewer sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewField {
    pub name: String,
    pub label: LocalizedText,
    pub value: LocalizedText,
    /// The value is as a person or registry wrote it (a name, an address), not a translated
    /// choice: pages keep it untranslated.
    pub as_written: bool,
    /// `None` for answers stored before provenance was recorded.
    pub origin: Option<Origin>,
    /// The registry that confirmed it (or could have).
    pub source: Option<LocalizedText>,
    /// The registry's value where the parent's differs.
    pub registry_value: Option<String>,
    /// Why the parent said the registry was wrong.
    pub correction: Option<LocalizedText>,
    /// The school asked for it to be changed in the open or last request.
    pub requested: bool,
}

/// A section as a reviewer sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewSection {
    pub kind: SectionKind,
    pub fields: Vec<ReviewField>,
    /// The entry still requires it (a section taken off the entry after submission shows
    /// what was sent, and cannot be sent back for changes).
    pub current: bool,
}

/// One event on a registration's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub kind: TimelineKind,
    /// In the school's local time, written out in the reader's language by the page.
    pub at: chrono::NaiveDateTime,
    pub stage: Option<ReviewStage>,
    /// A reject reason's text.
    pub reason: Option<LocalizedText>,
    pub message: String,
    pub request: Option<ChangeRequest>,
    /// Who decided (staff only see this).
    pub by: Option<String>,
}

/// A registration as its reviewer sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDetail {
    pub id: i32,
    pub version: i64,
    pub reference: String,
    pub state: RegistrationState,
    pub subsystem: Subsystem,
    pub school_year: i32,
    pub entry: LocalizedText,
    pub school: LocalizedText,
    pub child_name: String,
    pub child_masked_id: String,
    pub child_birth_date: Option<chrono::NaiveDate>,
    pub child_is_male: bool,
    /// Local time (the school's offset).
    pub submitted_at: Option<chrono::NaiveDateTime>,
    pub sections: Vec<ReviewSection>,
    pub materials: Vec<MaterialItem>,
    pub timeline: Vec<TimelineEntry>,
    /// What the school asked last (open while changes are requested, answered once
    /// resubmitted).
    pub last_request: Option<ChangeRequest>,
    /// The stage the caller may decide now, if any.
    pub can_decide: Option<ReviewStage>,
    /// The parent's time for changes is over: the school can pass or reject, not ask.
    pub changes_closed: bool,
    /// The household register knows the child but does not name the registrant as a
    /// parent: every answer was typed by hand and the relationship needs the documents.
    pub guardian_unconfirmed: bool,
    /// The same account's other registrations for the same school, subsystem and year:
    /// twins and siblings, drawn together in a draw.
    pub siblings: Vec<SiblingLink>,
    /// The child's registrations of earlier school years (not deleted), newest first: a
    /// child admitted last year and registered again is seen before a second place is given.
    pub earlier_years: Vec<EarlierRegistration>,
    /// Whether a family that must bring the originals to a registration point booked a
    /// time and came (none when the entry asks for no appointment).
    pub on_site: Option<crate::api::appointments::OnSiteView>,
    /// The registration waiting longest for the caller's stage, this one aside: where
    /// "next" goes.
    pub next_waiting: Option<i32>,
}

/// A sibling's registration, as the reviewer reaches it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiblingLink {
    pub id: i32,
    pub reference: String,
    pub child_name: String,
    pub state: RegistrationState,
}

/// A registration of the same child in an earlier school year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarlierRegistration {
    pub school_year: i32,
    pub reference: String,
    pub subsystem: crate::domain::Subsystem,
    pub school: LocalizedText,
    pub state: RegistrationState,
}

/// One thing the school asked to change, named for the parent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestedItem {
    /// The section to open for it; `None` for a document.
    pub section: Option<SectionKind>,
    pub label: LocalizedText,
}

/// What a bulk action did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    pub done: Vec<String>,
    /// References not changed, with why.
    pub skipped: Vec<(String, LocalizedText)>,
}

/// A page of the caller's review queue (the registrations listed are audited).
#[server(prefix = "/api", endpoint = "get_review_queue", input = crate::api::codec::JsonText, output = crate::api::codec::JsonText)]
pub async fn get_review_queue(query: QueueQuery) -> Result<QueuePage, AppError> {
    use crate::server::{Context, services::review, to_app_error};
    let cx = Context::current()?;
    review::queue(cx.db(), &cx.request, query)
        .await
        .map_err(to_app_error)
}

/// A registration for review (the view is audited). `queue` is the address parameters of
/// the queue it was opened from (its filters and order): "next" is the next waiting in
/// that list, not in the whole school's.
#[server(prefix = "/api", endpoint = "get_review_detail", output = crate::api::codec::JsonText)]
pub async fn get_review_detail(id: i32, queue: Option<String>) -> Result<ReviewDetail, AppError> {
    use crate::server::{Context, services::review, to_app_error};
    let cx = Context::current()?;
    let queue = queue.map(|q| QueueQuery::from_address(&q));
    review::detail(cx.db(), &cx.request, id, queue)
        .await
        .map_err(to_app_error)
}

/// Decides at a review stage: pass, reject (with a reason) or request changes (naming
/// what to change). `items` are change-request item codes.
#[server(prefix = "/api", endpoint = "decide_review", input = crate::api::codec::JsonText, output = crate::api::codec::JsonText)]
#[allow(clippy::too_many_arguments)]
pub async fn decide_review(
    id: i32,
    base_version: i64,
    stage: String,
    decision: String,
    reason: String,
    message: String,
    items: Vec<String>,
) -> Result<RegistrationState, AppError> {
    use crate::server::{Context, services::review, to_app_error};
    let cx = Context::current()?;
    let input = review::DecisionInput {
        stage,
        decision,
        reason,
        message,
        items,
    };
    review::decide(cx.db(), &cx.request, id, base_version, input)
        .await
        .map_err(to_app_error)
}

/// Passes every listed registration (id, version) at `stage`; those that moved meanwhile
/// are skipped and listed.
#[server(prefix = "/api", endpoint = "bulk_pass_review", input = crate::api::codec::JsonText, output = crate::api::codec::JsonText)]
pub async fn bulk_pass_review(
    stage: String,
    registrations: Vec<(i32, i64)>,
) -> Result<BulkOutcome, AppError> {
    use crate::server::{Context, services::review, to_app_error};
    let cx = Context::current()?;
    review::bulk_pass(cx.db(), &cx.request, &stage, registrations)
        .await
        .map_err(to_app_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queue_address_reads_back_as_the_filters_it_was_written_from() {
        let query = QueueQuery {
            filter: Some(QueueFilter::WaitingFirst),
            entry_id: Some(3),
            school_year: Some(2026),
            hand_entered: true,
            search: "张 子&涵%".into(),
            sort: QueueSort::ChildName,
            page: 4,
            ..QueueQuery::default()
        };
        let written = query.parameters(Some(4));
        assert_eq!(QueueQuery::from_address(&written), query);
        assert_eq!(QueueQuery::from_address(&format!("?{written}")), query);
        assert_eq!(QueueQuery::from_address("q=%+A").search, "% A");
        assert_eq!(
            QueueQuery::from_address("q=%E5%BC%A0%zz"),
            QueueQuery {
                search: "张%zz".into(),
                ..QueueQuery::default()
            }
        );
    }
}
