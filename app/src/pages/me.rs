//! 核对用户信息: before a first registration the parent checks the identity the host app
//! gave: name, masked ID number and phone, and learns where to correct it if it is wrong.

use leptos::prelude::*;

use crate::components::{LoadFailed, Loading};
use crate::{
    api::me::{ConfirmMyIdentity, MyIdentity, get_my_identity},
    components::{ErrorPanel, SignOutButton},
    i18n::{t, use_locale},
};

/// The user-information page.
#[component]
pub fn MyIdentityPage() -> impl IntoView {
    let _locale = use_locale();
    let confirm = ServerAction::<ConfirmMyIdentity>::new();
    let identity = Resource::new_blocking(move || confirm.version().get(), |_| get_my_identity());
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match identity.await {
                    Ok(identity) => view! { <IdentityPanel identity confirm /> }.into_any(),
                    Err(error) => view! { <LoadFailed error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn IdentityPanel(identity: MyIdentity, confirm: ServerAction<ConfirmMyIdentity>) -> impl IntoView {
    let locale = use_locale();
    let MyIdentity {
        name,
        masked_id_number,
        phone,
        confirmed,
        host_app_name,
    } = identity;
    let host = host_app_name.clone();
    let host_for_help = host_app_name;
    view! {
        <section class="panel" aria-labelledby="me-heading">
            <h1 id="me-heading">{move || t("核对用户信息", "Check your details").get(locale.get())}</h1>
            <p class="hint">
                {move || {
                    let host = host.get(locale.get()).to_owned();
                    match locale.get() {
                        crate::i18n::Locale::Zh => format!("以下信息由{host}提供，报名时将作为报名人信息使用。"),
                        crate::i18n::Locale::En => format!("These details come from {host} and are used as the registrant's details."),
                    }
                }}
            </p>
            <dl class="facts">
                <dt>{move || t("姓名", "Name").get(locale.get())}</dt>
                <dd data-field="name" translate="no">{name}</dd>
                <dt>{move || t("身份证号", "ID number").get(locale.get())}</dt>
                <dd data-field="id-number">{masked_id_number}</dd>
                <dt>{move || t("手机号", "Mobile phone").get(locale.get())}</dt>
                <dd data-field="phone">{phone}</dd>
            </dl>
            <div class="callout">
                <h2>{move || t("信息有误怎么办？", "Something wrong?").get(locale.get())}</h2>
                <p>
                    {move || {
                        let host = host_for_help.get(locale.get()).to_owned();
                        match locale.get() {
                            crate::i18n::Locale::Zh => format!(
                                "请先在{host}中更正实名信息（姓名或手机号变更后需重新实名认证），再从{host}重新进入本平台。已经保存的报名信息不会丢失。"
                            ),
                            crate::i18n::Locale::En => format!(
                                "Correct your details in {host} first (a changed name or phone needs a new identity check there), then open this platform again from {host}. Registrations already saved are kept."
                            ),
                        }
                    }}
                </p>
            </div>
            {if confirmed {
                view! {
                    <p class="tag tag-open" data-confirmed="true">
                        {move || t("您已确认以上信息", "You have confirmed these details").get(locale.get())}
                    </p>
                    <a class="button button-primary" href="/registrations">
                        {move || t("进入我的报名", "Go to my registrations").get(locale.get())}
                    </a>
                }
                    .into_any()
            } else {
                view! {
                    <ActionForm action=confirm>
                        <button type="submit" class="button button-primary" disabled=move || confirm.pending().get()>
                            {move || t("信息无误，继续", "These are correct: continue").get(locale.get())}
                        </button>
                    </ActionForm>
                    {move || {
                        confirm
                            .value()
                            .get()
                            .and_then(Result::err)
                            .map(|error| view! { <ErrorPanel error /> })
                    }}
                }
                    .into_any()
            }}
            <SignOutButton />
        </section>
    }
}
