//! Review (审核): the two stages, what each decision does to a registration, the reasons a
//! school may give, and what a change request (退回修改) lets the parent change.
//!
//! The transitions are here, in one pure function, so that the server cannot move a
//! registration along a path the rules do not allow (a draft cannot pass, a second review
//! needs a first).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::domain::coded::coded;
use crate::{
    domain::{RegistrationState, SectionKind, provenance::Document},
    i18n::{Text, t},
};

/// Longest message a reviewer may write to a parent.
pub const MAX_MESSAGE_CHARS: usize = 500;
/// Most registrations one bulk action may touch.
pub const MAX_BULK: usize = 200;

coded! {
    /// The two stages of review.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
    pub enum ReviewStage {
        /// 初审, by the school's reviewers.
        First = "first",
        /// 复审, by the bureau, on registrations that passed the first.
        Second = "second",
    }
}

impl ReviewStage {
    pub fn name(self) -> Text {
        match self {
            Self::First => t("初审", "First review"),
            Self::Second => t("复审", "Second review"),
        }
    }

    /// The states a registration waits in for this stage.
    pub fn waiting_states(self) -> &'static [RegistrationState] {
        match self {
            Self::First => &[RegistrationState::Submitted, RegistrationState::Resubmitted],
            Self::Second => &[RegistrationState::FirstReviewPassed],
        }
    }

    /// Whether a registration in `state` waits for this stage. Once the parent's time for
    /// changes is over (`changes_closed`), a request they never answered waits for the
    /// first review again: otherwise it would stay in review for good, and hold up the
    /// school's list and its draw.
    pub fn waits(self, state: RegistrationState, changes_closed: bool) -> bool {
        self.waiting_states().contains(&state)
            || (changes_closed
                && self == Self::First
                && state == RegistrationState::ChangesRequested)
    }
}

coded! {
    /// What a reviewer decides.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
    pub enum ReviewDecision {
        Pass = "pass",
        Reject = "reject",
        RequestChanges = "request_changes",
    }
}

/// Why a transition is not allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The registration is not waiting for this stage (a draft, already decided, or
    /// waiting for the other stage).
    #[error("the registration is not waiting for this review")]
    NotWaiting,
    /// Only a registration the school sent back can be resubmitted.
    #[error("no changes were requested")]
    NoChangesRequested,
    /// The parent can no longer change anything: changes cannot be asked for.
    #[error("the time for changes is over")]
    ChangesClosed,
}

/// The state a decision at `stage` moves a registration in `state` to; `changes_closed`:
/// the parent's time for changes (the review deadline, or the collection's close) is over.
pub fn decide(
    state: RegistrationState,
    stage: ReviewStage,
    decision: ReviewDecision,
    changes_closed: bool,
) -> Result<RegistrationState, TransitionError> {
    if !stage.waits(state, changes_closed) {
        return Err(TransitionError::NotWaiting);
    }
    if changes_closed && decision == ReviewDecision::RequestChanges {
        return Err(TransitionError::ChangesClosed);
    }
    Ok(match (stage, decision) {
        (ReviewStage::First, ReviewDecision::Pass) => RegistrationState::FirstReviewPassed,
        (ReviewStage::Second, ReviewDecision::Pass) => RegistrationState::ReviewPassed,
        (_, ReviewDecision::Reject) => RegistrationState::Rejected,
        (_, ReviewDecision::RequestChanges) => RegistrationState::ChangesRequested,
    })
}

/// The state a parent's resubmission (提交修改) moves a registration to: back to the
/// school's queue, marked resubmitted.
pub fn resubmit(state: RegistrationState) -> Result<RegistrationState, TransitionError> {
    if state == RegistrationState::ChangesRequested {
        Ok(RegistrationState::Resubmitted)
    } else {
        Err(TransitionError::NoChangesRequested)
    }
}

