//! A new registration: what for (subsystem), which entry, which school, and the child's
//! ID number — which the server claims for this registration alone.

use chrono::NaiveDateTime;
use leptos::prelude::*;

use super::{LoadFailed, Loading};
use crate::{
    api::registrations::{
        ClaimChildRegistration, CreateRegistration, OptionWindow, SubsystemOption,
        get_registration_options,
    },
    components::ErrorPanel,
    domain::{
        ResidentId, Subsystem, WindowState, dates::format_date_time, provenance::CONSENT_WORDING,
        registration::CHILD_CLAIMABLE,
    },
    error::AppError,
    i18n::{Locale, Text, t, use_locale},
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

/// A subsystem's window as a tag: its state, or that no window is set.
fn window_tag(window: Option<&OptionWindow>) -> (&'static str, &'static str, Text) {
    match window.map(|w| w.state) {
        Some(state @ WindowState::Open) => ("tag tag-open", "open", state.label()),
        Some(state @ WindowState::NotYetOpen) => ("tag tag-soon", "not-yet-open", state.label()),
        Some(state @ WindowState::Closed) => ("tag tag-closed", "closed", state.label()),
        None => ("tag tag-muted", "none", t("暂未公布", "Not announced")),
    }
}

/// What a subsystem's window means for starting a registration, with its dates in the
/// bureau's clock: 2026年7月1日 08:00 / 1 July 2026, 08:00.
fn window_sentence(window: Option<&OptionWindow>, locale: Locale) -> String {
    let Some(w) = window else {
        return t(
            "信息采集时间暂未公布。",
            "The collection window has not been announced yet.",
        )
        .get(locale)
        .to_owned();
    };
    let at = |when: NaiveDateTime| format_date_time(when, locale);
    match (w.state, locale) {
        (WindowState::Open, Locale::Zh) => format!("信息采集开放中，{} 截止。", at(w.closes_at)),
        (WindowState::Open, Locale::En) => format!("Open until {}.", at(w.closes_at)),
        (WindowState::NotYetOpen, Locale::Zh) => {
            format!("信息采集尚未开始，将于 {} 开放。", at(w.opens_at))
        }
        (WindowState::NotYetOpen, Locale::En) => {
            format!("Not open yet: collection opens on {}.", at(w.opens_at))
        }
        (WindowState::Closed, Locale::Zh) => format!("信息采集已于 {} 结束。", at(w.closes_at)),
        (WindowState::Closed, Locale::En) => format!("Collection ended on {}.", at(w.closes_at)),
    }
}

#[component]
fn NewRegistrationForm(options: Vec<SubsystemOption>) -> impl IntoView {
    let locale = use_locale();
    let create = ServerAction::<CreateRegistration>::new();
    let claim = ServerAction::<ClaimChildRegistration>::new();
    let school = RwSignal::new(String::new());
    // Chosen for the parent only when it is the one subsystem there is and it is open: with
    // two, the parent chooses, and one that is not open (or the other's being closed) never
    // decides for them.
    let preselected: Option<Subsystem> = match options.as_slice() {
        [only] if only.is_open() => Some(only.subsystem),
        _ => None,
    };
    let subsystem = RwSignal::new(preselected);
    let entry = RwSignal::new(None::<i32>);
    let child_id = RwSignal::new(String::new());
    let id_hint = RwSignal::new(None::<String>);
    let no_options = options.is_empty();
    let options = StoredValue::new(options);
    let error = move || create.value().get().and_then(Result::err);
    let claim_error = move || claim.value().get().and_then(Result::err);
    let claimable = move || field_problem(error(), CHILD_CLAIMABLE, locale.get());
    let chosen = move || {
        let chosen = subsystem.get();
        options.with_value(|o| o.iter().find(|s| Some(s.subsystem) == chosen).cloned())
    };
    let entries = move || chosen().map(|s| s.entries).unwrap_or_default();
    let is_open = move || chosen().is_some_and(|s| s.is_open());
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
                <fieldset class="choices" id="subsystem">
                    <legend>{move || t("报名类型", "What are you registering for?").get(locale.get())}</legend>
                    {no_options.then(|| view! {
                        <p class="hint">{move || t("目前没有可以报名的类型。", "Nothing is open for registration.").get(locale.get())}</p>
                    })}
                    {options.with_value(|o| o.iter().map(|option| {
                        let s = option.subsystem;
                        let window = option.window.clone();
                        let (tag_class, state_code, state_label) = window_tag(window.as_ref());
                        view! {
                            <label class="choice" data-subsystem=s.code() data-window-state=state_code>
                                <input type="radio" name="subsystem" value=s.code()
                                    checked=move || subsystem.get() == Some(s)
                                    on:change=move |_| { subsystem.set(Some(s)); entry.set(None); } />
                                <span>
                                    <strong>{move || s.name().get(locale.get())}</strong>
                                    <span class="hint">{move || s.audience().get(locale.get())}</span>
                                    <span class=tag_class>{move || state_label.get(locale.get())}</span>
                                    <span class="window-sentence" data-window-sentence=s.code()>
                                        {move || window_sentence(window.as_ref(), locale.get())}
                                    </span>
                                </span>
                            </label>
                        }
                    }).collect_view())}
                    {move || field_problem(error(), "subsystem", locale.get()).map(|m| view! { <p class="field-error">{m}</p> })}
                </fieldset>
                {move || chosen().filter(|s| !s.is_open()).map(|s| {
                    let name = s.subsystem.name();
                    let window = s.window;
                    view! {
                        <p class="callout" role="status" data-closed-notice=s.subsystem.code()>
                            {move || match locale.get() {
                                Locale::Zh => format!("{}：{}现在不能新建此类报名。", name.zh, window_sentence(window.as_ref(), Locale::Zh)),
                                Locale::En => format!("{}: {} A registration of this kind cannot be started now.", name.en, window_sentence(window.as_ref(), Locale::En)),
                            }}
                        </p>
                    }
                })}
                <fieldset class="choices" id="entry_id">
                    <legend>{move || t("报名入口", "Entry").get(locale.get())}</legend>
                    <p class="hint">{move || t("请根据孩子的户籍和家庭居住情况选择，不同入口需要填写的信息不同。", "Choose by the child's household registration and where the family lives: each entry asks for different sections.").get(locale.get())}</p>
                    {move || subsystem.get().is_none().then(|| view! {
                        <p class="hint" data-choose-subsystem="true">{move || t("请先选择报名类型。", "Choose what you are registering for first.").get(locale.get())}</p>
                    })}
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
                <select id="school_id" name="school_id" on:change=move |ev| school.set(event_target_value(&ev))>
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
                    <button type="submit" class="button button-primary" disabled={move || create.pending().get() || !is_open()}>
                        {move || t("开始填写", "Start").get(locale.get())}
                    </button>
                </div>
            </ActionForm>
            {move || claimable().map(|why| view! {
                <div class="panel" data-child-claim="true">
                    <h2>{move || t("我是孩子的父亲或母亲", "I am the child's father or mother").get(locale.get())}</h2>
                    <p>{why}</p>
                    <p class="hint">{move || CONSENT_WORDING.get(locale.get())}</p>
                    <div aria-live="assertive">
                        {move || claim_error().map(|error| view! { <ErrorPanel error /> })}
                    </div>
                    <ActionForm action=claim attr:class="form">
                        <input type="hidden" name="subsystem" prop:value=move || subsystem.get().map(|s| s.code().to_owned()).unwrap_or_default() />
                        <input type="hidden" name="entry_id" prop:value=move || entry.get().map(|e| e.to_string()).unwrap_or_default() />
                        <input type="hidden" name="school_id" prop:value=move || school.get() />
                        <input type="hidden" name="child_id_number" prop:value=move || child_id.get() />
                        <button type="submit" class="button button-primary" disabled={move || claim.pending().get()}>
                            {move || t("同意查询户籍登记，核验后报名", "Agree to check the household register and register").get(locale.get())}
                        </button>
                    </ActionForm>
                </div>
            })}
        </section>
    }
}
