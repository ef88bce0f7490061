//! A registration's review page (desktop): the answers on the left with where each came
//! from, hand-entered values highlighted; the documents on the right with zoom, rotate and
//! next/previous; earlier rounds; and the decision, asked once in a dialog that says what
//! the parent will see.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_params_map};

use super::queue::state_class;
use crate::components::{CancelButton, ConfirmDialog};
use crate::components::{LoadFailed, Loading};
use crate::{
    api::review::{DecideReview, ReviewDetail, ReviewSection, get_review_detail},
    components::ErrorPanel,
    domain::{
        RegistrationState,
        dates::{format_date, format_date_time, format_time_span},
        materials::MaterialItem,
        photo::PhotoSize,
        provenance::{Document, Origin},
        review::{ChangeItem, REJECT_REASONS, ReviewDecision, ReviewStage},
    },
    i18n::{Locale, t, use_locale},
    routes,
};

/// The review page of one registration.
#[component]
pub fn ReviewDetailPage() -> impl IntoView {
    let _locale = use_locale();
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i32>().ok())
            .unwrap_or_default()
    });
    // The queue it was opened from (its filters and order), kept by "back" and "next".
    let location = use_location();
    let queue = Memo::new(move |_| location.search.get().trim_start_matches('?').to_owned());
    let refresh = RwSignal::new(0_u32);
    // The registration last decided on this page: its page says so and offers the next.
    let decided_on = RwSignal::new(None::<i32>);
    let detail = Resource::new_blocking(
        move || (id.get(), refresh.get(), queue.get()),
        |(id, _, queue)| get_review_detail(id, (!queue.is_empty()).then_some(queue)),
    );
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <Detail d refresh decided_on queue=queue.get_untracked() /> }.into_any(),
                    Err(error) => view! { <LoadFailed error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Detail(
    d: ReviewDetail,
    refresh: RwSignal<u32>,
    decided_on: RwSignal<Option<i32>>,
    queue: String,
) -> impl IntoView {
    let locale = use_locale();
    let state = d.state;
    let back = routes::queue(&queue);
    let next_href = move |next: i32| routes::review_from(next, &queue);
    let sections = d.sections.clone();
    let timeline = d.timeline.clone();
    let (school, entry) = (d.school.clone(), d.entry.clone());
    let male = d.child_is_male;
    let decision = d
        .can_decide
        .map(|stage| view! { <Decision d=d.clone() stage refresh decided_on /> });
    let next = d.next_waiting;
    // Drawn again after a decision: say it is kept and offer the next one, with the focus
    // on the way there (the decision's buttons are gone).
    let decided = decided_on.get_untracked() == Some(d.id) && d.can_decide.is_none();
    let onward = NodeRef::<leptos::html::A>::new();
    Effect::new(move |_| {
        if let Some(link) = onward.get() {
            crate::browser::page::focus(&link);
        }
    });
    view! {
        <section class="review-detail" aria-labelledby="detail-heading">
            <p class="review-nav">
                <a href=back.clone()>{move || t("← 返回审核列表", "← Back to the queue").get(locale.get())}</a>
                {next.map(|next| view! {
                    <a href=next_href(next) data-next-waiting=next>{move || t("下一条待审核 →", "Next waiting →").get(locale.get())}</a>
                })}
            </p>
            {decided.then(|| view! {
                <p class="callout" role="status" data-decided="true">
                    {move || t("审核结果已保存。", "The decision is saved.").get(locale.get())}" "
                    {match next {
                        Some(next) => view! {
                            <a href=next_href(next) node_ref=onward>{move || t("审核下一条 →", "Review the next one →").get(locale.get())}</a>
                        }.into_any(),
                        None => view! {
                            <a href=back.clone() node_ref=onward>{move || t("没有其他待审核的报名，返回审核列表", "Nothing else is waiting: back to the queue").get(locale.get())}</a>
                        }.into_any(),
                    }}
                </p>
            })}
            <h1 id="detail-heading"><span translate="no">{d.child_name.clone()}</span>" · "<span data-field="reference">{d.reference.clone()}</span></h1>
            <p class="hint">
                {move || school.get(locale.get()).to_owned()}" · "{move || entry.get(locale.get()).to_owned()}" · "
                {d.child_masked_id.clone()}" · "
                {d.child_birth_date.map(|born| view! { <time>{move || format_date(born, locale.get())}</time>" · " })}
                {move || if male { t("男", "male") } else { t("女", "female") }.get(locale.get())}
            </p>
            <p>
                <span class=state_class(state) data-field="state">{move || state.label().get(locale.get())}</span>
                {d.submitted_at.map(|at| view! { <span class="hint">{move || t(" 提交于 ", " submitted ").get(locale.get())}<time>{move || format_date_time(at, locale.get())}</time></span> })}
            </p>
            {d.guardian_unconfirmed.then(|| view! {
                <p class="callout" role="note" data-guardian-unconfirmed="true">
                    {move || t(
                        "户籍登记未确认注册人与儿童的父母关系：所有信息均为手工填写，请核对户口簿、出生医学证明等材料。",
                        "Relationship not confirmed by the register: the household register does not name the registrant as a parent. Every answer was typed by hand; check the household booklet and birth certificate.",
                    ).get(locale.get())}
                </p>
            })}
            {(!d.siblings.is_empty()).then(|| {
                let siblings = d.siblings.clone();
                let count = siblings.len();
                view! {
                    <div class="callout" role="note" data-siblings=count>
                        <p>{move || t(
                            "同一账号为本校同批次报名的兄弟姐妹（多胞胎）：派位时作为一个整体，同时录取或同时不录取。",
                            "Siblings (twins) registered for this school by the same account: a draw takes them together, all admitted or none.",
                        ).get(locale.get())}</p>
                        <ul>
                            {siblings.into_iter().map(|s| {
                                let state = s.state;
                                view! {
                                    <li data-sibling=s.reference.clone()>
                                        <a href=routes::review(s.id)><span translate="no">{s.child_name.clone()}</span>" · "{s.reference.clone()}</a>
                                        " "<span class=state_class(state)>{move || state.label().get(locale.get())}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </div>
                }
            })}
            // The same child in earlier school years: a child admitted last year and
            // registered again is seen before a second place is given.
            {(!d.earlier_years.is_empty()).then(|| {
                let earlier = d.earlier_years.clone();
                let admitted = earlier.iter().any(|e| e.state == RegistrationState::Admitted);
                let count = earlier.len();
                view! {
                    <div class=if admitted { "callout callout-error" } else { "callout" } role="note" data-earlier-years=count>
                        <p>{move || if admitted {
                            t(
                                "该儿童在往年已被录取，请核实后再审核（例如是否放弃了学位、是否为转学）。",
                                "This child was admitted in an earlier year: check before deciding (a place given up, or a transfer?).",
                            )
                        } else {
                            t("该儿童往年的报名：", "This child's registrations of earlier years:")
                        }.get(locale.get())}</p>
                        <ul>
                            {earlier.into_iter().map(|e| {
                                let (state, subsystem, school) = (e.state, e.subsystem, e.school.clone());
                                let year = e.school_year;
                                view! {
                                    <li data-earlier=e.reference.clone()>
                                        {move || match locale.get() {
                                            Locale::Zh => format!("{year} 学年"),
                                            Locale::En => format!("{year} school year"),
                                        }}" · "{move || school.get(locale.get()).to_owned()}" · "
                                        {move || subsystem.name().get(locale.get())}" · "{e.reference.clone()}" "
                                        <span class=state_class(state)>{move || state.label().get(locale.get())}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </div>
                }
            })}
            {d.on_site.clone().map(|on_site| view! { <OnSite on_site /> })}
            {decision}
            <div class="review-columns">
                <div class="review-answers">
                    {sections.into_iter().map(|s| view! { <SectionAnswers s /> }).collect_view()}
                </div>
                <div class="review-documents">
                    <Viewer materials=d.materials.clone() />
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
                                <time class="hint">{move || format_date_time(e.at, locale.get())}</time>
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
            {(!s.current).then(|| view! {
                <p class="hint" data-section-retired="true">{move || t(
                    "本入口已不再要求这一项；这里是家长提交时填写的内容，不能要求修改。",
                    "The entry no longer asks for this: it is what the parent sent, and cannot be sent back for changes.",
                ).get(locale.get())}</p>
            })}
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
                                <span class="answer-value" translate=f.as_written.then_some("no")>{move || value.get(locale.get()).to_owned()}</span>
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
                                    <p class="hint registry-value">{move || t("系统登记值：", "Register says: ").get(locale.get())}<span translate="no">{v.clone()}</span></p>
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

/// One photo in the viewer: the document it shows and its place among that document's photos.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ViewerPhoto {
    id: i32,
    document: Document,
    /// 1-based, among the document's photos.
    nth: usize,
    of: usize,
}

/// The largest zoom step; 0 fits the photo to the frame.
const MAX_ZOOM: u8 = 4;

/// The class of a zoom step (style/main.css: 1.25×, 1.5×, 2×, 3×); none when fitted.
fn zoom_class(step: u8) -> &'static str {
    match step {
        1 => "viewer-zoom-1",
        2 => "viewer-zoom-2",
        3 => "viewer-zoom-3",
        4 => "viewer-zoom-4",
        _ => "",
    }
}

/// The class of a rotation by `quarters` quarter turns clockwise; none when upright.
fn turn_class(quarters: u8) -> &'static str {
    match quarters % 4 {
        1 => "viewer-rotate-90",
        2 => "viewer-rotate-180",
        3 => "viewer-rotate-270",
        _ => "",
    }
}

/// The photo's classes: zoom and rotation are classes, never a `style` attribute, which
/// the platform's CSP (`style-src 'self'`) would block.
fn photo_class(zoom: u8, turn: u8) -> String {
    ["viewer-photo", zoom_class(zoom), turn_class(turn)]
        .into_iter()
        .filter(|c| !c.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The document viewer: one photo at a time at reviewer size, zoom, rotate,
/// next/previous across every photo of every document (buttons, or keys while the viewer
/// has focus); a list of documents with their counts.
#[component]
fn Viewer(materials: Vec<MaterialItem>) -> impl IntoView {
    let locale = use_locale();
    let photos: Vec<ViewerPhoto> = materials
        .iter()
        .flat_map(|m| {
            let of = m.photos.len();
            m.photos.iter().enumerate().map(move |(i, p)| ViewerPhoto {
                id: p.id,
                document: m.document,
                nth: i + 1,
                of,
            })
        })
        .collect();
    let count = photos.len();
    let at = RwSignal::new(0_usize);
    let zoom = RwSignal::new(0_u8);
    let turn = RwSignal::new(0_u8);
    let photos = StoredValue::new(photos);
    let current = move || photos.with_value(|p| p.get(at.get()).copied());
    let go = move |to: usize| {
        if to < count && to != at.get_untracked() {
            at.set(to);
            zoom.set(0);
            turn.set(0);
        }
    };
    let previous = move || {
        if let Some(to) = at.get_untracked().checked_sub(1) {
            go(to);
        }
    };
    let next = move || go(at.get_untracked() + 1);
    let zoom_in = move || zoom.update(|z| *z = (*z + 1).min(MAX_ZOOM));
    let zoom_out = move || zoom.update(|z| *z = z.saturating_sub(1));
    let rotate = move || turn.update(|r| *r = (*r + 1) % 4);
    let reset = move || {
        zoom.set(0);
        turn.set(0);
    };
    // ←/→ (or PageUp/PageDown) previous/next, +/- zoom, R rotate, 0 back to fitted and upright.
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let handled = match ev.key().as_str() {
            "ArrowLeft" | "PageUp" => {
                previous();
                true
            }
            "ArrowRight" | "PageDown" => {
                next();
                true
            }
            "+" | "=" => {
                zoom_in();
                true
            }
            "-" | "_" => {
                zoom_out();
                true
            }
            "r" | "R" => {
                rotate();
                true
            }
            "0" => {
                reset();
                true
            }
            _ => false,
        };
        if handled {
            ev.prevent_default();
        }
    };
    let stage = (count > 0).then(move || {
        view! {
            <div
                class="viewer-stage"
                tabindex="0"
                role="group"
                aria-roledescription=move || t("照片查看器", "photo viewer").get(locale.get())
                aria-label=move || t("证明材料照片", "Document photos").get(locale.get())
                aria-describedby="viewer-keys"
                on:keydown=on_key
            >
                <div class="viewer-tools">
                    <button type="button" class="button button-small" aria-keyshortcuts="ArrowLeft"
                        disabled={move || at.get() == 0}
                        on:click=move |_| previous()>
                        {move || t("上一张", "Previous").get(locale.get())}
                    </button>
                    <span class="viewer-position" data-viewer-position=move || format!("{}/{count}", at.get() + 1)>
                        {move || format!("{}/{count}", at.get() + 1)}
                    </span>
                    <button type="button" class="button button-small" aria-keyshortcuts="ArrowRight"
                        disabled={move || at.get() + 1 >= count}
                        on:click=move |_| next()>
                        {move || t("下一张", "Next").get(locale.get())}
                    </button>
                    <button type="button" class="button button-small" aria-keyshortcuts="+"
                        disabled={move || zoom.get() >= MAX_ZOOM}
                        on:click=move |_| zoom_in()>
                        {move || t("放大", "Zoom in").get(locale.get())}
                    </button>
                    <button type="button" class="button button-small" aria-keyshortcuts="-"
                        disabled={move || zoom.get() == 0}
                        on:click=move |_| zoom_out()>
                        {move || t("缩小", "Zoom out").get(locale.get())}
                    </button>
                    <button type="button" class="button button-small" aria-keyshortcuts="R"
                        on:click=move |_| rotate()>
                        {move || t("旋转", "Rotate").get(locale.get())}
                    </button>
                    <button type="button" class="button button-small" aria-keyshortcuts="0"
                        disabled={move || zoom.get() == 0 && turn.get() == 0}
                        on:click=move |_| reset()>
                        {move || t("复原", "Reset").get(locale.get())}
                    </button>
                </div>
                <p class="hint" id="viewer-keys">
                    {move || t(
                        "选中查看器后可用键盘：← → 切换照片，+ − 放大缩小，R 旋转，0 复原。",
                        "With the viewer focused: ← → change photo, + − zoom, R rotates, 0 resets.",
                    ).get(locale.get())}
                </p>
                {move || current().map(|photo| {
                    let d = photo.document;
                    let (nth, of) = (photo.nth, photo.of);
                    view! {
                        <p class="viewer-caption" data-viewer-document=d.code()>
                            {move || d.name().get(locale.get())}
                            {(of > 1).then(|| view! {
                                <span class="hint">{move || match locale.get() {
                                    Locale::Zh => format!("（本材料第 {nth}/{of} 张）"),
                                    Locale::En => format!(" (photo {nth} of {of} of this document)"),
                                }}</span>
                            })}
                        </p>
                        <div class={move || if zoom.get() == 0 { "viewer-frame" } else { "viewer-frame viewer-frame-zoomed" }}>
                            <img
                                src=routes::photo(photo.id, PhotoSize::Review)
                                alt=move || d.name().get(locale.get())
                                data-viewer-photo=photo.id
                                class={move || photo_class(zoom.get(), turn.get())}
                            />
                        </div>
                        <a href=routes::photo(photo.id, PhotoSize::Full) target="_self">{move || t("查看原图", "Full size").get(locale.get())}</a>
                    }
                })}
            </div>
        }
    });
    view! {
        <div class="panel viewer" role="region" aria-label=move || t("证明材料", "Documents").get(locale.get())>
            <h2>{move || t("证明材料", "Documents").get(locale.get())}</h2>
            <ul class="document-list">
                {materials.into_iter().map(|m| {
                    let d = m.document;
                    let n = m.photos.len();
                    let missing = m.missing();
                    view! {
                        <li data-document=d.code() class:document-current={move || current().is_some_and(|p| p.document == d)}>
                            {move || d.name().get(locale.get())}
                            <span class=if missing { "tag tag-error" } else { "tag tag-muted" }>{move || match locale.get() {
                                Locale::Zh => format!("{n} 张"),
                                Locale::En => format!("{n} photos"),
                            }}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {match stage {
                Some(stage) => stage.into_any(),
                None => view! { <p class="hint">{move || t("没有上传照片。", "No photos uploaded.").get(locale.get())}</p> }.into_any(),
            }}
        </div>
    }
}

/// The decision panel: pass, not pass (with a reason), or ask for changes (ticking the
/// answers and documents to change), each confirmed once in a dialog.
#[component]
fn Decision(
    d: ReviewDetail,
    stage: ReviewStage,
    refresh: RwSignal<u32>,
    decided_on: RwSignal<Option<i32>>,
) -> impl IntoView {
    let locale = use_locale();
    let choice = RwSignal::new(None::<ReviewDecision>);
    let reason = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let items = RwSignal::new(BTreeSet::<String>::new());
    let decide = ServerAction::<DecideReview>::new();
    let id = d.id;
    let version = d.version;
    let changes_closed = d.changes_closed;
    Effect::new(move |_| {
        if let Some(Ok(_)) = decide.value().get() {
            choice.set(None);
            decided_on.set(Some(id));
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
    // Each dialog starts empty: what was typed or ticked in one cancelled earlier is not
    // sent with another the reviewer can no longer see it in.
    let open = move |decision: ReviewDecision| {
        reason.set(String::new());
        message.set(String::new());
        items.set(BTreeSet::new());
        choice.set(Some(decision));
    };
    // Only what the decision's dialog shows is sent.
    let send = move |decision: ReviewDecision| {
        let shown = |asked: bool, value: String| if asked { value } else { String::new() };
        decide.dispatch(DecideReview {
            id,
            base_version: version,
            stage: stage.code().to_owned(),
            decision: decision.code().to_owned(),
            reason: shown(decision == ReviewDecision::Reject, reason.get_untracked()),
            message: shown(decision != ReviewDecision::Pass, message.get_untracked()),
            items: if decision == ReviewDecision::RequestChanges {
                items.get_untracked().into_iter().collect()
            } else {
                Vec::new()
            },
        });
    };
    view! {
        <div class="panel decision" data-decision-stage=stage.code()>
            <h2>{move || stage.name().get(locale.get())}</h2>
            <div class="decision-buttons">
                <button type="button" class="button button-primary" data-dialog-opener="decision-question" on:click=move |_| open(ReviewDecision::Pass)>{move || pass_label.get(locale.get())}</button>
                {(!changes_closed).then(|| view! {
                    <button type="button" class="button" data-dialog-opener="decision-question" on:click=move |_| open(ReviewDecision::RequestChanges)>{move || t("退回修改", "Ask for changes").get(locale.get())}</button>
                })}
                <button type="button" class="button button-danger-outline" data-dialog-opener="decision-question" on:click=move |_| open(ReviewDecision::Reject)>{move || t("审核不通过", "Do not pass").get(locale.get())}</button>
            </div>
            {changes_closed.then(|| view! {
                <p class="hint" data-changes-closed="true">{move || t(
                    "家长修改的期限已过，不能再退回修改：请作出通过或不通过的决定。",
                    "The parent can no longer make changes: pass or reject.",
                ).get(locale.get())}</p>
            })}
            {move || choice.get().map(|decision| {
                let sections = sections.clone();
                let documents = documents.clone();
                view! {
                    <ConfirmDialog question="decision-question" close=move |_| choice.set(None)>
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
                                    {sections.into_iter().filter(|s| s.current).map(|s| {
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
                                {move || match decision {
                                    ReviewDecision::Pass => pass_label,
                                    ReviewDecision::Reject => t("确定不通过", "Confirm: do not pass"),
                                    ReviewDecision::RequestChanges => t("确定退回修改", "Confirm: ask for changes"),
                                }.get(locale.get())}
                            </button>
                            <CancelButton />
                        </div>
                        <div aria-live="assertive">
                            {move || decide.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
                        </div>
                    </ConfirmDialog>
                }
            })}
        </div>
    }
}

/// A migrant family's on-site step, for the reviewer: came (checked in at the point, with
/// the originals), booked and not yet come, or not booked.
#[component]
fn OnSite(on_site: crate::api::appointments::OnSiteView) -> impl IntoView {
    let locale = use_locale();
    let point = on_site.booked.as_ref().map(|b| b.point.clone());
    let place = move || {
        point
            .as_ref()
            .map(|p| p.get(locale.get()).to_owned())
            .unwrap_or_default()
    };
    let originals = on_site.originals;
    match (on_site.checked_in_at, on_site.booked) {
        (Some(at), _) => view! {
            <p class="callout callout-ok" role="note" data-on-site="checked-in">
                {move || match locale.get() {
                    Locale::Zh => format!("现场登记：已于 {} 在{}签到（家长已携带材料原件到登记点）。", format_date_time(at, Locale::Zh), place()),
                    Locale::En => format!("On site: checked in at {} on {} (the family brought the originals to the point).", place(), format_date_time(at, Locale::En)),
                }}
            </p>
            // What the point found in the originals, and when: a problem is said in its words.
            {match originals {
                Some(o) => {
                    let when = move || match locale.get() {
                        Locale::Zh => format!("（{} 记录）", format_date_time(o.at, Locale::Zh)),
                        Locale::En => format!(" (recorded {})", format_date_time(o.at, Locale::En)),
                    };
                    match o.ok {
                        true => view! {
                            <p class="callout callout-ok" role="note" data-originals="ok">
                                {move || t("登记点核验原件：无误", "The point checked the originals: they match").get(locale.get())}{when}
                            </p>
                        }.into_any(),
                        false => view! {
                            <p class="callout callout-error" role="note" data-originals="problem">
                                {move || t("登记点核验原件发现问题", "The point found a problem in the originals").get(locale.get())}{when}{move || match locale.get() { Locale::Zh => "：", Locale::En => ": " }}
                                <span translate="no">{o.note.clone()}</span>
                            </p>
                        }.into_any(),
                    }
                }
                None => view! {
                    <p class="hint" data-originals="none">
                        {move || t("登记点尚未记录原件核验结果。", "The point has not recorded what the originals showed.").get(locale.get())}
                    </p>
                }.into_any(),
            }}
        }.into_any(),
        (None, Some(slot)) => view! {
            <p class="callout" role="note" data-on-site="booked">
                {move || match locale.get() {
                    Locale::Zh => format!("现场登记：已预约 {} {}，尚未签到。", format_time_span(slot.starts_at, slot.ends_at, Locale::Zh), place()),
                    Locale::En => format!("On site: booked for {} at {}, not checked in yet.", format_time_span(slot.starts_at, slot.ends_at, Locale::En), place()),
                }}
            </p>
        }.into_any(),
        (None, None) => view! {
            <p class="callout callout-error" role="note" data-on-site="none">
                {move || t(
                    "现场登记：尚未预约。随迁子女家庭需携带材料原件到登记点现场核验。",
                    "On site: no appointment booked. Families from elsewhere must bring the originals to a registration point.",
                ).get(locale.get())}
            </p>
        }.into_any(),
    }
}