/// The reasons a reviewer can give for not passing, with "other" needing a text.
pub const REJECT_REASONS: &[(&str, Text)] = &[
    (
        "outside_catchment",
        t(
            "住址不在本校招生范围内",
            "The address is outside this school's catchment",
        ),
    ),
    (
        "entry_conditions",
        t(
            "不符合所选报名入口的条件",
            "Does not meet the conditions of the chosen entry",
        ),
    ),
    (
        "age",
        t(
            "儿童年龄不符合入学要求",
            "The child's age does not meet the requirement",
        ),
    ),
    (
        "false_information",
        t(
            "填报信息与证件不符",
            "The answers do not match the documents",
        ),
    ),
    (
        "duplicate",
        t(
            "重复报名（已在其他学校报名）",
            "Registered twice (already registered at another school)",
        ),
    ),
    (
        "other",
        t(
            "其他原因（请在说明中写明）",
            "Another reason (explain below)",
        ),
    ),
];

/// A reject reason's text, if the code is one of [`REJECT_REASONS`].
pub fn reject_reason(code: &str) -> Option<Text> {
    REJECT_REASONS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, text)| *text)
}

/// One thing a school asks the parent to change.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ChangeItem {
    /// One answer of a section.
    Field { section: SectionKind, field: String },
    /// Every answer of a section.
    Section(SectionKind),
    /// The photos of a document: replace, add or remove.
    Document(Document),
}

/// What a school asked to change, with its message to the parent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRequest {
    pub items: BTreeSet<ChangeItem>,
    pub message: String,
}

impl ChangeRequest {
    /// The parent may change `field` of `section`.
    pub fn allows_field(&self, section: SectionKind, field: &str) -> bool {
        self.names_whole(section) || self.named_fields(section).any(|f| f == field)
    }

    /// The only fields of `section` the parent may change, or `None` when the request
    /// names the whole section ([`Self::allows_field`] as a list, for the section's form).
    pub fn changeable_fields(&self, section: SectionKind) -> Option<Vec<String>> {
        (!self.names_whole(section))
            .then(|| self.named_fields(section).map(str::to_owned).collect())
    }

    /// The request names every answer of `section`.
    fn names_whole(&self, section: SectionKind) -> bool {
        self.items.contains(&ChangeItem::Section(section))
    }

    /// The answers of `section` the request names one by one.
    fn named_fields(&self, section: SectionKind) -> impl Iterator<Item = &str> {
        self.items.iter().filter_map(move |item| match item {
            ChangeItem::Field { section: s, field } if *s == section => Some(field.as_str()),
            _ => None,
        })
    }

    /// The parent may change anything in `section`.
    pub fn touches_section(&self, section: SectionKind) -> bool {
        self.items.iter().any(|item| match item {
            ChangeItem::Section(s) | ChangeItem::Field { section: s, .. } => *s == section,
            ChangeItem::Document(_) => false,
        })
    }

    /// The parent may replace, add or remove photos of `document`.
    pub fn allows_document(&self, document: Document) -> bool {
        self.items.contains(&ChangeItem::Document(document))
    }

    /// The sections the request names, in the order given.
    pub fn sections(&self) -> BTreeSet<SectionKind> {
        self.items
            .iter()
            .filter_map(|item| match item {
                ChangeItem::Section(s) | ChangeItem::Field { section: s, .. } => Some(*s),
                ChangeItem::Document(_) => None,
            })
            .collect()
    }

    /// The documents the request names.
    pub fn documents(&self) -> BTreeSet<Document> {
        self.items
            .iter()
            .filter_map(|item| match item {
                ChangeItem::Document(d) => Some(*d),
                _ => None,
            })
            .collect()
    }

