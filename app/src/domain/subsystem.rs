//! The two subsystems of the platform and the state of their collection windows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::coded::coded;
use crate::i18n::{Text, t};

coded! {
    /// Which kind of registration: first-grade enrollment or transfer.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
    pub enum Subsystem {
        Enrollment = "enrollment",
        Transfer = "transfer",
    }
}

impl Subsystem {
    /// The name parents know it by.
    pub fn name(self) -> Text {
        match self {
            Self::Enrollment => t("小学一年级入学报名", "First-grade enrollment"),
            Self::Transfer => t("转学申请", "Transfer application"),
        }
    }

    /// Who it is for, in one sentence.
    pub fn audience(self) -> Text {
        match self {
            Self::Enrollment => t(
                "适龄儿童进入小学一年级。",
                "For children starting first grade of primary school.",
            ),
            Self::Transfer => t(
                "转入本区小学各年级或初中的学生。",
                "For pupils moving into a primary grade or junior high school in this district.",
            ),
        }
    }
}

/// Where a collection window stands at a given moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WindowState {
    NotYetOpen,
    Open,
    Closed,
}

impl WindowState {
    /// The state at `now` of a window open from `opens_at` (inclusive) to `closes_at` (exclusive).
    pub fn at(opens_at: DateTime<Utc>, closes_at: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        if now < opens_at {
            Self::NotYetOpen
        } else if now < closes_at {
            Self::Open
        } else {
            Self::Closed
        }
    }

    /// The status tag shown to parents.
    pub fn label(self) -> Text {
        match self {
            Self::NotYetOpen => t("未开始", "Not open yet"),
            Self::Open => t("开放中", "Open"),
            Self::Closed => t("已结束", "Closed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_window_opens_at_its_start_and_closes_at_its_end() {
        let at = |h| {
            Utc.with_ymd_and_hms(2027, 5, 1, h, 0, 0)
                .single()
                .unwrap_or_default()
        };
        assert_eq!(
            WindowState::at(at(8), at(17), at(7)),
            WindowState::NotYetOpen
        );
        assert_eq!(WindowState::at(at(8), at(17), at(8)), WindowState::Open);
        assert_eq!(WindowState::at(at(8), at(17), at(17)), WindowState::Closed);
    }

    #[test]
    fn codes_round_trip() {
        for s in Subsystem::ALL {
            assert_eq!(Subsystem::from_code(s.code()), Some(s));
        }
        assert_eq!(Subsystem::from_code("other"), None);
    }
}
