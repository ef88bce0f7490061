//! Where a submitted registration stands: the school's request for changes with 提交修改,
//! and the timeline of review and results (Qingdao "从哪里了解报名进展").

use leptos::prelude::*;

use super::overview::AskButton;
use crate::{
    api::registrations::{AnswerOffer, RegistrationView},
    components::ErrorPanel,
    domain::{RegistrationState, dates::format_date_time, review::TimelineKind},
    i18n::{Locale, t, use_locale},
    routes::{self, Irreversible},
};

/// The open change request: what the school asked, where to change it, and 提交修改.
#[component]
pub fn ChangeRequestPanel(r: RegistrationView) -> impl IntoView {
    let locale = use_locale();
    let id = r.id;
    let resubmittable = r.resubmittable;
    let message = r
        .change_request
        .as_ref()
        .map(|c| c.message.clone())
        .unwrap_or_default();
    let items = r.requested_items.clone();
    (r.state == RegistrationState::ChangesRequested).then(|| view! {
        <div class="panel panel-attention" data-change-request="true" role="region" aria-labelledby="change-request-heading">
            <h2 id="change-request-heading">{move || t("学校要求修改", "The school asked for changes").get(locale.get())}</h2>
            <blockquote class="school-message" data-field="school-message">{message}</blockquote>
            <p>{move || t("请修改以下内容（其他内容保持不变）：", "Change these (leave everything else as it is):").get(locale.get())}</p>
            <ul class="requested-items">
                {items.into_iter().map(|item| {
                    let href = match item.section {
                        Some(kind) => routes::section(id, kind),
                        None => routes::documents(id),
                    };
                    let label = item.label;
                    view! { <li><a href=href>{move || label.get(locale.get()).to_owned()}</a></li> }
                }).collect_view()}
            </ul>
            {if resubmittable {
                view! {
                    <p class="hint">{move || t(
                        "全部修改完成后，点击“提交修改”交给学校重新审核。提交后信息将被锁定，不能再修改或删除。",
                        "When everything is changed, press “Send changes” for the school to review it again. It is then locked and cannot be changed or deleted.",
                    ).get(locale.get())}</p>
                    <AskButton id action=Irreversible::Resubmit class="button button-primary" label=t("提交修改", "Send changes") />
                }.into_any()
            } else {
                view! {
                    <p class="callout">{move || t(
                        "修改期限已过，无法再提交修改。如有疑问，请联系学校。",
                        "The time for changes is over. Contact the school with questions.",
                    ).get(locale.get())}</p>
                }.into_any()
            }}
        </div>
    })
}

