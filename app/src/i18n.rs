//! Chinese first, English complete. The choice is kept in a cookie so that the server
//! renders the same language the browser hydrates with.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Name of the cookie that remembers the language.
pub const LOCALE_COOKIE: &str = "ruxue_lang";

/// The languages of the user interface.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    Zh,
    En,
}

impl Locale {
    /// The BCP 47 tag used in `<html lang>` and in the cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Zh => "zh-CN",
            Self::En => "en",
        }
    }

    /// Reads a tag as written in the cookie or the `lang` attribute.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag.starts_with("zh") {
            Some(Self::Zh)
        } else if tag.starts_with("en") {
            Some(Self::En)
        } else {
            None
        }
    }

    /// Finds the language cookie in a `Cookie` header; Chinese when absent.
    pub fn from_cookie_header(header: &str) -> Self {
        cookie_value(header, LOCALE_COOKIE)
            .and_then(Self::from_tag)
            .unwrap_or_default()
    }

    /// The other language, for the switch.
    pub fn other(self) -> Self {
        match self {
            Self::Zh => Self::En,
            Self::En => Self::Zh,
        }
    }
}

/// A fixed text in both languages, written side by side so that neither is forgotten.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text {
    pub zh: &'static str,
    pub en: &'static str,
}

impl Text {
    /// The text in `locale`.
    pub const fn get(self, locale: Locale) -> &'static str {
        match locale {
            Locale::Zh => self.zh,
            Locale::En => self.en,
        }
    }
}

/// Shorthand for a [`Text`].
pub const fn t(zh: &'static str, en: &'static str) -> Text {
    Text { zh, en }
}

/// Text from the database (school names, notices) kept in both languages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalizedText {
    pub zh: String,
    pub en: String,
}

impl LocalizedText {
    /// A text from its two languages.
    pub fn new(zh: &str, en: &str) -> Self {
        Self {
            zh: zh.to_owned(),
            en: en.to_owned(),
        }
    }

    /// The English a member of staff entered beside `zh` (already checked and trimmed):
    /// trimmed, or the Chinese when they left it empty, so that English pages never show
    /// a blank. The rule of every bilingual form: Chinese required, English falls back.
    pub fn english_or(en: &str, zh: &str) -> String {
        match en.trim() {
            "" => zh.to_owned(),
            en => en.to_owned(),
        }
    }

    /// The text in `locale`, falling back to Chinese when no English was entered.
    pub fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::En if !self.en.trim().is_empty() => &self.en,
            _ => &self.zh,
        }
    }
}

/// The current language, provided by [`crate::App`].
#[derive(Clone, Copy, Debug)]
pub struct LocaleContext(pub RwSignal<Locale>);

/// The current language as a signal.
pub fn use_locale() -> RwSignal<Locale> {
    use_context::<LocaleContext>()
        .map(|c| c.0)
        .unwrap_or_else(|| RwSignal::new(initial_locale()))
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
}

/// The `Cookie` header of the request being rendered (on the server).
#[cfg(feature = "ssr")]
pub fn request_cookies() -> Option<String> {
    use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .headers
            .get(http::header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    })
}

/// The language the page starts in: from the request's cookie on the server, from the
/// `lang` attribute the server wrote on the client, so that both agree.
pub fn initial_locale() -> Locale {
    #[cfg(feature = "ssr")]
    {
        request_cookies()
            .map(|header| Locale::from_cookie_header(&header))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        crate::browser::page::document_locale().unwrap_or_default()
    }
}

/// Switches the language in place and remembers it for a year.
pub fn switch_locale(signal: RwSignal<Locale>, locale: Locale) {
    signal.set(locale);
    crate::browser::page::remember_locale(locale);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_decides_the_language_and_chinese_is_the_default() {
        assert_eq!(Locale::from_cookie_header(""), Locale::Zh);
        assert_eq!(Locale::from_cookie_header("a=b; ruxue_lang=en"), Locale::En);
        assert_eq!(Locale::from_cookie_header("ruxue_lang=zh-CN"), Locale::Zh);
        assert_eq!(Locale::from_cookie_header("ruxue_lang=fr"), Locale::Zh);
        assert_eq!(Locale::from_cookie_header("xruxue_lang=en"), Locale::Zh);
    }

    #[test]
    fn missing_english_falls_back_to_chinese() {
        let text = LocalizedText {
            zh: "公告".into(),
            en: " ".into(),
        };
        assert_eq!(text.get(Locale::En), "公告");
    }

    #[test]
    fn english_left_empty_by_staff_is_stored_as_the_chinese() {
        assert_eq!(LocalizedText::english_or("  ", "公告"), "公告");
        assert_eq!(LocalizedText::english_or(" Notice ", "公告"), "Notice");
    }
}
