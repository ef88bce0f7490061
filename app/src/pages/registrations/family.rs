//! The other guardian (另一位监护人): the registrant names who may follow a registration
//! read-only and withdraws them; the person named confirms on their own "my registrations"
//! page, then reads the registration there.

use leptos::prelude::*;

use crate::{
    api::registrations::{
        ConfirmFollowing, FollowerView, Invitation, InviteFollower, WithdrawFollower, get_followers,
    },
    components::ErrorPanel,
    i18n::{Locale, t, use_locale},
};

/// Invitations waiting for the signed-in parent: each names who asked, for which child and
/// school (masked until confirmed), and confirms in one press.
#[component]
pub fn Invitations(invitations: Vec<Invitation>) -> impl IntoView {
    let locale = use_locale();
    let confirm = ServerAction::<ConfirmFollowing>::new();
    Effect::new(move |_| {
        if matches!(confirm.value().get(), Some(Ok(()))) {
            let _ = window().location().reload();
        }
    });
    let count = invitations.len();
    (count > 0).then(|| view! {
        <div class="panel panel-attention" role="region" aria-labelledby="invitations-heading" data-invitations=count>
            <h2 id="invitations-heading">{move || t("邀请您查看的报名", "Registrations you are asked to follow").get(locale.get())}</h2>
            <ul class="task-list">
                {invitations.into_iter().map(|i| {
                    let Invitation { id, source, registrant, child, school, subsystem } = i;
                    view! {
                        <li class="task" data-invitation=id>
                            <p>{move || match (source, locale.get()) {
                                (crate::domain::follower::FollowerSource::HouseholdRegister, Locale::Zh) => format!("户籍登记显示您是{child}的监护人：可以查看{registrant}为孩子填写的{}（{}）。", subsystem.name().zh, school.zh),
                                (crate::domain::follower::FollowerSource::HouseholdRegister, Locale::En) => format!("The household register names you as {child}'s guardian: you can follow the {} {registrant} filled in ({}).", subsystem.name().en, school.en),
                                (_, Locale::Zh) => format!("{registrant}邀请您作为另一位监护人查看{child}的{}（{}）。", subsystem.name().zh, school.zh),
                                (_, Locale::En) => format!("{registrant} asks you, as the other guardian, to follow {child}'s {} ({}).", subsystem.name().en, school.en),
                            }}</p>
                            <ActionForm action=confirm>
                                <input type="hidden" name="follower_id" value=id />
                                <button type="submit" class="button button-primary" disabled=move || confirm.pending().get()>
                                    {move || t("确认查看", "Follow it").get(locale.get())}
                                </button>
                            </ActionForm>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="hint">{move || t(
                "确认后您可以查看报名信息、材料、审核进度和录取结果，并收到相同的通知；只能查看，不能修改或删除。",
                "Once you confirm, you see the answers, documents, progress and results, and get the same notices; you can look, never change or delete.",
            ).get(locale.get())}</p>
            {move || confirm.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
        </div>
    })
}

/// What a follower reads at the top of a registration.
#[component]
pub fn FollowingNotice() -> impl IntoView {
    let locale = use_locale();
    view! {
        <p class="callout" role="status" data-following="true">{move || t(
            "您以另一位监护人的身份查看这份报名：只能查看，不能修改、删除或代为确认。",
            "You follow this registration as the other guardian: you can look, not change, delete or answer for it.",
        ).get(locale.get())}</p>
    }
}

/// The registrant's panel: who follows the registration, the invitations not yet confirmed
/// (each can be withdrawn), and a form naming another guardian.
#[component]
pub fn FollowersPanel(id: i32) -> impl IntoView {
    let locale = use_locale();
    let invite = ServerAction::<InviteFollower>::new();
    let withdraw = ServerAction::<WithdrawFollower>::new();
    let changed = RwSignal::new(0_u32);
    let followers = Resource::new(
        move || {
            (
                changed.get(),
                invite.version().get(),
                withdraw.version().get(),
            )
        },
        move |_| get_followers(id),
    );
    let name = RwSignal::new(String::new());
    let id_number = RwSignal::new(String::new());
    Effect::new(move |_| {
        if matches!(invite.value().get(), Some(Ok(_))) {
            name.set(String::new());
            id_number.set(String::new());
        }
    });
    view! {
        <div class="panel" role="region" aria-labelledby="followers-heading" data-followers-panel="true">
            <h2 id="followers-heading">{move || t("另一位监护人查看", "The other guardian").get(locale.get())}</h2>
            <p class="hint">{move || t(
                "可以让孩子的另一位监护人查看这份报名（只能查看，不能修改），对方通过爱山东登录后确认即可。",
                "The child's other guardian can follow this registration (to look, never to change) once they sign in through the host app and confirm.",
            ).get(locale.get())}</p>
            <Transition fallback=|| ()>
                {move || followers.get().map(|r| match r {
                    Ok(list) => view! { <FollowerList id list withdraw /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                })}
            </Transition>
            <ActionForm action=invite>
                <div class="form">
                <input type="hidden" name="id" value=id />
                <p class="field">
                    <label for="follower-name">{move || t("监护人姓名", "Guardian's name").get(locale.get())}</label>
                    <input id="follower-name" name="name" autocomplete="off" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                </p>
                <p class="field">
                    <label for="follower-id-number">{move || t("监护人身份证号", "Guardian's ID number").get(locale.get())}</label>
                    <input id="follower-id-number" name="id_number" autocomplete="off" inputmode="text" maxlength="18" prop:value=move || id_number.get() on:input=move |ev| id_number.set(event_target_value(&ev)) />
                </p>
                <button type="submit" class="button" disabled=move || invite.pending().get()>
                    {move || t("邀请查看", "Invite").get(locale.get())}
                </button>
                </div>
            </ActionForm>
            <div aria-live="polite">
                {move || invite.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
                {move || withdraw.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
            </div>
        </div>
    }
}

#[component]
fn FollowerList(
    id: i32,
    list: Vec<FollowerView>,
    withdraw: ServerAction<WithdrawFollower>,
) -> impl IntoView {
    let locale = use_locale();
    let count = list.len();
    view! {
        <ul class="task-list" data-followers=count>
            {list.into_iter().map(|f| {
                let FollowerView { id: follower_id, name, masked_id, source, confirmed } = f;
                view! {
                    <li class="task" data-follower=follower_id data-confirmed=confirmed.to_string()>
                        <span>{name.clone()}" · "<span class="mono">{masked_id}</span></span>
                        <span class=if confirmed { "tag tag-open" } else { "tag tag-soon" }>{move || if confirmed {
                            t("已确认，可以查看", "Confirmed: can follow")
                        } else {
                            t("等待对方确认", "Waiting for them to confirm")
                        }.get(locale.get())}</span>
                        <span class="hint">{move || source.label().get(locale.get())}</span>
                        <ActionForm action=withdraw>
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="follower_id" value=follower_id />
                            <button type="submit" class="button button-danger-outline" aria-label=move || match locale.get() {
                                Locale::Zh => format!("撤回{name}的查看权限"),
                                Locale::En => format!("Withdraw {name}"),
                            } disabled=move || withdraw.pending().get()>
                                {move || t("撤回", "Withdraw").get(locale.get())}
                            </button>
                        </ActionForm>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
