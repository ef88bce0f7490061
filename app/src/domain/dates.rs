//! Dates as parents read them: 2026年7月1日 / 1 July 2026, and with a time of day
//! 2026年7月1日 08:00 / 1 July 2026, 08:00.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use crate::i18n::Locale;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Formats a date the way each language writes it in full.
pub fn format_date(date: NaiveDate, locale: Locale) -> String {
    match locale {
        Locale::Zh => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
        Locale::En => format!(
            "{} {} {}",
            date.day(),
            MONTHS[date.month0() as usize],
            date.year()
        ),
    }
}

/// Formats a local date and time the way each language writes it:
/// 2026年7月1日 08:00 / 1 July 2026, 08:00.
pub fn format_date_time(at: NaiveDateTime, locale: Locale) -> String {
    let date = format_date(at.date(), locale);
    let (hour, minute) = (at.hour(), at.minute());
    match locale {
        Locale::Zh => format!("{date} {hour:02}:{minute:02}"),
        Locale::En => format!("{date}, {hour:02}:{minute:02}"),
    }
}

/// The school year an enrollment belongs to: children enter first grade in the
/// September of `year` (the seeds' "2022年小学入学").
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct SchoolYear(i32);

impl SchoolYear {
    /// A school year between 2000 and 2100.
    pub fn new(year: i32) -> Option<Self> {
        (2000..=2100).contains(&year).then_some(Self(year))
    }

    /// The calendar year school starts in.
    pub fn year(self) -> i32 {
        self.0
    }

    /// The cut-off for first grade: a child must be six on 31 August of the school year
    /// (the national rule; a city may configure another date later).
    pub fn first_grade_birth_cutoff(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.0 - 6, 8, 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_naturally_in_each_language() {
        let d = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap_or_default();
        assert_eq!(format_date(d, Locale::Zh), "2026年7月1日");
        assert_eq!(format_date(d, Locale::En), "1 July 2026");
    }

    #[test]
    fn times_read_naturally_in_each_language() {
        let at = NaiveDate::from_ymd_opt(2026, 7, 1)
            .and_then(|d| d.and_hms_opt(8, 0, 0))
            .unwrap_or_default();
        assert_eq!(format_date_time(at, Locale::Zh), "2026年7月1日 08:00");
        assert_eq!(format_date_time(at, Locale::En), "1 July 2026, 08:00");
    }

    #[test]
    fn school_years_are_bounded() {
        assert!(SchoolYear::new(1999).is_none());
        let y = SchoolYear::new(2027).map(SchoolYear::first_grade_birth_cutoff);
        assert_eq!(y, Some(NaiveDate::from_ymd_opt(2021, 8, 31)));
    }
}
