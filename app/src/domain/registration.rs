//! The life of a registration, and where each of its sections stands.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::domain::coded::coded;
use crate::{
    domain::sections::{SectionContext, SectionData, SectionKind, SectionStatus, validate},
    i18n::{Text, t},
};

/// Most children one account may register.
pub const MAX_REGISTRATIONS_PER_ACCOUNT: usize = 3;

/// The field of the problem that says a child held by another account may be claimed by a
/// parent the household register names.
pub const CHILD_CLAIMABLE: &str = "child_claimable";

/// The field of the problem that says the child is registered from another account of the
/// same person (a new host-app account after a change of phone number, say), whose
/// registration can be moved to the account signed in.
pub const CHILD_MOVABLE: &str = "child_movable";

coded! {
    /// The states of a registration, in the order they usually come.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
    pub enum RegistrationState {
        Draft = "draft",
        Submitted = "submitted",
        /// Passed the school's first review (初审); waits for the bureau's second (复审).
        FirstReviewPassed = "first_review_passed",
        ChangesRequested = "changes_requested",
        Resubmitted = "resubmitted",
        ReviewPassed = "review_passed",
        Rejected = "rejected",
        Admitted = "admitted",
        NotAdmitted = "not_admitted",
        Deleted = "deleted",
        /// Held by an account the household register does not confirm, and claimed by a parent
        /// it does: passed to the bureau, which decides which claim stands.
        SetAside = "set_aside",
        /// A place a draw offered, declined by the parent or not answered in time: it went
        /// down the waiting list.
        PlaceDeclined = "place_declined",
    }
}

impl RegistrationState {
    pub fn label(self) -> Text {
        match self {
            Self::Draft => t("填写中", "Being filled in"),
            Self::Submitted => t("已提交，等待审核", "Submitted, waiting for review"),
            Self::FirstReviewPassed => t(
                "初审通过，等待复审",
                "First review passed, waiting for the second",
            ),
            Self::ChangesRequested => t("学校要求修改", "The school asked for changes"),
            Self::Resubmitted => t("已提交修改，等待审核", "Changes sent, waiting for review"),
            Self::ReviewPassed => t(
                "审核通过（不等于录取）",
                "Review passed (not yet an admission)",
            ),
            Self::Rejected => t("审核未通过", "Review not passed"),
            Self::Admitted => t("已录取", "Admitted"),
            Self::NotAdmitted => t("未录取", "Not admitted"),
            Self::Deleted => t("已删除", "Deleted"),
            Self::SetAside => t("已交教体局处理", "Passed to the bureau"),
            Self::PlaceDeclined => t("已放弃学位", "Place given up"),
        }
    }

    /// What the parent does next, in a sentence.
    pub fn next_step(self) -> Text {
        match self {
            Self::Draft => t(
                "按顺序填写各项信息，然后确认并提交。",
                "Fill in each section in order, then check and submit.",
            ),
            Self::Submitted | Self::Resubmitted => t(
                "学校将在审核期内审核，请留意短信和平台消息。",
                "The school reviews it during the review period; watch for messages.",
            ),
            Self::FirstReviewPassed => t(
                "学校初审已通过，教体局将进行复审。初审通过不等于录取。",
                "The school's first review passed; the bureau reviews it next. This is not an admission.",
            ),
            Self::ChangesRequested => t(
                "请按学校的要求修改后提交修改。",
                "Make the changes the school asked for, then send them.",
            ),
            Self::ReviewPassed => t(
                "审核通过只表示信息符合基本要求，录取结果以教体局公布为准。",
                "Passing review means the details meet the basic rules; the bureau publishes admissions later.",
            ),
            Self::Rejected => t(
                "请查看学校给出的原因。信息采集开放期间，可以删除这条报名，按原因重新报名（例如选择正确的学校或报名入口）；如有疑问请联系学校。",
                "See the school's reason. While collection is open you can delete this registration and register again accordingly (the right school or entry, say); contact the school with questions.",
            ),
            Self::Admitted => t(
                "请按录取通知办理入学；经电脑派位录取的，请先在报名详情中确认接受学位。",
                "Follow the admission notice to enrol; a place given by a draw must first be accepted on the registration's page.",
            ),
            Self::NotAdmitted => t(
                "请联系教体局了解统筹安排。",
                "Contact the bureau about the placement.",
            ),
            Self::Deleted => t(
                "该报名已删除，可以重新报名。",
                "This registration was deleted; you can register again.",
            ),
            Self::SetAside => t(
                "户籍登记确认的孩子父母已为孩子报名，您的这份报名已交教体局处理，教体局会与您联系。如有疑问，请联系教体局。",
                "A parent confirmed by the household register has registered this child. This registration was passed to the bureau, which will contact you. Questions: contact the bureau.",
            ),
            Self::PlaceDeclined => t(
                "学位已放弃，已按候补顺序让给下一位。请联系教体局了解统筹安排。",
                "The place was given up and offered to the next on the waiting list. Contact the bureau about the placement.",
            ),
        }
    }

