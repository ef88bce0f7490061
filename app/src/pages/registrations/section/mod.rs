//! One section of a registration, one thing per page: its questions, saved as they are
//! answered (see [`autosave`]), with what the government registries confirm (自动回填).

mod autosave;
mod conflict;
mod field;
mod machine;
mod registry;
mod status;

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use self::{
    autosave::{Opened, use_autosave},
    conflict::ConflictPanel,
    field::Field,
    machine::{Ask, SaveState},
    registry::RegistryLookup,
    status::{LocalDraftOffer, ProblemSummary, SaveStatus},
};
use super::{
    LoadFailed, Loading, overview::RegistrationHeader, read_registration, use_registration_id,
};
use crate::{
    api::registrations::RegistrationView,
    domain::{
        SectionData, SectionKind, SectionStatus, Subsystem,
        provenance::RegistrySource,
        sections::{self, FieldSpec, SectionContext},
    },
    error::AppError,
    i18n::{t, use_locale},
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

/// The registration's answers a section's questions depend on: the other sections' as read,
/// and this section's as the page holds them.
#[derive(Clone, Copy)]
struct Answers {
    kind: SectionKind,
    subsystem: Subsystem,
    others: StoredValue<BTreeMap<SectionKind, SectionData>>,
}

impl Answers {
    fn with<R>(&self, current: &SectionData, f: impl FnOnce(&SectionContext) -> R) -> R {
        let mut answers = self.others.get_value();
        answers.insert(self.kind, current.clone());
        f(&SectionContext {
            subsystem: self.subsystem,
            child_id_number: "",
            answers: &answers,
            today: chrono::Utc::now().date_naive(),
        })
    }
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
    let answers = Answers {
        kind,
        subsystem,
        others: StoredValue::new(r.answers.clone()),
    };
    let autosave = use_autosave(Opened {
        registration_id: reg_id,
        section: code,
        editable,
        version: r.section_versions.get(&kind).copied().unwrap_or(0),
        data: r.answers.get(&kind).cloned().unwrap_or_default(),
        corrections: r
            .provenance
            .get(&kind)
            .map(|fields| {
                fields
                    .iter()
                    .filter_map(|(f, p)| p.correction.clone().map(|c| (f.clone(), c)))
                    .collect::<BTreeMap<_, _>>()
            })
            .unwrap_or_default(),
        go: Callback::new(move |to: String| navigate(&to, Default::default())),
    });
    let data = autosave.data;
    // Government registries (自动回填): the values they confirm for this section.
    let source = RegistrySource::for_section(kind).filter(|s| r.registry.configured.contains(s));
    let prefill = RwSignal::new(r.prefill.get(&kind).cloned().unwrap_or_default());
    let consent = r.registry.consent;
    let (previous, next) = r.neighbours(kind);
    let overview = routes::registration(reg_id);
    // From the check-your-answers page, "save and continue" goes back there.
    let from_confirm =
        use_query_map().with_untracked(|q| q.get("from").is_some_and(|f| f == "confirm"));
    let next_href = if from_confirm {
        routes::confirm(reg_id)
    } else {
        next.map_or_else(|| overview.clone(), |n| routes::section(reg_id, n))
    };
    let previous_href = previous.map(|p| routes::section(reg_id, p));

    // The questions as the answers so far make them (later ones depend on earlier ones).
    let field_list = move || {
        let current = data.get();
        answers.with(&current, |ctx| sections::fields(kind, &current, ctx))
    };
    // An answer is checked when the parent leaves it (a blank one only on "save and
    // continue").
    let check_field = move |spec: FieldSpec| {
        let current = data.get_untracked();
        let found = answers.with(&current, |ctx| sections::validate(kind, &current, ctx));
        autosave.problems.update(|p| {
            p.retain(|x| x.field != spec.name);
            if !current.get(spec.name).is_none_or(|v| v.trim().is_empty())
                && let Some(problem) = found.into_iter().find(|x| x.field == spec.name)
            {
                p.push(problem);
            }
        });
    };
    let field_editable = move |spec: &FieldSpec| {
        editable
            && request.with_value(|r| r.as_ref().is_none_or(|r| r.allows_field(kind, spec.name)))
    };
    view! {
        <section aria-labelledby="section-heading" data-section=code>
            <h1 id="section-heading">{move || kind.title().get(locale.get())}</h1>
            <RegistrationHeader r=r.clone() />
            {(!editable).then(|| view! {
                <p class="callout" role="status" data-read-only="true">
                    {move || t("此项目当前只能查看，不能修改。", "This section can be viewed but not changed now.").get(locale.get())}
                </p>
            })}
            {source.filter(|_| editable).map(|source| view! {
                <RegistryLookup registration_id=reg_id kind source autosave prefill consent />
            })}
            <SaveStatus autosave />
            <LocalDraftOffer autosave />
            {move || autosave.conflict.get().map(|found| view! { <ConflictPanel found answers autosave /> })}
            <ProblemSummary problems=autosave.problems />
            <form class="form" on:submit=|ev| ev.prevent_default() novalidate>
                <For each=field_list key=|spec| spec.name let:spec>
                    <Field spec autosave editable=field_editable(&spec) check_field prefill source />
                </For>
            </form>
            <div class="action-bar">
                {previous_href.map(|href| view! {
                    <button type="button" class="button" on:click=move |_| autosave.save(Ask::to(false, href.clone()))>
                        {move || t("上一步", "Previous").get(locale.get())}
                    </button>
                })}
                <button type="button" class="button button-primary" disabled=move || autosave.state() == SaveState::Saving
                    on:click=move |_| autosave.save(Ask::to(true, next_href.clone()))>
                    {move || if editable { t("保存并继续", "Save and continue") } else { t("下一项", "Next") }.get(locale.get())}
                </button>
                <button type="button" class="button" on:click=move |_| autosave.save(Ask::to(false, overview.clone()))>
                    {move || t("返回列表", "Back to list").get(locale.get())}
                </button>
            </div>
        </section>
    }
}
