//! A new registration: what for (subsystem), which entry, which school, and the child's
//! ID number — which the server claims for this registration alone.

use leptos::prelude::*;

use super::{
    LoadFailed, Loading,
    api::{CreateRegistration, SubsystemOption, get_registration_options},
};
use crate::{
    components::ErrorPanel,
    domain::{ResidentId, Subsystem},
    error::AppError,
    i18n::{Locale, t, use_locale},
};

/// The new-registration page.
#[component]
pub fn NewRegistrationPage() -> impl IntoView {
    let options = Resource::new_blocking(|| (), |_| get_registration_options());
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match options.await {
                    Ok(options) => view! { <NewRegistrationForm options /> }.into_any(),
                    Err(error) => view! { <LoadFailed error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The message of the problem about `field` in the action's last error, if any.
fn field_problem(error: Option<AppError>, field: &str, locale: Locale) -> Option<String> {
    match error {
        Some(AppError::Invalid { problems }) => problems
            .iter()
            .find(|p| p.field == field)
            .map(|p| p.message.get(locale).to_owned()),
        _ => None,
    }
}

#[component]
fn NewRegistrationForm(options: Vec<SubsystemOption>) -> impl IntoView {
    let locale = use_locale();
    let create = ServerAction::<CreateRegistration>::new();
    let first_open = options
        .iter()
        .find(|o| o.open)
        .map_or(Subsystem::Enrollment, |o| o.subsystem);
    let subsystem = RwSignal::new(first_open);
    let entry = RwSignal::new(None::<i32>);
    let child_id = RwSignal::new(String::new());
    let id_hint = RwSignal::new(None::<String>);
    let options = StoredValue::new(options);
    let error = move || create.value().get().and_then(Result::err);
    let entries = move || {
        options.with_value(|o| {
            o.iter()
                .find(|s| s.subsystem == subsystem.get())
                .map(|s| s.entries.clone())
                .unwrap_or_default()
        })
    };
    let is_open =
        move || options.with_value(|o| o.iter().any(|s| s.subsystem == subsystem.get() && s.open));
    let schools = move || {
        let chosen = entry.get();
        entries()
            .into_iter()
            .find(|e| Some(e.id) == chosen)
            .map(|e| e.schools)
            .unwrap_or_default()
    };
    let check_id = move |_| {
        let text = child_id.get_untracked();
        id_hint.set(if text.trim().is_empty() {
            None
        } else {
            ResidentId::parse(&text, chrono::Utc::now().date_naive())
                .err()
                .map(|e| e.message(locale.get_untracked()))
        });
    };
    view! {
        <section aria-labelledby="new-heading">
            <h1 id="new-heading">{move || t("新建报名", "New registration").get(locale.get())}</h1>
            <div aria-live="assertive">
                {move || error().map(|error| view! { <ErrorPanel error /> })}
            </div>
            <ActionForm action=create attr:class="form" attr:novalidate="novalidate">
                <fieldset class="choices">
                    <legend>{move || t("报名类型", "What are you registering for?").get(locale.get())}</legend>
                    {options.with_value(|o| o.iter().map(|option| {
                        let s = option.subsystem;
                        let open = option.open;
                        view! {
                            <label class="choice">
                                <input type="radio" name="subsystem" value=s.code()
                                    checked=move || subsystem.get() == s
                                    on:change=move |_| { subsystem.set(s); entry.set(None); } />
                                <span>
                                    <strong>{move || s.name().get(locale.get())}</strong>
                                    <span class="hint">{move || s.audience().get(locale.get())}</span>
                                    {(!open).then(|| view! { <span class="tag tag-closed">{move || t("未开放", "Not open").get(locale.get())}</span> })}
                                </span>
                            </label>
                        }
                    }).collect_view())}
                </fieldset>
                {move || (!is_open()).then(|| view! {
                    <p class="callout">{move || t("该类型当前不在信息采集时间内，暂不能新建报名。", "This is outside the collection window: a new registration cannot be started now.").get(locale.get())}</p>
                })}
                <fieldset class="choices" id="entry_id">
                    <legend>{move || t("报名入口", "Entry").get(locale.get())}</legend>
                    <p class="hint">{move || t("请根据孩子的户籍和家庭居住情况选择，不同入口需要填写的信息不同。", "Choose by the child's household registration and where the family lives: each entry asks for different sections.").get(locale.get())}</p>
                    {move || entries().into_iter().map(|e| {
                        let id = e.id;
                        let name = e.name.clone();
                        let explanation = e.explanation.clone();
                        let sections = e.sections.clone();
                        view! {
                            <label class="choice">
                                <input type="radio" name="entry_id" value=id checked=move || entry.get() == Some(id) on:change=move |_| entry.set(Some(id)) />
                                <span>
                                    <strong>{move || name.get(locale.get()).to_owned()}</strong>
                                    <span class="hint">{move || explanation.get(locale.get()).to_owned()}</span>
                                    <span class="hint">
                                        {move || {
                                            let names: Vec<&str> = sections.iter().map(|s| s.title().get(locale.get())).collect();
                                            match locale.get() {
                                                Locale::Zh => format!("需填写 {} 项：{}", names.len(), names.join("、")),
                                                Locale::En => format!("{} sections: {}", names.len(), names.join(", ")),
                                            }
                                        }}
                                    </span>
                                </span>
                            </label>
                        }
                    }).collect_view()}
                    {move || field_problem(error(), "entry_id", locale.get()).map(|m| view! { <p class="field-error">{m}</p> })}
                </fieldset>
                <label for="school_id">{move || t("报名学校", "School").get(locale.get())}</label>
                <select id="school_id" name="school_id">
                    <option value="">{move || t("请选择", "Choose").get(locale.get())}</option>
                    {move || schools().into_iter().map(|s| view! { <option value=s.id>{move || s.name.get(locale.get()).to_owned()}</option> }).collect_view()}
                </select>
                {move || field_problem(error(), "school_id", locale.get()).map(|m| view! { <p class="field-error">{m}</p> })}
                <label for="child_id_number">{move || t("儿童身份证号", "Child's ID number").get(locale.get())}</label>
                <p class="hint">{move || t("18 位，最后一位可能是 X。每个孩子只能报名一次。", "18 characters; the last may be X. A child can be registered once only.").get(locale.get())}</p>
                <input id="child_id_number" name="child_id_number" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="20"
                    prop:value=move || child_id.get()
                    on:input=move |ev| child_id.set(event_target_value(&ev))
                    on:blur=check_id />
                {move || id_hint.get().or_else(|| field_problem(error(), "child_id_number", locale.get())).map(|m| view! { <p class="field-error" id="child-id-error">{m}</p> })}
                <div class="action-bar">
                    <a class="button" href="/registrations">{move || t("返回列表", "Back to list").get(locale.get())}</a>
                    <button type="submit" class="button button-primary" disabled=move || create.pending().get() || !is_open()>
                        {move || t("开始填写", "Start").get(locale.get())}
                    </button>
                </div>
            </ActionForm>
        </section>
    }
}
