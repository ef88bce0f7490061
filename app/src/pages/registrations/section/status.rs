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
        <div class="save-status" role="status" aria-live="polite" data-save-state=move || autosave.state().code()>
            {move || match autosave.state() {
                SaveState::Idle => String::new(),
                SaveState::Unsaved => t("已暂存在本机，即将保存…", "Kept on this phone, saving soon…").get(locale.get()).to_owned(),
                SaveState::Saving => t("正在保存…", "Saving…").get(locale.get()).to_owned(),
                SaveState::Saved(at) => match locale.get() {
                    Locale::Zh => format!("已保存 {at}"),
                    Locale::En => format!("Saved at {at}"),
                },
                SaveState::Offline => t("网络中断，已暂存在本机，稍后自动重新保存", "Offline: kept on this phone, saving again soon").get(locale.get()).to_owned(),
                SaveState::Busy => t("报名的人很多，您的填写已暂存在本机，稍后自动保存", "Many people are registering now: your answers are kept on this phone and will be saved shortly").get(locale.get()).to_owned(),
                SaveState::Failed(error) => error.message(locale.get()),
                SaveState::Conflict => t("未保存：内容已在其他页面更新", "Not saved: changed on another page").get(locale.get()).to_owned(),
            }}
        </div>
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
