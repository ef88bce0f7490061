//! One section of a registration, one thing per page. Every change is kept on the device
//! at once and saved to the server two seconds after the last keystroke, and at once when
//! the page is hidden or left. Every save carries the version it was based on: a stale page
//! (a second tab, the back button) cannot overwrite newer answers.

use std::{collections::BTreeMap, time::Duration};

use leptos::{ev, prelude::*, task::spawn_local};
use leptos_router::hooks::{use_navigate, use_params_map};

use super::{
    LoadFailed, Loading, overview::RegistrationHeader, read_registration, use_registration_id,
};
use crate::{
    api::registrations::{
        LookupState, RegistrationView, SaveOutcome, SourceCheck, decide_registry_consent,
        get_registry_status, save_section,
    },
    browser::{
        drafts::{self, LocalDraft},
        saves,
    },
    domain::{
        SectionData, SectionKind, SectionStatus, Subsystem, merge,
        provenance::{
            CONSENT_WORDING, CORRECTION_REASONS, RegistrySource, is_prefilled, merge_prefill,
        },
        sections::{self, FieldKind, FieldSpec, SectionContext},
    },
    error::{AppError, FieldProblem},
    i18n::{Locale, t, use_locale},
    routes,
};

/// The section page.
#[component]
pub fn SectionPage() -> impl IntoView {
    let id = use_registration_id();
    let params = use_params_map();
    let section = Signal::derive(move || params.read().get("section").unwrap_or_default());
    // Keyed on the section too: every visit reads the server's current state and version.
    let registration = Resource::new_blocking(
        move || (id.get(), section.get()),
        |(id, _)| read_registration(id),
    );
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                let kind = SectionKind::from_code(&section.get_untracked());
                match (registration.await, kind) {
                    (Ok(r), Some(kind)) if r.status_of(kind).is_some() => view! { <SectionForm r kind /> }.into_any(),
                    (Ok(_), _) => view! { <LoadFailed error=AppError::NotFound /> }.into_any(),
                    (Err(error), _) => view! { <LoadFailed error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Where the autosave stands, announced politely to screen readers.
#[derive(Clone, Debug, PartialEq, Eq)]
enum SaveState {
    Idle,
    Unsaved,
    Saving,
    Saved(String),
    Offline,
    /// The server asked to be called again later (a crowd): kept here, sent again soon.
    Busy,
    Failed(AppError),
    Conflict,
}

/// A save refused because another page changed the same answers.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Conflicted {
    /// The section's version holding `theirs`.
    version: i64,
    /// The answers this page's changes were measured against.
    base: SectionData,
    theirs: SectionData,
    /// The answers changed on both sides.
    fields: Vec<String>,
}

#[component]
fn SectionForm(r: RegistrationView, kind: SectionKind) -> impl IntoView {
    let locale = use_locale();
    let navigate = use_navigate();
    let reg_id = r.id;
    let code = kind.code();
    let subsystem = r.subsystem;
    let status = r.status_of(kind).unwrap_or(SectionStatus::NotStarted);
    let editable = r.editable && status != SectionStatus::CannotStartYet;
    // While the school's requested changes are open, only the fields it named can change.
    let request = StoredValue::new(r.change_request.clone());
    let other_answers = StoredValue::new(r.answers.clone());
    let server_data = r.answers.get(&kind).cloned().unwrap_or_default();
    // The section's own version and answers as read: the base of this tab's saves.
    saves::open(
        reg_id,
        code,
        r.section_versions.get(&kind).copied().unwrap_or(0),
        server_data.clone(),
    );
    let data = RwSignal::new(server_data);
    let save_state = RwSignal::new(SaveState::Idle);
    let problems = RwSignal::new(Vec::<FieldProblem>::new());
    let conflict = RwSignal::new(None::<Conflicted>);
    let offer = RwSignal::new(None::<LocalDraft>);
    // Government registries (自动回填): the values they confirm for this section, the
    // prefilled values the parent corrected, the parent's consent, and where lookups stand.
    let source = RegistrySource::for_section(kind).filter(|s| r.registry.configured.contains(s));
    let prefill = RwSignal::new(r.prefill.get(&kind).cloned().unwrap_or_default());
    let corrections = RwSignal::new(
        r.provenance
            .get(&kind)
            .map(|fields| {
                fields
                    .iter()
                    .filter_map(|(f, p)| p.correction.clone().map(|c| (f.clone(), c)))
                    .collect::<BTreeMap<_, _>>()
            })
            .unwrap_or_default(),
    );
    let consent = RwSignal::new(r.registry.consent);
    let checks = RwSignal::new(Vec::<SourceCheck>::new());
    // Plain bookkeeping, read untracked; signals so that a late timer or answer arriving
    // after the page was left finds them gone instead of failing.
    let generation = RwSignal::new(0_u64);
    // A save asked for while another was on its way: whether it completes, where it goes.
    let queued = RwSignal::new(None::<(bool, Option<String>)>);
    // Saves refused for a crowd or lost to the network in a row: each waits twice as long
    // before trying again (2, 4, 8 … 60 s, spread a little per registration); a bump of
    // `retry` asks for it.
    let failures = RwSignal::new(0_u32);
    let retry = RwSignal::new(0_u32);
    let (previous, next) = r.neighbours(kind);
    let overview = routes::registration(reg_id);
    // From the check-your-answers page, "save and continue" goes back there.
    let from_confirm = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("from").is_some_and(|f| f == "confirm"));
    let next_href = if from_confirm {
        routes::confirm(reg_id)
    } else {
        next.map_or_else(|| overview.clone(), |n| routes::section(reg_id, n))
    };
    let previous_href = previous.map(|p| routes::section(reg_id, p));
    let go = Callback::new(move |to: String| navigate(&to, Default::default()));

    // A copy on this device that differs from the server's is offered back, never applied
    // or dropped silently.
    Effect::new(move |_| {
        if let Some(local) = drafts::load(reg_id, code) {
            if local.data == data.get_untracked()
                && local.corrections == corrections.get_untracked()
            {
                drafts::remove(reg_id, code);
            } else {
                offer.set(Some(local));
            }
        }
    });

    // Sends saves one after another until none is left: the one asked for, then any asked
    // for meanwhile, then what the page held when it was left. The chain counts as one
    // save on its way, so the next page reads only after it.
    let run = move |complete: bool, then: Option<String>| {
        spawn_local(async move {
            let _pending = saves::begin();
            let mut complete = complete;
            let mut then = then;
            loop {
                let (snapshot, noted, on_page) =
                    match (data.try_get_untracked(), corrections.try_get_untracked()) {
                        (Some(d), Some(c)) => (d, c, true),
                        _ => match saves::with(reg_id, code, |b| b.left.take()) {
                            Some((d, c)) => (d, c, false),
                            None => break,
                        },
                    };
                let (base_version, base) =
                    saves::with(reg_id, code, |b| (b.version, b.base.clone()));
                let result = save_section(
                    reg_id,
                    code.to_owned(),
                    base_version,
                    snapshot.clone(),
                    noted.clone(),
                    complete && on_page,
                    Some(base.clone()),
                )
                .await;
                let mut go_on = false;
                match result {
                    Ok(SaveOutcome::Saved {
                        version: v,
                        saved_at,
                        status,
                        problems: found,
                        merged,
                        ..
                    }) => {
                        let saved = merged.clone().unwrap_or_else(|| snapshot.clone());
                        saves::with(reg_id, code, |b| {
                            b.version = v;
                            b.base = saved.clone();
                        });
                        // Answers another page changed meanwhile, and this one did not since.
                        if let Some(merged) = &merged {
                            data.try_update(|d| {
                                for (field, value) in merged {
                                    if d.get(field) == snapshot.get(field) {
                                        d.insert(field.clone(), value.clone());
                                    }
                                }
                            });
                        }
                        save_state.try_set(SaveState::Saved(saved_at));
                        match (data.try_get_untracked(), corrections.try_get_untracked()) {
                            (Some(current), Some(now_noted))
                                if current != saved || now_noted != noted =>
                            {
                                drafts::store(
                                    reg_id,
                                    code,
                                    &LocalDraft {
                                        base_version: v,
                                        data: current,
                                        corrections: now_noted,
                                    },
                                );
                            }
                            (Some(_), Some(_)) => drafts::remove(reg_id, code),
                            // Sent after the page was left: the copy on this device goes
                            // only if it holds what was saved.
                            _ => {
                                if drafts::load(reg_id, code).is_some_and(|d| d.data == snapshot) {
                                    drafts::remove(reg_id, code);
                                }
                            }
                        }
                        if complete && on_page {
                            problems.try_set(found.clone());
                        }
                        let done =
                            !complete || (found.is_empty() && status == SectionStatus::Completed);
                        if on_page
                            && done
                            && let Some(to) = then.take()
                        {
                            go.try_run(to);
                        }
                        go_on = true;
                    }
                    // Changed on both sides: shown side by side; the page keeps its answers
                    // (and this device its copy) until the parent chooses.
                    Ok(SaveOutcome::Conflict {
                        version: v,
                        data: newer,
                        fields,
                    }) => {
                        conflict.try_set(Some(Conflicted {
                            version: v,
                            base,
                            theirs: newer,
                            fields,
                        }));
                        save_state.try_set(SaveState::Conflict);
                    }
                    Err(error @ (AppError::Network | AppError::Unavailable { .. })) => {
                        save_state.try_set(if error == AppError::Network {
                            SaveState::Offline
                        } else {
                            SaveState::Busy
                        });
                        if on_page
                            && let Some(n) = failures.try_update(|n| {
                                *n = n.saturating_add(1);
                                *n
                            })
                        {
                            let seconds = 2_u64.saturating_pow(n.min(6)).min(60);
                            let spread = u64::from(reg_id.unsigned_abs() % 997);
                            set_timeout(
                                move || {
                                    retry.try_update(|r| *r = r.wrapping_add(1));
                                },
                                Duration::from_millis(seconds * 1000 + spread),
                            );
                        }
                    }
                    Err(error) => {
                        save_state.try_set(SaveState::Failed(error));
                    }
                }
                if go_on {
                    failures.try_set(0);
                }
                if go_on
                    && on_page
                    && let Some(Some((next_complete, next_then))) = queued.try_update(Option::take)
                {
                    complete = next_complete;
                    then = next_then;
                    continue;
                }
                queued.try_set(None);
                if go_on && saves::with(reg_id, code, |b| b.left.is_some()) {
                    continue;
                }
                break;
            }
            saves::with(reg_id, code, |b| b.in_flight = false);
        });
    };
    // Saves now; `complete` checks the answers ("save and continue"); `then` is where to go
    // after a successful save. Saves never overlap: one asked for during another runs after.
    let save = move |complete: bool, then: Option<String>| {
        if !editable {
            if let Some(to) = then {
                go.run(to);
            }
            return;
        }
        if saves::with(reg_id, code, |b| std::mem::replace(&mut b.in_flight, true)) {
            queued.try_update(|q| {
                let earlier = q.take();
                // "Save and continue" asked for while an autosave is on its way stays asked.
                let complete = complete || earlier.as_ref().is_some_and(|(c, _)| *c);
                let then = then.or_else(|| earlier.and_then(|(_, t)| t));
                *q = Some((complete, then));
            });
            return;
        }
        save_state.set(SaveState::Saving);
        run(complete, then);
    };

    // Something changed: keep it on the device at once, save it two seconds later.
    let touch = move || {
        drafts::store(
            reg_id,
            code,
            &LocalDraft {
                base_version: saves::with(reg_id, code, |b| b.version),
                data: data.get_untracked(),
                corrections: corrections.get_untracked(),
            },
        );
        save_state.set(SaveState::Unsaved);
        generation.update(|g| *g += 1);
        let mine = generation.get_untracked();
        set_timeout(
            move || {
                if generation.try_get_untracked() == Some(mine) {
                    save(false, None);
                }
            },
            Duration::from_secs(2),
        );
    };
    let on_change = move |name: &'static str, value: String| {
        data.update(|d| {
            d.insert(name.to_owned(), value);
        });
        touch();
    };

    // A registry's answer fills the fields still empty (never one the parent typed or
    // corrected), whenever it arrives.
    let apply_prefill = move |values: SectionData| {
        if prefill.try_set(values.clone()).is_some() || !editable {
            return;
        }
        let corrected = corrections.get_untracked();
        let usable: SectionData = values
            .into_iter()
            .filter(|(field, _)| !corrected.contains_key(field))
            .collect();
        let (merged, filled) = merge_prefill(kind, &data.get_untracked(), &usable);
        if !filled.is_empty() {
            data.set(merged);
            touch();
        }
    };
    let poll = move || poll_registry(reg_id, code, checks, apply_prefill, 20);
    Effect::new(move |_| {
        if editable && source.is_some() && consent.get_untracked() == Some(true) {
            apply_prefill(prefill.get_untracked());
            poll();
        }
    });
    let decide = move |grant: bool| {
        spawn_local(async move {
            match decide_registry_consent(reg_id, grant).await {
                Ok(()) => {
                    consent.try_set(Some(grant));
                    if grant && let Some(source) = source {
                        checks.try_set(vec![SourceCheck {
                            source,
                            state: LookupState::Checking,
                        }]);
                        poll();
                    }
                }
                Err(error) => {
                    save_state.try_set(SaveState::Failed(error));
                }
            }
        });
    };

    // Leaving the page or hiding it (home button, switching apps) saves at once.
    let flush = move || {
        if matches!(
            save_state.get_untracked(),
            SaveState::Unsaved | SaveState::Offline | SaveState::Busy
        ) {
            save(false, None);
        }
    };
    // The backoff's turn: send again what is still unsent.
    Effect::new(move |previous: Option<u32>| {
        let now = retry.get();
        if previous.is_some_and(|p| p != now) {
            flush();
        }
        now
    });
    let hidden = window_event_listener(ev::visibilitychange, move |_| {
        if document().hidden() {
            flush();
        }
    });
    // The page is going away (closed, or the webview left): a request the browser finishes
    // on its own, since one made the usual way may be cancelled with the page.
    let pagehide = window_event_listener(ev::pagehide, move |_| {
        let unsent = matches!(
            save_state.try_get_untracked(),
            Some(SaveState::Unsaved | SaveState::Offline | SaveState::Busy | SaveState::Saving)
        );
        if editable
            && unsent
            && let (Some(snapshot), Some(noted)) =
                (data.try_get_untracked(), corrections.try_get_untracked())
        {
            let (base_version, base) = saves::with(reg_id, code, |b| (b.version, b.base.clone()));
            drafts::send_on_exit(reg_id, code, base_version, &base, &snapshot, &noted);
        }
    });
    on_cleanup(move || {
        hidden.remove();
        pagehide.remove();
        // Left within two seconds of typing (the browser's back button, a link): what the
        // page holds now is sent, after any save already on its way, and the next page
        // reads the registration only after it was answered.
        let unsaved = matches!(
            save_state.try_get_untracked(),
            Some(SaveState::Unsaved | SaveState::Offline | SaveState::Busy)
        ) || queued.try_get_untracked().flatten().is_some();
        if editable
            && unsaved
            && let (Some(snapshot), Some(noted)) =
                (data.try_get_untracked(), corrections.try_get_untracked())
        {
            let busy = saves::with(reg_id, code, |b| {
                b.left = Some((snapshot, noted));
                std::mem::replace(&mut b.in_flight, true)
            });
            if !busy {
                run(false, None);
            }
        }
    });

    let field_list = move || {
        let current = data.get();
        let mut answers = other_answers.get_value();
        answers.insert(kind, current.clone());
        let ctx = SectionContext {
            subsystem,
            child_id_number: "",
            answers: &answers,
            today: chrono::Utc::now().date_naive(),
        };
        sections::fields(kind, &current, &ctx)
    };
    let check_field = move |spec: FieldSpec| {
        let current = data.get_untracked();
        let mut answers = other_answers.get_value();
        answers.insert(kind, current.clone());
        let ctx = SectionContext {
            subsystem,
            child_id_number: "",
            answers: &answers,
            today: chrono::Utc::now().date_naive(),
        };
        let found = sections::validate(kind, &current, &ctx);
        problems.update(|p| {
            p.retain(|x| x.field != spec.name);
            if !current.get(spec.name).is_none_or(|v| v.trim().is_empty())
                && let Some(problem) = found.into_iter().find(|x| x.field == spec.name)
            {
                p.push(problem);
            }
        });
    };

    // The parent settles a conflict in one tap: their answers or the other page's for what
    // both changed, the other page's changes to everything else kept either way.
    let resolve_conflict = Callback::new(move |keep_mine: bool| {
        let Some(found) = conflict.get_untracked() else {
            return;
        };
        let resolved = merge::resolve(&found.base, &data.get_untracked(), &found.theirs, keep_mine);
        saves::with(reg_id, code, |b| {
            b.version = found.version;
            b.base = found.theirs.clone();
        });
        conflict.set(None);
        problems.set(Vec::new());
        let unchanged = resolved == found.theirs;
        data.set(resolved);
        if unchanged {
            drafts::remove(reg_id, code);
            save_state.set(SaveState::Idle);
        } else {
            save_state.set(SaveState::Unsaved);
            save(false, None);
        }
    });
    let next_for_button = next_href.clone();
    let overview_for_button = overview.clone();
    view! {
        <section aria-labelledby="section-heading" data-section=code>
            <h1 id="section-heading">{move || kind.title().get(locale.get())}</h1>
            <RegistrationHeader r=r.clone() />
            {(!editable).then(|| view! {
                <p class="callout" role="status" data-read-only="true">
                    {move || t("此项目当前只能查看，不能修改。", "This section can be viewed but not changed now.").get(locale.get())}
                </p>
            })}
            {move || (editable && source.is_some()).then(|| {
                match consent.get() {
                    None => view! {
                        <div class="panel consent" data-registry-consent="ask">
                            <h2>{move || t("自动查询政务数据", "Fill in from government records").get(locale.get())}</h2>
                            <p>{move || CONSENT_WORDING.get(locale.get())}</p>
                            <div class="button-row">
                                <button type="button" class="button button-primary" on:click=move |_| decide(true)>
                                    {move || t("同意查询", "Agree and look up").get(locale.get())}
                                </button>
                                <button type="button" class="button" on:click=move |_| decide(false)>
                                    {move || t("不同意，我手动填写", "No, I will type it").get(locale.get())}
                                </button>
                            </div>
                        </div>
                    }.into_any(),
                    Some(false) => view! {
                        <p class="hint" data-registry-consent="declined">
                            {move || t("您选择了手动填写，请上传相应证明材料。", "You chose to type everything; upload the supporting documents.").get(locale.get())}
                            " "
                            <button type="button" class="link-button" on:click=move |_| decide(true)>
                                {move || t("改为自动查询", "Look it up instead").get(locale.get())}
                            </button>
                        </p>
                    }.into_any(),
                    Some(true) => view! {
                        <div class="lookup-status" role="status" aria-live="polite">
                            {move || checks.get().into_iter().map(|check| {
                                let who = check.source.authority();
                                let document = check.source.document().name();
                                let state = check.state;
                                let code = match state {
                                    LookupState::Checking => "checking",
                                    LookupState::Slow => "slow",
                                    LookupState::Found => "found",
                                    LookupState::NotFound => "not-found",
                                    LookupState::Unavailable => "unavailable",
                                    LookupState::NotConfirmed => "not-confirmed",
                                    LookupState::Limited => "limited",
                                    LookupState::Waiting => "waiting",
                                };
                                view! {
                                    <p class="lookup" data-lookup-state=code>
                                        {move || {
                                            let l = locale.get();
                                            let (who, document) = (who.get(l), document.get(l));
                                            match (state, l) {
                                                (LookupState::Checking, Locale::Zh) => format!("正在向{who}核验…您可以继续填写。"),
                                                (LookupState::Checking, Locale::En) => format!("Checking with {who}… you can keep typing."),
                                                (LookupState::Slow, Locale::Zh) => format!("{who}响应较慢，请先手动填写；查询结果返回后只补充空白项，不会改动您填写的内容。"),
                                                (LookupState::Slow, Locale::En) => format!("{who} is slow: type the answers yourself. A late answer only fills blanks and never changes what you typed."),
                                                (LookupState::Found, Locale::Zh) => format!("已从{who}自动回填。标有“自动回填”的内容如有误，请点“信息有误”。"),
                                                (LookupState::Found, Locale::En) => format!("Filled in from {who}. If a prefilled answer is wrong, press “This is wrong”."),
                                                (LookupState::NotFound, Locale::Zh) => format!("{who}中暂未查到（新落户、新办证的数据可能有延迟），请手动填写，并上传{document}。"),
                                                (LookupState::NotFound, Locale::En) => format!("{who} has no record yet (new registrations take time to appear): type the answers and upload: {document}."),
                                                (LookupState::Unavailable, Locale::Zh) => format!("{who}暂时无法访问，请手动填写，并上传{document}。"),
                                                (LookupState::Unavailable, Locale::En) => format!("{who} cannot be reached now: type the answers and upload: {document}."),
                                                (LookupState::NotConfirmed, Locale::Zh) => format!("{who}中未能确认您是孩子的父母，因此不会调取任何登记信息。请手动填写，并上传{document}等证明材料；审核学校会核对。"),
                                                (LookupState::NotConfirmed, Locale::En) => format!("{who} does not list you as the child's parent, so no registered information is used. Type the answers and upload: {document}, as proof; the school checks it."),
                                                (LookupState::Limited, Locale::Zh) => format!("一小时内查询次数过多，暂不向{who}查询。请手动填写，并上传{document}。"),
                                                (LookupState::Limited, Locale::En) => format!("Too many look-ups within the hour: {who} is not asked now. Type the answers and upload: {document}."),
                                                (LookupState::Waiting, _) => String::new(),
                                            }
                                        }}
                                    </p>
                                }
                            }).collect_view()}
                        </div>
                    }.into_any(),
                }
            })}
            <div class="save-status" role="status" aria-live="polite" data-save-state=move || match save_state.get() {
                SaveState::Idle => "idle",
                SaveState::Unsaved => "unsaved",
                SaveState::Saving => "saving",
                SaveState::Saved(_) => "saved",
                SaveState::Offline => "offline",
                SaveState::Busy => "busy",
                SaveState::Failed(_) => "failed",
                SaveState::Conflict => "conflict",
            }>
                {move || match save_state.get() {
                    SaveState::Idle => String::new(),
                    SaveState::Unsaved => t("已暂存在本机，即将保存…", "Kept on this phone, saving soon…").get(locale.get()).to_owned(),
                    SaveState::Saving => t("正在保存…", "Saving…").get(locale.get()).to_owned(),
                    SaveState::Saved(at) => match locale.get() {
                        Locale::Zh => format!("已保存 {at}"),
                        Locale::En => format!("Saved at {at}"),
                    },
                    SaveState::Offline => t("网络中断，已暂存在本机，稍后自动重新保存", "Offline: kept on this phone, saving again soon").get(locale.get()).to_owned(),
                    SaveState::Busy => t("报名的人很多，您的填写已暂存在本机，稍后自动保存", "Many people are registering now: your answers are kept on this phone and will be saved shortly").get(locale.get()).to_owned(),
                    SaveState::Failed(error) => error.message(locale.get()),
                    SaveState::Conflict => t("未保存：内容已在其他页面更新", "Not saved: changed on another page").get(locale.get()).to_owned(),
                }}
            </div>
            {move || offer.get().map(|local| {
                let count = local.data.values().filter(|v| !v.trim().is_empty()).count();
                let restore = local.clone();
                view! {
                    <div class="callout" role="alert" data-local-draft="true">
                        <p>{move || match locale.get() {
                            Locale::Zh => format!("这台设备上保存了尚未提交到服务器的修改（{count} 项）。是否恢复？"),
                            Locale::En => format!("This device kept changes the server has not received ({count} answers). Restore them?"),
                        }}</p>
                        <button type="button" class="button button-primary" on:click=move |_| {
                            data.set(restore.data.clone());
                            corrections.set(restore.corrections.clone());
                            offer.set(None);
                            save_state.set(SaveState::Unsaved);
                            save(false, None);
                        }>{move || t("恢复本机修改", "Restore them").get(locale.get())}</button>
                        <button type="button" class="button" on:click=move |_| {
                            drafts::remove(reg_id, code);
                            offer.set(None);
                        }>{move || t("放弃", "Discard").get(locale.get())}</button>
                    </div>
                }
            })}
            {move || conflict.get().map(|found| view! { <ConflictPanel found kind subsystem other_answers data resolve=resolve_conflict /> })}
            {move || {
                let list = problems.get();
                (!list.is_empty()).then(|| view! {
                    <div class="error-summary" role="alert" tabindex="-1">
                        <h2>{move || t("请修改以下问题", "There is a problem").get(locale.get())}</h2>
                        <ul>
                            {list.into_iter().map(|p| {
                                let href = format!("#field-{}", p.field);
                                view! { <li><a href=href>{move || p.message.get(locale.get()).to_owned()}</a></li> }
                            }).collect_view()}
                        </ul>
                    </div>
                })
            }}
            <form class="form" on:submit=|ev| ev.prevent_default() novalidate>
                <For each=field_list key=|spec| spec.name let:spec>
                    <Field
                        spec
                        data
                        problems
                        editable=editable && request.with_value(|r| r.as_ref().is_none_or(|r| r.allows_field(kind, spec.name)))
                        on_change
                        check_field
                        prefill
                        corrections
                        source
                        touch
                    />
                </For>
            </form>
            <div class="action-bar">
                {previous_href.map(|href| view! {
                    <button type="button" class="button" on:click=move |_| save(false, Some(href.clone()))>
                        {move || t("上一步", "Previous").get(locale.get())}
                    </button>
                })}
                <button type="button" class="button button-primary" disabled=move || save_state.get() == SaveState::Saving
                    on:click=move |_| save(true, Some(next_for_button.clone()))>
                    {move || if editable { t("保存并继续", "Save and continue") } else { t("下一项", "Next") }.get(locale.get())}
                </button>
                <button type="button" class="button" on:click=move |_| save(false, Some(overview_for_button.clone()))>
                    {move || t("返回列表", "Back to list").get(locale.get())}
                </button>
            </div>
        </section>
    }
}

