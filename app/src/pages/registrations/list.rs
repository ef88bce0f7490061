//! 我的报名: the account's registrations with their state and next step, and "register
//! another child".

use leptos::prelude::*;

use super::{LoadFailed, Loading};
use crate::{
    api::registrations::{
        MessageView, MyRegistrations, RegistrationSummary, list_my_registrations,
        mark_messages_read,
    },
    components::SignOutButton,
    domain::{RegistrationState, dates::format_date_time},
    i18n::{Locale, t, use_locale},
    routes,
};

/// The parent's registrations.
#[component]
pub fn MyRegistrationsPage() -> impl IntoView {
    // Read after every save of this tab was answered (a section left by the back button).
    // The messages it shows are then marked read: on the server, as the page is rendered
    // (the page loads no code, `crate::hydration`).
    let data = Resource::new_blocking(
        || (),
        |_| async {
            crate::browser::saves::settled().await;
            let data = list_my_registrations().await?;
            if data.messages.iter().any(|m| m.unread) {
                // Shown as new this once either way; a failure only shows them again.
                let _ = mark_messages_read().await;
            }
            Ok::<_, crate::error::AppError>(data)
        },
    );
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <RegistrationList data /> }.into_any(),
                    Err(error) => view! { <LoadFailed error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RegistrationList(data: MyRegistrations) -> impl IntoView {
    let locale = use_locale();
    let MyRegistrations {
        registrations,
        held,
        limit,
        identity_confirmed,
        messages,
        following,
        invitations,
    } = data;
    let at_limit = held >= limit;
    let empty = registrations.is_empty();
    view! {
        <section aria-labelledby="mine-heading">
            <h1 id="mine-heading">{move || t("我的报名", "My registrations").get(locale.get())}</h1>
            {(!identity_confirmed).then(|| view! {
                <div class="callout">
                    <p>{move || t("开始报名前，请先核对您的用户信息。", "Before you register, check your details.").get(locale.get())}</p>
                    <a class="button button-primary" href="/me">{move || t("核对用户信息", "Check your details").get(locale.get())}</a>
                </div>
            })}
            {empty.then(|| view! {
                <p class="hint">{move || t("您还没有报名记录。", "You have no registrations yet.").get(locale.get())}</p>
            })}
            <ul class="cards registrations">
                {registrations.into_iter().map(|r| view! { <RegistrationCard r following=false /> }).collect_view()}
            </ul>
            <super::family::Invitations invitations />
            {(!following.is_empty()).then(|| view! {
                <h2 id="following-heading">{move || t("家人的报名（只读）", "Registrations you follow (read-only)").get(locale.get())}</h2>
                <ul class="cards registrations" aria-labelledby="following-heading" data-following-list="true">
                    {following.into_iter().map(|r| view! { <RegistrationCard r following=true /> }).collect_view()}
                </ul>
            })}
            <Messages messages />
            {if at_limit {
                view! {
                    <p class="callout" data-limit="true">
                        {move || t(
                            "一个账号每学年最多为 3 个孩子报名。如需为更多孩子报名，请联系教体局。",
                            "One account can register at most 3 children a school year. To register more, contact the bureau.",
                        ).get(locale.get())}
                    </p>
                }.into_any()
            } else if identity_confirmed {
                view! {
                    <a class="button button-primary" href="/registrations/new">
                        {move || if empty { t("开始报名", "Start a registration") } else { t("继续报名其他学生", "Register another child") }.get(locale.get())}
                    </a>
                }.into_any()
            } else {
                ().into_any()
            }}
            {identity_confirmed.then(|| view! {
                <p class="hint" data-move-elsewhere="true">
                    {move || t("换了手机号或爱山东账号？", "Changed your phone number or host-app account? ").get(locale.get())}
                    <a href="/registrations/move">{move || t("找回之前用本人另一个账号报的名", "Bring over a registration from your other account").get(locale.get())}</a>
                </p>
            })}
            <SignOutButton />
        </section>
    }
}

/// Messages from schools and the bureau (marked read once read for the page).
#[component]
fn Messages(messages: Vec<MessageView>) -> impl IntoView {
    let locale = use_locale();
    let unread = messages.iter().filter(|m| m.unread).count();
    let count = messages.len();
    (!messages.is_empty()).then(|| view! {
        <div class="panel" aria-labelledby="messages-heading" data-messages=count data-unread=unread>
            <h2 id="messages-heading">{move || match locale.get() {
                Locale::Zh if unread > 0 => format!("消息（{unread} 条未读）"),
                Locale::En if unread > 0 => format!("Messages ({unread} new)"),
                Locale::Zh => "消息".to_owned(),
                Locale::En => "Messages".to_owned(),
            }}</h2>
            <ul class="messages">
                {messages.into_iter().map(|m| {
                    let (title, body) = (m.title.clone(), m.body.clone());
                    let href = m.registration_id.map(routes::registration);
                    view! {
                        <li class="message" class:message-unread=m.unread>
                            <p class="message-title">
                                {m.unread.then(|| view! { <span class="tag tag-error">{move || t("新", "New").get(locale.get())}</span>" " })}
                                {match href {
                                    Some(href) => view! { <a href=href>{move || title.get(locale.get()).to_owned()}</a> }.into_any(),
                                    None => view! { <span>{move || title.get(locale.get()).to_owned()}</span> }.into_any(),
                                }}
                            </p>
                            <p class="message-body">{move || body.get(locale.get()).to_owned()}</p>
                            <time class="hint">{move || format_date_time(m.at, locale.get())}</time>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    })
}

#[component]
fn RegistrationCard(
    r: RegistrationSummary,
    /// Another parent's registration, read-only here whatever its registrant can do.
    following: bool,
) -> impl IntoView {
    let locale = use_locale();
    let RegistrationSummary {
        id,
        reference,
        subsystem,
        state,
        child_name,
        child_masked_id,
        school,
        entry,
        school_year,
        completed_sections,
        required_sections,
        editable,
        ..
    } = r;
    let href = routes::registration(id);
    let named = child_name.is_some();
    view! {
        <li class="card" data-registration=id data-state=state.code()>
            <h2 class="card-title" translate=named.then_some("no")>
                {move || child_name.clone().unwrap_or_else(|| t("（未填写姓名）", "(name not given yet)").get(locale.get()).to_owned())}
            </h2>
            <p class="hint">{child_masked_id}" · "{move || subsystem.name().get(locale.get())}" · "
                // Kept on one line: "2026" and "学年" apart read badly on a phone.
                <span class="card-year">{move || match locale.get() {
                    Locale::Zh => format!("{school_year} 学年"),
                    Locale::En => format!("{school_year} school year"),
                }}</span>
            </p>
            <p>{move || school.get(locale.get()).to_owned()}" · "{move || entry.get(locale.get()).to_owned()}</p>
            <p class="tag tag-soon" data-field="state">{move || state.label().get(locale.get())}</p>
            <p class="hint">{move || match state {
                // Its time is over: what happens now, not what can no longer be done.
                RegistrationState::Draft if !editable => t(
                    "报名时间已过，这份报名没有提交，不能再修改。",
                    "Registration time is over: this registration was not submitted and can no longer be changed.",
                ),
                RegistrationState::ChangesRequested if !editable => t(
                    "修改期限已过，学校将按已提交的信息审核。",
                    "The time for changes is over: the school reviews what was submitted.",
                ),
                _ => state.next_step(),
            }.get(locale.get())}</p>
            <p class="hint">
                {move || match locale.get() {
                    Locale::Zh => format!("已完成 {completed_sections}/{required_sections} · 报名编号 {reference}"),
                    Locale::En => format!("Completed {completed_sections}/{required_sections} · Reference {reference}"),
                }}
            </p>
            <a class="button" href=href>
                {move || if editable && !following { t("继续填写", "Continue") } else { t("查看", "View") }.get(locale.get())}
            </a>
        </li>
    }
}
