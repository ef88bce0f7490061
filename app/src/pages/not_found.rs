//! The page for an address that does not exist.

use leptos::prelude::*;

use crate::i18n::{t, use_locale};

/// Shown for unknown addresses, with the way back home.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(http::StatusCode::NOT_FOUND);
    }
    let locale = use_locale();
    view! {
        <section class="panel">
            <h1>{move || t("没有找到这个页面", "Page not found").get(locale.get())}</h1>
            <p>
                <a href="/">{move || t("返回首页", "Back to the home page").get(locale.get())}</a>
            </p>
        </section>
    }
}
