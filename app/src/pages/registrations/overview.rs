//! A registration's task list: each required section with its status, in order, and the
//! actions the registration's state allows (confirm and submit, delete).

use leptos::prelude::*;

use super::{
    confirm::Answers,
    family::{FollowersPanel, FollowingNotice},
    progress::{ChangeRequestPanel, DrawNotice, OfferPanel, ReviewTimeline},
    with_registration,
};
use crate::{
    api::registrations::RegistrationView,
    domain::{RegistrationState, SectionStatus, dates::format_date_time},
    i18n::{Locale, Text, t, use_locale},
    pages::appointments::AppointmentPanel,
    routes::{self, Irreversible},
};

/// The task-list page of one registration. It loads no code (`crate::hydration`): its forms
/// post to the server and come back, and what must be asked first (delete, send changes,
/// decline a place) is asked on a page of its own (`super::ask`).
#[component]
pub fn RegistrationPage() -> impl IntoView {
    with_registration(|r| view! { <TaskList r /> })
}

/// The header every page of a registration starts with.
#[component]
pub fn RegistrationHeader(r: RegistrationView) -> impl IntoView {
    let locale = use_locale();
    let RegistrationView {
        reference,
        subsystem,
        school,
        entry,
        child_masked_id,
        state,
        window_open,
        window_closes_at,
        ..
    } = r;
    // While a draft can still be sent: until when (Jinan's FAQ: after the window nothing can
    // be changed or sent).
    let closes = window_closes_at.filter(|_| window_open && state == RegistrationState::Draft);
    view! {
        <header class="registration-header">
            <p class="hint">
                {move || subsystem.name().get(locale.get())}" · "{move || school.get(locale.get()).to_owned()}
            </p>
            <p class="hint">{move || entry.get(locale.get()).to_owned()}" · "{child_masked_id}</p>
            <p class="hint">{move || t("报名编号", "Reference").get(locale.get())}" "<span data-field="reference">{reference}</span></p>
            <p class="tag tag-soon" data-field="state">{move || state.label().get(locale.get())}</p>
            {closes.map(|at| view! {
                <p class="hint" data-field="window-closes">{move || match locale.get() {
                    Locale::Zh => format!("请在 {} 前填完并提交；截止后不能再修改或提交。", format_date_time(at, Locale::Zh)),
                    Locale::En => format!("Fill in and send it before {}: after that it can no longer be changed or sent.", format_date_time(at, Locale::En)),
                }}</p>
            })}
            {(!window_open).then(|| view! {
                <p class="callout" role="status" data-closed="true">
                    {move || t("信息采集已关闭，现在只能查看，不能修改或删除。", "Collection is closed: you can view, but not change or delete.").get(locale.get())}
                </p>
            })}
        </header>
    }
}

