//! Other guardians following a registration read-only (另一位监护人).

use serde::Serialize;

use crate::domain::coded::coded;
use crate::i18n::{Text, t};

coded! {
    /// Who named the follower.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
    pub enum FollowerSource {
        /// The registrant, by ID number.
        Invited = "invited",
        /// The household register, which names the child's guardians.
        HouseholdRegister = "household_register",
    }
}

impl FollowerSource {
    pub fn label(self) -> Text {
        match self {
            Self::Invited => t("报名人邀请", "Invited by the registrant"),
            Self::HouseholdRegister => {
                t("户籍登记的监护人", "A guardian in the household register")
            }
        }
    }
}

/// At most this many other guardians follow one registration at once.
pub const MAX_FOLLOWERS: usize = 2;
