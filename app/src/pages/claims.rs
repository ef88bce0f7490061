//! The bureau's list of registrations set aside by a parent the household register
//! confirms (a child held by another account), with the one that replaced each, and the
//! decision: uphold (close it for good) or restore it.

use leptos::prelude::*;

use crate::components::LoadFailed;
use crate::{
    api::claims::{DecideSetAside, get_set_aside_claims},
    components::ErrorPanel,
    domain::dates::format_date_time,
    i18n::{t, use_locale},
};

/// `/bureau/claims`.
#[component]
pub fn ClaimsPage() -> impl IntoView {
    let locale = use_locale();
    let decide = ServerAction::<DecideSetAside>::new();
    let claims = Resource::new_blocking(move || decide.version().get(), |_| get_set_aside_claims());
    view! {
        <section class="review" aria-labelledby="claims-heading">
            <h1 id="claims-heading">{move || t("被替换的报名", "Registrations set aside").get(locale.get())}</h1>
            <p class="hint">{move || t(
                "户籍登记确认的父母为孩子报名时，其他账号占用该儿童身份证号的报名会交由教体局处理。请核实后决定：维持（关闭原报名）或恢复原报名（父母的报名将被替换）。",
                "When a parent the household register confirms registers a child whose number another account held, that registration comes here. Check, then uphold (close it) or restore it (the parent's is set aside instead).",
            ).get(locale.get())}</p>
            <div aria-live="assertive">
                {move || decide.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
            </div>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match claims.await {
                        Ok(list) if list.is_empty() => view! {
                            <p data-claims="none">{move || t("目前没有被替换的报名。", "No registration is set aside.").get(locale.get())}</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <table class="queue" data-claims="list">
                                <thead>
                                    <tr>
                                        <th scope="col">{move || t("原报名", "Set aside").get(locale.get())}</th>
                                        <th scope="col">{move || t("儿童身份证号", "Child's ID number").get(locale.get())}</th>
                                        <th scope="col">{move || t("学校", "School").get(locale.get())}</th>
                                        <th scope="col">{move || t("替换时间", "When").get(locale.get())}</th>
                                        <th scope="col">{move || t("父母的报名", "The parent's registration").get(locale.get())}</th>
                                        <th scope="col">{move || t("决定", "Decision").get(locale.get())}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list.into_iter().map(|c| {
                                        let id = c.id;
                                        let school = c.school.clone();
                                        view! {
                                            <tr data-claim=c.reference.clone()>
                                                <td>{c.reference.clone()}</td>
                                                <td>{c.child_masked_id.clone()}</td>
                                                <td>{move || school.get(locale.get()).to_owned()}</td>
                                                <td><time>{move || format_date_time(c.set_aside_at, locale.get())}</time></td>
                                                <td>{c.claimed_by.clone().unwrap_or_else(|| "—".to_owned())}</td>
                                                <td class="button-row">
                                                    <button type="button" class="button button-small" on:click=move |_| { decide.dispatch(DecideSetAside { id, restore: false }); }>
                                                        {move || t("维持", "Uphold").get(locale.get())}
                                                    </button>
                                                    <button type="button" class="button button-small" on:click=move |_| { decide.dispatch(DecideSetAside { id, restore: true }); }>
                                                        {move || t("恢复原报名", "Restore").get(locale.get())}
                                                    </button>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
