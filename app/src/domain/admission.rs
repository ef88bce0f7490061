//! Admission (录取): what the bureau decides for a registration that passed review, and how
//! the decision is stored.

use serde::Serialize;

use crate::domain::coded::coded;
use crate::i18n::{Text, t};

coded! {
    /// What the bureau decides for a registration that passed review.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
    pub enum AdmissionOutcome {
        Admitted = "admitted",
        NotAdmitted = "not_admitted",
    }
}

impl AdmissionOutcome {
    pub fn label(self) -> Text {
        match self {
            Self::Admitted => t("录取", "Admit"),
            Self::NotAdmitted => t("不录取", "Do not admit"),
        }
    }
}

coded! {
    /// A parent's answer to a place a draw offered (录取确认); none while the offer is open.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
    pub enum OfferAnswer {
        Accepted = "accepted",
        Declined = "declined",
        /// The deadline passed without an answer: the place went down the waiting list.
        Expired = "expired",
    }
}

impl OfferAnswer {
    pub fn label(self) -> Text {
        match self {
            Self::Accepted => t("已接受学位", "Place accepted"),
            Self::Declined => t("已放弃学位", "Place declined"),
            Self::Expired => t(
                "逾期未确认，学位已放弃",
                "Not answered in time: the place was given up",
            ),
        }
    }
}
