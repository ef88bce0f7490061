//! Dates as parents read them: 2026年7月1日 / 1 July 2026, with a time of day
//! 2026年7月1日 08:00 / 1 July 2026, 08:00, and an appointment with its weekday.

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

/// Reads a date as a date field holds it, `2019-09-01` (month and day with or without their
/// leading zero), as `NaiveDate::parse_from_str(value, "%Y-%m-%d")` does for the dates a
/// parent enters, without chrono's format-string parser in the browser's code.
pub fn parse_iso_date(value: &str) -> Option<NaiveDate> {
    let mut parts = value.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    let number = |part: &str, widths: std::ops::RangeInclusive<usize>| {
        (widths.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse::<u32>().ok())
            .flatten()
    };
    if parts.next().is_some() {
        return None;
    }
    let year = i32::try_from(number(year, 4..=4)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(month, 1..=2)?, number(day, 1..=2)?)
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

const WEEKDAYS_ZH: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
const WEEKDAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Formats a day with its weekday: 2027年7月2日（星期五） / Friday 2 July 2027.
pub fn format_day(day: NaiveDate, locale: Locale) -> String {
    let weekday = day.weekday().num_days_from_monday() as usize;
    match locale {
        Locale::Zh => format!(
            "{}（星期{}）",
            format_date(day, locale),
            WEEKDAYS_ZH[weekday]
        ),
        Locale::En => format!("{} {}", WEEKDAYS_EN[weekday], format_date(day, locale)),
    }
}

/// Formats a stretch of time on one day with its weekday, as an appointment is written:
/// 2027年7月2日（星期五）09:00–10:00 / Friday 2 July 2027, 09:00–10:00. An end on another
/// day is written in full.
pub fn format_time_span(starts: NaiveDateTime, ends: NaiveDateTime, locale: Locale) -> String {
    let day = starts.date();
    let (from, to) = (
        format!("{:02}:{:02}", starts.hour(), starts.minute()),
        if ends.date() == day {
            format!("{:02}:{:02}", ends.hour(), ends.minute())
        } else {
            format_date_time(ends, locale)
        },
    );
    let day = format_day(day, locale);
    match locale {
        Locale::Zh => format!("{day}{from}–{to}"),
        Locale::En => format!("{day}, {from}–{to}"),
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
    fn appointments_read_with_their_weekday() {
        let at = |d: u32, h: u32| {
            NaiveDate::from_ymd_opt(2027, 7, d)
                .and_then(|d| d.and_hms_opt(h, 0, 0))
                .unwrap_or_default()
        };
        assert_eq!(
            format_time_span(at(2, 9), at(2, 10), Locale::Zh),
            "2027年7月2日（星期五）09:00–10:00"
        );
        assert_eq!(
            format_time_span(at(4, 9), at(4, 10), Locale::En),
            "Sunday 4 July 2027, 09:00–10:00"
        );
        assert_eq!(
            format_time_span(at(2, 23), at(3, 1), Locale::Zh),
            "2027年7月2日（星期五）23:00–2027年7月3日 01:00"
        );
    }

    #[test]
    fn dates_are_read_as_date_fields_hold_them() {
        for value in [
            "2019-09-01",
            "2019-9-1",
            "2020-02-29",
            "2019-02-29",
            "2019-13-01",
            "2019-00-10",
            "2019-09-31",
            "2019/09/01",
            "2019-09-01-",
            "2019-09",
            "",
            "2019-09-0x",
            "2019-009-01",
            "2019-09-01 ",
            "0000-01-01",
        ] {
            assert_eq!(
                parse_iso_date(value),
                NaiveDate::parse_from_str(value, "%Y-%m-%d").ok(),
                "{value:?}"
            );
        }
        // Stricter than chrono's `%Y`: a year is written with four digits (chrono reads
        // "19-09-01" as the year 19).
        for value in ["19-09-01", "+2019-09-01", "12019-09-01"] {
            assert_eq!(parse_iso_date(value), None, "{value:?}");
        }
    }

    #[test]
    fn school_years_are_bounded() {
        assert!(SchoolYear::new(1999).is_none());
        let y = SchoolYear::new(2027).map(SchoolYear::first_grade_birth_cutoff);
        assert_eq!(y, Some(NaiveDate::from_ymd_opt(2021, 8, 31)));
    }
}
