//! What a page shows when nobody is signed in, and the sign-out control.

use leptos::prelude::*;

use crate::api::session::get_host_app_entry;
use crate::i18n::{Locale, t, use_locale};

/// Shown in place of a page that needs a signed-in parent.
#[component]
pub fn SignInRequired() -> impl IntoView {
    let locale = use_locale();
    let entry = Resource::new(|| (), |_| get_host_app_entry());
    view! {
        <section class="panel" role="status" data-sign-in-required="true">
            <h1>{move || t("请先登录", "Please sign in").get(locale.get())}</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    let entry = entry.await.ok();
                    let name = entry.as_ref().map(|e| e.name.clone()).unwrap_or_default();
                    let url = entry.and_then(|e| e.entry_url);
                    view! {
                        <p>
                            {move || {
                                let host = name.get(locale.get()).to_owned();
                                match locale.get() {
                                    Locale::Zh => format!(
                                        "您尚未登录，或登录已过期。请从{host}重新进入本平台，回到您刚才的页面。已保存的内容不会丢失。"
                                    ),
                                    Locale::En => format!(
                                        "You are not signed in, or your sign-in has expired. Open this platform again from {host} to return to this page. Nothing saved is lost."
                                    ),
                                }
                            }}
                        </p>
                        {url.map(|url| {
                            view! {
                                <a class="button button-primary" href=url rel="external">
                                    {move || t("重新进入", "Open again").get(locale.get())}
                                </a>
                            }
                        })}
                    }
                })}
            </Suspense>
            <p class="hint staff-way">
                <a href="/staff/sign-in">{move || t("学校和教体局工作人员登录", "Sign-in for school and bureau staff").get(locale.get())}</a>
            </p>
        </section>
    }
}

/// Signs out with a plain form post, so that it works before and without hydration and
/// leaves nothing of the page in memory.
#[component]
pub fn SignOutButton() -> impl IntoView {
    let locale = use_locale();
    view! {
        <form method="post" action="/sign-out" class="sign-out" on:submit=|_| crate::browser::drafts::clear_all_drafts()>
            <button type="submit" class="button" data-busy=move || t("正在退出…", "Signing out…").get(locale.get())>
                {move || t("退出登录", "Sign out").get(locale.get())}
            </button>
        </form>
    }
}
