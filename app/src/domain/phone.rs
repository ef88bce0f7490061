//! Mainland China mobile numbers.

use serde::{Deserialize, Serialize};

use crate::i18n::Locale;

/// An 11-digit mainland mobile number (1[3-9]xxxxxxxxx), stored without prefix or spaces.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

/// Why a text is not a mainland mobile number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum PhoneNumberError {
    #[error("empty")]
    Empty,
    #[error("not digits")]
    NotDigits,
    #[error("wrong length")]
    WrongLength(usize),
    #[error("not a mobile number")]
    NotMobile,
}

impl PhoneNumberError {
    /// A message a parent understands.
    pub fn message(self, locale: Locale) -> String {
        match (self, locale) {
            (Self::Empty, Locale::Zh) => "请填写手机号码。".into(),
            (Self::Empty, Locale::En) => "Enter a mobile number.".into(),
            (Self::NotDigits, Locale::Zh) => "手机号码只能包含数字。".into(),
            (Self::NotDigits, Locale::En) => "A mobile number has digits only.".into(),
            (Self::WrongLength(n), Locale::Zh) => {
                format!("手机号码应为 11 位，您填写了 {n} 位。")
            }
            (Self::WrongLength(n), Locale::En) => {
                format!("A mobile number has 11 digits; you entered {n}.")
            }
            (Self::NotMobile, Locale::Zh) => {
                "请填写以 13–19 开头的大陆手机号码，不要填写座机号码。".into()
            }
            (Self::NotMobile, Locale::En) => {
                "Enter a mainland mobile number starting with 13 to 19, not a landline.".into()
            }
        }
    }
}

impl PhoneNumber {
    /// Parses a number as typed: spaces and hyphens are ignored, and a `+86`/`86`
    /// prefix and full-width digits are accepted.
    pub fn parse(input: &str) -> Result<Self, PhoneNumberError> {
        let mut digits = String::with_capacity(13);
        let mut other = false;
        for (i, c) in input.trim().chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '０'..='９' => digits.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
                ' ' | '-' | '\u{3000}' => {}
                '+' if i == 0 => {}
                _ => other = true,
            }
            if digits.len() > 20 {
                break;
            }
        }
        if other {
            return Err(PhoneNumberError::NotDigits);
        }
        if digits.is_empty() {
            return Err(PhoneNumberError::Empty);
        }
        let national = if digits.len() == 13 && digits.starts_with("86") {
            &digits[2..]
        } else {
            &digits[..]
        };
        if national.len() != 11 {
            return Err(PhoneNumberError::WrongLength(national.chars().count()));
        }
        let second = national.as_bytes()[1];
        if !national.starts_with('1') || !(b'3'..=b'9').contains(&second) {
            return Err(PhoneNumberError::NotMobile);
        }
        Ok(Self(national.to_owned()))
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For display to others: 138****1234.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl std::fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneNumberError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn common_ways_of_writing_a_number_are_accepted() {
        for input in [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "8613812345678",
            "１３８１２３４５６７８",
        ] {
            let phone = PhoneNumber::parse(input).expect(input);
            assert_eq!(phone.as_str(), "13812345678");
        }
    }

    #[test]
    fn landlines_short_numbers_and_letters_are_refused() {
        assert_eq!(PhoneNumber::parse(""), Err(PhoneNumberError::Empty));
        assert_eq!(
            PhoneNumber::parse("0532-8888888"),
            Err(PhoneNumberError::NotMobile)
        );
        assert_eq!(
            PhoneNumber::parse("05328888888"),
            Err(PhoneNumberError::NotMobile)
        );
        assert_eq!(
            PhoneNumber::parse("12812345678"),
            Err(PhoneNumberError::NotMobile)
        );
        assert_eq!(
            PhoneNumber::parse("1381234567"),
            Err(PhoneNumberError::WrongLength(10))
        );
        assert_eq!(
            PhoneNumber::parse("138abc45678"),
            Err(PhoneNumberError::NotDigits)
        );
    }

    #[test]
    fn masked_hides_the_middle() {
        let phone = PhoneNumber::parse("13812345678").expect("valid");
        assert_eq!(phone.masked(), "138****5678");
        assert!(!format!("{phone:?}").contains("1234"));
    }

    proptest! {
        #[test]
        fn every_mobile_number_round_trips(second in 3u8..10, rest in "[0-9]{9}") {
            let text = format!("1{second}{rest}");
            let phone = PhoneNumber::parse(&text);
            prop_assert_eq!(phone.map(|p| p.as_str().to_owned()), Ok(text));
        }

        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = PhoneNumber::parse(&s);
        }
    }
}
