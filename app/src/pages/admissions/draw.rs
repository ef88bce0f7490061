//! The draw on the admissions page: the bureau orders the school's entries into priority
//! tiers and commits the list (published and frozen at once), then at the draw enters the
//! public value drawn in the room and runs it, once. The public page is linked throughout.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::{
    api::{
        admissions::DrawSummary,
        draws::{DrawTierInput, RunDraw, ScheduleDraw},
    },
    components::{CancelButton, ConfirmDialog, ErrorPanel},
    domain::Subsystem,
    i18n::{Locale, LocalizedText, t, use_locale},
    routes,
};

/// An entry whose registrations are waiting for a decision: its name and how many.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryCount {
    pub id: i32,
    pub name: LocalizedText,
    pub count: usize,
}

/// The tiers as chosen: the entries put in each tier number, in order, empty tiers left
/// out; a tier is named by its entries.
fn tiers_of(entries: &[EntryCount], chosen: &BTreeMap<i32, usize>) -> Vec<DrawTierInput> {
    let mut by_tier: BTreeMap<usize, Vec<&EntryCount>> = BTreeMap::new();
    for entry in entries {
        let tier = chosen.get(&entry.id).copied().unwrap_or(1);
        by_tier.entry(tier).or_default().push(entry);
    }
    by_tier
        .into_values()
        .map(|entries| DrawTierInput {
            name: entries
                .iter()
                .map(|e| e.name.zh.clone())
                .collect::<Vec<_>>()
                .join("、"),
            name_en: entries
                .iter()
                .map(|e| e.name.en.clone())
                .collect::<Vec<_>>()
                .join(", "),
            entry_ids: entries.iter().map(|e| e.id).collect(),
        })
        .collect()
}

/// What the chosen tiers will do with `places`, tier by tier, in words: who is admitted
/// outright, where the draw decides, and who can only wait.
fn tier_effects(
    entries: &[EntryCount],
    chosen: &BTreeMap<i32, usize>,
    places: usize,
    locale: Locale,
) -> Vec<String> {
    let mut by_tier: BTreeMap<usize, Vec<&EntryCount>> = BTreeMap::new();
    for entry in entries {
        let tier = chosen.get(&entry.id).copied().unwrap_or(1);
        by_tier.entry(tier).or_default().push(entry);
    }
    let mut left = places;
    by_tier
        .into_values()
        .enumerate()
        .map(|(n, tier)| {
            let n = n + 1;
            let count: usize = tier.iter().map(|e| e.count).sum();
            let names: Vec<&str> = tier.iter().map(|e| e.name.get(locale)).collect();
            let effect = if count <= left {
                left -= count;
                t("全部录取", "all admitted").get(locale).to_owned()
            } else if left > 0 {
                let drawn = left;
                left = 0;
                match locale {
                    Locale::Zh => format!("电脑派位争 {drawn} 个学位"),
                    Locale::En => format!("a draw for {drawn} places"),
                }
            } else {
                t(
                    "没有剩余学位，只能候补",
                    "no places left: waiting list only",
                )
                .get(locale)
                .to_owned()
            };
            match locale {
                Locale::Zh => format!("第 {n} 顺位（{}）{count} 人：{effect}", names.join("、")),
                Locale::En => format!("Tier {n} ({}), {count}: {effect}", names.join(", ")),
            }
        })
        .collect()
}