/// Both versions of the answers changed on two pages, side by side with their labels and
/// in words (never keys or codes), and one tap to keep either.
#[component]
fn ConflictPanel(
    found: Conflicted,
    kind: SectionKind,
    subsystem: Subsystem,
    other_answers: StoredValue<BTreeMap<SectionKind, SectionData>>,
    data: RwSignal<SectionData>,
    resolve: Callback<bool>,
) -> impl IntoView {
    let locale = use_locale();
    let mine = data.get_untracked();
    let mut answers = other_answers.get_value();
    answers.insert(kind, mine.clone());
    let ctx = SectionContext {
        subsystem,
        child_id_number: "",
        answers: &answers,
        today: chrono::Utc::now().date_naive(),
    };
    let rows: Vec<_> = found
        .fields
        .iter()
        .filter_map(|field| {
            let spec = sections::find_field(kind, field, &[&mine, &found.theirs], &ctx)?;
            let yours = mine.get(field).cloned().unwrap_or_default();
            let theirs = found.theirs.get(field).cloned().unwrap_or_default();
            Some((spec, yours, theirs))
        })
        .collect();
    let empty = t("（空）", "(empty)");
    view! {
        <div class="panel panel-error conflict" role="alert" data-conflict="true">
            <h2>{move || t("这些内容在另一个页面也改过了", "These answers were also changed on another page").get(locale.get())}</h2>
            <p>{move || t(
                "本页的修改已暂存在本机，没有覆盖任何内容。请选择保留哪一份：",
                "This page's changes are kept on this phone and nothing was overwritten. Choose which to keep:",
            ).get(locale.get())}</p>
            <table class="conflict-table">
                <thead>
                    <tr>
                        <th scope="col">{move || t("项目", "Question").get(locale.get())}</th>
                        <th scope="col">{move || t("本页填写", "On this page").get(locale.get())}</th>
                        <th scope="col">{move || t("另一页面保存的", "Saved on the other page").get(locale.get())}</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|(spec, yours, theirs)| {
                        let show = move |value: &str| {
                            let l = locale.get();
                            if value.trim().is_empty() { empty.get(l).to_owned() } else { spec.display(value, l) }
                        };
                        view! {
                            <tr data-conflict-field=spec.name>
                                <th scope="row">{move || spec.label.get(locale.get())}</th>
                                <td>{move || show(&yours)}</td>
                                <td>{move || show(&theirs)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <div class="button-row">
                <button type="button" class="button button-primary" on:click=move |_| resolve.run(true)>
                    {move || t("保留本页填写", "Keep this page's answers").get(locale.get())}
                </button>
                <button type="button" class="button" on:click=move |_| resolve.run(false)>
                    {move || t("使用另一页面的内容", "Use the other page's answers").get(locale.get())}
                </button>
            </div>
        </div>
    }
}

/// Asks where the section's registry lookups stand, applies what they confirm, and asks
/// again while one is under way (a late answer still fills blanks). Stops when the page is
/// left.
fn poll_registry(
    reg_id: i32,
    code: &'static str,
    checks: RwSignal<Vec<SourceCheck>>,
    apply: impl Fn(SectionData) + Copy + Send + Sync + 'static,
    rounds: u32,
) {
    spawn_local(async move {
        let again = match get_registry_status(reg_id, code.to_owned()).await {
            Ok(status) => {
                if checks.try_set(status.checks).is_some() {
                    return;
                }
                apply(status.prefill);
                status.pending
            }
            // Offline or a hiccup: the parent keeps typing; ask again a little later.
            Err(_) => checks.try_get_untracked().is_some(),
        };
        if again && rounds > 0 {
            set_timeout(
                move || {
                    if checks.try_get_untracked().is_some() {
                        poll_registry(reg_id, code, checks, apply, rounds - 1);
                    }
                },
                Duration::from_secs(3),
            );
        }
    });
}

#[component]
fn Field(
    spec: FieldSpec,
    data: RwSignal<SectionData>,
    problems: RwSignal<Vec<FieldProblem>>,
    editable: bool,
    on_change: impl Fn(&'static str, String) + Copy + Send + Sync + 'static,
    check_field: impl Fn(FieldSpec) + Copy + Send + Sync + 'static,
    prefill: RwSignal<SectionData>,
    corrections: RwSignal<BTreeMap<String, String>>,
    source: Option<RegistrySource>,
    touch: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let locale = use_locale();
    let name = spec.name;
    // 自动回填: the registry's own value, read-only until the parent says it is wrong.
    let auto =
        move || data.with(|d| prefill.with(|p| corrections.with(|c| is_prefilled(name, d, p, c))));
    let correction = move || corrections.with(|c| c.get(name).cloned());
    let locked = move || !editable || auto();
    let id = format!("field-{name}");
    let value = move || data.with(|d| d.get(name).cloned().unwrap_or_default());
    let problem = move || {
        problems.with(|p| {
            p.iter()
                .find(|x| x.field == name)
                .map(|x| x.message.get(locale.get()).to_owned())
        })
    };
    let hint = spec.hint;
    let label = spec.label;
    let optional = !spec.required;
    let input = match spec.kind {
        FieldKind::Choice(options) if options.len() <= 3 => view! {
            <fieldset class="choices inline-choices" id=id.clone()>
                <legend>{move || label.get(locale.get())}</legend>
                {options.iter().map(|(code, text)| {
                    let code: &'static str = code;
                    let text = *text;
                    view! {
                        <label class="choice">
                            <input type="radio" name=name value=code disabled=locked
                                prop:checked=move || value() == code
                                on:change=move |_| { on_change(name, code.to_owned()); check_field(spec); } />
                            <span>{move || text.get(locale.get())}</span>
                        </label>
                    }
                }).collect_view()}
            </fieldset>
        }.into_any(),
        FieldKind::Choice(options) => view! {
            <label for=id.clone()>{move || label.get(locale.get())}</label>
            <select id=id.clone() name=name disabled=locked
                prop:value=value
                on:change=move |ev| { on_change(name, event_target_value(&ev)); check_field(spec); }>
                <option value="">{move || t("请选择", "Choose").get(locale.get())}</option>
                {options.iter().map(|(code, text)| {
                    let code: &'static str = code;
                    let text = *text;
                    view! { <option value=code selected=move || value() == code>{move || text.get(locale.get())}</option> }
                }).collect_view()}
            </select>
        }.into_any(),
        kind => {
            let (input_type, input_mode) = match kind {
                FieldKind::Phone => ("tel", Some("numeric")),
                FieldKind::Date => ("date", None),
                _ => ("text", None),
            };
            let autocapitalize = matches!(kind, FieldKind::ResidentId | FieldKind::CreditCode).then_some("characters");
            view! {
                <label for=id.clone()>
                    {move || label.get(locale.get())}
                    {optional.then(|| view! { <span class="hint">{move || t("（选填）", " (optional)").get(locale.get())}</span> })}
                </label>
                <input id=id.clone() name=name type=input_type inputmode=input_mode autocapitalize=autocapitalize
                    autocomplete=spec.autocomplete() spellcheck="false" disabled=!editable readonly=auto
                    prop:value=value
                    on:input=move |ev| on_change(name, event_target_value(&ev))
                    on:blur=move |_| check_field(spec) />
            }.into_any()
        }
    };
    let tag = move || {
        auto().then(|| {
            view! { <span class="tag tag-prefilled" data-prefilled=name>{move || t("自动回填", "Prefilled").get(locale.get())}</span> }
        })
    };
    let document = source.map(|s| s.document().name());
    let reason_id = format!("reason-{name}");
    let correcting = move || {
        correction().map(|chosen| {
            let reason_id = reason_id.clone();
            view! {
                <div class="correction" data-correction=name>
                    <label for=reason_id.clone()>{move || t("更正原因", "Why it is wrong").get(locale.get())}</label>
                    <select id=reason_id name=format!("reason-{name}") prop:value=chosen.clone()
                        on:change=move |ev| {
                            let reason = event_target_value(&ev);
                            corrections.update(|c| { c.insert(name.to_owned(), reason); });
                            touch();
                        }>
                        <option value="">{move || t("请选择", "Choose").get(locale.get())}</option>
                        {CORRECTION_REASONS.iter().map(|(code, text)| {
                            let code: &'static str = code;
                            let text = *text;
                            let chosen = chosen.clone();
                            view! { <option value=code selected=move || chosen == code>{move || text.get(locale.get())}</option> }
                        }).collect_view()}
                    </select>
                    {document.map(|d| view! {
                        <p class="hint">{move || match locale.get() {
                            Locale::Zh => format!("请上传{}作为证明，审核老师会核对。", d.zh),
                            Locale::En => format!("Upload this as proof; the school checks it: {}.", d.en),
                        }}</p>
                    })}
                    <button type="button" class="link-button" on:click=move |_| {
                        let original = prefill.with_untracked(|p| p.get(name).cloned()).unwrap_or_default();
                        corrections.update(|c| { c.remove(name); });
                        if original.is_empty() {
                            touch();
                        } else {
                            on_change(name, original);
                        }
                    }>{move || t("恢复系统信息", "Use the register's value").get(locale.get())}</button>
                </div>
            }
        })
    };
    view! {
        <div class="field" class:field-invalid=move || problem().is_some() class:field-prefilled=auto data-field=name>
            {tag}
            {input}
            {hint.map(|h| view! { <p class="hint">{move || h.get(locale.get())}</p> })}
            {move || problem().map(|m| view! { <p class="field-error">{m}</p> })}
            {move || (editable && auto()).then(|| view! {
                <button type="button" class="link-button" data-wrong=name on:click=move |_| {
                    corrections.update(|c| { c.insert(name.to_owned(), String::new()); });
                    touch();
                }>{move || t("信息有误", "This is wrong").get(locale.get())}</button>
            })}
            {correcting}
        </div>
    }
}
