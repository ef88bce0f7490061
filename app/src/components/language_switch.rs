//! The 中文 / English switch. A plain link that works before the page is interactive;
//! once hydrated it switches in place.

use leptos::{ev::MouseEvent, prelude::*};

use crate::{
    i18n::{Locale, switch_locale, use_locale},
    routes,
};

/// Switches between Chinese and English and remembers the choice.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let locale = use_locale();
    let target = move || locale.get().other();
    let on_click = move |event: MouseEvent| {
        event.prevent_default();
        switch_locale(locale, target());
    };
    view! {
        <a
            class="language-switch"
            href=move || routes::language(target())
            hreflang=move || target().tag()
            lang=move || target().tag()
            on:click=on_click
        >
            {move || match target() {
                Locale::En => "English",
                Locale::Zh => "中文",
            }}
        </a>
    }
}
