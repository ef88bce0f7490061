//! A draw's public page (电脑随机派位公示), for anyone with its address, on a phone: the
//! committed list by tier, its fingerprint and the commitment, and once drawn the revealed
//! secret, the public value, the seed, the order, who is admitted and the waiting list, with
//! the record to download and how to check it.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{
    api::draws::{DrawResultView, DrawView, get_draw},
    browser::draw::Verdict,
    components::{LoadFailed, Loading},
    domain::dates::format_date_time,
    i18n::{Locale, t, use_locale},
    routes,
};

/// The draw's public page.
#[component]
pub fn DrawPage() -> impl IntoView {
    let params = use_params_map();
    let id = Signal::derive(move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i32>().ok())
            .unwrap_or_default()
    });
    let draw = Resource::new_blocking(move || id.get(), get_draw);
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match draw.await {
                    Ok(draw) => view! { <Draw draw /> }.into_any(),
                    Err(error) => view! { <LoadFailed error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Draw(draw: DrawView) -> impl IntoView {
    let locale = use_locale();
    let DrawView {
        id,
        version,
        school,
        subsystem,
        school_year,
        grade,
        places,
        tiers,
        fingerprint,
        commitment,
        scheduled_at,
        answer_hours,
        result,
    } = draw;
    let title = move || match locale.get() {
        Locale::Zh => format!(
            "{}电脑派位（{school_year} 学年{}）",
            school.zh,
            subsystem.name().zh
        ),
        Locale::En => format!(
            "Draw for {} ({}, {school_year} school year)",
            school.en,
            subsystem.name().en
        ),
    };
    let ran = result.is_some();
    let status = move || match (ran, locale.get()) {
        (false, Locale::Zh) => format!(
            "名单已于 {} 公示并冻结，等待现场派位。",
            format_date_time(scheduled_at, Locale::Zh)
        ),
        (false, Locale::En) => format!(
            "The list was published and frozen at {}; the draw is still to come.",
            format_date_time(scheduled_at, Locale::En)
        ),
        (true, _) => t(
            "已完成派位，结果如下，任何人都可以核验。",
            "The draw took place: its result is below, and anyone can check it.",
        )
        .get(locale.get())
        .to_owned(),
    };
    let admitted_of = result
        .as_ref()
        .map(|r| r.admitted.clone())
        .unwrap_or_default();
    let waiting_of = result
        .as_ref()
        .map(|r| r.waiting.clone())
        .unwrap_or_default();
    let outcome = move |reference: &str| -> Option<String> {
        if admitted_of.iter().any(|r| r == reference) {
            return Some(t("录取", "Admitted").get(locale.get()).to_owned());
        }
        waiting_of
            .iter()
            .position(|r| r == reference)
            .map(|n| match locale.get() {
                Locale::Zh => format!("候补第 {} 位", n + 1),
                Locale::En => format!("Waiting list, {}", n + 1),
            })
    };
    view! {
        <section class="draw" aria-labelledby="draw-heading" data-draw=id>
            <h1 id="draw-heading">{title}</h1>
            <p class="callout" role="status" data-draw-state=if ran { "ran" } else { "committed" }>{status}</p>
            <dl class="facts">
                <dt>{move || t("年级", "Grade").get(locale.get())}</dt>
                <dd>{grade}</dd>
                <dt>{move || t("招生计划（剩余名额）", "Places").get(locale.get())}</dt>
                <dd data-places=places>{places}</dd>
                <dt>{move || t("名单指纹（SHA-256）", "List fingerprint (SHA-256)").get(locale.get())}</dt>
                <dd class="hash" translate="no" data-fingerprint=fingerprint.clone()>{fingerprint.clone()}</dd>
                <dt>{move || t("密钥承诺值（SHA-256）", "Commitment to the secret (SHA-256)").get(locale.get())}</dt>
                <dd class="hash" translate="no" data-commitment=commitment.clone()>{commitment.clone()}</dd>
                <dt>{move || t("录取确认期限", "Time to accept a place").get(locale.get())}</dt>
                <dd data-answer-hours=answer_hours>{move || match locale.get() {
                    Locale::Zh => format!("{answer_hours} 小时（逾期未确认的学位按候补顺序递补）"),
                    Locale::En => format!("{answer_hours} hours (places not accepted in time go down the waiting list)"),
                }}</dd>
                <dt>{move || t("算法版本", "Algorithm").get(locale.get())}</dt>
                <dd translate="no">{version}</dd>
            </dl>
            {result.clone().map(|r| view! { <Revealed r /> })}
            {tiers.into_iter().enumerate().map(|(number, tier)| {
                let count: usize = tier.units.iter().map(Vec::len).sum();
                // In English where the record has it; else as the record holds it.
                let english = (!tier.name_en.is_empty()).then(|| tier.name_en.clone());
                let name = tier.name.clone();
                let outcome = outcome.clone();
                view! {
                    <section class="panel" data-tier=number + 1>
                        <h2>
                            {move || match locale.get() {
                                Locale::Zh => format!("第 {} 顺位：", number + 1),
                                Locale::En => format!("Tier {}: ", number + 1),
                            }}
                            {move || match (locale.get(), english.clone()) {
                                (Locale::En, Some(english)) => view! { <span>{english}</span> }.into_any(),
                                _ => view! { <span lang="zh-CN" translate="no">{name.clone()}</span> }.into_any(),
                            }}
                            {move || match locale.get() {
                                Locale::Zh => format!("（{count} 人）"),
                                Locale::En => format!(" ({count} children)"),
                            }}
                        </h2>
                        <ul class="draw-list">
                            {tier.units.into_iter().map(|unit| {
                                let together = unit.len() > 1;
                                let shown = unit.join(" + ");
                                let key = shown.clone();
                                let first = unit.first().cloned().unwrap_or_default();
                                let outcome = outcome.clone();
                                view! {
                                    <li data-unit=key>
                                        <span class="reference">{shown}</span>
                                        {together.then(|| view! {
                                            <span class="tag tag-muted">{move || t("多胞胎捆绑", "Siblings drawn together").get(locale.get())}</span>
                                        })}
                                        {move || outcome(&first).map(|o| view! { <span class="tag tag-open">{o}</span> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </section>
                }
            }).collect_view()}
            <section class="panel" aria-labelledby="check-heading">
                <h2 id="check-heading">{move || t("如何核验", "How to check it").get(locale.get())}</h2>
                <p>{move || t(
                    "派位前公布名单指纹和密钥承诺值；派位时输入现场产生的公开数值并公开密钥。用公开的算法，任何人都能由这些数据算出同样的顺序和结果。",
                    "Before the draw the list's fingerprint and the commitment to a secret are published; at the draw a public value drawn in the room is entered and the secret revealed. With the published algorithm anyone computes the same order and result from them.",
                ).get(locale.get())}</p>
                {ran.then(|| view! { <CheckHere id /> })}
                {ran.then(|| view! {
                    <p>
                        <a class="button" href=routes::draw_record(id) download="" target="_self">
                            {move || t("下载派位记录（JSON）", "Download the draw's record (JSON)").get(locale.get())}
                        </a>
                    </p>
                    <p class="hint">
                        {move || t("下载后可用以下任一命令核验：", "Check the downloaded file with either command:").get(locale.get())}
                        " "<code translate="no">"server verify-draw record.json"</code>
                        " "<code translate="no">"python3 docs/lottery.py record.json"</code>
                    </p>
                })}
            </section>
        </section>
    }
}

/// Re-runs the draw in this browser from its record, with the same code the server ran.
#[component]
fn CheckHere(id: i32) -> impl IntoView {
    let locale = use_locale();
    let check = Action::new_local(move |(): &()| async move {
        crate::browser::draw::check(&routes::draw_record(id)).await
    });
    view! {
        <p>
            <button type="button" class="button button-primary" disabled=move || check.pending().get()
                on:click=move |_| { check.dispatch(()); }>
                {move || if check.pending().get() {
                    t("正在本机核验…", "Checking on this device…")
                } else {
                    t("在本机重新计算并核验", "Re-run and check it on this device")
                }.get(locale.get())}
            </button>
        </p>
        {move || check.value().get().map(|verdict| match verdict {
            Verdict::Matches => view! {
                <p class="callout callout-ok" role="status" data-verdict="matches">{move || t(
                    "核验一致：用公开的数据在本机重新计算，名单指纹、密钥承诺值、随机种子、派位顺序和录取名单都与公示相同。",
                    "It checks: re-computed on this device from the published data, the list fingerprint, the commitment, the seed, the order and who is admitted are all as published.",
                ).get(locale.get())}</p>
            }.into_any(),
            Verdict::Differs(problem) => view! {
                <div class="panel panel-error" role="alert" data-verdict="differs">
                    <p>{move || t("核验不一致：公示的派位记录与重新计算的结果不同。", "It does NOT check: the published record differs from what its inputs give.").get(locale.get())}</p>
                    <p class="mono">{problem}</p>
                </div>
            }.into_any(),
            Verdict::Unavailable => view! {
                <div class="panel panel-error" role="alert" data-verdict="unavailable">
                    <p>{move || t("暂时无法在本机核验（网络或浏览器不支持），请稍后重试，或下载记录用其他方式核验。", "It cannot be checked on this device just now (the network, or the browser): try again, or download the record and check it another way.").get(locale.get())}</p>
                </div>
            }.into_any(),
        })}
    }
}

/// What the draw revealed and the order it gave.
#[component]
fn Revealed(r: DrawResultView) -> impl IntoView {
    let locale = use_locale();
    let drawn = r.drawn_tier;
    let (admitted, waiting) = (r.admitted.len(), r.waiting.len());
    view! {
        <dl class="facts" data-revealed="true">
            <dt>{move || t("派位时间", "Drawn at").get(locale.get())}</dt>
            <dd>{move || format_date_time(r.ran_at, locale.get())}</dd>
            <dt>{move || t("现场公开数值", "Public value").get(locale.get())}</dt>
            <dd data-public-value=r.public_value.clone()>{r.public_value.clone()}</dd>
            <dt>{move || t("公开的密钥", "Secret, revealed").get(locale.get())}</dt>
            <dd class="hash" translate="no">{r.secret.clone()}</dd>
            <dt>{move || t("随机种子", "Seed").get(locale.get())}</dt>
            <dd class="hash" translate="no">{r.seed.clone()}</dd>
        </dl>
        <section class="panel" aria-labelledby="order-heading">
            <h2 id="order-heading">{move || match (drawn, locale.get()) {
                (Some(tier), Locale::Zh) => format!("第 {tier} 顺位起的派位顺序"),
                (Some(tier), Locale::En) => format!("Order drawn from tier {tier}"),
                (None, l) => t("名额足够，无需派位，全部录取", "Enough places: no draw was needed, everyone is admitted").get(l).to_owned(),
            }}</h2>
            <ol class="draw-order">
                {r.order.into_iter().map(|unit| view! { <li>{unit.join(" + ")}</li> }).collect_view()}
            </ol>
            <p data-admitted=admitted>{move || match locale.get() {
                Locale::Zh => format!("录取 {admitted} 人，候补 {waiting} 人。"),
                Locale::En => format!("{admitted} admitted, {waiting} on the waiting list."),
            }}</p>
        </section>
    }
}
