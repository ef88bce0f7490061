//! Personal names as written on a resident ID card.

use serde::{Deserialize, Serialize};

use crate::i18n::Locale;

/// The middle dot used between the parts of transliterated names (阿依古丽·买买提).
pub const MIDDLE_DOT: char = '·';
const MAX_CHINESE: usize = 30;
const MAX_LATIN: usize = 60;

/// A person's name: Chinese characters (including rare ones and the middle dot of
/// minority and foreign names), or Latin letters with spaces, hyphens and apostrophes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

/// Why a text is not a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum PersonNameError {
    #[error("empty")]
    Empty,
    #[error("too short")]
    TooShort,
    #[error("too long")]
    TooLong,
    #[error("character not allowed")]
    InvalidCharacter,
    #[error("mixed scripts")]
    MixedScripts,
    #[error("misplaced separator")]
    MisplacedSeparator,
}

impl PersonNameError {
    /// A message a parent understands.
    pub fn message(self, locale: Locale) -> String {
        let text = match (self, locale) {
            (Self::Empty, Locale::Zh) => "请填写姓名。",
            (Self::Empty, Locale::En) => "Enter the name.",
            (Self::TooShort, Locale::Zh) => "中文姓名至少 2 个字，请按身份证填写。",
            (Self::TooShort, Locale::En) => {
                "A Chinese name has at least 2 characters. Write it as on the ID card."
            }
            (Self::TooLong, Locale::Zh) => "姓名过长，请按身份证填写。",
            (Self::TooLong, Locale::En) => "The name is too long. Write it as on the ID card.",
            (Self::InvalidCharacter, Locale::Zh) => {
                "姓名只能包含汉字、中间点“·”或英文字母，不能有数字或符号。"
            }
            (Self::InvalidCharacter, Locale::En) => {
                "A name has Chinese characters, the middle dot “·” or Latin letters only, no digits or symbols."
            }
            (Self::MixedScripts, Locale::Zh) => "姓名请全部用汉字或全部用英文字母，按身份证填写。",
            (Self::MixedScripts, Locale::En) => {
                "Write the name all in Chinese characters or all in Latin letters, as on the ID card."
            }
            (Self::MisplacedSeparator, Locale::Zh) => "“·”只能出现在姓名中间，且不能连续。",
            (Self::MisplacedSeparator, Locale::En) => {
                "The middle dot “·” goes only between parts of the name, one at a time."
            }
        };
        text.to_owned()
    }
}

fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF      // Extension A
        | 0x4E00..=0x9FFF    // Unified ideographs
        | 0xF900..=0xFAFF    // Compatibility ideographs
        | 0x20000..=0x2A6DF  // Extension B
        | 0x2A700..=0x2EBEF  // Extensions C–F
        | 0x30000..=0x323AF  // Extensions G–H
        | 0x3007             // 〇
    )
}

/// Dots people type for the middle dot: the Latin middle dot, the bullet, the katakana
/// middle dot, the full-width full stop and the hyphenation point.
fn is_dot(c: char) -> bool {
    matches!(c, '·' | '•' | '・' | '．' | '‧' | '∙' | '⋅')
}

