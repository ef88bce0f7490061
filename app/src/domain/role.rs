//! Who someone is on the platform once signed in.

use serde::Serialize;

use crate::domain::coded::coded;
use crate::i18n::{Text, t};

coded! {
    /// The roles of staff accounts, which the bureau manages.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
    pub enum StaffRole {
        /// Reviews the registrations of one school.
        Reviewer = "reviewer",
        /// Runs the process for a district bureau (or, without a bureau, for the whole city).
        BureauAdmin = "bureau_admin",
        /// Receives families at a registration point for on-site checks.
        PointStaff = "point_staff",
    }
}

impl StaffRole {
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
