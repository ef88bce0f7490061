//! Admission (录取): what the bureau decides for a registration that passed review, and how
//! the decision is stored.

use serde::{Deserialize, Serialize};

use crate::i18n::{Text, t};

/// What the bureau decides for a registration that passed review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AdmissionOutcome {
    Admitted,
    NotAdmitted,
}

impl AdmissionOutcome {
    pub fn code(self) -> &'static str {
        match self {
            Self::Admitted => "admitted",
            Self::NotAdmitted => "not_admitted",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Admitted, Self::NotAdmitted]
            .into_iter()
            .find(|o| o.code() == code)
    }

    pub fn label(self) -> Text {
        match self {
            Self::Admitted => t("录取", "Admit"),
            Self::NotAdmitted => t("不录取", "Do not admit"),
        }
    }
}
