//! Large text (长辈模式), for grandparents registering a child: a larger base size, more
//! spacing and bigger touch targets. Kept in a cookie like the language, so that the server
//! renders the page in the size the browser shows it.

use leptos::prelude::*;

/// Name of the cookie that remembers the text size.
pub const TEXT_COOKIE: &str = "ruxue_text";

/// The text sizes of the user interface.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TextSize {
    #[default]
    Standard,
    Large,
}

impl TextSize {
    /// As written in the cookie and the switch's address.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Large => "large",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Self> {
        match tag.trim() {
            "standard" => Some(Self::Standard),
            "large" => Some(Self::Large),
            _ => None,
        }
    }

    /// Finds the text-size cookie in a `Cookie` header; standard when absent.
    pub fn from_cookie_header(header: &str) -> Self {
        crate::i18n::cookie_value(header, TEXT_COOKIE)
            .and_then(Self::from_tag)
            .unwrap_or_default()
    }

    /// The class of `<html>` that makes the text large.
    pub fn class(self) -> Option<&'static str> {
        (self == Self::Large).then_some(LARGE_CLASS)
    }

    pub fn other(self) -> Self {
        match self {
            Self::Standard => Self::Large,
            Self::Large => Self::Standard,
        }
    }
}

/// The class of `<html>` in large text.
pub const LARGE_CLASS: &str = "text-large";

/// The current text size, provided by [`crate::App`].
#[derive(Clone, Copy, Debug)]
pub struct TextSizeContext(pub RwSignal<TextSize>);

/// The current text size as a signal.
pub fn use_text_size() -> RwSignal<TextSize> {
    use_context::<TextSizeContext>()
        .map(|c| c.0)
        .unwrap_or_else(|| RwSignal::new(TextSize::default()))
}

/// The size the page starts in: from the request's cookie on the server, from the class
/// the server wrote on `<html>` in the browser, so that both agree.
pub fn initial_text_size() -> TextSize {
    #[cfg(feature = "ssr")]
    {
        crate::i18n::request_cookies()
            .map(|header| TextSize::from_cookie_header(&header))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        if crate::browser::page::document_has_class(LARGE_CLASS) {
            TextSize::Large
        } else {
            TextSize::Standard
        }
    }
}

/// Switches the size in place and remembers it for a year.
pub fn switch_text_size(signal: RwSignal<TextSize>, size: TextSize) {
    signal.set(size);
    crate::browser::page::remember_text_size(size);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_decides_the_size_and_standard_is_the_default() {
        assert_eq!(TextSize::from_cookie_header(""), TextSize::Standard);
        assert_eq!(
            TextSize::from_cookie_header("ruxue_lang=en; ruxue_text=large"),
            TextSize::Large
        );
        assert_eq!(
            TextSize::from_cookie_header("ruxue_text=huge"),
            TextSize::Standard
        );
        assert_eq!(
            TextSize::from_cookie_header("xruxue_text=large"),
            TextSize::Standard
        );
        assert_eq!(TextSize::Large.class(), Some("text-large"));
        assert_eq!(TextSize::Standard.class(), None);
    }
}
