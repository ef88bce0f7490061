//! 信息确认: the server checks every required section; problems come as a summary linking to
//! each field, otherwise every answer is shown with a change link. Then submit, and the
//! receipt.

use leptos::prelude::*;

use super::{
    LoadFailed, Loading, overview::RegistrationHeader, read_registration, use_registration_id,
    with_registration,
};
use crate::{
    api::registrations::{RegistrationView, SubmitRegistration, check_registration},
    components::ErrorPanel,
    domain::{
        RegistrationState, SectionKind,
        dates::format_date_time,
        provenance::Origin,
        sections::{self, SectionContext},
    },
    error::FieldProblem,
    i18n::{Locale, t, use_locale},
    pages::appointments::AppointmentStep,
    routes,
};

/// The confirmation page.
#[component]
pub fn ConfirmPage() -> impl IntoView {
    let id = use_registration_id();
    let data = Resource::new_blocking(
        move || id.get(),
        |id| async move {
            let registration = read_registration(id).await?;
            let problems = check_registration(id).await?;
            Ok::<_, crate::error::AppError>((registration, problems))
        },
    );
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((r, problems)) => view! { <Confirmation r problems /> }.into_any(),
                    Err(error) => view! { <LoadFailed error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Confirmation(r: RegistrationView, problems: Vec<(SectionKind, FieldProblem)>) -> impl IntoView {
    let locale = use_locale();
    let id = r.id;
    let version = r.version;
    // Submitted, the server sends the parent on to the receipt (`submit_registration`).
    let submit = ServerAction::<SubmitRegistration>::new();
    let missing: Vec<_> = r
        .materials
        .iter()
        .filter(|m| m.missing())
        .map(|m| m.document)
        .collect();
    let submittable = r.editable
        && r.state == RegistrationState::Draft
        && problems.is_empty()
        && missing.is_empty();
    let problem_count = problems.len();
    view! {
        <section aria-labelledby="confirm-heading">
            <h1 id="confirm-heading">{move || t("信息确认", "Check your answers").get(locale.get())}</h1>
            <RegistrationHeader r=r.clone() />
            {(!problems.is_empty()).then(|| view! {
                <div class="error-summary" role="alert" tabindex="-1" data-problems=problem_count>
                    <h2>{move || t("以下信息需要修改后才能提交", "Fix these before you submit").get(locale.get())}</h2>
                    <ul>
                        {problems.into_iter().map(|(kind, p)| {
                            let href = routes::section_field(id, kind, &p.field, false);
                            view! { <li><a href=href>{move || format!("{}：{}", kind.title().get(locale.get()), p.message.get(locale.get()))}</a></li> }
                        }).collect_view()}
                    </ul>
                </div>
            })}
            {(!missing.is_empty()).then(|| view! {
                <div class="error-summary" role="alert" tabindex="-1" data-missing-documents=missing.len()>
                    <h2>{move || t("还缺少以下证明材料", "These documents are missing").get(locale.get())}</h2>
                    <ul>
                        {missing.iter().map(|d| {
                            let d = *d;
                            view! { <li><a href=routes::document(id, d)>{move || d.name().get(locale.get())}</a></li> }
                        }).collect_view()}
                    </ul>
                </div>
            })}
            <Answers r=r.clone() change_links=true />
            {submittable.then(|| view! {
                <ActionForm action=submit>
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="base_version" value=version />
                    <p class="hint">{move || t("提交后信息将被锁定，学校开始审核。审核开始前如需修改，可删除后重新报名。", "After you submit, the answers are locked and the school reviews them. Before review starts you can delete and register again.").get(locale.get())}</p>
                    <p class="hint" data-truthful="true">{move || t("请确认所填信息真实、准确：手工填写虚假信息的，将不予录取。", "Make sure every answer is true and correct: a registration with false answers entered by hand is not admitted.").get(locale.get())}</p>
                    <button type="submit" class="button button-primary" disabled=move || submit.pending().get()>
                        {move || t("确认无误，提交", "Submit").get(locale.get())}
                    </button>
                </ActionForm>
            })}
            <div aria-live="assertive">
                {move || submit.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
            </div>
            <a class="button" href=routes::registration(id)>{move || t("返回列表", "Back to list").get(locale.get())}</a>
        </section>
    }
}

/// Every answer of the required sections, section by section, with 自动回填 on the values a
/// registry gave and, for the registrant, a link to change each.
#[component]
pub fn Answers(r: RegistrationView, change_links: bool) -> impl IntoView {
    let locale = use_locale();
    let id = r.id;
    let answers = r.answers.clone();
    let provenance = r.provenance.clone();
    let subsystem = r.subsystem;
    let sections: Vec<SectionKind> = r.sections.iter().map(|(k, _)| *k).collect();
    sections.into_iter().map(|kind| {
        let data = answers.get(&kind).cloned().unwrap_or_default();
        let ctx = SectionContext { subsystem, child_id_number: "", answers: &answers, today: chrono::Utc::now().date_naive() };
        let origins = provenance.get(&kind).cloned().unwrap_or_default();
        let rows: Vec<_> = sections::fields(kind, &data, &ctx)
            .into_iter()
            .map(|spec| {
                let prefilled = origins.get(spec.name).is_some_and(|p| p.origin == Origin::Registry);
                (spec, data.get(spec.name).cloned().unwrap_or_default(), prefilled)
            })
            .collect();
        view! {
            <section class="panel answers" data-section=kind.code()>
                <h2>{move || kind.title().get(locale.get())}</h2>
                <dl class="facts">
                    {rows.into_iter().map(|(spec, value, prefilled)| {
                        let href = routes::section_field(id, kind, spec.name, true);
                        view! {
                            <dt>{move || spec.label.get(locale.get())}</dt>
                            <dd>
                                {if value.trim().is_empty() {
                                    view! { <span class="unanswered">{move || t("未填写", "Not answered").get(locale.get())}</span> }.into_any()
                                } else {
                                    view! {
                                        <span translate=sections::value_is_data(&spec).then_some("no")>
                                            {move || sections::display_value(&spec, &value, locale.get())}
                                        </span>
                                    }.into_any()
                                }}
                                {prefilled.then(|| view! { " " <span class="tag tag-prefilled">{move || t("自动回填", "Prefilled").get(locale.get())}</span> })}
                                {change_links.then(|| view! {
                                    " "
                                    <a class="change-link" href=href>{move || t("修改", "Change").get(locale.get())}</a>
                                })}
                            </dd>
                        }
                    }).collect_view()}
                </dl>
            </section>
        }
    }).collect_view()
}

/// The receipt after submitting; it still works when opened later from "my registrations".
#[component]
pub fn SubmittedPage() -> impl IntoView {
    with_registration(|r| view! { <Receipt r /> })
}

#[component]
fn Receipt(r: RegistrationView) -> impl IntoView {
    let locale = use_locale();
    let reference = r.reference.clone();
    let submitted_at = r.submitted_at;
    let state = r.state;
    let id = r.id;
    view! {
        <section class="panel receipt" aria-labelledby="receipt-heading">
            <h1 id="receipt-heading">{move || if state == RegistrationState::Draft { t("尚未提交", "Not submitted yet") } else { t("报名信息已提交", "Registration submitted") }.get(locale.get())}</h1>
            <p class="reference">{move || t("报名编号", "Reference").get(locale.get())}" "<strong data-field="reference">{reference.clone()}</strong></p>
            {submitted_at.map(|at| view! {
                <p>{move || t("提交时间", "Submitted").get(locale.get())}" "{move || format_date_time(at, locale.get())}</p>
            })}
            <RegistrationHeader r=r.clone() />
            <h2>{move || t("接下来", "What happens next").get(locale.get())}</h2>
            <ol class="next-steps">
                <AppointmentStep id />
                <li>{move || t("学校在审核期内进行初审，教体局复审。审核结果会通过短信和平台消息通知您。", "The school reviews first, then the bureau. You get a text and a message here with the result.").get(locale.get())}</li>
                <li>{move || t("如学校要求修改或补充材料，请在规定时间内修改后提交。", "If the school asks for changes or documents, make them in time and send them.").get(locale.get())}</li>
                <li>{move || t("审核通过不等于录取，录取结果以教体局公布为准。", "Passing review is not admission: the bureau publishes admissions.").get(locale.get())}</li>
            </ol>
            <p class="hint no-print">{move || t("可截屏保存本页作为回执；之后也可随时在“我的报名”中再次打开本页。", "Take a screenshot of this page as your receipt; you can open it again at any time from “My registrations”.").get(locale.get())}</p>
            <p class="button-row no-print">
                <a class="button" href=routes::registration(id)>{move || match locale.get() { Locale::Zh => "查看报名信息", Locale::En => "View the registration" }}</a>
                <a class="button" href="/registrations">{move || t("返回我的报名", "Back to my registrations").get(locale.get())}</a>
            </p>
        </section>
    }
}