impl PersonName {
    /// Parses a name as typed: surrounding spaces are trimmed and the dot variants that
    /// keyboards produce become `·`.
    pub fn parse(input: &str) -> Result<Self, PersonNameError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PersonNameError::Empty);
        }
        let mut has_han = false;
        let mut has_latin = false;
        let mut out = String::with_capacity(trimmed.len());
        let mut previous_separator = true;
        let mut count = 0usize;
        for c in trimmed.chars() {
            count += 1;
            if count > MAX_LATIN {
                return Err(PersonNameError::TooLong);
            }
            if is_han(c) {
                has_han = true;
                previous_separator = false;
                out.push(c);
            } else if c.is_alphabetic() && (c.is_ascii() || ('\u{C0}'..='\u{24F}').contains(&c)) {
                has_latin = true;
                previous_separator = false;
                out.push(c);
            } else if is_dot(c) {
                if previous_separator {
                    return Err(PersonNameError::MisplacedSeparator);
                }
                previous_separator = true;
                out.push(MIDDLE_DOT);
            } else if matches!(c, ' ' | '-' | '\'' | '.') {
                if previous_separator {
                    return Err(PersonNameError::MisplacedSeparator);
                }
                // Spaces, hyphens and apostrophes belong to Latin names only.
                has_latin = has_latin || c != ' ';
                previous_separator = c != '.';
                out.push(c);
            } else {
                return Err(PersonNameError::InvalidCharacter);
            }
        }
        if out.ends_with(MIDDLE_DOT)
            || out.ends_with(' ')
            || out.ends_with('-')
            || out.ends_with('\'')
        {
            return Err(PersonNameError::MisplacedSeparator);
        }
        if has_han && has_latin {
            return Err(PersonNameError::MixedScripts);
        }
        if has_han {
            if out.contains(' ') {
                return Err(PersonNameError::InvalidCharacter);
            }
            let han = out.chars().filter(|c| is_han(*c)).count();
            if han < 2 {
                return Err(PersonNameError::TooShort);
            }
            if out.chars().count() > MAX_CHINESE {
                return Err(PersonNameError::TooLong);
            }
        } else if !has_latin {
            return Err(PersonNameError::InvalidCharacter);
        }
        Ok(Self(out))
    }

    /// The name as it is stored and shown.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PersonName {
    type Error = PersonNameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PersonName> for String {
    fn from(value: PersonName) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn chinese_minority_rare_character_and_latin_names_are_accepted() {
        for name in [
            "王小明",
            "欧阳娜娜",
            "阿依古丽·买买提",
            "𠇔𠇔",
            "王〇",
            "Anna Müller",
            "Mary-Jane O'Neil",
            "J. R. Smith",
        ] {
            assert_eq!(
                PersonName::parse(name).map(|n| n.as_str().to_owned()),
                Ok(name.to_owned()),
                "{name}"
            );
        }
    }

    #[test]
    fn dot_variants_become_the_middle_dot() {
        assert_eq!(
            PersonName::parse(" 阿依古丽•买买提 ").map(|n| n.0),
            Ok("阿依古丽·买买提".into())
        );
        assert_eq!(
            PersonName::parse("阿依古丽・买买提").map(|n| n.0),
            Ok("阿依古丽·买买提".into())
        );
    }

    #[test]
    fn mistakes_are_named() {
        assert_eq!(PersonName::parse("  "), Err(PersonNameError::Empty));
        assert_eq!(PersonName::parse("王"), Err(PersonNameError::TooShort));
        assert_eq!(
            PersonName::parse("王小明2"),
            Err(PersonNameError::InvalidCharacter)
        );
        assert_eq!(
            PersonName::parse("王小明😀"),
            Err(PersonNameError::InvalidCharacter)
        );
        assert_eq!(
            PersonName::parse("王Alice"),
            Err(PersonNameError::MixedScripts)
        );
        assert_eq!(
            PersonName::parse("·买买提"),
            Err(PersonNameError::MisplacedSeparator)
        );
        assert_eq!(
            PersonName::parse("阿依古丽··买买提"),
            Err(PersonNameError::MisplacedSeparator)
        );
        assert_eq!(
            PersonName::parse("王 小明"),
            Err(PersonNameError::InvalidCharacter)
        );
        assert_eq!(
            PersonName::parse(&"王".repeat(31)),
            Err(PersonNameError::TooLong)
        );
    }

    proptest! {
        #[test]
        fn han_names_of_two_to_thirty_characters_are_accepted(s in "[\\u{4E00}-\\u{9FA5}]{2,30}") {
            prop_assert_eq!(PersonName::parse(&s).map(|n| n.0), Ok(s));
        }

        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = PersonName::parse(&s);
        }
    }
}
