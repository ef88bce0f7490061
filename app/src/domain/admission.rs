//! Admission (录取): what the bureau decides for a registration that passed review, and how
//! the decision is stored.

use serde::{Deserialize, Serialize};

use crate::domain::coded::coded;
use crate::i18n::{Text, t};

coded! {
    /// What the bureau decides for a registration that passed review.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