    /// Parses the items as a reviewer's form sends them: `section:<code>`,
    /// `field:<section>.<field>` and `document:<code>`. Unknown items are refused.
    pub fn parse_items(codes: &[String]) -> Result<BTreeSet<ChangeItem>, String> {
        let mut items = BTreeSet::new();
        for code in codes {
            let code = code.trim();
            let item = if let Some(section) = code.strip_prefix("section:") {
                SectionKind::from_code(section).map(ChangeItem::Section)
            } else if let Some(rest) = code.strip_prefix("field:") {
                rest.split_once('.').and_then(|(section, field)| {
                    let field = field.trim();
                    let valid = !field.is_empty()
                        && field.len() <= 64
                        && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    SectionKind::from_code(section)
                        .filter(|_| valid)
                        .map(|section| ChangeItem::Field {
                            section,
                            field: field.to_owned(),
                        })
                })
            } else if let Some(document) = code.strip_prefix("document:") {
                Document::from_code(document).map(ChangeItem::Document)
            } else {
                None
            };
            match item {
                Some(item) => {
                    items.insert(item);
                }
                None => return Err(code.chars().take(80).collect()),
            }
        }
        Ok(items)
    }
}

impl ChangeItem {
    /// The code [`ChangeRequest::parse_items`] reads.
    pub fn code(&self) -> String {
        match self {
            Self::Section(s) => format!("section:{}", s.code()),
            Self::Field { section, field } => format!("field:{}.{field}", section.code()),
            Self::Document(d) => format!("document:{}", d.code()),
        }
    }
}

coded! {
    /// The kinds of events on a registration's timeline.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
    pub enum TimelineKind {
        Submitted = "submitted",
        FirstPassed = "first_passed",
        SecondPassed = "second_passed",
        Rejected = "rejected",
        ChangesRequested = "changes_requested",
        Resubmitted = "resubmitted",
        Admitted = "admitted",
        NotAdmitted = "not_admitted",
        /// A place offered from a draw's waiting list (候补递补).
        PlaceOffered = "place_offered",
        PlaceAccepted = "place_accepted",
        PlaceDeclined = "place_declined",
        PlaceExpired = "place_expired",
    }
}

impl TimelineKind {
    /// The event a decision at a stage is.
    pub fn of_decision(stage: ReviewStage, decision: ReviewDecision) -> Self {
        match (stage, decision) {
            (ReviewStage::First, ReviewDecision::Pass) => Self::FirstPassed,
            (ReviewStage::Second, ReviewDecision::Pass) => Self::SecondPassed,
            (_, ReviewDecision::Reject) => Self::Rejected,
            (_, ReviewDecision::RequestChanges) => Self::ChangesRequested,
        }
    }

