//! What a page shows when nobody is signed in, and the sign-out control.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    i18n::{Locale, LocalizedText, t, use_locale},
};

/// Where parents sign in: the host app, by name, and where to open it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostAppEntry {
    pub name: LocalizedText,
    pub entry_url: Option<String>,
}

/// The host app parents sign in through. Public.
#[server(prefix = "/api", endpoint = "get_host_app_entry")]
pub async fn get_host_app_entry() -> Result<HostAppEntry, AppError> {
    let state = crate::server::AppState::from_context()?;
    Ok(HostAppEntry {
        name: state.host_app.name.clone(),
        entry_url: state.host_app.entry_url.clone(),
    })
}

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
                                <a class="button button-primary" href=url>
                                    {move || t("重新进入", "Open again").get(locale.get())}
                                </a>
                            }
                        })}
                    }
                })}
            </Suspense>
            <p class="hint">
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
        <form method="post" action="/sign-out" class="sign-out" on:submit=|_| crate::pages::registrations::clear_all_drafts()>
            <button type="submit" class="button">
                {move || t("退出登录", "Sign out").get(locale.get())}
            </button>
        </form>
    }
}