/// The draw panel of a school.
#[component]
pub fn DrawPanel(
    school_id: i32,
    subsystem: Subsystem,
    /// The school year the page shows.
    school_year: i32,
    /// The grade drawn: 1 for enrollment, a transfer's 转入年级.
    grade: i32,
    draw: Option<DrawSummary>,
    places: Option<i32>,
    /// Children of the grade admitted already: the draw is for the places left.
    admitted: usize,
    entries: Vec<EntryCount>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let locale = use_locale();
    // Nothing to show (no heading alone) where nobody waits and nothing was drawn.
    let body = match draw {
        Some(draw) => view! { <Committed draw refresh /> }.into_any(),
        None if entries.is_empty() => return None,
        None => {
            view! { <Tiers school_id subsystem school_year grade places admitted entries refresh /> }.into_any()
        }
    };
    let heading = format!("draw-panel-heading-{grade}");
    Some(view! {
        <section class="panel" data-draw-panel=grade aria-labelledby=heading.clone()>
            <h2 id=heading.clone()>{move || match (subsystem, locale.get()) {
                (Subsystem::Enrollment, l) => t("电脑随机派位", "Computer random draw").get(l).to_owned(),
                (Subsystem::Transfer, Locale::Zh) => format!("电脑随机派位（转入{grade}年级）"),
                (Subsystem::Transfer, Locale::En) => format!("Computer random draw (transfers to grade {grade})"),
            }}</h2>
            {body}
        </section>
    })
}

