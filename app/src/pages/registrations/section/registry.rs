//! Government registries (自动回填): the parent's consent to look their child up, where the
//! lookups stand, and what they confirm filling the answers still empty.

use std::time::Duration;

use leptos::{prelude::*, task::spawn_local};

use super::{autosave::Autosave, machine::Corrections};
use crate::{
    api::registrations::{LookupState, SourceCheck, decide_registry_consent, get_registry_status},
    domain::{
        SectionData, SectionKind,
        provenance::{CONSENT_WORDING, RegistrySource, merge_prefill},
    },
    i18n::{Locale, t, use_locale},
};

/// The answers with what a registry confirms filling those still empty (never one the
/// parent corrected), and the fields it filled; `None` when it fills nothing.
pub fn joined(
    kind: SectionKind,
    answers: &SectionData,
    confirmed: &SectionData,
    corrected: &Corrections,
) -> Option<(SectionData, Vec<String>)> {
    let usable: SectionData = confirmed
        .iter()
        .filter(|(field, _)| !corrected.contains_key(*field))
        .map(|(field, value)| (field.clone(), value.clone()))
        .collect();
    let (joined, filled) = merge_prefill(kind, answers, &usable);
    (!filled.is_empty()).then_some((joined, filled))
}

/// Asks for the parent's consent, looks the registries up once given, and says where the
/// lookups stand. Shown only where the section can be changed.
#[component]
pub fn RegistryLookup(
    registration_id: i32,
    kind: SectionKind,
    source: RegistrySource,
    autosave: Autosave,
    /// What the registries confirm for the section (the fields show it as 自动回填).
    prefill: RwSignal<SectionData>,
    /// The parent's answer so far, if any.
    consent: Option<bool>,
    /// A lookup for the section is on its way (asked, not answered, not yet past its
    /// timeout): "save and continue" waits for it.
    looking_up: RwSignal<bool>,
) -> impl IntoView {
    let locale = use_locale();
    let code = kind.code();
    let consent = RwSignal::new(consent);
    // Given consent, the first answer is being asked for from the start.
    let checks = RwSignal::new(if consent.get_untracked() == Some(true) {
        vec![SourceCheck {
            source,
            state: LookupState::Checking,
        }]
    } else {
        Vec::new()
    });
    // A registry's answer fills the fields still empty (never one the parent typed or
    // corrected), whenever it arrives.
    let apply_prefill = move |values: SectionData| {
        if prefill.try_set(values.clone()).is_some() {
            return;
        }
        if let Some((joined, filled)) = joined(
            kind,
            &autosave.data.get_untracked(),
            &values,
            &autosave.corrections.get_untracked(),
        ) {
            autosave.data.set(joined);
            // "请填写…" said before the answer arrived no longer holds for what it filled.
            autosave
                .problems
                .update(|p| p.retain(|x| !filled.contains(&x.field)));
            autosave.touch();
        }
    };
    // Settled once no lookup is being asked (found, not found, slow, failed, or waiting for
    // another section), or when the registries cannot be reached.
    Effect::new(move |_| {
        let asking = checks.with(|c| c.iter().any(|c| c.state == LookupState::Checking));
        looking_up.set(asking);
    });
    let poll = move || poll_registry(registration_id, code, checks, apply_prefill, 20);
    Effect::new(move |_| {
        // What was confirmed before the page opened is joined already (`SectionForm`).
        if consent.get_untracked() == Some(true) {
            poll();
        }
    });
    let decide = move |grant: bool| {
        spawn_local(async move {
            match decide_registry_consent(registration_id, grant).await {
                Ok(()) => {
                    consent.try_set(Some(grant));
                    if grant {
                        checks.try_set(vec![SourceCheck {
                            source,
                            state: LookupState::Checking,
                        }]);
                        poll();
                    }
                }
                Err(error) => autosave.failed(error),
            }
        });
    };
    move || {
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
            // Offline or a hiccup: the parent keeps typing (and may go on); ask again a
            // little later.
            Err(_) => {
                checks.try_update(|c| {
                    for check in c.iter_mut().filter(|c| c.state == LookupState::Checking) {
                        check.state = LookupState::Slow;
                    }
                });
                checks.try_get_untracked().is_some()
            }
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
