//! A new registration: what for (subsystem), which entry, which school, and the child's
//! ID number — which the server claims for this registration alone.

use chrono::NaiveDateTime;
use leptos::{prelude::*, task::spawn_local};
use serde::{Deserialize, Serialize};

use super::{LoadFailed, Loading};
use crate::{
    api::registrations::{
        CreateRegistration, EntryOption, OptionWindow, SubsystemOption, claim_child_registration,
        create_registration, get_registration_options, move_child_registration,
    },
    components::ErrorPanel,
    domain::{
        ResidentId, Subsystem, WindowState,
        dates::format_date_time,
        provenance::CONSENT_WORDING,
        registration::{CHILD_CLAIMABLE, CHILD_MOVABLE},
    },
    error::AppError,
    i18n::{Locale, LocalizedText, Text, t, use_locale},
};

/// The new-registration page. The server renders it; only the form is an island (its code
/// is all a parent's phone downloads for this page, `crate::hydration`), given each
/// subsystem's window as the sentences to show.
#[component]
pub fn NewRegistrationPage() -> impl IntoView {
    let locale = use_locale();
    let options = Resource::new_blocking(|| (), |_| get_registration_options());
    view! {
        <section aria-labelledby="new-heading">
            <h1 id="new-heading">{move || t("新建报名", "New registration").get(locale.get())}</h1>
            <p class="hint" data-who-registers="true">{move || t(
                "请由孩子的父亲或母亲用本人的账号报名。建议由与孩子在同一户口的家长报名：户籍和父母名下的房产信息能自动回填，需要上传的照片更少。",
                "A parent registers the child, from their own account. Best is the parent in the same household register as the child: the household record and both parents' property records then fill in by themselves, and fewer photos are needed.",
            ).get(locale.get())}</p>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match options.await {
                        Ok(options) => {
                            let choices = options.into_iter().map(SubsystemChoice::of).collect();
                            view! { <NewRegistrationForm choices /> }.into_any()
                        }
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// A subsystem as the form offers it: what its window means in words (written on the
/// server, so that the form's code holds no date formatting) and its entries.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SubsystemChoice {
    subsystem: Subsystem,
    open: bool,
    /// `open`, `not-yet-open`, `closed` or `none`.
    state: String,
    tag_class: String,
    state_label: LocalizedText,
    window: LocalizedText,
    entries: Vec<EntryOption>,
}

impl SubsystemChoice {
    fn of(option: SubsystemOption) -> Self {
        let (tag_class, state, label) = window_tag(option.window.as_ref());
        let sentence = |locale| window_sentence(option.window.as_ref(), locale);
        Self {
            subsystem: option.subsystem,
            open: option.is_open(),
            state: state.to_owned(),
            tag_class: tag_class.to_owned(),
            state_label: LocalizedText::new(label.zh, label.en),
            window: LocalizedText {
                zh: sentence(Locale::Zh),
                en: sentence(Locale::En),
            },
            entries: option.entries,
        }
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

/// The form: the choices depend on each other, and the child's ID number is checked as it
/// is typed and posted, never put in an address. On success the server's redirect opens the
/// new registration's task list (a page load where the page hydrated as islands).
// An island where the page's bundle is built (`hydration::IslandBundle`).
#[cfg_attr(any(feature = "router", feature = "island-new-registration"), island)]
#[cfg_attr(
    not(any(feature = "router", feature = "island-new-registration")),
    component
)]
fn NewRegistrationForm(choices: Vec<SubsystemChoice>) -> impl IntoView {
    let locale = use_locale();
    // Chosen for the parent only when it is the one subsystem there is and it is open: with
    // two, the parent chooses, and one that is not open (or the other's being closed) never
    // decides for them.
    let preselected: Option<Subsystem> = match choices.as_slice() {
        [only] if only.open => Some(only.subsystem),
        _ => None,
    };
    let subsystem = RwSignal::new(preselected);
    let entry = RwSignal::new(None::<i32>);
    let school = NodeRef::<leptos::html::Select>::new();
    let child_id = NodeRef::<leptos::html::Input>::new();
    let id_hint = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let claim_error = RwSignal::new(None::<AppError>);
    // What was last sent: a claim repeats it.
    let sent = StoredValue::new(None::<CreateRegistration>);
    let no_choices = choices.is_empty();
    let choices = StoredValue::new(choices);
    let claimable = move || field_problem(error.get(), CHILD_CLAIMABLE, locale.get());
    let movable = move || field_problem(error.get(), CHILD_MOVABLE, locale.get());
    let chosen = move || {
        let chosen = subsystem.get();
        choices.with_value(|c| c.iter().find(|s| Some(s.subsystem) == chosen).cloned())
    };
    let entries = move || chosen().map(|s| s.entries).unwrap_or_default();
    let is_open = move || chosen().is_some_and(|s| s.open);
    let schools = move || {
        let chosen = entry.get();
        entries()
            .into_iter()
            .find(|e| Some(e.id) == chosen)
            .map(|e| e.schools)
            .unwrap_or_default()
    };
    let check_id = move |ev| {
        let text = event_target_value(&ev);
        id_hint.set(if text.trim().is_empty() {
            None
        } else {
            ResidentId::parse(&text, chrono::Utc::now().date_naive())
                .err()
                .map(|e| e.message(locale.get_untracked()))
        });
    };
    // Without the code (it has not arrived, or failed to) the form posts to the server.
    let action = <CreateRegistration as leptos::server_fn::ServerFn>::url();
    // Read from the page's fields as they are, typed before the code arrived or after.
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let child = CreateRegistration {
            subsystem: subsystem
                .get_untracked()
                .map(|s| s.code().to_owned())
                .unwrap_or_default(),
            entry_id: entry
                .get_untracked()
                .map(|e| e.to_string())
                .unwrap_or_default(),
            school_id: school
                .get_untracked()
                .map(|s| s.value())
                .unwrap_or_default(),
            child_id_number: child_id
                .get_untracked()
                .map(|i| i.value())
                .unwrap_or_default(),
        };
        sent.set_value(Some(child.clone()));
        pending.set(true);
        spawn_local(async move {
            let CreateRegistration {
                subsystem,
                entry_id,
                school_id,
                child_id_number,
            } = child;
            // On success the server's redirect moves on; the button stays pressed.
            if let Err(e) =
                create_registration(subsystem, entry_id, school_id, child_id_number).await
            {
                claim_error.try_set(None);
                error.try_set(Some(e));
                pending.try_set(false);
            }
        });
    };
    // What the refusal offered: a claim (the household register asked) repeats what was
    // sent; a move (the same person's other account holds it) sends only the ID number.
    let follow_up = move |moving: bool| {
        let Some(CreateRegistration {
            subsystem,
            entry_id,
            school_id,
            child_id_number,
        }) = sent.get_value()
        else {
            return;
        };
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        spawn_local(async move {
            let done = if moving {
                move_child_registration(child_id_number).await
            } else {
                claim_child_registration(subsystem, entry_id, school_id, child_id_number).await
            };
            if let Err(e) = done {
                claim_error.try_set(Some(e));
                pending.try_set(false);
            }
        });
    };
    view! {
        <div>
            <div aria-live="assertive">
                {move || error.get().map(|error| view! { <ErrorPanel error /> })}
            </div>
            <form class="form" novalidate="novalidate" method="post" action=action on:submit=start>
                <fieldset class="choices" id="subsystem">
                    <legend>{move || t("报名类型", "What are you registering for?").get(locale.get())}</legend>
                    {no_choices.then(|| view! {
                        <p class="hint">{move || t("目前没有可以报名的类型。", "Nothing is open for registration.").get(locale.get())}</p>
                    })}
                    {choices.with_value(|c| c.iter().map(|choice| {
                        let s = choice.subsystem;
                        let SubsystemChoice { state, tag_class, state_label, window, .. } = choice.clone();
                        view! {
                            <label class="choice" data-subsystem=s.code() data-window-state=state>
                                <input type="radio" name="subsystem" value=s.code()
                                    checked=move || subsystem.get() == Some(s)
                                    on:change=move |_| { subsystem.set(Some(s)); entry.set(None); } />
                                <span>
                                    <strong>{move || s.name().get(locale.get())}</strong>
                                    <span class="hint">{move || s.audience().get(locale.get())}</span>
                                    <span class=tag_class>{move || state_label.get(locale.get()).to_owned()}</span>
                                    <span class="window-sentence" data-window-sentence=s.code()>
                                        {move || window.get(locale.get()).to_owned()}
                                    </span>
                                </span>
                            </label>
                        }
                    }).collect_view())}
                    {move || field_problem(error.get(), "subsystem", locale.get()).map(|m| view! { <p class="field-error">{m}</p> })}
                </fieldset>
                {move || chosen().filter(|s| !s.open).map(|s| {
                    let name = s.subsystem.name();
                    let window = s.window;
                    view! {
                        <div class="callout" role="status" data-closed-notice=s.subsystem.code()>
                            <p>
                                {move || match locale.get() {
                                    Locale::Zh => format!("{}：{}现在不能新建此类报名。", name.zh, window.zh),
                                    Locale::En => format!("{}: {} A registration of this kind cannot be started now.", name.en, window.en),
                                }}
                            </p>
                            <p>
                                {move || t("已经报过名、后来换了手机号或爱山东账号？", "Registered before, then changed your phone number or host-app account? ").get(locale.get())}
                                <a href="/registrations/move">{move || t("找回之前用本人另一个账号报的名", "Bring over a registration from your other account").get(locale.get())}</a>
                            </p>
                        </div>
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
                    {move || field_problem(error.get(), "entry_id", locale.get()).map(|m| view! { <p class="field-error">{m}</p> })}
                </fieldset>
                <label for="school_id">{move || t("报名学校", "School").get(locale.get())}</label>
                <select id="school_id" name="school_id" node_ref=school>
                    <option value="">{move || t("请选择", "Choose").get(locale.get())}</option>
                    {move || schools().into_iter().map(|s| view! { <option value=s.id>{move || s.name.get(locale.get()).to_owned()}</option> }).collect_view()}
                </select>
                {move || field_problem(error.get(), "school_id", locale.get()).map(|m| view! { <p class="field-error">{m}</p> })}
                <label for="child_id_number">{move || t("儿童身份证号", "Child's ID number").get(locale.get())}</label>
                <p class="hint">{move || t("18 位，最后一位可能是 X。每个孩子每学年只能报名一次。", "18 characters; the last may be X. A child can be registered once a school year.").get(locale.get())}</p>
                <input id="child_id_number" name="child_id_number" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="20"
                    node_ref=child_id on:blur=check_id />
                {move || id_hint.get().or_else(|| field_problem(error.get(), "child_id_number", locale.get())).map(|m| view! { <p class="field-error" id="child-id-error">{m}</p> })}
                <div class="action-bar">
                    <a class="button" href="/registrations">{move || t("返回列表", "Back to list").get(locale.get())}</a>
                    <button type="submit" class="button button-primary" disabled={move || pending.get() || !is_open()}>
                        {move || t("开始填写", "Start").get(locale.get())}
                    </button>
                </div>
            </form>
            {move || claimable().map(|why| view! {
                <div class="panel" data-child-claim="true">
                    <h2>{move || t("我是孩子的父亲或母亲", "I am the child's father or mother").get(locale.get())}</h2>
                    <p>{why}</p>
                    <p class="hint">{move || CONSENT_WORDING.get(locale.get())}</p>
                    <div aria-live="assertive">
                        {move || claim_error.get().map(|error| view! { <ErrorPanel error /> })}
                    </div>
                    <div class="form">
                        <button type="button" class="button button-primary" disabled=move || pending.get() on:click=move |_| follow_up(false)>
                            {move || t("同意查询户籍登记，核验后报名", "Agree to check the household register and register").get(locale.get())}
                        </button>
                    </div>
                </div>
            })}
            {move || movable().map(|why| view! {
                <div class="panel" data-child-move="true">
                    <h2>{move || t("转到当前账号", "Move it to this account").get(locale.get())}</h2>
                    <p>{why}</p>
                    <div aria-live="assertive">
                        {move || claim_error.get().map(|error| view! { <ErrorPanel error /> })}
                    </div>
                    <div class="form">
                        <button type="button" class="button button-primary" disabled=move || pending.get() on:click=move |_| follow_up(true)>
                            {move || t("把报名转到当前账号", "Move the registration here").get(locale.get())}
                        </button>
                    </div>
                </div>
            })}
        </div>
    }
}