/// A place a draw offered: accept or decline before the deadline (录取确认), then what was
/// answered.
#[component]
pub fn OfferPanel(r: RegistrationView) -> impl IntoView {
    let locale = use_locale();
    let id = r.id;
    let school = r.school.clone();
    // Accepted, the server sends the page again (a form post), or this page (hydrated whole)
    // reads itself again.
    let answer = ServerAction::<AnswerOffer>::new();
    let done = move || matches!(answer.value().get(), Some(Ok(_)));
    Effect::new(move |_| {
        if done() {
            let _ = window().location().reload();
        }
    });
    r.offer.map(|offer| {
        let deadline = offer.deadline;
        view! {
            <div class="panel panel-attention" data-offer=if offer.open { "open" } else { "closed" } role="region" aria-labelledby="offer-heading">
                <h2 id="offer-heading">{move || t("录取确认", "Accept the place").get(locale.get())}</h2>
                {match (offer.open, offer.answer) {
                    (true, _) if r.following => view! {
                        <p data-field="offer-deadline">{move || match locale.get() {
                            Locale::Zh => format!("孩子已获得{}的学位，等待报名人在 {} 前确认是否接受。", school.zh, format_date_time(deadline, Locale::Zh)),
                            Locale::En => format!("Your child is offered a place at {}: the registrant accepts or declines it before {}.", school.en, format_date_time(deadline, Locale::En)),
                        }}</p>
                    }.into_any(),
                    (true, _) => view! {
                        <p data-field="offer-deadline">{move || match locale.get() {
                            Locale::Zh => format!("孩子已获得{}的学位。请在 {} 前确认是否接受；逾期未确认视为放弃，学位将按候补顺序让给下一位。", school.zh, format_date_time(deadline, Locale::Zh)),
                            Locale::En => format!("Your child is offered a place at {}. Accept or decline it before {}; unanswered, it is given up and goes to the next on the waiting list.", school.en, format_date_time(deadline, Locale::En)),
                        }}</p>
                        <div class="decision-buttons">
                            <ActionForm action=answer>
                                <input type="hidden" name="id" value=id />
                                <input type="hidden" name="accept" value="true" />
                                <button type="submit" class="button button-primary" disabled=move || answer.pending().get() || done()
                                    data-busy=move || t("正在确认…", "Accepting…").get(locale.get())>
                                    {move || t("接受学位", "Accept the place").get(locale.get())}
                                </button>
                            </ActionForm>
                            <AskButton id action=Irreversible::Decline class="button button-danger-outline" label=t("放弃学位", "Decline the place") />
                        </div>
                        <div aria-live="assertive">
                            {move || answer.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
                        </div>
                    }.into_any(),
                    (false, Some(given)) => {
                        let at = offer.answered_at;
                        view! {
                            <p data-field="offer-answer" data-answer=given.code()>
                                {move || given.label().get(locale.get())}
                                {at.map(|at| view! { " · "<time>{move || format_date_time(at, locale.get())}</time> })}
                            </p>
                        }.into_any()
                    }
                    (false, None) => view! {
                        <p data-field="offer-answer" data-answer="expired">{move || t(
                            "确认期限已过，正在处理。",
                            "The time to answer is over; this is being processed.",
                        ).get(locale.get())}</p>
                    }.into_any(),
                }}
            </div>
        }
    })
}

/// The draw the registration is in: the list published before it (its fingerprint and the
/// commitment to the secret), and the public page where anyone checks it.
#[component]
pub fn DrawNotice(r: RegistrationView) -> impl IntoView {
    let locale = use_locale();
    r.draw.map(|d| view! {
        <div class="panel" role="region" aria-labelledby="draw-notice-heading" data-draw-link=d.id>
            <h2 id="draw-notice-heading">{move || t("电脑随机派位", "Computer random draw").get(locale.get())}</h2>
            <p>{move || if d.ran {
                t("本校已完成电脑派位，结果以公布为准；任何人都可以在派位公示页核验。", "The school's draw took place; its result counts once published, and anyone can check it on the draw's page.")
            } else {
                t("这份报名已进入本校的电脑派位名单。名单和密钥承诺值已公示并冻结，派位时公开数值现场产生。", "This registration is on the school's draw list. The list and the commitment to the secret are published and frozen; the public value is drawn in the room.")
            }.get(locale.get())}</p>
            <dl class="facts">
                <dt>{move || t("名单指纹（SHA-256）", "List fingerprint (SHA-256)").get(locale.get())}</dt>
                <dd class="hash" data-fingerprint=d.fingerprint.clone()>{d.fingerprint.clone()}</dd>
                <dt>{move || t("密钥承诺值（SHA-256）", "Commitment to the secret (SHA-256)").get(locale.get())}</dt>
                <dd class="hash">{d.commitment.clone()}</dd>
            </dl>
            <a class="button" href=routes::draw(d.id)>{move || t("查看派位公示页", "See the draw's page").get(locale.get())}</a>
        </div>
    })
}

/// The registration's progress: submitted, reviews, results, with dates and messages.
#[component]
pub fn ReviewTimeline(r: RegistrationView) -> impl IntoView {
    let locale = use_locale();
    let timeline = r.timeline.clone();
    (!timeline.is_empty()).then(|| view! {
        <div class="panel" aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">{move || t("审核进度", "Progress").get(locale.get())}</h2>
            <ol class="timeline" data-timeline="true">
                {timeline.into_iter().map(|entry| {
                    let kind = entry.kind;
                    let class = match kind {
                        TimelineKind::Rejected
                        | TimelineKind::NotAdmitted
                        | TimelineKind::PlaceDeclined
                        | TimelineKind::PlaceExpired => "timeline-item timeline-bad",
                        TimelineKind::ChangesRequested | TimelineKind::PlaceOffered => "timeline-item timeline-attention",
                        TimelineKind::Admitted | TimelineKind::PlaceAccepted => "timeline-item timeline-good",
                        _ => "timeline-item",
                    };
                    let reason = entry.reason.clone();
                    let message = entry.message.clone();
                    view! {
                        <li class=class data-event=kind.code()>
                            <span class="timeline-label">{move || kind.label().get(locale.get())}</span>
                            <time class="hint">{move || format_date_time(entry.at, locale.get())}</time>
                            {reason.map(|reason| view! {
                                <p>{move || t("原因：", "Reason: ").get(locale.get())}{move || reason.get(locale.get()).to_owned()}</p>
                            })}
                            {(!message.is_empty()).then(|| view! {
                                <p class="school-message">{move || t("说明：", "Message: ").get(locale.get())}{message.clone()}</p>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </div>
    })
}
