//! A registration's review page (desktop): the answers on the left with where each came
//! from, hand-entered values highlighted; the documents on the right with zoom, rotate and
//! next/previous; earlier rounds; and the decision, asked once in a dialog that says what
//! the parent will see.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::{
    api::{DecideReview, ReviewDetail, ReviewSection, get_review_detail},
    queue::state_class,
};
use crate::{
    components::{ErrorPanel, SignInRequired},
    domain::{
        materials::MaterialItem,
        provenance::Origin,
        review::{ChangeItem, REJECT_REASONS, ReviewDecision, ReviewStage},
    },
    error::AppError,
    i18n::{Locale, t, use_locale},
};

/// The review page of one registration.
#[component]
pub fn ReviewDetailPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i32>().ok())
            .unwrap_or_default()
    });
    let refresh = RwSignal::new(0_u32);
    let detail = Resource::new_blocking(
        move || (id.get(), refresh.get()),
        |(id, _)| get_review_detail(id),
    );
    view! {
        <Suspense fallback=move || view! { <p class="loading" role="status">{move || t("正在加载…", "Loading…").get(locale.get())}</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <Detail d refresh /> }.into_any(),
                    Err(AppError::Unauthenticated) => view! { <SignInRequired /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Detail(d: ReviewDetail, refresh: RwSignal<u32>) -> impl IntoView {
    let locale = use_locale();
    let state = d.state;
    let photos: Vec<(i32, MaterialItem)> = d
        .materials
        .iter()
        .flat_map(|m| m.photos.iter().map(move |p| (p.id, m.clone())))
        .collect();
    let sections = d.sections.clone();
    let timeline = d.timeline.clone();
    let (school, entry) = (d.school.clone(), d.entry.clone());
    let male = d.child_is_male;
    let decision = d
        .can_decide
        .map(|stage| view! { <Decision d=d.clone() stage refresh /> });
    view! {
        <section class="review-detail" aria-labelledby="detail-heading">
            <p><a href="/review">{move || t("← 返回审核列表", "← Back to the queue").get(locale.get())}</a></p>
            <h1 id="detail-heading">{d.child_name.clone()}" · "<span data-field="reference">{d.reference.clone()}</span></h1>
            <p class="hint">
                {move || school.get(locale.get()).to_owned()}" · "{move || entry.get(locale.get()).to_owned()}" · "
                {d.child_masked_id.clone()}" · "{d.child_birth_date.clone()}" · "
                {move || if male { t("男", "male") } else { t("女", "female") }.get(locale.get())}
            </p>
            <p>
                <span class=state_class(state) data-field="state">{move || state.label().get(locale.get())}</span>
                {d.submitted_at.clone().map(|at| view! { <span class="hint">{move || t(" 提交于 ", " submitted ").get(locale.get())}{at.clone()}</span> })}
            </p>
            {decision}
            <div class="review-columns">
                <div class="review-answers">
                    {sections.into_iter().map(|s| view! { <SectionAnswers s /> }).collect_view()}
                </div>
                <div class="review-documents">
                    <Viewer photos materials=d.materials.clone() />
                </div>
            </div>
            <div class="panel">
                <h2>{move || t("审核记录", "Review history").get(locale.get())}</h2>
                <ol class="timeline">
                    {timeline.into_iter().map(|e| {
                        let kind = e.kind;
                        let reason = e.reason.clone();
                        view! {
                            <li class="timeline-item" data-event=kind.code()>
                                <span class="timeline-label">{move || kind.label().get(locale.get())}</span>
                                <time class="hint">{e.at.clone()}</time>
                                {e.by.clone().map(|by| view! { <span class="hint">" · "{by}</span> })}
                                {reason.map(|r| view! { <p>{move || r.get(locale.get()).to_owned()}</p> })}
                                {(!e.message.is_empty()).then(|| view! { <p class="school-message">{e.message.clone()}</p> })}
                            </li>
                        }
                    }).collect_view()}
                </ol>
            </div>
        </section>
    }
}

#[component]
fn SectionAnswers(s: ReviewSection) -> impl IntoView {
    let locale = use_locale();
    let kind = s.kind;
    view! {
        <div class="panel" data-review-section=kind.code()>
            <h2>{move || kind.title().get(locale.get())}</h2>
            <dl class="answers">
                {s.fields.into_iter().map(|f| {
                    let hand = f.origin == Some(Origin::Hand);
                    let label = f.label.clone();
                    let value = f.value.clone();
                    let source = f.source.clone();
                    let correction = f.correction.clone();
                    view! {
                        <div class="answer" class:answer-hand=hand class:answer-requested=f.requested data-field=f.name.clone()>
                            <dt>{move || label.get(locale.get()).to_owned()}</dt>
                            <dd>
                                <span class="answer-value">{move || value.get(locale.get()).to_owned()}</span>
                                {match f.origin {
                                    Some(Origin::Registry) => view! { <span class="tag tag-open">{move || t("自动回填", "Prefilled").get(locale.get())}</span> }.into_any(),
                                    Some(Origin::Hand) => view! { <span class="tag tag-soon">{move || t("手工填写", "Typed by hand").get(locale.get())}</span> }.into_any(),
                                    None => ().into_any(),
                                }}
                                {source.map(|s| view! { <span class="hint">" "{move || s.get(locale.get()).to_owned()}</span> })}
                                {correction.map(|c| view! {
                                    <p class="hint">{move || t("家长更正系统信息，原因：", "The parent corrected the register: ").get(locale.get())}{move || c.get(locale.get()).to_owned()}</p>
                                })}
                                {f.registry_value.clone().map(|v| view! {
                                    <p class="hint registry-value">{move || t("系统登记值：", "Register says: ").get(locale.get())}{v.clone()}</p>
                                })}
                                {f.requested.then(|| view! { <span class="tag tag-error">{move || t("已要求修改", "Change asked").get(locale.get())}</span> })}
                            </dd>
                        </div>
                    }
                }).collect_view()}
            </dl>
        </div>
    }
}

/// The document viewer: one photo at a time at reviewer size, zoom, rotate,
/// next/previous across every document; a list of documents with their counts.
#[component]
fn Viewer(photos: Vec<(i32, MaterialItem)>, materials: Vec<MaterialItem>) -> impl IntoView {
    let locale = use_locale();
    let count = photos.len();
    let at = RwSignal::new(0_usize);
    let zoom = RwSignal::new(1.0_f64);
    let turn = RwSignal::new(0_i32);
    let photos = StoredValue::new(photos);
    let go = move |to: usize| {
        at.set(to);
        zoom.set(1.0);
        turn.set(0);
    };
    view! {
        <div class="panel viewer" aria-label=move || t("证明材料", "Documents").get(locale.get())>
            <h2>{move || t("证明材料", "Documents").get(locale.get())}</h2>
            <ul class="document-list">
                {materials.into_iter().map(|m| {
                    let d = m.document;
                    let n = m.photos.len();
                    let missing = m.missing();
                    view! {
                        <li data-document=d.code()>
                            {move || d.name().get(locale.get())}
                            <span class=if missing { "tag tag-error" } else { "tag tag-muted" }>{move || match locale.get() {
                                Locale::Zh => format!("{n} 张"),
                                Locale::En => format!("{n} photos"),
                            }}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {if count == 0 {
                view! { <p class="hint">{move || t("没有上传照片。", "No photos uploaded.").get(locale.get())}</p> }.into_any()
            } else {
                view! {
                    <div class="viewer-tools">
                        <button type="button" class="button button-small" disabled=move || at.get() == 0 on:click=move |_| go(at.get_untracked().saturating_sub(1))>
                            {move || t("上一张", "Previous").get(locale.get())}
                        </button>
                        <span class="hint" data-viewer-position=move || format!("{}/{count}", at.get() + 1)>
                            {move || format!("{}/{count}", at.get() + 1)}
                        </span>
                        <button type="button" class="button button-small" disabled=move || at.get() + 1 >= count on:click=move |_| go((at.get_untracked() + 1).min(count - 1))>
                            {move || t("下一张", "Next").get(locale.get())}
                        </button>
                        <button type="button" class="button button-small" on:click=move |_| zoom.update(|z| *z = (*z * 1.25).min(4.0))>{move || t("放大", "Zoom in").get(locale.get())}</button>
                        <button type="button" class="button button-small" on:click=move |_| zoom.update(|z| *z = (*z / 1.25).max(0.5))>{move || t("缩小", "Zoom out").get(locale.get())}</button>
                        <button type="button" class="button button-small" on:click=move |_| turn.update(|r| *r = (*r + 90) % 360)>{move || t("旋转", "Rotate").get(locale.get())}</button>
                    </div>
                    {move || photos.with_value(|p| p.get(at.get()).cloned()).map(|(photo, m)| {
                        let d = m.document;
                        view! {
                            <p class="viewer-caption">{move || d.name().get(locale.get())}</p>
                            <div class="viewer-frame">
                                <img
                                    src=format!("/documents/{photo}/review")
                                    alt=move || d.name().get(locale.get())
                                    data-viewer-photo=photo
                                    style=move || format!("transform: scale({}) rotate({}deg)", zoom.get(), turn.get())
                                />
                            </div>
                            <a href=format!("/documents/{photo}/full") target="_self">{move || t("查看原图", "Full size").get(locale.get())}</a>
                        }
                    })}
                }.into_any()
            }}
        </div>
    }
}

/// The decision panel: pass, not pass (with a reason), or ask for changes (ticking the
/// answers and documents to change), each confirmed once in a dialog.
#[component]
fn Decision(d: ReviewDetail, stage: ReviewStage, refresh: RwSignal<u32>) -> impl IntoView {
    let locale = use_locale();
    let choice = RwSignal::new(None::<ReviewDecision>);
    let reason = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let items = RwSignal::new(BTreeSet::<String>::new());
    let decide = ServerAction::<DecideReview>::new();
    let id = d.id;
    let version = d.version;
    Effect::new(move |_| {
        if let Some(Ok(_)) = decide.value().get() {
            choice.set(None);
            refresh.update(|n| *n += 1);
        }
    });
    let pass_label = match stage {
        ReviewStage::First => t("初审通过", "Pass first review"),
        ReviewStage::Second => t("复审通过", "Pass second review"),
    };
    let toggle = move |code: String| {
        items.update(|s| {
            if !s.remove(&code) {
                s.insert(code);
            }
        });
    };
    let sections = d.sections.clone();
    let documents: Vec<_> = d.materials.iter().map(|m| m.document).collect();
    let send = move |decision: ReviewDecision| {
        decide.dispatch(DecideReview {
            id,
            base_version: version,
            stage: stage.code().to_owned(),
            decision: decision.code().to_owned(),
            reason: reason.get_untracked(),
            message: message.get_untracked(),
            items: items.get_untracked().into_iter().collect(),
        });
    };
    view! {
        <div class="panel decision" data-decision-stage=stage.code()>
            <h2>{move || stage.name().get(locale.get())}</h2>
            <div class="decision-buttons">
                <button type="button" class="button button-primary" on:click=move |_| choice.set(Some(ReviewDecision::Pass))>{move || pass_label.get(locale.get())}</button>
                <button type="button" class="button" on:click=move |_| choice.set(Some(ReviewDecision::RequestChanges))>{move || t("退回修改", "Ask for changes").get(locale.get())}</button>
                <button type="button" class="button button-danger-outline" on:click=move |_| choice.set(Some(ReviewDecision::Reject))>{move || t("审核不通过", "Do not pass").get(locale.get())}</button>
            </div>
            {move || choice.get().map(|decision| {
                let sections = sections.clone();
                let documents = documents.clone();
                view! {
                    <div class="dialog" role="alertdialog" aria-labelledby="decision-question">
                        {match decision {
                            ReviewDecision::Pass => view! {
                                <p id="decision-question">{move || match locale.get() {
                                    Locale::Zh => format!("确定{}？家长将看到“{}（不等于录取）”。", pass_label.zh, pass_label.zh),
                                    Locale::En => format!("{}? The parent is told it passed (not an admission).", pass_label.en),
                                }}</p>
                            }.into_any(),
                            ReviewDecision::Reject => view! {
                                <p id="decision-question">{move || t("审核不通过：家长将看到所选原因和说明。", "Not passed: the parent sees the reason and your message.").get(locale.get())}</p>
                                <label for="reject-reason">{move || t("原因", "Reason").get(locale.get())}</label>
                                <select id="reject-reason" on:change=move |ev| reason.set(event_target_value(&ev))>
                                    <option value="">{move || t("请选择", "Choose").get(locale.get())}</option>
                                    {REJECT_REASONS.iter().map(|(code, text)| view! {
                                        <option value=*code>{move || text.get(locale.get())}</option>
                                    }).collect_view()}
                                </select>
                            }.into_any(),
                            ReviewDecision::RequestChanges => view! {
                                <p id="decision-question">{move || t(
                                    "退回修改：勾选家长需要修改的信息和材料。家长只能修改勾选的项目，修改后提交回本校审核。",
                                    "Ask for changes: tick what the parent must change. They can change only those, then send it back to you.",
                                ).get(locale.get())}</p>
                                <fieldset class="change-items">
                                    <legend>{move || t("需要修改的信息", "Answers to change").get(locale.get())}</legend>
                                    {sections.into_iter().map(|s| {
                                        let kind = s.kind;
                                        let whole = ChangeItem::Section(kind).code();
                                        let whole_for_click = whole.clone();
                                        view! {
                                            <div class="change-group">
                                                <label class="choice">
                                                    <input type="checkbox" value=whole.clone() on:change=move |_| toggle(whole_for_click.clone()) />
                                                    <strong>{move || kind.title().get(locale.get())}</strong>{move || t("（整部分）", " (all of it)").get(locale.get())}
                                                </label>
                                                {s.fields.into_iter().map(|f| {
                                                    let code = ChangeItem::Field { section: kind, field: f.name.clone() }.code();
                                                    let code_for_click = code.clone();
                                                    let label = f.label.clone();
                                                    view! {
                                                        <label class="choice choice-indent">
                                                            <input type="checkbox" value=code on:change=move |_| toggle(code_for_click.clone()) />
                                                            {move || label.get(locale.get()).to_owned()}
                                                        </label>
                                                    }
                                                }).collect_view()}
                                            </div>
                                        }
                                    }).collect_view()}
                                </fieldset>
                                <fieldset class="change-items">
                                    <legend>{move || t("需要补充或更换的材料", "Documents to add or replace").get(locale.get())}</legend>
                                    {documents.into_iter().map(|document| {
                                        let code = ChangeItem::Document(document).code();
                                        let code_for_click = code.clone();
                                        view! {
                                            <label class="choice">
                                                <input type="checkbox" value=code on:change=move |_| toggle(code_for_click.clone()) />
                                                {move || document.name().get(locale.get())}
                                            </label>
                                        }
                                    }).collect_view()}
                                </fieldset>
                            }.into_any(),
                        }}
                        {(decision != ReviewDecision::Pass).then(|| view! {
                            <label for="decision-message">{move || t("给家长的说明", "Message to the parent").get(locale.get())}</label>
                            <textarea id="decision-message" rows="3" maxlength="500" on:input=move |ev| message.set(event_target_value(&ev))></textarea>
                        })}
                        <div class="decision-buttons">
                            <button type="button" class="button button-primary" data-confirm=decision.code() disabled=move || decide.pending().get() on:click=move |_| send(decision)>
                                {move || t("确定", "Confirm").get(locale.get())}
                            </button>
                            <button type="button" class="button" on:click=move |_| choice.set(None)>{move || t("取消", "Cancel").get(locale.get())}</button>
                        </div>
                        <div aria-live="assertive">
                            {move || decide.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
                        </div>
                    </div>
                }
            })}
        </div>
    }
}
