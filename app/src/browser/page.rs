//! The document the application runs in: its language, its text size and its focused
//! element.

use crate::{
    display::{LARGE_CLASS, TEXT_COOKIE, TextSize},
    i18n::{LOCALE_COOKIE, Locale},
};

/// Whether `<html>` carries a class (the server wrote it from a cookie).
pub fn document_has_class(class: &str) -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .is_some_and(|e| e.class_list().contains(class))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = class;
        false
    }
}

/// Sets the document's text size and remembers it for a year (a cookie the server reads on
/// the next request).
pub fn remember_text_size(size: TextSize) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            if let Some(root) = document.document_element() {
                let _ = root
                    .class_list()
                    .toggle_with_force(LARGE_CLASS, size == TextSize::Large);
            }
            if let Ok(html) = document.dyn_into::<web_sys::HtmlDocument>() {
                let _ = html.set_cookie(&format!(
                    "{TEXT_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                    size.tag()
                ));
            }
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (size, TEXT_COOKIE, LARGE_CLASS);
}

/// The language the server wrote on `<html lang>`, read back when the page wakes up so
/// that the browser starts in the language the server rendered.
pub fn document_locale() -> Option<Locale> {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|e| e.get_attribute("lang"))
            .and_then(|lang| Locale::from_tag(&lang))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        None
    }
}

/// Marks the document with a language and remembers it for a year (a cookie the server
/// reads on the next request).
pub fn remember_locale(locale: Locale) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            if let Some(root) = document.document_element() {
                let _ = root.set_attribute("lang", locale.tag());
            }
            if let Ok(html) = document.dyn_into::<web_sys::HtmlDocument>() {
                let _ = html.set_cookie(&format!(
                    "{LOCALE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                    locale.tag()
                ));
            }
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (locale, LOCALE_COOKIE);
}

/// Whether a key press is typing into a form field (a page's own keys then leave it alone).
pub fn typing_in_field(ev: &leptos::ev::KeyboardEvent) -> bool {
    lands_on(ev, &["INPUT", "SELECT", "TEXTAREA"])
}

/// Whether a key press lands on a link or a button, which Enter already activates.
pub fn on_control(ev: &leptos::ev::KeyboardEvent) -> bool {
    lands_on(ev, &["A", "BUTTON", "SUMMARY"])
}

/// Whether a key press's target is an element named one of `tags`.
fn lands_on(ev: &leptos::ev::KeyboardEvent, tags: &[&str]) -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        use leptos::wasm_bindgen::JsCast;
        ev.target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| tags.contains(&el.tag_name().as_str()))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (ev, tags);
        false
    }
}

/// Scrolls the element `selector` finds just into view (no further than needed), as a
/// list's keyboard cursor moves past the screen's edge.
pub fn scroll_into_view(selector: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Nearest);
        if let Some(element) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(selector).ok().flatten())
        {
            element.scroll_into_view_with_scroll_into_view_options(&options);
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = selector;
}

/// After a move to another page inside the application: once the new page's heading is
/// drawn (its data may still be loading), the focus goes to it, so that a screen reader
/// reads where the parent is and Tab starts from the top of the new page. Not when the
/// person has already put the focus somewhere on the new page.
pub fn focus_new_heading() {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        // The page before may still be there: its heading (element and words) is not the
        // new one. A page drawn again in place keeps the element and changes the words.
        let previous = document
            .query_selector("main h1")
            .ok()
            .flatten()
            .map(|h| (h.text_content().unwrap_or_default(), h));
        let active = document.active_element();
        look_for_heading(previous, active, 60);
    }
}

#[cfg(target_arch = "wasm32")]
fn look_for_heading(
    previous: Option<(String, web_sys::Element)>,
    active: Option<web_sys::Element>,
    tries: u32,
) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Some(heading) = document.query_selector("main h1").ok().flatten()
        && previous.as_ref().is_none_or(|(words, element)| {
            *element != heading || heading.text_content().unwrap_or_default() != *words
        })
    {
        let now = document.active_element();
        let untouched = now.is_none()
            || now == active
            || now
                .as_ref()
                .is_some_and(|e| e.tag_name() == "BODY" || !e.is_connected());
        if untouched {
            if !heading.has_attribute("tabindex") {
                let _ = heading.set_attribute("tabindex", "-1");
            }
            focus(&heading);
        }
        return;
    }
    if tries > 0 {
        leptos::prelude::set_timeout(
            move || look_for_heading(previous, active, tries - 1),
            std::time::Duration::from_millis(50),
        );
    }
}

/// Gives the focus to an element (an error summary just drawn, a dialog's first field), so
/// that it is read out and Tab continues from there.
pub fn focus(element: &leptos::web_sys::Element) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        if let Some(element) = element.dyn_ref::<web_sys::HtmlElement>() {
            let _ = element.focus();
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = element;
}

/// Opens another page of the platform: a full page load, which works the same whether this
/// page hydrated as a whole or only its islands (where no client-side router exists).
pub fn go(to: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        let _ = leptos::prelude::window().location().assign(to);
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = to;
    }
}

/// A page restored from the back/forward cache may show data that has since changed
/// (submitted, deleted, edited elsewhere): it is read again from the server.
pub fn reload_when_restored_from_cache() -> leptos::prelude::WindowListenerHandle {
    leptos::prelude::window_event_listener(leptos::ev::pageshow, |event| {
        if event.persisted() {
            let _ = leptos::prelude::window().location().reload();
        }
    })
}
