//! 删除报名, 提交修改, 放弃学位, 取消预约: each asked once, on a page of its own, before it
//! is done. The page loads no code (`crate::hydration`): its form posts to the server, which
//! goes on to the parent's list (deleted), the task list (sent, declined) or the appointment
//! panel (cancelled); 取消 and the phone's back button return there with nothing changed.

use leptos::prelude::*;

use super::{overview::RegistrationHeader, use_registration_id, with_registration};
use crate::{
    api::{
        appointments::{AppointmentView, CancelAppointment, get_appointment_options},
        registrations::{AnswerOffer, DeleteRegistration, RegistrationView, ResubmitRegistration},
    },
    components::{ErrorPanel, LoadFailed},
    domain::{RegistrationState, dates::format_time_span},
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

/// `/registrations/{id}/cancel-appointment`: asked with the time booked in view.
#[component]
pub fn CancelAppointmentPage() -> impl IntoView {
    let id = use_registration_id();
    let options = Resource::new_blocking(move || id.get(), get_appointment_options);
    with_registration(move |r| {
        view! {
            <Suspense>
                {move || {
                    let r = r.clone();
                    Suspend::new(async move {
                        match options.await {
                            Err(error) => view! { <LoadFailed error /> }.into_any(),
                            Ok(o) => {
                                // Whether, once cancelled, another time can be booked.
                                let rebookable = o.needed && o.bookable;
                                view! { <Question r action=Irreversible::CancelAppointment booked=o.current rebookable /> }.into_any()
                            }
                        }
                    })
                }}
            </Suspense>
        }
    })
}

#[component]
fn AskPage(action: Irreversible) -> impl IntoView {
    with_registration(move |r| view! { <Question r action booked=None rebookable=false /> })
}

/// Whether the registration, as it stands, allows the action (the server checks again).
fn allowed(r: &RegistrationView, action: Irreversible, booked: Option<&AppointmentView>) -> bool {
    !r.following
        && match action {
            Irreversible::Delete => r.deletable,
            Irreversible::Resubmit => {
                r.state == RegistrationState::ChangesRequested && r.resubmittable
            }
            Irreversible::Decline => r.offer.as_ref().is_some_and(|o| o.open),
            Irreversible::CancelAppointment => booked.is_some_and(|a| !a.checked_in),
        }
}

/// The question (heading), what follows from it, the button that does it, and what that
/// button says while the answer is on its way (`hydration/forms.js`). `rebookable`: for
/// 取消预约, whether another time can be booked after.
fn wording(action: Irreversible, rebookable: bool) -> (Text, Text, Text, Text) {
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
        Irreversible::CancelAppointment => (
            t("确定取消预约吗？", "Cancel the appointment?"),
            match rebookable {
                true => t(
                    "取消后，这个时段的名额可能被其他家庭预约；您可以再预约仍有名额的时段。",
                    "Once cancelled, this time's place may go to another family; you can then book any time that still has places.",
                ),
                false => t(
                    "取消后，这份报名将不能再预约现场登记。",
                    "Once cancelled, this registration cannot book an on-site time again.",
                ),
            },
            t("确定取消预约", "Cancel the appointment"),
            t("正在取消…", "Cancelling…"),
        ),
    }
}

#[component]
fn Question(
    r: RegistrationView,
    action: Irreversible,
    /// The on-site time booked, for 取消预约.
    booked: Option<AppointmentView>,
    /// For 取消预约: whether another time can be booked after.
    rebookable: bool,
) -> impl IntoView {
    let locale = use_locale();
    let id = r.id;
    let version = r.version;
    let back = match action {
        Irreversible::CancelAppointment => routes::appointment_panel(id),
        _ => routes::registration(id),
    };
    let (question, consequence, confirm, busy) = wording(action, rebookable);
    if !allowed(&r, action, booked.as_ref()) {
        let why = match (action, &booked) {
            (Irreversible::CancelAppointment, Some(a)) if a.checked_in => t(
                "您已在登记点签到，预约不能再取消。",
                "You have checked in at the registration point: the appointment can no longer be cancelled.",
            ),
            (Irreversible::CancelAppointment, _) if !r.following => t(
                "这份报名现在没有可取消的预约。",
                "This registration has no appointment to cancel now.",
            ),
            _ => t(
                "这项操作现在不能进行：报名的状态已经变化。",
                "This cannot be done now: the registration has changed.",
            ),
        };
        return view! {
            <section class="panel" aria-labelledby="ask-heading" data-ask=action.code()>
                <h1 id="ask-heading">{move || question.get(locale.get())}</h1>
                <RegistrationHeader r />
                <p class="callout" role="status" data-not-now="true">
                    {move || why.get(locale.get())}
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
        Irreversible::CancelAppointment => {
            let cancel = ServerAction::<CancelAppointment>::new();
            let when = booked.map(|a| {
                let point = a.slot.point.clone();
                view! {
                    <p class="callout" data-booked="true">
                        {move || t("您预约的时间：", "Your appointment: ").get(locale.get())}
                        {move || format_time_span(a.slot.starts_at, a.slot.ends_at, locale.get())}" "
                        {move || point.get(locale.get()).to_owned()}
                    </p>
                }
            });
            view! {
                {when}
                <ActionForm action=cancel>
                    <input type="hidden" name="id" value=id />
                    <Buttons confirm busy class="button button-danger" back=back.clone() keep=t("保留预约", "Keep the appointment") />
                </ActionForm>
                {move || cancel.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
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

/// The button that does it, and `keep` (取消: back to the task list, nothing changed).
#[component]
fn Buttons(
    confirm: Text,
    busy: Text,
    class: &'static str,
    back: String,
    /// The way back, nothing changed.
    #[prop(default = t("取消", "Cancel"))]
    keep: Text,
) -> impl IntoView {
    let locale = use_locale();
    view! {
        <div class="action-bar">
            <button type="submit" class=class data-busy=move || busy.get(locale.get())>
                {move || confirm.get(locale.get())}
            </button>
            <a class="button" href=back>{move || keep.get(locale.get())}</a>
        </div>
    }
}
