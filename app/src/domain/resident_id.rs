//! The resident ID number (身份证号) of GB 11643-1999.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::i18n::Locale;

/// Weights of ISO 7064 MOD 11-2 for the first 17 digits.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each remainder of the weighted sum modulo 11.
const CHECK_CHARACTERS: [u8; 11] = *b"10X98765432";
/// Province-level codes (the first two digits) that exist.
const PROVINCE_CODES: [u32; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

/// A resident ID number that passed every check of GB 11643-1999.
///
/// The value is kept normalised (ASCII, upper-case `X`). It deliberately has no
/// `Display`, and its `Debug` is masked, so that it cannot end up in a log line by accident.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResidentId(String);

/// Sex as encoded by the sequence digits of a resident ID number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    Male,
    Female,
}

/// Why a text is not a resident ID number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ResidentIdError {
    #[error("empty")]
    Empty,
    #[error("wrong length: {0} characters")]
    WrongLength(usize),
    #[error("character {0} is not allowed")]
    InvalidCharacter(usize),
    #[error("unknown region")]
    UnknownRegion,
    #[error("not a real date")]
    InvalidDate,
    #[error("birth date in the future")]
    FutureDate,
    #[error("birth date too early")]
    TooEarly,
    #[error("check character does not match")]
    BadChecksum,
}

impl ResidentIdError {
    /// A message a parent understands, saying how to fix the number.
    pub fn message(self, locale: Locale) -> String {
        match (self, locale) {
            (Self::Empty, Locale::Zh) => "请填写身份证号。".into(),
            (Self::Empty, Locale::En) => "Enter the ID number.".into(),
            (Self::WrongLength(n), Locale::Zh) => {
                format!("身份证号应为 18 位，您填写了 {n} 位，请核对。")
            }
            (Self::WrongLength(n), Locale::En) => {
                format!("An ID number has 18 characters; you entered {n}. Check it.")
            }
            (Self::InvalidCharacter(p), Locale::Zh) => format!(
                "身份证号第 {p} 位有误：前 17 位只能是数字，最后一位是数字或 X。"
            ),
            (Self::InvalidCharacter(p), Locale::En) => format!(
                "Character {p} of the ID number is wrong: the first 17 are digits, the last is a digit or X."
            ),
            (Self::UnknownRegion, Locale::Zh) => {
                "身份证号前两位不是有效的省份代码，请核对。".into()
            }
            (Self::UnknownRegion, Locale::En) => {
                "The first two digits of the ID number are not a province code. Check them.".into()
            }
            (Self::InvalidDate, Locale::Zh) => {
                "身份证号第 7–14 位（出生日期）不是有效日期，请核对。".into()
            }
            (Self::InvalidDate, Locale::En) => {
                "Characters 7 to 14 of the ID number (the birth date) are not a real date. Check them.".into()
            }
            (Self::FutureDate, Locale::Zh) => {
                "身份证号中的出生日期晚于今天，请核对。".into()
            }
            (Self::FutureDate, Locale::En) => {
                "The birth date in the ID number is after today. Check it.".into()
            }
            (Self::TooEarly, Locale::Zh) => {
                "身份证号中的出生日期早于 1900 年，请核对。".into()
            }
            (Self::TooEarly, Locale::En) => {
                "The birth date in the ID number is before 1900. Check it.".into()
            }
            (Self::BadChecksum, Locale::Zh) => {
                "身份证号最后一位校验不符，请逐位核对。".into()
            }
            (Self::BadChecksum, Locale::En) => {
                "The last character of the ID number does not match the others. Check each digit.".into()
            }
        }
    }
}

