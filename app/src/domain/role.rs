//! Who someone is on the platform once signed in.

use serde::{Deserialize, Serialize};

use crate::i18n::{Text, t};

/// The roles of staff accounts, which the bureau manages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StaffRole {
    /// Reviews the registrations of one school.
    Reviewer,
    /// Runs the process for a district bureau (or, without a bureau, for the whole city).
    BureauAdmin,
    /// Receives families at a registration point for on-site checks.
    PointStaff,
}

impl StaffRole {
    /// Every role, in the order forms list them.
    pub const ALL: [Self; 3] = [Self::Reviewer, Self::BureauAdmin, Self::PointStaff];

    /// The code stored in the database and sent by forms.
    pub fn code(self) -> &'static str {
        match self {
            Self::Reviewer => "reviewer",
            Self::BureauAdmin => "bureau_admin",
            Self::PointStaff => "point_staff",
        }
    }

    /// Reads a stored or submitted code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.code() == code)
    }

    /// The role's name for people.
    pub fn label(self) -> Text {
        match self {
            Self::Reviewer => t("学校审核员", "School reviewer"),
            Self::BureauAdmin => t("教体局管理员", "Bureau administrator"),
            Self::PointStaff => t("报名点工作人员", "Registration-point staff"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_refused() {
        for role in StaffRole::ALL {
            assert_eq!(StaffRole::from_code(role.code()), Some(role));
        }
        assert_eq!(StaffRole::from_code("root"), None);
        assert_eq!(StaffRole::from_code(""), None);
    }
}