/// Before the draw is committed: the entries in tiers, and the commitment.
#[component]
fn Tiers(
    school_id: i32,
    subsystem: Subsystem,
    school_year: i32,
    grade: i32,
    places: Option<i32>,
    admitted: usize,
    entries: Vec<EntryCount>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let locale = use_locale();
    let total: usize = entries.iter().map(|e| e.count).sum();
    let count = entries.len();
    let chosen = RwSignal::new(
        entries
            .iter()
            .enumerate()
            .map(|(n, e)| (e.id, n + 1))
            .collect::<BTreeMap<i32, usize>>(),
    );
    let schedule = ServerAction::<ScheduleDraw>::new();
    let answer_hours = RwSignal::new(String::from("72"));
    let asking = RwSignal::new(false);
    Effect::new(move |_| {
        if matches!(schedule.value().get(), Some(Ok(_))) {
            asking.set(false);
            refresh.update(|n| *n += 1);
        }
    });
    let overflow = places.map(|p| usize::try_from(p).unwrap_or(0) < total);
    let all = entries.clone();
    view! {
        <p class="hint">{move || match (overflow, locale.get()) {
            (Some(true), Locale::Zh) => format!("本校待录取 {total} 人，计划 {} 人，超过计划：按顺位录取，超出的顺位内电脑随机派位。", places.unwrap_or_default()),
            (Some(true), Locale::En) => format!("{total} children wait for a place and the school has {}: places are filled tier by tier, and a computer draw decides inside the tier that overflows.", places.unwrap_or_default()),
            (Some(false), Locale::Zh) => format!("本校待录取 {total} 人，未超过计划 {} 人，可直接录取，也可以派位确定顺序。", places.unwrap_or_default()),
            (Some(false), Locale::En) => format!("{total} children wait for a place, within the school's {}: admit them directly, or draw.", places.unwrap_or_default()),
            (None, Locale::Zh) => format!("请先在设置页填写本校 {school_year} 学年{grade}年级的计划人数。"),
            (None, Locale::En) => format!("Set the school's places for grade {grade} of the {school_year} school year on the settings page first."),
        }}
            {places.is_none().then(|| view! {
                " "<a href=format!("/bureau?year={school_year}")>{move || t("去设置", "Settings").get(locale.get())}</a>
            })}
        </p>
        <table class="table">
            <thead>
                <tr>
                    <th scope="col">{move || t("报名入口", "Entry").get(locale.get())}</th>
                    <th scope="col">{move || t("人数", "Children").get(locale.get())}</th>
                    <th scope="col">{move || t("录取顺位", "Tier").get(locale.get())}</th>
                </tr>
            </thead>
            <tbody>
                {entries.into_iter().map(|e| {
                    let id = e.id;
                    let label = format!("draw-tier-{grade}-{id}");
                    let name = e.name.clone();
                    view! {
                        <tr data-draw-entry=id>
                            <td><label for=label.clone()>{move || name.get(locale.get()).to_owned()}</label></td>
                            <td>{e.count}</td>
                            <td>
                                <select id=label on:change=move |ev| {
                                    if let Ok(n) = event_target_value(&ev).parse::<usize>() {
                                        chosen.update(|c| { c.insert(id, n); });
                                    }
                                }>
                                    {(1..=count).map(|n| view! {
                                        <option value=n selected=move || chosen.with(|c| c.get(&id) == Some(&n))>
                                            {move || match locale.get() {
                                                Locale::Zh => format!("第 {n} 顺位"),
                                                Locale::En => format!("Tier {n}"),
                                            }}
                                        </option>
                                    }).collect_view()}
                                </select>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <p class="field form">
            <label for=format!("draw-answer-hours-{grade}")>{move || t("录取家长确认期限（小时）", "Hours parents have to accept a place").get(locale.get())}</label>
            <input id=format!("draw-answer-hours-{grade}") type="number" inputmode="numeric" min="1" max="720"
                prop:value=move || answer_hours.get()
                on:input=move |ev| answer_hours.set(event_target_value(&ev)) />
            <span class="hint">{move || t(
                "从公布结果（或候补递补）起计算；逾期未确认视为放弃，学位按候补顺序递补。",
                "Counted from the publication (or from a waiting-list offer); a place not accepted in time goes down the waiting list.",
            ).get(locale.get())}</span>
        </p>
        <div class="decision-buttons">
            <button type="button" class="button button-primary" disabled=places.is_none() data-dialog-opener="draw-commit-question" on:click=move |_| asking.set(true)>
                {move || t("公示名单并冻结", "Publish and freeze the list").get(locale.get())}
            </button>
        </div>
        {move || asking.get().then(|| {
            let all = all.clone();
            let shown = all.clone();
            view! {
                <ConfirmDialog question="draw-commit-question" close=move |_| asking.set(false)>
                    <p id="draw-commit-question">{move || t(
                        "公示后名单、顺位和密钥承诺值立即公开且不能再改，本校也不能再逐个录取。确定吗？",
                        "Once published, the list, its tiers and the commitment are public and can no longer change, nor can this school's admissions be decided by hand. Go on?",
                    ).get(locale.get())}</p>
                    <ul data-tier-effects="true">
                        {move || {
                            let places = usize::try_from(places.unwrap_or_default())
                                .unwrap_or(0)
                                .saturating_sub(admitted);
                            chosen.with(|c| tier_effects(&shown, c, places, locale.get()))
                                .into_iter()
                                .map(|line| view! { <li>{line}</li> })
                                .collect_view()
                        }}
                    </ul>
                    <button type="button" class="button button-primary" data-confirm="commit-draw" disabled=move || schedule.pending().get() on:click=move |_| {
                        let tiers = chosen.with_untracked(|c| tiers_of(&all, c));
                        // What cannot be read as hours is sent as 0, which the server names.
                        let hours = answer_hours.with_untracked(|h| h.trim().parse::<u32>().unwrap_or(0));
                        schedule.dispatch(ScheduleDraw {
                            school_id,
                            subsystem: subsystem.code().to_owned(),
                            grade: Some(grade),
                            tiers,
                            answer_hours: Some(hours),
                            school_year: Some(school_year),
                        });
                    }>{move || t("确定公示", "Publish").get(locale.get())}</button>
                    <CancelButton />
                </ConfirmDialog>
            }
        })}
        {move || schedule.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
    }
}

/// A committed draw: its public page, and the run once the public value is drawn.
#[component]
fn Committed(draw: DrawSummary, refresh: RwSignal<u32>) -> impl IntoView {
    let locale = use_locale();
    let DrawSummary {
        id,
        places,
        entrants,
        ran,
        ..
    } = draw;
    let public_value = RwSignal::new(String::new());
    let run = ServerAction::<RunDraw>::new();
    let asking = RwSignal::new(false);
    Effect::new(move |_| {
        if matches!(run.value().get(), Some(Ok(_))) {
            asking.set(false);
            refresh.update(|n| *n += 1);
        }
    });
    view! {
        <p class=if ran { "tag tag-open" } else { "tag tag-soon" } data-draw-state=if ran { "ran" } else { "committed" }>
            {move || match (ran, locale.get()) {
                (true, Locale::Zh) => format!("已派位：{entrants} 人参加，计划 {places} 人。派位结果已成为本校的录取决定，公布后家长可见。"),
                (true, Locale::En) => format!("Drawn: {entrants} children for {places} places. The result is the school's admission decisions; parents see it once published."),
                (false, Locale::Zh) => format!("名单已公示并冻结：{entrants} 人参加，计划 {places} 人，等待派位。"),
                (false, Locale::En) => format!("The list is published and frozen: {entrants} children for {places} places; the draw is still to come."),
            }}
        </p>
        <p>
            <a href=routes::draw(id) target="_blank" rel="noopener">
                {move || t("查看派位公示页", "Open the draw's public page").get(locale.get())}
            </a>
        </p>
        {(!ran).then(|| view! {
            <label for=format!("draw-public-value-{id}")>{move || t("现场公开数值", "Public value drawn in the room").get(locale.get())}</label>
            <p class="hint" id=format!("draw-public-value-hint-{id}")>{move || t(
                "派位现场由公证人员当场产生的数值（例如摇出的号码），派位前任何人都不知道。",
                "A value produced in the room by the notary (a number drawn, for example) that nobody knew before.",
            ).get(locale.get())}</p>
            <input id=format!("draw-public-value-{id}") type="text" aria-describedby=format!("draw-public-value-hint-{id}") autocomplete="off"
                on:input=move |ev| public_value.set(event_target_value(&ev)) />
            <div class="decision-buttons">
                <button type="button" class="button button-primary"
                    disabled=move || public_value.with(|v| v.trim().is_empty())
                    data-dialog-opener="draw-run-question" on:click=move |_| asking.set(true)>
                    {move || t("开始派位", "Run the draw").get(locale.get())}
                </button>
            </div>
            {move || asking.get().then(|| view! {
                <ConfirmDialog question="draw-run-question" close=move |_| asking.set(false)>
                    <p id="draw-run-question">{move || match locale.get() {
                        Locale::Zh => format!("用公开数值“{}”派位？派位只能进行一次，结果立即公示。", public_value.get().trim()),
                        Locale::En => format!("Run the draw with the public value “{}”? It runs once, and its result is public at once.", public_value.get().trim()),
                    }}</p>
                    <button type="button" class="button button-primary" data-confirm="run-draw" disabled=move || run.pending().get() on:click=move |_| {
                        run.dispatch(RunDraw { draw_id: id, public_value: public_value.get_untracked().trim().to_owned() });
                    }>{move || t("确定派位", "Run it").get(locale.get())}</button>
                    <CancelButton />
                </ConfirmDialog>
            })}
            {move || run.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
        })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i32, zh: &str, en: &str) -> EntryCount {
        EntryCount {
            id,
            name: LocalizedText::new(zh, en),
            count: 1,
        }
    }

    #[test]
    fn entries_put_in_one_tier_are_one_tier_named_by_them_in_order() {
        let entries = [
            entry(1, "户籍+房产", "Household + property"),
            entry(2, "户籍", "Household"),
            entry(3, "房产", "Property"),
        ];
        let chosen = BTreeMap::from([(1, 1), (2, 3), (3, 1)]);
        let tiers = tiers_of(&entries, &chosen);
        assert_eq!(
            tiers,
            vec![
                DrawTierInput {
                    name: "户籍+房产、房产".into(),
                    name_en: "Household + property, Property".into(),
                    entry_ids: vec![1, 3]
                },
                DrawTierInput {
                    name: "户籍".into(),
                    name_en: "Household".into(),
                    entry_ids: vec![2]
                },
            ]
        );
    }
}