    /// What the parent reads on the timeline.
    pub fn label(self) -> Text {
        match self {
            Self::Submitted => t("已提交报名", "Registration submitted"),
            Self::FirstPassed => t(
                "初审通过（不等于录取）",
                "First review passed (not an admission)",
            ),
            Self::SecondPassed => t(
                "复审通过（不等于录取）",
                "Second review passed (not an admission)",
            ),
            Self::Rejected => t("审核未通过", "Review not passed"),
            Self::ChangesRequested => t("学校要求修改", "The school asked for changes"),
            Self::Resubmitted => t("已提交修改", "Changes sent"),
            Self::Admitted => t("录取结果：已录取", "Admission result: admitted"),
            Self::NotAdmitted => t("录取结果：未录取", "Admission result: not admitted"),
            Self::PlaceOffered => t(
                "候补递补：获得学位，请确认",
                "Moved up from the waiting list: a place is offered",
            ),
            Self::PlaceAccepted => t("已确认接受学位", "Place accepted"),
            Self::PlaceDeclined => t("已放弃学位", "Place declined"),
            Self::PlaceExpired => t(
                "逾期未确认，学位已放弃",
                "Not answered in time: the place was given up",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_state() -> impl Strategy<Value = RegistrationState> {
        prop::sample::select(RegistrationState::ALL.to_vec())
    }

    fn any_stage() -> impl Strategy<Value = ReviewStage> {
        prop::sample::select(vec![ReviewStage::First, ReviewStage::Second])
    }

    fn any_decision() -> impl Strategy<Value = ReviewDecision> {
        prop::sample::select(vec![
            ReviewDecision::Pass,
            ReviewDecision::Reject,
            ReviewDecision::RequestChanges,
        ])
    }

    #[test]
    fn a_full_round_goes_through_both_stages() {
        let s = RegistrationState::Submitted;
        let s = decide(s, ReviewStage::First, ReviewDecision::RequestChanges, false).unwrap_or(s);
        assert_eq!(s, RegistrationState::ChangesRequested);
        let s = resubmit(s).unwrap_or(s);
        assert_eq!(s, RegistrationState::Resubmitted);
        let s = decide(s, ReviewStage::First, ReviewDecision::Pass, false).unwrap_or(s);
        assert_eq!(s, RegistrationState::FirstReviewPassed);
        let s = decide(s, ReviewStage::Second, ReviewDecision::Pass, false).unwrap_or(s);
        assert_eq!(s, RegistrationState::ReviewPassed);
    }

    #[test]
    fn a_draft_cannot_pass_and_a_second_review_needs_a_first() {
        assert_eq!(
            decide(
                RegistrationState::Draft,
                ReviewStage::First,
                ReviewDecision::Pass,
                false
            ),
            Err(TransitionError::NotWaiting)
        );
        assert_eq!(
            decide(
                RegistrationState::Submitted,
                ReviewStage::Second,
                ReviewDecision::Pass,
                false
            ),
            Err(TransitionError::NotWaiting)
        );
        assert_eq!(
            resubmit(RegistrationState::Submitted),
            Err(TransitionError::NoChangesRequested)
        );
    }

    #[test]
    fn once_the_parent_cannot_change_anything_changes_are_not_asked_for() {
        let waiting = RegistrationState::Submitted;
        assert_eq!(
            decide(
                waiting,
                ReviewStage::First,
                ReviewDecision::RequestChanges,
                true
            ),
            Err(TransitionError::ChangesClosed)
        );
        assert_eq!(
            decide(waiting, ReviewStage::First, ReviewDecision::Pass, true),
            Ok(RegistrationState::FirstReviewPassed)
        );
        // A request never answered in time goes back to the first review, and only there.
        let unanswered = RegistrationState::ChangesRequested;
        assert_eq!(
            decide(unanswered, ReviewStage::First, ReviewDecision::Pass, false),
            Err(TransitionError::NotWaiting)
        );
        assert_eq!(
            decide(unanswered, ReviewStage::First, ReviewDecision::Reject, true),
            Ok(RegistrationState::Rejected)
        );
        assert_eq!(
            decide(unanswered, ReviewStage::Second, ReviewDecision::Pass, true),
            Err(TransitionError::NotWaiting)
        );
    }

    proptest! {
        /// Whatever is tried, a decision only ever starts from a state waiting for its
        /// stage, and never lands on a draft, a deletion or an admission result.
        #[test]
        fn decisions_only_move_waiting_registrations(
            state in any_state(), stage in any_stage(), decision in any_decision(),
            changes_closed in any::<bool>()
        ) {
            match decide(state, stage, decision, changes_closed) {
                Ok(next) => {
                    prop_assert!(stage.waits(state, changes_closed));
                    prop_assert!(!(changes_closed && next == RegistrationState::ChangesRequested));
                    prop_assert!(!matches!(
                        next,
                        RegistrationState::Draft
                            | RegistrationState::Deleted
                            | RegistrationState::SetAside
                            | RegistrationState::Admitted
                            | RegistrationState::NotAdmitted
                            | RegistrationState::PlaceDeclined
                    ));
                }
                Err(_) => prop_assert!(
                    !stage.waits(state, changes_closed)
                        || (changes_closed && decision == ReviewDecision::RequestChanges)
                ),
            }
        }
    }

    #[test]
    fn change_requests_allow_only_what_they_name() {
        let codes: Vec<String> = ["field:child.name", "document:household-register"]
            .into_iter()
            .map(String::from)
            .collect();
        let items = ChangeRequest::parse_items(&codes).unwrap_or_default();
        let request = ChangeRequest {
            items,
            message: String::new(),
        };
        assert!(request.allows_field(SectionKind::Child, "name"));
        assert!(!request.allows_field(SectionKind::Child, "ethnicity"));
        assert!(!request.allows_field(SectionKind::Household, "name"));
        // The same, as the section form is given it.
        assert_eq!(
            request.changeable_fields(SectionKind::Child),
            Some(vec!["name".to_owned()])
        );
        assert_eq!(
            request.changeable_fields(SectionKind::Household),
            Some(vec![])
        );
        let whole = ChangeRequest {
            items: ChangeRequest::parse_items(&["section:child".into(), "field:child.name".into()])
                .unwrap_or_default(),
            message: String::new(),
        };
        assert!(!whole.items.is_empty());
        assert_eq!(whole.changeable_fields(SectionKind::Child), None);
        assert!(request.allows_document(Document::HouseholdRegister));
        assert!(!request.allows_document(Document::PropertyCertificate));
        for item in &request.items {
            assert_eq!(
                ChangeRequest::parse_items(&[item.code()])
                    .unwrap_or_default()
                    .into_iter()
                    .next()
                    .as_ref(),
                Some(item)
            );
        }
        assert!(ChangeRequest::parse_items(&["field:child.na me".into()]).is_err());
        assert!(ChangeRequest::parse_items(&["section:nowhere".into()]).is_err());
        assert!(ChangeRequest::parse_items(&["drop table".into()]).is_err());
    }

    #[test]
    fn every_reason_and_event_has_a_code_that_reads_back() {
        for (code, _) in REJECT_REASONS {
            assert!(reject_reason(code).is_some());
        }
        for kind in TimelineKind::ALL {
            assert_eq!(TimelineKind::from_code(kind.code()), Some(kind));
        }
    }
}

coded! {
    /// Which registrations a queue shows.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
    pub enum QueueFilter {
        /// Submitted or resubmitted: waiting for the school's first review.
        WaitingFirst = "waiting-first",
        /// Passed the first review: waiting for the bureau's second.
        WaitingSecond = "waiting-second",
        ChangesRequested = "changes-requested",
        Passed = "passed",
        Rejected = "rejected",
        All = "all",
    }
}

impl QueueFilter {
    pub fn label(self) -> Text {
        match self {
            Self::WaitingFirst => t("待初审", "Waiting for first review"),
            Self::WaitingSecond => t(
                "初审通过，待复审",
                "First review passed, waiting for the second",
            ),
            Self::ChangesRequested => t("已退回修改", "Sent back for changes"),
            Self::Passed => t("审核通过", "Review passed"),
            Self::Rejected => t("审核未通过", "Not passed"),
            Self::All => t("全部", "All"),
        }
    }

    /// The states it shows.
    pub fn states(self) -> &'static [RegistrationState] {
        use RegistrationState as S;
        match self {
            Self::WaitingFirst => &[S::Submitted, S::Resubmitted],
            Self::WaitingSecond => &[S::FirstReviewPassed],
            Self::ChangesRequested => &[S::ChangesRequested],
            Self::Passed => &[
                S::ReviewPassed,
                S::Admitted,
                S::NotAdmitted,
                S::PlaceDeclined,
            ],
            Self::Rejected => &[S::Rejected],
            Self::All => &[
                S::Submitted,
                S::Resubmitted,
                S::FirstReviewPassed,
                S::ChangesRequested,
                S::ReviewPassed,
                S::Rejected,
                S::Admitted,
                S::NotAdmitted,
                S::PlaceDeclined,
            ],
        }
    }
}