    /// The parent may change answers.
    pub fn is_editable(self) -> bool {
        matches!(self, Self::Draft | Self::ChangesRequested)
    }

    /// The parent may delete it (while collection is open): before any review has started,
    /// and once the school did not pass it, so that a child registered at the wrong school
    /// or under the wrong entry can be registered again where the rules allow (the seeds'
    /// 进错报名入口、修改报名学校…【信息删除】后重新填写).
    pub fn is_deletable(self) -> bool {
        matches!(self, Self::Draft | Self::Submitted | Self::Rejected)
    }
}

/// The status of each required section, given the answers and which were completed.
/// A section can start only when every section before it is completed; a completed
/// section that no longer passes its checks has a problem.
pub fn section_statuses(
    required: &[SectionKind],
    answers: &BTreeMap<SectionKind, SectionData>,
    completed: &BTreeSet<SectionKind>,
    ctx: &SectionContext<'_>,
) -> Vec<(SectionKind, SectionStatus)> {
    let mut all_before_done = true;
    required
        .iter()
        .map(|&kind| {
            let status = if !all_before_done {
                SectionStatus::CannotStartYet
            } else if completed.contains(&kind) {
                let data = answers.get(&kind).cloned().unwrap_or_default();
                if validate(kind, &data, ctx).is_empty() {
                    SectionStatus::Completed
                } else {
                    SectionStatus::HasProblem
                }
            } else if answers
                .get(&kind)
                .is_some_and(|d| d.values().any(|v| !v.trim().is_empty()))
            {
                SectionStatus::InProgress
            } else {
                SectionStatus::NotStarted
            };
            if status != SectionStatus::Completed {
                all_before_done = false;
            }
            (kind, status)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Subsystem;

    #[test]
    fn states_round_trip_and_only_drafts_and_requested_changes_are_editable() {
        for state in RegistrationState::ALL {
            assert_eq!(RegistrationState::from_code(state.code()), Some(state));
        }
        assert!(RegistrationState::Draft.is_editable());
        assert!(!RegistrationState::Submitted.is_editable());
        assert!(RegistrationState::Submitted.is_deletable());
        assert!(!RegistrationState::FirstReviewPassed.is_deletable());
        assert!(!RegistrationState::ChangesRequested.is_deletable());
        assert!(RegistrationState::Rejected.is_deletable());
    }

    #[test]
    fn sections_open_in_order_and_a_broken_one_is_flagged() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();
        let mut answers = BTreeMap::new();
        let child: SectionData = [
            ("name", "张子涵"),
            ("ethnicity", "01"),
            ("contact_phone", "13800000001"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        answers.insert(SectionKind::Child, child);
        let required = [
            SectionKind::Child,
            SectionKind::Household,
            SectionKind::Residence,
        ];
        let ctx = SectionContext {
            subsystem: Subsystem::Enrollment,
            child_id_number: "",
            answers: &answers,
            today,
        };
        let none = BTreeSet::new();
        let statuses = section_statuses(&required, &answers, &none, &ctx);
        assert_eq!(statuses[0].1, SectionStatus::InProgress);
        assert_eq!(statuses[1].1, SectionStatus::CannotStartYet);

        let completed: BTreeSet<_> = [SectionKind::Child].into_iter().collect();
        let statuses = section_statuses(&required, &answers, &completed, &ctx);
        assert_eq!(statuses[0].1, SectionStatus::Completed);
        assert_eq!(statuses[1].1, SectionStatus::NotStarted);
        assert_eq!(statuses[2].1, SectionStatus::CannotStartYet);

        answers
            .get_mut(&SectionKind::Child)
            .map(|d| d.insert("contact_phone".into(), "123".into()));
        let ctx = SectionContext {
            subsystem: Subsystem::Enrollment,
            child_id_number: "",
            answers: &answers,
            today,
        };
        let statuses = section_statuses(&required, &answers, &completed, &ctx);
        assert_eq!(statuses[0].1, SectionStatus::HasProblem);
        assert_eq!(statuses[1].1, SectionStatus::CannotStartYet);
    }
}