impl ResidentId {
    /// Parses a resident ID number as typed, checking it against `today`.
    ///
    /// Spaces are ignored, full-width digits and `Ｘ` (from Chinese keyboards) and a
    /// lower-case `x` are accepted and normalised.
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, ResidentIdError> {
        let mut normalised = String::with_capacity(18);
        let mut count = 0usize;
        for c in input.chars().filter(|c| !c.is_whitespace()) {
            count += 1;
            let c = match c {
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                'x' | 'Ｘ' | 'ｘ' => 'X',
                other => other,
            };
            if normalised.len() < 18 && c.is_ascii() {
                normalised.push(c);
            } else if normalised.len() < 18 {
                // Keep a marker so that the position of a non-ASCII character is reported.
                normalised.push('?');
            }
        }
        if count == 0 {
            return Err(ResidentIdError::Empty);
        }
        if count != 18 {
            return Err(ResidentIdError::WrongLength(count));
        }
        let bytes = normalised.as_bytes();
        for (index, byte) in bytes.iter().enumerate() {
            let allowed = byte.is_ascii_digit() || (index == 17 && *byte == b'X');
            if !allowed {
                return Err(ResidentIdError::InvalidCharacter(index + 1));
            }
        }
        let digit = |i: usize| u32::from(bytes[i] - b'0');
        let province = digit(0) * 10 + digit(1);
        if !PROVINCE_CODES.contains(&province) {
            return Err(ResidentIdError::UnknownRegion);
        }
        let number = |range: std::ops::Range<usize>| range.fold(0u32, |acc, i| acc * 10 + digit(i));
        let year = number(6..10);
        let month = number(10..12);
        let day = number(12..14);
        let year_i32 = i32::try_from(year).map_err(|_| ResidentIdError::InvalidDate)?;
        let birth =
            NaiveDate::from_ymd_opt(year_i32, month, day).ok_or(ResidentIdError::InvalidDate)?;
        if birth.year() < 1900 {
            return Err(ResidentIdError::TooEarly);
        }
        if birth > today {
            return Err(ResidentIdError::FutureDate);
        }
        if bytes[17] != check_character(&bytes[..17]) {
            return Err(ResidentIdError::BadChecksum);
        }
        Ok(Self(normalised))
    }

    /// The normalised 18 characters, for storage and registry look-ups only.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The birth date encoded in characters 7 to 14.
    pub fn birth_date(&self) -> NaiveDate {
        let digits = &self.0.as_bytes()[6..14];
        let n = |r: std::ops::Range<usize>| {
            digits[r]
                .iter()
                .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'))
        };
        // Checked in `parse`; the fallback is unreachable for a constructed value.
        NaiveDate::from_ymd_opt(n(0..4) as i32, n(4..6), n(6..8)).unwrap_or(NaiveDate::MIN)
    }

    /// The sex encoded by the parity of character 17.
    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The number for display to a person: region and last four kept, birth date hidden.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

/// Computes the ISO 7064 MOD 11-2 check character of 17 ASCII digits.
pub fn check_character(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b.wrapping_sub(b'0')) * w)
        .sum();
    CHECK_CHARACTERS[(sum % 11) as usize]
}

impl std::fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ResidentId({})", self.masked())
    }
}

impl TryFrom<String> for ResidentId {
    type Error = ResidentIdError;

    /// Used when deserialising: only the shape is checked, not the date against today.
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value, NaiveDate::MAX)
    }
}

