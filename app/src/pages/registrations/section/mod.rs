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
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use self::{
    autosave::{Opened, use_autosave},
    conflict::ConflictPanel,
    field::Field,
    machine::{Ask, SaveState},
    registry::RegistryLookup,
    status::{LocalDraftOffer, ProblemSummary, SaveNotice, SaveStatus},
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

/// The section page. The server renders it; only the form is an island (its code is all
/// a parent's phone downloads for this page, `crate::hydration`).
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
    // From the check-your-answers page, "save and continue" goes back there.
    let from_confirm =
        use_query_map().with_untracked(|q| q.get("from").is_some_and(|f| f == "confirm"));
    let locale = use_locale();
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                let kind = SectionKind::from_code(&section.get_untracked());
                match (registration.await, kind) {
                    (Ok(r), Some(kind)) if r.status_of(kind).is_some() => {
                        let form = SectionOpening::of(&r, kind, from_confirm);
                        view! {
                            <section aria-labelledby="section-heading" data-section=kind.code()>
                                <h1 id="section-heading">{move || kind.title().get(locale.get())}</h1>
                                <RegistrationHeader r />
                                <SectionForm form />
                            </section>
                        }
                        .into_any()
                    }
                    (Ok(_), _) => view! { <LoadFailed error=AppError::NotFound /> }.into_any(),
                    (Err(error), _) => view! { <LoadFailed error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What the section form needs of its registration: all the island is given (serialized
/// into the page), so that its code holds no more of the registration than it uses. Its
/// fields have no names so that it is sent as a list: a derived reader of a struct with
/// named fields reads both a JSON object and a list (360 bytes brotli more of a phone's
/// download). Built by [`SectionOpening::of`], taken apart by [`SectionForm`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SectionOpening(
    /// The registration's id.
    i32,
    SectionKind,
    Subsystem,
    /// The parent may change the answers.
    bool,
    /// While the school's requested changes are open, only the fields of this section it
    /// named can change (none when it named none of them); `None`: every field. Only the
    /// names: the request itself (its other sections, its documents) is not the form's.
    Option<Vec<String>>,
    /// Every section's answers as read (later questions depend on earlier answers).
    BTreeMap<SectionKind, SectionData>,
    /// This section's version as read: the base of the page's saves.
    i64,
    /// Corrections the parent noted on values the registries confirmed.
    BTreeMap<String, String>,
    /// The registry that confirms this section's values, when one is configured.
    Option<RegistrySource>,
    /// The parent's answer to asking the registries, if any.
    Option<bool>,
    /// What the registries confirm for this section (自动回填).
    SectionData,
    /// The previous section's page, the next page, and the task list.
    Option<String>,
    String,
    String,
);

impl SectionOpening {
    fn of(r: &RegistrationView, kind: SectionKind, from_confirm: bool) -> Self {
        let status = r.status_of(kind).unwrap_or(SectionStatus::NotStarted);
        let (previous, next) = r.neighbours(kind);
        let overview_href = routes::registration(r.id);
        let next_href = if from_confirm {
            routes::confirm(r.id)
        } else {
            next.map_or_else(|| overview_href.clone(), |n| routes::section(r.id, n))
        };
        let editable = r.editable && status != SectionStatus::CannotStartYet;
        let changeable = r
            .change_request
            .as_ref()
            .and_then(|request| request.changeable_fields(kind));
        let version = r.section_versions.get(&kind).copied().unwrap_or(0);
        let corrections = r
            .provenance
            .get(&kind)
            .map(|fields| {
                fields
                    .iter()
                    .filter_map(|(f, p)| p.correction.clone().map(|c| (f.clone(), c)))
                    .collect()
            })
            .unwrap_or_default();
        let source =
            RegistrySource::for_section(kind).filter(|s| r.registry.configured.contains(s));
        let prefill = r.prefill.get(&kind).cloned().unwrap_or_default();
        let previous_href = previous.map(|p| routes::section(r.id, p));
        // The contact phone starts as the sign-in phone until the section is first saved;
        // what the form shows is what its save sends.
        let mut answers = r.answers.clone();
        if kind == SectionKind::Child
            && editable
            && let Some(phone) = &r.sign_in_phone
        {
            let child = answers.entry(SectionKind::Child).or_default();
            if child
                .get(crate::domain::sections::field::child::CONTACT_PHONE)
                .is_none_or(|v| v.trim().is_empty())
            {
                child.insert(
                    crate::domain::sections::field::child::CONTACT_PHONE.to_owned(),
                    phone.clone(),
                );
            }
        }
        Self(
            r.id,
            kind,
            r.subsystem,
            editable,
            changeable,
            answers,
            version,
            corrections,
            source,
            r.registry.consent,
            prefill,
            previous_href,
            next_href,
            overview_href,
        )
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

// An island where the page's bundle is built (`hydration::IslandBundle`).
#[cfg_attr(any(feature = "router", feature = "island-section-form"), island)]
#[cfg_attr(
    not(any(feature = "router", feature = "island-section-form")),
    component
)]
fn SectionForm(form: SectionOpening) -> impl IntoView {
    let locale = use_locale();
    let SectionOpening(
        reg_id,
        kind,
        subsystem,
        editable,
        changeable,
        answers,
        version,
        corrections,
        source,
        consent,
        prefill,
        previous_href,
        next_href,
        overview,
    ) = form;
    let code = kind.code();
    let changeable = StoredValue::new(changeable);
    let data = answers.get(&kind).cloned().unwrap_or_default();
    let answers = Answers {
        kind,
        subsystem,
        others: StoredValue::new(answers),
    };
    let autosave = use_autosave(Opened {
        registration_id: reg_id,
        section: code,
        editable,
        version,
        data,
        corrections,
        go: Callback::new(move |to: String| crate::browser::page::go(&to)),
    });
    let data = autosave.data;
    // What the registries have confirmed joins the answers before the page is drawn: the
    // server's page shows it, and a save pressed the moment the page wakes sends it (joined
    // once the page ran, a "save and continue" tapped before came back "请填写…" under
    // values then filled in). It is saved once the page runs.
    if consent == Some(true)
        && editable
        && let Some((joined, _)) = registry::joined(
            kind,
            &data.get_untracked(),
            &prefill,
            &autosave.corrections.get_untracked(),
        )
    {
        data.set(joined);
        Effect::new(move |_| autosave.touch());
    }
    // Government registries (自动回填): the values they confirm for this section.
    let prefill = RwSignal::new(prefill);
    // "Save and continue" pressed while the section's lookup is on its way waits for its
    // answer (at most the registries' timeout) and then checks the answers with it: sent at
    // once, it came back "请填写…" for what the answer then filled in.
    let looking_up = RwSignal::new(consent == Some(true) && editable && source.is_some());
    let held = RwSignal::new(None::<Ask>);
    Effect::new(move |_| {
        if !looking_up.get()
            && let Some(ask) = held.try_update(Option::take).flatten()
        {
            autosave.save(ask);
        }
    });

    // Every question the section can ask, each rendered once; the answers so far decide
    // which of them show (later ones depend on earlier ones). One list that changes only
    // when the questions do, not at every keystroke.
    let every = data
        .with_untracked(|current| answers.with(current, |ctx| sections::every_field(kind, ctx)));
    let asked = Memo::new(move |_| {
        data.with(|current| answers.with(current, |ctx| sections::fields(kind, current, ctx)))
    });
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
            && changeable
                .with_value(|c| c.as_ref().is_none_or(|c| c.iter().any(|f| f == spec.name)))
    };
    view! {
        <>
            {(!editable).then(|| view! {
                <p class="callout" role="status" data-read-only="true">
                    {move || t("此项目当前只能查看，不能修改。", "This section can be viewed but not changed now.").get(locale.get())}
                </p>
            })}
            {source.filter(|_| editable).map(|source| view! {
                <RegistryLookup registration_id=reg_id kind source autosave prefill consent looking_up />
            })}
            <SaveStatus autosave />
            <LocalDraftOffer autosave />
            {move || autosave.conflict.get().map(|found| view! { <ConflictPanel found answers autosave /> })}
            <ProblemSummary problems=autosave.problems />
            <form class="form" on:submit=|ev| ev.prevent_default() novalidate>
                // A question worded for another answer is a question of its own (产权人姓名
                // for own property, 房屋所有人姓名 with relatives).
                {every.into_iter().map(|spec| {
                    let editable = field_editable(&spec);
                    move || asked.with(|asked| asked.contains(&spec)).then(|| view! {
                        <Field spec autosave editable check_field prefill source />
                    })
                }).collect_view()}
            </form>
            <div class="action-bar action-steps">
                <SaveNotice autosave />
                {previous_href.map(|href| view! {
                    <button type="button" class="button step-previous" on:click=move |_| autosave.save(Ask::to(false, href.clone()))>
                        {move || t("上一步", "Previous").get(locale.get())}
                    </button>
                })}
                <button type="button" class="button button-primary"
                    disabled=move || held.with(Option::is_some) || (autosave.state() == SaveState::Saving && !autosave.slow())
                    on:click=move |_| {
                        let ask = Ask::to(true, next_href.clone());
                        if looking_up.get_untracked() {
                            held.set(Some(ask));
                        } else {
                            autosave.save(ask);
                        }
                    }>
                    {move || if held.with(Option::is_some) {
                        t("正在查询政务数据…", "Looking up records…")
                    } else if editable {
                        t("保存并继续", "Save and continue")
                    } else {
                        t("下一项", "Next")
                    }.get(locale.get())}
                </button>
                <button type="button" class="button step-list" on:click=move |_| autosave.save(Ask::to(false, overview.clone()))>
                    {move || t("返回列表", "Back to list").get(locale.get())}
                </button>
            </div>
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_opening_reads_back_field_for_field() {
        let opening = SectionOpening(
            7,
            SectionKind::Residence,
            Subsystem::Transfer,
            true,
            Some(vec!["address".into()]),
            BTreeMap::from([(
                SectionKind::Child,
                SectionData::from([("name".into(), "林小雨".into())]),
            )]),
            3,
            BTreeMap::from([("owner_name".into(), "misspelled".into())]),
            Some(RegistrySource::RealEstate),
            Some(false),
            SectionData::from([("owner_name".into(), "林海".into())]),
            Some("/previous".into()),
            "/next".into(),
            "/overview".into(),
        );
        let written = serde_json::to_string(&opening).expect("written");
        assert!(written.starts_with("[7,"), "{written}");
        let read: SectionOpening = serde_json::from_str(&written).expect("read");
        assert_eq!(format!("{read:?}"), format!("{opening:?}"));
    }
}
