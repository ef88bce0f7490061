//! 删除报名, 提交修改, 放弃学位: each asked once, on a page of its own, before it is done.
//! The page loads no code (`crate::hydration`): its form posts to the server, which goes on
//! to the parent's list (deleted) or the task list (sent, declined); 取消 and the phone's
//! back button return to the task list with nothing changed.

use leptos::prelude::*;

use super::{overview::RegistrationHeader, with_registration};
use crate::{
    api::registrations::{AnswerOffer, DeleteRegistration, RegistrationView, ResubmitRegistration},
    components::ErrorPanel,
    domain::RegistrationState,
    i18n::{Text, t, use_locale},
    routes::{self, Irreversible},
};

/// `/registrations/{id}/delete`.
#[component]
pub fn DeletePage() -> impl IntoView {
    view! { <AskPage action=Irreversible::Delete /> }
}

/// `/registrations/{id}/resubmit`.
#[component]
pub fn ResubmitPage() -> impl IntoView {
    view! { <AskPage action=Irreversible::Resubmit /> }
}

/// `/registrations/{id}/decline`.
#[component]
pub fn DeclinePage() -> impl IntoView {
    view! { <AskPage action=Irreversible::Decline /> }
}

#[component]
fn AskPage(action: Irreversible) -> impl IntoView {
    with_registration(move |r| view! { <Question r action /> })
}

/// Whether the registration, as it stands, allows the action (the server checks again).
fn allowed(r: &RegistrationView, action: Irreversible) -> bool {
    !r.following
        && match action {
            Irreversible::Delete => r.deletable,
            Irreversible::Resubmit => {
                r.state == RegistrationState::ChangesRequested && r.resubmittable
            }
            Irreversible::Decline => r.offer.as_ref().is_some_and(|o| o.open),
        }
}

/// The question (heading), what follows from it, the button that does it, and what that
/// button says while the answer is on its way (`hydration/forms.js`).
fn wording(action: Irreversible) -> (Text, Text, Text, Text) {
    match action {
        Irreversible::Delete => (
            t("确定删除这条报名吗？", "Delete this registration?"),
            t(
                "删除后已填写的信息将不再显示，孩子的身份证号可以重新报名。",
                "What you filled in will no longer show, and the child's ID number can be registered again.",
            ),
            t("确定删除", "Delete"),
            t("正在删除…", "Deleting…"),
        ),
        Irreversible::Resubmit => (
            t("确定提交修改吗？", "Send the changes?"),
            t(
                "提交后信息将被锁定，学校将重新审核。",
                "The registration is locked again and the school reviews it again.",
            ),
            t("确定提交修改", "Send changes"),
            t("正在提交…", "Sending…"),
        ),
        Irreversible::Decline => (
            t("确定放弃这个学位吗？", "Give up this place?"),
            t(
                "放弃后不能恢复，学位会立即让给候补名单上的下一位。",
                "This cannot be undone: the place goes at once to the next on the waiting list.",
            ),
            t("确定放弃学位", "Give up the place"),
            t("正在放弃学位…", "Giving up the place…"),
        ),
    }
}

#[component]
fn Question(r: RegistrationView, action: Irreversible) -> impl IntoView {
    let locale = use_locale();
    let id = r.id;
    let version = r.version;
    let back = routes::registration(id);
    let (question, consequence, confirm, busy) = wording(action);
    if !allowed(&r, action) {
        return view! {
            <section class="panel" aria-labelledby="ask-heading" data-ask=action.code()>
                <h1 id="ask-heading">{move || question.get(locale.get())}</h1>
                <RegistrationHeader r />
                <p class="callout" role="status" data-not-now="true">
                    {move || t("这项操作现在不能进行：报名的状态已经变化。", "This cannot be done now: the registration has changed.").get(locale.get())}
                </p>
                <a class="button" href=back>{move || t("返回报名信息", "Back to the registration").get(locale.get())}</a>
            </section>
        }
        .into_any();
    }
    let form = match action {
        Irreversible::Delete => {
            let delete = ServerAction::<DeleteRegistration>::new();
            view! {
                <ActionForm action=delete>
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="base_version" value=version />
                    <Buttons confirm busy class="button button-danger" back=back.clone() />
                </ActionForm>
                {move || delete.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
            }
            .into_any()
        }
        Irreversible::Resubmit => {
            let resubmit = ServerAction::<ResubmitRegistration>::new();
            view! {
                <ActionForm action=resubmit>
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="base_version" value=version />
                    <Buttons confirm busy class="button button-primary" back=back.clone() />
                </ActionForm>
                {move || resubmit.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
            }
            .into_any()
        }
        Irreversible::Decline => {
            let answer = ServerAction::<AnswerOffer>::new();
            view! {
                <ActionForm action=answer>
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="accept" value="false" />
                    <Buttons confirm busy class="button button-danger" back=back.clone() />
                </ActionForm>
                {move || answer.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
            }
            .into_any()
        }
    };
    view! {
        <section class="panel" aria-labelledby="ask-heading" data-ask=action.code()>
            <h1 id="ask-heading">{move || question.get(locale.get())}</h1>
            <p>{move || consequence.get(locale.get())}</p>
            <RegistrationHeader r />
            {form}
        </section>
    }
    .into_any()
}

/// The button that does it, and 取消 (back to the task list, nothing changed).
#[component]
fn Buttons(confirm: Text, busy: Text, class: &'static str, back: String) -> impl IntoView {
    let locale = use_locale();
    view! {
        <div class="action-bar">
            <button type="submit" class=class data-busy=move || busy.get(locale.get())>
                {move || confirm.get(locale.get())}
            </button>
            <a class="button" href=back>{move || t("取消", "Cancel").get(locale.get())}</a>
        </div>
    }
}