impl From<ResidentId> for String {
    fn from(value: ResidentId) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or(NaiveDate::MIN)
    }

    fn with_check(first17: &str) -> String {
        let c = check_character(first17.as_bytes());
        format!("{first17}{}", c as char)
    }

    #[test]
    fn a_known_valid_number_parses_with_birth_date_and_sex() {
        // The example of GB 11643-1999 itself.
        let id = ResidentId::parse("11010519491231002X", today());
        let id = id.expect("the standard's example is valid");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap_or_default()
        );
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.masked(), "110105********002X");
    }

    #[test]
    fn lower_case_x_full_width_digits_and_spaces_are_normalised() {
        let id = ResidentId::parse(" 110105 19491231 002x ", today()).expect("valid");
        assert_eq!(id.as_str(), "11010519491231002X");
        let id = ResidentId::parse("１１０１０５１９４９１２３１００２Ｘ", today()).expect("valid");
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn each_kind_of_mistake_has_its_own_error() {
        let t = today();
        assert_eq!(ResidentId::parse("", t), Err(ResidentIdError::Empty));
        assert_eq!(
            ResidentId::parse("1101051949123100", t),
            Err(ResidentIdError::WrongLength(16))
        );
        assert_eq!(
            ResidentId::parse("11010519491231A02X", t),
            Err(ResidentIdError::InvalidCharacter(15))
        );
        assert_eq!(
            ResidentId::parse("1101051949123100X2", t),
            Err(ResidentIdError::InvalidCharacter(17))
        );
        assert_eq!(
            ResidentId::parse(&with_check("99010519491231002"), t),
            Err(ResidentIdError::UnknownRegion)
        );
        assert_eq!(
            ResidentId::parse(&with_check("11010520230229002"), t),
            Err(ResidentIdError::InvalidDate)
        );
        assert_eq!(
            ResidentId::parse(&with_check("11010520300101002"), t),
            Err(ResidentIdError::FutureDate)
        );
        assert_eq!(
            ResidentId::parse(&with_check("11010518990101002"), t),
            Err(ResidentIdError::TooEarly)
        );
        assert_eq!(
            ResidentId::parse("110105194912310021", t),
            Err(ResidentIdError::BadChecksum)
        );
        assert_eq!(
            ResidentId::parse("11010519491231002中", t),
            Err(ResidentIdError::InvalidCharacter(18))
        );
    }

    #[test]
    fn leap_days_are_real_dates() {
        assert!(ResidentId::parse(&with_check("37020220200229001"), today()).is_ok());
    }

    #[test]
    fn every_error_has_a_message_in_both_languages() {
        let all = [
            ResidentIdError::Empty,
            ResidentIdError::WrongLength(3),
            ResidentIdError::InvalidCharacter(4),
            ResidentIdError::UnknownRegion,
            ResidentIdError::InvalidDate,
            ResidentIdError::FutureDate,
            ResidentIdError::TooEarly,
            ResidentIdError::BadChecksum,
        ];
        for e in all {
            let zh = e.message(Locale::Zh);
            let en = e.message(Locale::En);
            assert!(zh.contains("身份证号"), "{zh}");
            assert!(en.contains("ID number"), "{en}");
        }
    }

    #[test]
    fn debug_output_never_shows_the_whole_number() {
        let id = ResidentId::parse("11010519491231002X", today()).expect("valid");
        let debug = format!("{id:?}");
        assert!(!debug.contains("19491231"), "{debug}");
    }

    fn valid_first17() -> impl Strategy<Value = (String, NaiveDate, u32)> {
        (
            proptest::sample::select(PROVINCE_CODES.to_vec()),
            0u32..10000,
            0i64..(365 * 120),
            0u32..1000,
        )
            .prop_map(|(province, region, days, seq)| {
                let birth = today() - chrono::Duration::days(days);
                let first17 = format!("{province:02}{region:04}{}{seq:03}", birth.format("%Y%m%d"));
                (first17, birth, seq)
            })
    }

    proptest! {
        #[test]
        fn any_well_formed_number_parses_and_round_trips((first17, birth, seq) in valid_first17()) {
            let text = with_check(&first17);
            let id = ResidentId::parse(&text, today());
            prop_assert!(id.is_ok(), "{text} refused: {id:?}");
            let id = id.map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(id.as_str(), text.as_str());
            prop_assert_eq!(id.birth_date(), birth);
            prop_assert_eq!(id.sex(), if seq % 2 == 1 { Sex::Male } else { Sex::Female });
            let json = serde_json_roundtrip(&id);
            prop_assert_eq!(json, Some(id));
        }

        #[test]
        fn changing_any_one_digit_is_detected((first17, _birth, _seq) in valid_first17(), pos in 0usize..17, delta in 1u8..10) {
            let text = with_check(&first17);
            let mut bytes = text.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap_or_default();
            prop_assert!(ResidentId::parse(&changed, today()).is_err(), "{changed} accepted");
        }

        #[test]
        fn never_panics_on_any_text(s in "\\PC*") {
            let _ = ResidentId::parse(&s, today());
        }

        #[test]
        fn never_panics_on_digit_heavy_text(s in "[0-9xX０-９ ]{0,30}") {
            let _ = ResidentId::parse(&s, today());
        }
    }

    fn serde_json_roundtrip(id: &ResidentId) -> Option<ResidentId> {
        // Via the `String` conversions serde uses, without needing a JSON crate.
        let s: String = id.clone().into();
        ResidentId::try_from(s).ok()
    }
}