#[component]
fn TaskList(r: RegistrationView) -> impl IntoView {
    let locale = use_locale();
    let id = r.id;
    let completed = r.completed_count();
    let total = r.sections.len();
    let all_done = completed == total;
    let editable = r.editable;
    let deletable = r.deletable;
    let state = r.state;
    let sections = r.sections.clone();
    let materials = r.materials.clone();
    let following = r.following;
    view! {
        <section aria-labelledby="tasks-heading">
            <h1 id="tasks-heading">{move || t("报名信息", "Registration").get(locale.get())}</h1>
            <RegistrationHeader r=r.clone() />
            {following.then(|| view! { <FollowingNotice /> })}
            <ChangeRequestPanel r=r.clone() />
            <OfferPanel r=r.clone() />
            <DrawNotice r=r.clone() />
            <p class="progress" data-progress=format!("{completed}/{total}")>
                {move || match locale.get() {
                    Locale::Zh => format!("已完成 {completed}/{total}"),
                    Locale::En => format!("Completed {completed} of {total}"),
                }}
            </p>
            <ol class="task-list">
                {sections.into_iter().map(|(kind, status)| {
                    let href = routes::section(id, kind);
                    // A follower reads the answers below, not in the forms.
                    let open = status != SectionStatus::CannotStartYet && !following;
                    let class = match status {
                        SectionStatus::Completed => "tag tag-open",
                        SectionStatus::HasProblem => "tag tag-error",
                        SectionStatus::InProgress => "tag tag-soon",
                        _ => "tag tag-muted",
                    };
                    view! {
                        <li class="task" data-section=kind.code() data-status=status.code()>
                            {if open {
                                view! { <a href=href>{move || kind.title().get(locale.get())}</a> }.into_any()
                            } else {
                                view! {
                                    <span>{move || kind.title().get(locale.get())}</span>
                                    <span class="hint">{move || t("请先完成前面的项目", "Complete the sections above first").get(locale.get())}</span>
                                }.into_any()
                            }}
                            <span class=class>{move || status.label().get(locale.get())}</span>
                        </li>
                    }
                }).collect_view()}
            </ol>
            {(!materials.is_empty()).then(|| view! {
                <div class="panel" data-materials="true">
                    <h2>{move || t("证明材料", "Documents").get(locale.get())}</h2>
                    <ul class="task-list">
                        {materials.iter().map(|m| {
                            let d = m.document;
                            let count = m.photos.len();
                            let (class, status) = if count > 0 {
                                ("tag tag-open", "uploaded")
                            } else if m.required {
                                ("tag tag-error", "missing")
                            } else {
                                ("tag tag-muted", "optional")
                            };
                            view! {
                                <li class="task" data-document=d.code() data-status=status>
                                    <span>{move || d.name().get(locale.get())}</span>
                                    <span class=class>{move || match (status, locale.get()) {
                                        ("uploaded", Locale::Zh) => format!("已上传 {count} 张"),
                                        ("uploaded", Locale::En) => format!("{count} uploaded"),
                                        ("missing", l) => t("待上传", "To upload").get(l).to_owned(),
                                        (_, l) => t("选传", "Optional").get(l).to_owned(),
                                    }}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <a class="button" href=routes::documents(id)>
                        {move || if editable { t("上传证明材料", "Upload documents") } else { t("查看证明材料", "See documents") }.get(locale.get())}
                    </a>
                </div>
            })}
            {(editable && all_done && state == RegistrationState::Draft).then(|| view! {
                <p>
                    <a class="button button-primary" href=routes::confirm(id)>
                        {move || t("信息确认并提交", "Check and submit").get(locale.get())}
                    </a>
                </p>
            })}
            {(state == RegistrationState::Submitted).then(|| view! {
                <p><a class="button" href=routes::submitted(id)>{move || t("查看提交回执", "See the receipt").get(locale.get())}</a></p>
            })}
            <p class="hint">{move || state.next_step().get(locale.get())}</p>
            <ReviewTimeline r=r.clone() />
            {following.then(|| view! { <Answers r=r.clone() change_links=false /> })}
            {(state != RegistrationState::Draft && !following).then(|| view! { <AppointmentPanel id /> })}
            {(!following).then(|| view! { <FollowersPanel id /> })}
            {deletable.then(|| view! {
                <div class="danger-zone">
                    <AskButton id action=Irreversible::Delete class="button button-danger-outline" label=t("删除报名", "Delete registration") />
                </div>
            })}
            <a class="button" href="/registrations">{move || t("返回我的报名", "Back to my registrations").get(locale.get())}</a>
        </section>
    }
}

/// The button that opens the page asking about `action` (a form that only moves there, so
/// that it reads and works as a button before and without any code).
#[component]
pub fn AskButton(id: i32, action: Irreversible, class: &'static str, label: Text) -> impl IntoView {
    let locale = use_locale();
    view! {
        <form method="get" action=routes::ask(id, action) class="inline">
            <button type="submit" class=class>{move || label.get(locale.get())}</button>
        </form>
    }
}
