//! The bureau's admissions page (desktop): per school, the registrations that passed
//! review, the decision on each (admitted or not), and the publication of the results at
//! a chosen time, all at once.

mod draw;

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::{CancelButton, ConfirmDialog, year_choice, year_link};
use crate::components::{LoadFailed, Loading};
use crate::{
    api::admissions::{
        AdmissionsPage, CancelPublication, DecideAdmissions, DrawSummary, SchedulePublication,
        get_admissions,
    },
    components::ErrorPanel,
    domain::{RegistrationState, Subsystem, admission::AdmissionOutcome, dates::format_date_time},
    i18n::{Locale, t, use_locale},
};

/// The admissions page.
#[component]
pub fn AdmissionsPageView() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let refresh = RwSignal::new(0_u32);
    let data = Resource::new_blocking(
        move || {
            let q = query.read();
            (
                q.get("school").and_then(|s| s.parse::<i32>().ok()),
                q.get("subsystem").unwrap_or_else(|| "enrollment".into()),
                q.get("year").and_then(|y| y.parse::<i32>().ok()),
                refresh.get(),
            )
        },
        |(school, subsystem, year, _)| get_admissions(school, subsystem, year),
    );
    view! {
        <section class="review" aria-labelledby="admissions-heading">
            <h1 id="admissions-heading">{move || t("录取与公布", "Admissions and publication").get(locale.get())}</h1>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => view! { <Admissions page refresh /> }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// What one grade's draw panel shows.
struct GradePanel {
    grade: i32,
    draw: Option<DrawSummary>,
    places: Option<i32>,
    /// Children of the grade admitted already (published): the draw is for the rest.
    admitted: usize,
    entries: Vec<draw::EntryCount>,
}

#[component]
fn Admissions(page: AdmissionsPage, refresh: RwSignal<u32>) -> impl IntoView {
    let locale = use_locale();
    let AdmissionsPage {
        schools,
        school,
        subsystem,
        school_year,
        school_years,
        unfinished_years,
        candidates,
        still_in_review,
        publication,
        draws,
        places,
    } = page;
    let school_id = school.id;
    // Where a grade has a draw committed, the draw decides its admissions, not a hand.
    let drawn: BTreeSet<i32> = draws.iter().map(|d| d.grade).collect();
    let waiting = candidates
        .iter()
        .filter(|c| c.state == RegistrationState::ReviewPassed);
    let by_hand = draws.is_empty() || waiting.clone().any(|c| !drawn.contains(&c.grade));
    // The entries with children waiting, grade by grade: what each grade's draw is made of.
    let mut waiting_entries: BTreeMap<i32, Vec<draw::EntryCount>> = BTreeMap::new();
    for c in waiting {
        let entries = waiting_entries.entry(c.grade).or_default();
        match entries.iter_mut().find(|e| e.id == c.entry_id) {
            Some(entry) => entry.count += 1,
            None => entries.push(draw::EntryCount {
                id: c.entry_id,
                name: c.entry.clone(),
                count: 1,
            }),
        }
    }
    waiting_entries
        .values_mut()
        .for_each(|entries| entries.sort_by_key(|e| e.id));
    let panel_grades: BTreeSet<i32> = waiting_entries
        .keys()
        .copied()
        .chain(drawn.iter().copied())
        .collect();
    let panels: Vec<GradePanel> = panel_grades
        .into_iter()
        .map(|grade| GradePanel {
            grade,
            draw: draws.iter().find(|d| d.grade == grade).cloned(),
            places: places.get(&grade).copied(),
            admitted: candidates
                .iter()
                .filter(|c| c.grade == grade && c.state == RegistrationState::Admitted)
                .count(),
            entries: waiting_entries.remove(&grade).unwrap_or_default(),
        })
        .collect();
    // Something to publish: registrations that passed review and are not yet published
    // (also after an earlier publication, for those that passed since).
    let open_count = candidates
        .iter()
        .filter(|c| c.state == RegistrationState::ReviewPassed)
        .count();
    // The choices on screen, saved with one button.
    let choices = RwSignal::new(
        candidates
            .iter()
            .filter(|c| c.state == RegistrationState::ReviewPassed && !drawn.contains(&c.grade))
            .map(|c| (c.id, c.outcome))
            .collect::<BTreeMap<i32, Option<AdmissionOutcome>>>(),
    );
    let save = ServerAction::<DecideAdmissions>::new();
    let publish = ServerAction::<SchedulePublication>::new();
    let cancel = ServerAction::<CancelPublication>::new();
    let asking = RwSignal::new(false);
    let when = RwSignal::new(String::new());
    Effect::new(move |_| {
        if matches!(publish.value().get(), Some(Ok(_))) {
            asking.set(false);
            refresh.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        if matches!(cancel.value().get(), Some(Ok(_))) {
            refresh.update(|n| *n += 1);
        }
    });
    let undecided = move || choices.with(|c| c.values().filter(|o| o.is_none()).count());
    // What is saved: publication publishes that, so a choice changed on screen and not
    // saved holds the publication back.
    let saved = RwSignal::new(choices.get_untracked());
    let sending = StoredValue::new(None::<BTreeMap<i32, Option<AdmissionOutcome>>>);
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(_)))
            && let Some(sent) = sending.get_value()
        {
            saved.set(sent);
        }
    });
    let unsaved = move || choices.with(|c| saved.with(|s| c != s));
    // Admitted per grade: those the bureau cannot change here (published, or by a draw),
    // and the choices on screen.
    let grade_of: BTreeMap<i32, i32> = candidates.iter().map(|c| (c.id, c.grade)).collect();
    let grade_of = StoredValue::new(grade_of);
    let mut fixed: BTreeMap<i32, usize> = BTreeMap::new();
    for c in candidates.iter().filter(|c| {
        c.state == RegistrationState::Admitted
            || (c.state == RegistrationState::ReviewPassed
                && drawn.contains(&c.grade)
                && c.outcome == Some(AdmissionOutcome::Admitted))
    }) {
        *fixed.entry(c.grade).or_default() += 1;
    }
    let fixed = StoredValue::new(fixed);
    let admitted_by_grade = move || {
        let mut by_grade = fixed.get_value();
        choices.with(|c| {
            for (id, outcome) in c {
                if *outcome == Some(AdmissionOutcome::Admitted) {
                    let grade = grade_of.with_value(|g| g.get(id).copied().unwrap_or(1));
                    *by_grade.entry(grade).or_default() += 1;
                }
            }
        });
        by_grade
    };
    let admitted = move || admitted_by_grade().values().sum::<usize>();
    // What the next publication sends out: the choices, and the draws' outcomes not yet
    // published.
    let drawn_waiting = |outcome: AdmissionOutcome| {
        candidates
            .iter()
            .filter(|c| {
                c.state == RegistrationState::ReviewPassed
                    && drawn.contains(&c.grade)
                    && c.outcome == Some(outcome)
            })
            .count()
    };
    let (drawn_admitted, drawn_not) = (
        drawn_waiting(AdmissionOutcome::Admitted),
        drawn_waiting(AdmissionOutcome::NotAdmitted),
    );
    let to_publish = move |outcome: AdmissionOutcome| {
        let drawn = match outcome {
            AdmissionOutcome::Admitted => drawn_admitted,
            AdmissionOutcome::NotAdmitted => drawn_not,
        };
        drawn + choices.with(|c| c.values().filter(|o| **o == Some(outcome)).count())
    };
    // Grades where more would be admitted than the places set: (grade, places, admitted).
    let places = StoredValue::new(places);
    let over_places = move || {
        admitted_by_grade()
            .into_iter()
            .filter_map(|(grade, count)| {
                let places = places.with_value(|p| p.get(&grade).copied())?;
                (count > usize::try_from(places).unwrap_or(0)).then_some((grade, places, count))
            })
            .collect::<Vec<_>>()
    };
    let places_text = move |locale: Locale| -> String {
        let one_grade = |grade: i32, n: i32| match locale {
            Locale::Zh => format!("{grade}年级 {n} 人"),
            Locale::En => format!("grade {grade}: {n}"),
        };
        let places = places.get_value();
        match (subsystem, places.get(&1)) {
            _ if places.is_empty() => t("未设置招生计划", "no places set").get(locale).to_owned(),
            (Subsystem::Enrollment, Some(n)) => match locale {
                Locale::Zh => format!("招生计划 {n} 人"),
                Locale::En => format!("{n} places"),
            },
            _ => {
                let grades: Vec<String> = places.iter().map(|(g, n)| one_grade(*g, *n)).collect();
                match locale {
                    Locale::Zh => format!("招生计划：{}", grades.join("、")),
                    Locale::En => format!("places: {}", grades.join(", ")),
                }
            }
        }
    };
    let total = candidates.len();
    let school_name = school.name.clone();
    view! {
        <form class="filters filters-inline" method="get" action="/admissions">
            // Each label wraps with its own field on a narrow screen.
            <div class="filter-field">
                <label for="admissions-school">{move || t("学校", "School").get(locale.get())}</label>
                <select id="admissions-school" name="school">
                    {schools.into_iter().map(|s| {
                        let chosen = s.id == school_id;
                        view! { <option value=s.id selected=chosen>{move || s.name.get(locale.get()).to_owned()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="filter-field">
                <label for="admissions-subsystem">{move || t("类型", "Subsystem").get(locale.get())}</label>
                <select id="admissions-subsystem" name="subsystem">
                    {Subsystem::ALL.into_iter().map(|s| view! {
                        <option value=s.code() selected=s == subsystem>{move || s.name().get(locale.get())}</option>
                    }).collect_view()}
                </select>
            </div>
            {year_choice("admissions-year", school_years, school_year).map(|choice| view! {
                <div class="filter-field">{choice}</div>
            })}
            <button type="submit" class="button">{move || t("查看", "Show").get(locale.get())}</button>
        </form>
        // Another year of this school with work left: said, with the way there, so that
        // nothing of last year's is forgotten once next year opens.
        {unfinished_years.into_iter().map(|(year, left)| {
            let href = format!("/admissions?school={school_id}&subsystem={}&year={year}", subsystem.code());
            view! {
                <p class="callout" data-unfinished-year=year>
                    {move || match locale.get() {
                        Locale::Zh => format!("本校 {year} 学年还有 {left} 条报名在审核中或未公布录取结果。"),
                        Locale::En if left == 1 => format!("1 registration of this school's {year} school year is still in review or without a published result."),
                        Locale::En => format!("{left} registrations of this school's {year} school year are still in review or without published results."),
                    }}
                    " "
                    {year_link(href, year)}
                </p>
            }
        }).collect_view()}
        <p class="queue-count" data-admitted=admitted>{move || match locale.get() {
            Locale::Zh => format!("{} · {school_year} 学年 · {} · 审核通过 {total} 人，拟录取 {} 人", school_name.get(locale.get()), places_text(Locale::Zh), admitted()),
            Locale::En => format!("{} · {school_year} · {} · {total} passed review, {} to admit", school_name.get(locale.get()), places_text(Locale::En), admitted()),
        }}</p>
        {move || over_places().into_iter().map(|(grade, places, count)| view! {
            <p class="callout callout-error" role="alert" data-over-places=grade>{move || match locale.get() {
                Locale::Zh => format!("{grade}年级拟录取 {count} 人（含已录取的），超过招生计划 {places} 人：多录取的不能保存，也不能公布。"),
                Locale::En => format!("Grade {grade}: {count} to admit (those admitted already included), more than its {places} places. Admitting more cannot be saved or published."),
            }}</p>
        }).collect_view()}
        {(still_in_review > 0).then(|| view! {
            <p class="callout">{move || match locale.get() {
                Locale::Zh => format!("本校还有 {still_in_review} 条报名在审核中，公布后它们不在本次结果内。"),
                Locale::En => format!("{still_in_review} registrations of this school are still in review; they are not in these results."),
            }}</p>
        })}
        {publication.clone().map(|p| view! {
            <p class=if p.published { "tag tag-open" } else { "tag tag-soon" } data-published=p.published.to_string()>
                {move || {
                    let at = format_date_time(p.publish_at, locale.get());
                    match (p.published, locale.get()) {
                        (true, Locale::Zh) => format!("已于 {at} 公布"),
                        (true, Locale::En) => format!("Published {at}"),
                        (false, Locale::Zh) => format!("将于 {at} 公布"),
                        (false, Locale::En) => format!("To be published {at}"),
                    }
                }}
            </p>
            // Scheduled, not yet made: it can be taken back (the decisions stay saved).
            {(!p.published).then(|| view! {
                <p class="button-row">
                    <button type="button" class="button" data-cancel-publication="true"
                        disabled=move || cancel.pending().get()
                        on:click=move |_| { cancel.dispatch(CancelPublication { school_id, subsystem: subsystem.code().to_owned(), school_year: Some(school_year) }); }>
                        {move || t("取消公布安排", "Cancel the publication").get(locale.get())}
                    </button>
                </p>
            })}
        })}
        {move || cancel.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
        {panels.into_iter().map(|GradePanel { grade, draw, places, admitted, entries }| view! {
            <draw::DrawPanel school_id subsystem school_year grade draw places admitted entries refresh />
        }).collect_view()}
        {(total == 0).then(|| view! {
            <p class="hint" data-candidates="0">{move || t(
                "还没有审核通过的报名。报名通过复审后会出现在这里，再决定录取。",
                "No registration has passed review yet. Those that pass the second review appear here for a decision.",
            ).get(locale.get())}</p>
        })}
        {(total > 0).then(|| view! { <table class="table queue-table">
            <thead>
                <tr>
                    <th scope="col">{move || t("报名编号", "Reference").get(locale.get())}</th>
                    <th scope="col">{move || t("儿童姓名", "Child").get(locale.get())}</th>
                    <th scope="col">{move || t("身份证号", "ID number").get(locale.get())}</th>
                    <th scope="col">{move || t("报名入口", "Entry").get(locale.get())}</th>
                    <th scope="col">{move || t("录取决定", "Decision").get(locale.get())}</th>
                </tr>
            </thead>
            <tbody>
                {candidates.into_iter().map(|c| {
                    let id = c.id;
                    let entry = c.entry.clone();
                    let open = c.state == RegistrationState::ReviewPassed;
                    let drawn_here = drawn.contains(&c.grade);
                    let state = c.state;
                    let outcome = c.outcome;
                    view! {
                        <tr data-candidate=c.reference.clone()>
                            <td>{c.reference.clone()}</td>
                            <td translate="no">{c.child_name.clone()}</td>
                            <td class="mono">{c.child_masked_id.clone()}</td>
                            <td>{move || entry.get(locale.get()).to_owned()}</td>
                            <td>
                                {if open && drawn_here {
                                    view! { <span class="tag tag-soon" data-outcome=outcome.map(|o| o.code())>{move || match outcome {
                                        Some(AdmissionOutcome::Admitted) => t("派位录取", "Admitted by the draw"),
                                        Some(AdmissionOutcome::NotAdmitted) => t("未派中（候补）", "Not drawn (waiting list)"),
                                        None => t("等待派位", "Waiting for the draw"),
                                    }.get(locale.get())}</span> }.into_any()
                                } else if open {
                                    [AdmissionOutcome::Admitted, AdmissionOutcome::NotAdmitted].into_iter().map(|o| view! {
                                        <label class="choice choice-inline">
                                            <input type="radio" name=format!("outcome-{id}") value=o.code()
                                                prop:checked=move || choices.with(|c| c.get(&id).copied().flatten() == Some(o))
                                                on:change=move |_| choices.update(|c| { c.insert(id, Some(o)); }) />
                                            {move || o.label().get(locale.get())}
                                        </label>
                                    }).collect_view().into_any()
                                } else {
                                    let offer = c.offer.clone();
                                    view! {
                                        <span class="tag tag-open" data-state=state.code()>{move || state.label().get(locale.get())}</span>
                                        {offer.map(|o| {
                                            let deadline = o.deadline;
                                            view! {
                                                " "
                                                <span class="hint" data-offer=o.answer.map_or("open", |a| a.code())>{move || match (o.answer, locale.get()) {
                                                    (Some(answer), l) => answer.label().get(l).to_owned(),
                                                    (None, l @ Locale::Zh) => format!("待家长确认（{} 截止）", format_date_time(deadline, l)),
                                                    (None, l @ Locale::En) => format!("Waiting for the parent (until {})", format_date_time(deadline, l)),
                                                }}</span>
                                            }
                                        })}
                                    }.into_any()
                                }}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table> })}
        {(by_hand && total > 0).then(|| view! { <div class="decision-buttons">
            <button type="button" class="button" on:click=move |_| choices.update(|c| c.values_mut().for_each(|o| *o = Some(AdmissionOutcome::Admitted)))>
                {move || t("全部选为录取", "Admit all").get(locale.get())}
            </button>
            <button type="button" class="button button-primary" disabled=move || save.pending().get() on:click=move |_| {
                let shown = choices.get_untracked();
                let decisions = shown.iter().filter_map(|(id, o)| o.map(|o| (*id, o.code().to_owned()))).collect();
                sending.set_value(Some(shown));
                save.dispatch(DecideAdmissions { school_id, decisions });
            }>{move || t("保存录取决定", "Save decisions").get(locale.get())}</button>
        </div> })}
        {move || save.value().get().map(|r| match r {
            Ok(n) => view! { <p class="tag tag-open" role="status" data-saved=n>{move || match locale.get() {
                Locale::Zh => format!("已保存 {n} 条"),
                Locale::En => format!("{n} saved"),
            }}</p> }.into_any(),
            Err(error) => view! { <ErrorPanel error /> }.into_any(),
        })}
        {(open_count > 0).then(|| view! {
            <div class="panel">
                <h2>{move || t("公布录取结果", "Publish the results").get(locale.get())}</h2>
                <p class="hint">{move || t(
                    "到公布时间，本校全部录取决定同时生效，家长可在平台查看并收到短信。公布前家长看不到任何录取决定。",
                    "At the chosen time every decision of this school takes effect at once; parents see it and get an SMS. Before that they see nothing of it.",
                ).get(locale.get())}</p>
                <label for="publish-at">{move || t("公布时间", "Publish at").get(locale.get())}</label>
                <input id="publish-at" type="datetime-local" on:input=move |ev| when.set(event_target_value(&ev)) />
                <div class="decision-buttons">
                    <button type="button" class="button button-primary" data-dialog-opener="publish-question"
                        disabled=unsaved on:click=move |_| asking.set(true)>
                        {move || t("安排公布", "Schedule publication").get(locale.get())}
                    </button>
                </div>
                {move || unsaved().then(|| view! {
                    <p class="callout" role="status" data-unsaved="true">{move || t(
                        "有改动的录取决定还没有保存：公布的是已保存的决定，请先点击“保存录取决定”。",
                        "Some decisions changed on screen are not saved: what is saved is what is published. Press “Save decisions” first.",
                    ).get(locale.get())}</p>
                })}
                {move || (undecided() > 0).then(|| view! {
                    <p class="hint">{move || match locale.get() {
                        Locale::Zh => format!("还有 {} 条没有录取决定（请先保存）。", undecided()),
                        Locale::En => format!("{} without a decision (save them first).", undecided()),
                    }}</p>
                })}
                {move || asking.get().then(|| view! {
                    <ConfirmDialog question="publish-question" close=move |_| asking.set(false)>
                        <p id="publish-question">{move || t(
                            "确定按所选时间公布本校录取结果吗？时间已到或未填写时将立即公布，公布后家长立即可见。",
                            "Publish this school's results at that time? With no time, or a time already past, they are published now and parents see them at once.",
                        ).get(locale.get())}</p>
                        <p data-publish-summary="true">{move || {
                            // A time now or past publishes at once, as no time does.
                            let chosen = when.get();
                            let later = chosen.trim() > crate::browser::clock::now_local_input().as_str();
                            let at = chrono::NaiveDateTime::parse_from_str(chosen.trim(), "%Y-%m-%dT%H:%M")
                                .ok()
                                .filter(|_| later)
                                .map(|at| format_date_time(at, locale.get()))
                                .ok_or(());
                            match (locale.get(), at) {
                                (Locale::Zh, Ok(at)) => format!("将公布：录取 {} 人，不录取 {} 人；公布时间 {at}（{}）。", to_publish(AdmissionOutcome::Admitted), to_publish(AdmissionOutcome::NotAdmitted), places_text(Locale::Zh)),
                                (Locale::Zh, Err(_)) => format!("将立即公布：录取 {} 人，不录取 {} 人（{}）。", to_publish(AdmissionOutcome::Admitted), to_publish(AdmissionOutcome::NotAdmitted), places_text(Locale::Zh)),
                                (Locale::En, Ok(at)) => format!("To publish: {} admitted, {} not admitted, at {at} ({}).", to_publish(AdmissionOutcome::Admitted), to_publish(AdmissionOutcome::NotAdmitted), places_text(Locale::En)),
                                (Locale::En, Err(_)) => format!("To publish now: {} admitted, {} not admitted ({}).", to_publish(AdmissionOutcome::Admitted), to_publish(AdmissionOutcome::NotAdmitted), places_text(Locale::En)),
                            }
                        }}</p>
                        <button type="button" class="button button-primary" data-confirm="publish" disabled=move || publish.pending().get() on:click=move |_| {
                            let at = when.get_untracked();
                            let at = if at.trim().is_empty() { crate::browser::clock::now_local_input() } else { at };
                            publish.dispatch(SchedulePublication { school_id, subsystem: subsystem.code().to_owned(), publish_at: at, school_year: Some(school_year) });
                        }>{move || t("确定公布", "Publish").get(locale.get())}</button>
                        <CancelButton />
                    </ConfirmDialog>
                })}
                {move || publish.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
            </div>
        })}
    }
}
