//! The 大字 / 标准字 switch (长辈模式). A plain link that works before the page is
//! interactive; once hydrated it switches in place.

use leptos::{ev::MouseEvent, prelude::*};

use crate::{
    display::{TextSize, switch_text_size, use_text_size},
    i18n::{t, use_locale},
    routes,
};

/// Switches between standard and large text and remembers the choice.
#[component]
pub fn TextSizeSwitch() -> impl IntoView {
    let locale = use_locale();
    let size = use_text_size();
    let target = move || size.get().other();
    let on_click = move |event: MouseEvent| {
        event.prevent_default();
        switch_text_size(size, target());
    };
    view! {
        <a
            class="language-switch text-switch"
            href=move || routes::text_size(target())
            on:click=on_click
        >
            {move || match target() {
                TextSize::Large => t("大字", "Large text"),
                TextSize::Standard => t("标准字", "Standard text"),
            }.get(locale.get())}
        </a>
    }
}
