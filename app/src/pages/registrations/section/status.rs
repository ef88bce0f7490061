//! What the section page says about its answers: where saving stands, a copy kept on this
//! device, and what "save and continue" found wrong.

use leptos::prelude::*;

use super::{autosave::Autosave, machine::SaveState};
use crate::{
    error::FieldProblem,
    i18n::{Locale, t, use_locale},
};

/// Where saving stands, announced politely to screen readers.
#[component]
pub fn SaveStatus(autosave: Autosave) -> impl IntoView {
    let locale = use_locale();
    view! {
        <div class="save-status" role="status" aria-live="polite"
            data-save-state=move || if autosave.slow() { "slow" } else { autosave.state().code() }>
            {move || message(&autosave.state(), autosave.slow(), locale.get())}
        </div>
    }
}

/// What the parent must know about saving, again beside the buttons at the bottom of the
/// screen, wherever the page is scrolled: a slow line, no network, a crowd, a refusal, a
/// conflict. Nothing while all is well, so the bar stays one button high. (Read out once,
/// from [`SaveStatus`].)
#[component]
pub fn SaveNotice(autosave: Autosave) -> impl IntoView {
    let locale = use_locale();
    move || {
        let (state, slow) = (autosave.state(), autosave.slow());
        let attention = slow
            || matches!(
                state,
                SaveState::Offline | SaveState::Busy | SaveState::Failed(_) | SaveState::Conflict
            );
        attention.then(|| {
            view! {
                <p class="save-status save-notice" aria-hidden="true" data-save-notice=if slow { "slow" } else { state.code() }>
                    {message(&state, slow, locale.get())}
                </p>
            }
        })
    }
}

fn message(state: &SaveState, slow: bool, locale: Locale) -> String {
    match state {
        SaveState::Idle => String::new(),
        SaveState::Unsaved => t("已暂存在本机，即将保存…", "Kept on this phone, saving soon…").get(locale).to_owned(),
        SaveState::Saving if slow => t(
            "网络较慢，仍在保存。您的填写已暂存在本机，不会丢失，也可以稍后回来继续。",
            "The connection is slow: still saving. Your answers are kept on this phone and will not be lost; you can also come back later.",
        ).get(locale).to_owned(),
        SaveState::Saving => t("正在保存…", "Saving…").get(locale).to_owned(),
        SaveState::Saved(at) => match locale {
            Locale::Zh => format!("已保存 {at}"),
            Locale::En => format!("Saved at {at}"),
        },
        SaveState::Offline => t("网络中断，已暂存在本机，稍后自动重新保存", "Offline: kept on this phone, saving again soon").get(locale).to_owned(),
        SaveState::Busy => t("报名的人很多，您的填写已暂存在本机，稍后自动保存", "Many people are registering now: your answers are kept on this phone and will be saved shortly").get(locale).to_owned(),
        SaveState::Failed(error) => error.message(locale),
        SaveState::Conflict => t("未保存：内容已在其他页面更新", "Not saved: changed on another page").get(locale).to_owned(),
    }
}

/// A copy on this device that differs from the server's, offered back: never applied or
/// dropped silently.
#[component]
pub fn LocalDraftOffer(autosave: Autosave) -> impl IntoView {
    let locale = use_locale();
    move || {
        autosave.offer.get().map(|local| {
            let count = local.data.values().filter(|v| !v.trim().is_empty()).count();
            view! {
                <div class="callout" role="alert" data-local-draft="true">
                    <p>{move || match locale.get() {
                        Locale::Zh => format!("这台设备上保存了尚未提交到服务器的修改（{count} 项）。是否恢复？"),
                        Locale::En => format!("This device kept changes the server has not received ({count} answers). Restore them?"),
                    }}</p>
                    <button type="button" class="button button-primary" on:click=move |_| autosave.restore()>
                        {move || t("恢复本机修改", "Restore them").get(locale.get())}
                    </button>
                    <button type="button" class="button" on:click=move |_| autosave.discard()>
                        {move || t("放弃", "Discard").get(locale.get())}
                    </button>
                </div>
            }
        })
    }
}

/// What "save and continue" found wrong, each a link to its field.
#[component]
pub fn ProblemSummary(problems: RwSignal<Vec<FieldProblem>>) -> impl IntoView {
    let locale = use_locale();
    move || {
        let list = problems.get();
        (!list.is_empty()).then(|| {
            // Read out and where Tab goes next: the way to each field to mend.
            let summary = NodeRef::<leptos::html::Div>::new();
            Effect::new(move |_| {
                if let Some(summary) = summary.get() {
                    crate::browser::page::focus(&summary);
                }
            });
            view! {
                <div class="error-summary" role="alert" tabindex="-1" node_ref=summary>
                    <h2>{move || t("请修改以下问题", "There is a problem").get(locale.get())}</h2>
                    <ul>
                        {list.into_iter().map(|p| {
                            let href = format!("#field-{}", p.field);
                            view! { <li><a href=href>{move || p.message.get(locale.get()).to_owned()}</a></li> }
                        }).collect_view()}
                    </ul>
                </div>
            }
        })
    }
}
