//! The bureau's pages: settings (windows, schools' places and catchments, notices),
//! statistics drawn as SVG, and the audit log; and the public catchment look-up.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::{LoadFailed, Loading};
use crate::{
    api::bureau::{
        AddCatchment, AddNotice, Load, OpenNextYear, RemoveCatchment, SetSchoolCapacity, SetWindow,
        get_audit_log, get_bureau_schools, get_statistics, get_windows, lookup_catchment,
    },
    api::bureau::{BureauSchools, END_NOW, WindowView},
    components::{CancelButton, ConfirmDialog, ErrorPanel, done_note, year_choice, year_link},
    domain::Subsystem,
    error::AppError,
    i18n::{Locale, LocalizedText, t, use_locale},
};

/// The public catchment look-up (学区查询).
#[component]
pub fn CatchmentPage() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let text = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let found = Resource::new(move || text.get(), lookup_catchment);
    view! {
        <section class="panel narrow-wide" aria-labelledby="catchment-heading">
            <h1 id="catchment-heading">{move || t("学区查询", "Which school is ours?").get(locale.get())}</h1>
            <p class="hint">{move || t(
                "输入小区或社区名称（至少两个字），查看对应的学校。最终以教体局公布的划片为准。",
                "Type your community's name (two characters or more) to see its school. The bureau's published catchments decide.",
            ).get(locale.get())}</p>
            <form method="get" action="/catchment" class="form">
                <label for="catchment-q">{move || t("小区或社区名称", "Community name").get(locale.get())}</label>
                <input id="catchment-q" name="q" type="search" value=move || text.get() autocomplete="off" />
                <button type="submit" class="button button-primary">{move || t("查询", "Look up").get(locale.get())}</button>
            </form>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match found.await {
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                        Ok(list) if list.is_empty() && text.get_untracked().chars().count() >= 2 => view! {
                            <p class="callout" data-catchment-results="0">{move || t(
                                "没有找到这个小区。请检查名称，或咨询教体局。",
                                "No community of that name. Check the spelling, or ask the bureau.",
                            ).get(locale.get())}</p>
                        }.into_any(),
                        Ok(list) => {
                            let n = list.len();
                            view! {
                            <ul class="cards" data-catchment-results=n>
                                {list.into_iter().map(|m| {
                                    let load = m.load();
                                    let (school, address) = (m.school.clone(), m.address.clone());
                                    let (registrations, capacity) = (m.registrations, m.capacity);
                                    view! {
                                        <li class="card" data-community=m.community.clone()>
                                            <p class="card-title"><strong>{m.community.clone()}</strong>
                                                {(!m.note.is_empty()).then(|| view! { <span class="hint">" "{m.note.clone()}</span> })}
                                            </p>
                                            <p>{move || school.get(locale.get()).to_owned()}</p>
                                            <p class="hint">{move || address.get(locale.get()).to_owned()}</p>
                                            {match load {
                                                Load::Over => view! { <p class="tag tag-error" data-load="over">{move || match (capacity, locale.get()) {
                                                    (Some(c), Locale::Zh) => format!("报名人数 {registrations} 已超过计划 {c} 人，可能需要统筹安排"),
                                                    (Some(c), Locale::En) => format!("{registrations} registered for {c} places: some children may be placed elsewhere"),
                                                    _ => String::new(),
                                                }}</p> }.into_any(),
                                                Load::Near => view! { <p class="tag tag-soon" data-load="near">{move || match (capacity, locale.get()) {
                                                    (Some(c), Locale::Zh) => format!("报名人数 {registrations}，接近计划 {c} 人"),
                                                    (Some(c), Locale::En) => format!("{registrations} registered, close to {c} places"),
                                                    _ => String::new(),
                                                }}</p> }.into_any(),
                                                Load::Fine => ().into_any(),
                                            }}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

/// One subsystem's collection and review times. A save that would end an open window at
/// once, while families still have drafts, is asked once with the number of drafts that
/// could then no longer be sent (the server refuses it unconfirmed).
#[component]
fn WindowForm(w: WindowView) -> impl IntoView {
    let locale = use_locale();
    let save = ServerAction::<SetWindow>::new();
    let subsystem = w.subsystem;
    let year = w.school_year;
    // The newest year's form keeps the subsystem's plain names; an earlier year's (shown
    // until the newest opens) has the year in them.
    let code = if w.newest {
        subsystem.code().to_owned()
    } else {
        format!("{}-{year}", subsystem.code())
    };
    let code = StoredValue::new(code);
    let code = move || code.get_value();
    let question = RwSignal::new(None::<LocalizedText>);
    let asks_to_end = |error: &AppError| match error {
        AppError::Invalid { problems } => problems
            .iter()
            .find(|p| p.field == END_NOW)
            .map(|p| p.message.clone()),
        _ => None,
    };
    Effect::new(move |_| {
        let asked = save.value().with(|v| match v {
            Some(Err(error)) => asks_to_end(error),
            _ => None,
        });
        question.set(asked);
    });
    view! {
        <ActionForm action=save attr:class="form form-grid panel" attr:data-window=code()>
            <h3>{move || match locale.get() {
                Locale::Zh => format!("{} · {year} 学年", subsystem.name().zh),
                Locale::En => format!("{} · school year {year}", subsystem.name().en),
            }}</h3>
            <input type="hidden" name="subsystem" value=subsystem.code() />
            <input type="hidden" name="school_year" value=year />
            {window_fields(code(), [w.opens_at.clone(), w.closes_at.clone(), w.review_closes_at.clone().unwrap_or_default()])}
            // Sent as "1" only from the question's confirming button.
            <input type="hidden" name=END_NOW value=move || if question.with(Option::is_some) { "1" } else { "" } />
            <button type="submit" class="button button-primary" disabled=move || save.pending().get()>{move || t("保存时间", "Save").get(locale.get())}</button>
            {done_note(save.value(), t("报名与审核时间已保存", "Windows saved"))}
            <div aria-live="assertive">
                {move || save.value().get().and_then(Result::err).filter(|e| asks_to_end(e).is_none()).map(|error| view! { <ErrorPanel error /> })}
            </div>
            {move || question.get().map(|text| view! {
                <ConfirmDialog question="window-question" close=move |_| question.set(None)>
                    <p id="window-question">{move || text.get(locale.get()).to_owned()}</p>
                    <button type="submit" class="button button-danger" data-confirm="end-now" disabled=move || save.pending().get()>
                        {move || t("确定现在结束", "End it now").get(locale.get())}
                    </button>
                    <CancelButton />
                </ConfirmDialog>
            })}
        </ActionForm>
    }
}

/// A window's three times, each field after its label, as the window forms send them:
/// ids `opens-{key}`, `closes-{key}`, `review-{key}`; `values` fill them (empty: none yet).
fn window_fields(key: String, values: [String; 3]) -> impl IntoView {
    let locale = use_locale();
    let [opens, closes, review] = values;
    view! {
        <label for=format!("opens-{key}")>{move || t("采集开始", "Collection opens").get(locale.get())}</label>
        <input id=format!("opens-{key}") name="opens_at" type="datetime-local" value=opens required />
        <label for=format!("closes-{key}")>{move || t("采集结束", "Collection closes").get(locale.get())}</label>
        <input id=format!("closes-{key}") name="closes_at" type="datetime-local" value=closes required />
        <label for=format!("review-{key}")>{move || t("修改与审核截止（可空）", "Changes and review close (optional)").get(locale.get())}</label>
        <input id=format!("review-{key}") name="review_closes_at" type="datetime-local" value=review />
    }
}

/// The next school year's window of a subsystem, offered once its newest year has opened:
/// what adding it changes for families is said before it is added.
#[component]
fn NextYearForm(w: WindowView, action: ServerAction<OpenNextYear>) -> impl IntoView {
    let locale = use_locale();
    let subsystem = w.subsystem;
    let code = subsystem.code();
    let (year, next) = (w.school_year, w.school_year + 1);
    view! {
        <details class="panel" data-next-year=code>
            <summary>{move || match locale.get() {
                Locale::Zh => format!("添加{} {next} 学年的报名时间", subsystem.name().zh),
                Locale::En => format!("Add the {next} school year's window for {}", subsystem.name().en),
            }}</summary>
            <p class="hint">{move || match locale.get() {
                Locale::Zh => format!("下一学年的报名在 {year} 学年报名和审核结束后开始；到那时统计、录取与派位转到新学年。每个孩子每学年只有一份报名，每个账号每学年最多为 3 个孩子报名：往年的报名不妨碍新学年再次报名（如转学，或推迟一年入学）。"),
                Locale::En => format!("The next school year opens after {year}'s window and review have closed; statistics, admissions and draws then move to the new year. A child has one registration a school year and an account registers at most 3 children a year: earlier years' registrations do not stop a new one (a transfer, or first grade a year later)."),
            }}</p>
            <ActionForm action attr:class="form form-grid">
                <input type="hidden" name="subsystem" value=code />
                {window_fields(format!("next-{code}"), Default::default())}
                <button type="submit" class="button button-primary" disabled=move || action.pending().get()>{move || match locale.get() {
                    Locale::Zh => format!("添加 {next} 学年"),
                    Locale::En => format!("Add {next}"),
                }}</button>
                <div aria-live="assertive">
                    {move || action.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
                </div>
            </ActionForm>
        </details>
    }
}

/// Which school year the places below are: said always (places are a year's), with the
/// choice of another year once the bureau has windows of several.
#[component]
fn PlacesYear(school_year: i32, school_years: Vec<i32>, empty: bool) -> impl IntoView {
    let locale = use_locale();
    let others: Vec<i32> = school_years
        .iter()
        .copied()
        .filter(|y| *y != school_year)
        .collect();
    let choice = year_choice("places-year", school_years, school_year);
    view! {
        <p class="hint" data-places-year=school_year>{move || match locale.get() {
            Locale::Zh => format!("以下为 {school_year} 学年的计划人数。"),
            Locale::En => format!("Places below are for the {school_year} school year."),
        }}</p>
        // Next year's window just added: its places start empty, each year's its own.
        {(empty && !others.is_empty()).then(|| view! {
            <p class="callout" data-places-empty=school_year>
                {move || match locale.get() {
                    Locale::Zh => format!("{school_year} 学年还没有设置计划人数（每个学年分别设置）。"),
                    Locale::En => format!("No places are set for the {school_year} school year yet (each year has its own)."),
                }}
                {others.iter().map(|&year| view! { " "{year_link(format!("/bureau?year={year}"), year)} }).collect_view()}
            </p>
        })}
        {choice.map(|choice| view! {
            <form class="filters filters-inline" method="get" action="/bureau">
                <div class="filter-field">{choice}</div>
                <button type="submit" class="button">{move || t("查看", "Show").get(locale.get())}</button>
            </form>
        })}
    }
}

/// The bureau's settings: windows, schools' places and catchments, notices.
#[component]
pub fn BureauSettingsPage() -> impl IntoView {
    let locale = use_locale();
    let set_capacity = ServerAction::<SetSchoolCapacity>::new();
    let add = ServerAction::<AddCatchment>::new();
    let remove = ServerAction::<RemoveCatchment>::new();
    let notice = ServerAction::<AddNotice>::new();
    // Each window's form keeps what was saved on screen: no reload after a save. A next
    // school year added reloads them (a refusal keeps the form and its message).
    let next_year = ServerAction::<OpenNextYear>::new();
    let added = RwSignal::new(0);
    Effect::new(move |_| {
        if matches!(next_year.value().get(), Some(Ok(_))) {
            added.update(|n| *n += 1);
        }
    });
    let windows = Resource::new(move || added.get(), |_| get_windows());
    // Places are a school year's: the year in the address (`?year=`), else the newest the
    // bureau has a window of (next year's, being prepared).
    let query = use_query_map();
    let schools = Resource::new(
        move || {
            (
                query.read().get("year").and_then(|y| y.parse::<i32>().ok()),
                set_capacity.version().get(),
                add.version().get(),
                remove.version().get(),
                added.get(),
            )
        },
        |(year, ..)| get_bureau_schools(year),
    );
    let errors = move || {
        [
            set_capacity.value().get().and_then(Result::err),
            add.value().get().and_then(Result::err),
            remove.value().get().and_then(Result::err),
            notice.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .map(|error| view! { <ErrorPanel error /> })
        .collect_view()
    };
    view! {
        <section class="review" aria-labelledby="bureau-heading">
            <h1 id="bureau-heading">{move || t("教体局设置", "Bureau settings").get(locale.get())}</h1>
            <p class="button-row">
                <a class="button" href="/bureau/statistics">{move || t("统计", "Statistics").get(locale.get())}</a>
                <a class="button" href="/bureau/audit">{move || t("审计日志", "Audit log").get(locale.get())}</a>
                <a class="button" href="/bureau/claims">{move || t("被替换的报名", "Registrations set aside").get(locale.get())}</a>
                <a class="button" href="/bureau/configuration">{move || t("报名入口与材料", "Entries and materials").get(locale.get())}</a>
                <a class="button" href="/admissions">{move || t("录取与公布", "Admissions").get(locale.get())}</a>
                <a class="button" href="/bureau/slots">{move || t("现场登记预约时段", "Appointment slots").get(locale.get())}</a>
                <a class="button" href="/catchment">{move || t("学区查询（公开）", "Catchment look-up (public)").get(locale.get())}</a>
            </p>
            <div aria-live="assertive">{errors}</div>
            <h2>{move || t("报名与审核时间", "Windows").get(locale.get())}</h2>
            {done_note(next_year.value(), t("下一学年的报名时间已添加", "The next school year's window is added"))}
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match windows.await {
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                        Ok(list) => list.into_iter().map(|w| {
                            let next = (w.newest && w.opened).then(|| w.clone());
                            view! {
                                <WindowForm w />
                                {next.map(|w| view! { <NextYearForm w action=next_year /> })}
                            }
                        }).collect_view().into_any(),
                    }
                })}
            </Suspense>
            <h2>{move || t("学校计划人数与学区", "Schools: places and catchments").get(locale.get())}</h2>
            {done_note(set_capacity.value(), t("计划人数已保存", "Places saved"))}
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match schools.await {
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                        Ok(BureauSchools { school_year, school_years, schools: list }) => view! {
                            <PlacesYear school_year school_years empty=list.iter().all(|s| s.capacities.is_empty()) />
                            {list.into_iter().map(|s| {
                            let id = s.id;
                            let name = s.name.clone();
                            let first_grade = s.capacities.iter().find(|(sub, g, _)| *sub == Subsystem::Enrollment && *g == 1).map(|(_, _, c)| *c);
                            let transfers: Vec<(i32, i32)> = s.capacities.iter().filter(|(sub, _, _)| *sub == Subsystem::Transfer).map(|(_, g, c)| (*g, *c)).collect();
                            view! {
                                <div class="panel" data-school-admin=id>
                                    <h3>{move || name.get(locale.get()).to_owned()}</h3>
                                    <ActionForm action=set_capacity attr:class="inline-form">
                                        <input type="hidden" name="school_id" value=id />
                                        <input type="hidden" name="subsystem" value="enrollment" />
                                        <input type="hidden" name="school_year" value=school_year />
                                        <input type="hidden" name="grade" value="1" />
                                        <label for=format!("capacity-{id}")>{move || t("一年级计划人数", "First-grade places").get(locale.get())}</label>
                                        <input id=format!("capacity-{id}") name="capacity" type="number" inputmode="numeric" min="0" max="5000" value=first_grade.unwrap_or(0) />
                                        <button type="submit" class="button button-small">{move || t("保存", "Save").get(locale.get())}</button>
                                    </ActionForm>
                                    {(!transfers.is_empty()).then(|| view! {
                                        <p class="hint">{move || t("转学计划：", "Transfer places: ").get(locale.get())}
                                            {move || {
                                                let grades: Vec<String> = transfers.iter().map(|(g, c)| match locale.get() {
                                                    Locale::Zh => format!("{g}年级 {c} 人"),
                                                    Locale::En => format!("grade {g}: {c}"),
                                                }).collect();
                                                grades.join(match locale.get() { Locale::Zh => "、", Locale::En => ", " })
                                            }}
                                        </p>
                                    })}
                                    <ActionForm action=set_capacity attr:class="inline-form">
                                        <input type="hidden" name="school_id" value=id />
                                        <input type="hidden" name="subsystem" value="transfer" />
                                        <input type="hidden" name="school_year" value=school_year />
                                        <label for=format!("transfer-grade-{id}")>{move || t("转学年级", "Transfer grade").get(locale.get())}</label>
                                        <input id=format!("transfer-grade-{id}") name="grade" type="number" inputmode="numeric" min="1" max="9" value="2" />
                                        <label for=format!("transfer-capacity-{id}")>{move || t("人数", "Places").get(locale.get())}</label>
                                        <input id=format!("transfer-capacity-{id}") name="capacity" type="number" inputmode="numeric" min="0" max="5000" value="0" />
                                        <button type="submit" class="button button-small">{move || t("保存", "Save").get(locale.get())}</button>
                                    </ActionForm>
                                    <ul class="catchment-list">
                                        {s.catchment.into_iter().map(|c| view! {
                                            <li data-catchment=c.community.clone()>
                                                // A community's name and the bureau's note on it, as written.
                                                <span translate="no">
                                                    {c.community.clone()}
                                                    {(!c.note.is_empty()).then(|| view! { <span class="hint">" "{c.note.clone()}</span> })}
                                                </span>
                                                <ActionForm action=remove attr:class="inline">
                                                    <input type="hidden" name="catchment_id" value=c.id />
                                                    <button type="submit" class="link-button">{move || t("移除", "Remove").get(locale.get())}</button>
                                                </ActionForm>
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                    <ActionForm action=add attr:class="inline-form">
                                        <input type="hidden" name="school_id" value=id />
                                        <label for=format!("community-{id}")>{move || t("加入学区的小区", "Add a community").get(locale.get())}</label>
                                        <input id=format!("community-{id}") name="community" type="text" required minlength="2" maxlength="100" />
                                        <label for=format!("note-{id}")>{move || t("范围说明（可空）", "Which part (optional)").get(locale.get())}</label>
                                        <input id=format!("note-{id}") name="note" type="text" maxlength="200" />
                                        <button type="submit" class="button button-small">{move || t("加入", "Add").get(locale.get())}</button>
                                    </ActionForm>
                                </div>
                            }
                        }).collect_view()}
                        }.into_any(),
                    }
                })}
            </Suspense>
            <h2>{move || t("发布首页公告", "Publish a notice").get(locale.get())}</h2>
            <ActionForm action=notice attr:class="form form-grid panel">
                <label for="notice-title-zh">{move || t("标题（中文）", "Title (Chinese)").get(locale.get())}</label>
                <input id="notice-title-zh" name="title_zh" type="text" required maxlength="100" />
                <label for="notice-title-en">{move || t("标题（英文，可空）", "Title (English, optional)").get(locale.get())}</label>
                <input id="notice-title-en" name="title_en" type="text" maxlength="200" />
                <label for="notice-body-zh">{move || t("内容（中文）", "Text (Chinese)").get(locale.get())}</label>
                <textarea id="notice-body-zh" name="body_zh" rows="4" required maxlength="5000"></textarea>
                <label for="notice-body-en">{move || t("内容（英文，可空）", "Text (English, optional)").get(locale.get())}</label>
                <textarea id="notice-body-en" name="body_en" rows="4" maxlength="10000"></textarea>
                <button type="submit" class="button button-primary">{move || t("发布", "Publish").get(locale.get())}</button>
            </ActionForm>
            {done_note(notice.value(), t("公告已发布", "Notice published"))}
        </section>
    }
}

/// Horizontal bars drawn as SVG: big labels, values at the end, an optional capacity line
/// per row with red/amber/green against it. Readable on a projector.
#[component]
fn Bars(rows: Vec<(String, u64, Option<u64>)>, title: String) -> impl IntoView {
    let max = rows
        .iter()
        .map(|(_, v, c)| (*v).max(c.unwrap_or(0)))
        .max()
        .unwrap_or(0)
        .max(1);
    let row_height = 44_u64;
    let height = row_height * rows.len().max(1) as u64 + 10;
    // The labels' column as wide as the longest label at 20 units a letter (a Chinese
    // character is about one em, a Latin letter about half), so no label runs into its bar.
    let label_w = rows
        .iter()
        .map(|(label, ..)| {
            label
                .chars()
                .map(|c| if c.is_ascii() { 11 } else { 20 })
                .sum::<u64>()
                + 16
        })
        .max()
        .unwrap_or(0)
        .clamp(120, 560);
    let bar_w = 560_u64;
    let scale = move |v: u64| v * bar_w / max;
    let label = title.clone();
    view! {
        <svg class="chart" role="img" aria-label=label viewBox=format!("0 0 {} {height}", label_w + bar_w + 140) preserveAspectRatio="xMinYMin meet">
            <title>{title}</title>
            {rows.into_iter().enumerate().map(|(i, (label, value, capacity))| {
                let y = i as u64 * row_height + 6;
                let colour = match capacity {
                    Some(c) if value > c => "#b42318",
                    Some(c) if value * 10 >= c * 9 => "#c98a00",
                    Some(_) => "#1e7b34",
                    None => "#1d5bb8",
                };
                let shown = label.clone();
                view! {
                    <g data-bar=label>
                        <text x="0" y=y + 26 font-size="20">{shown}</text>
                        <rect x=label_w y=y + 6 width=scale(value).max(2) height="28" rx="4" fill=colour />
                        <text x=label_w + scale(value).max(2) + 8 y=y + 27 font-size="20" font-weight="700">
                            {match capacity { Some(c) => format!("{value}/{c}"), None => value.to_string() }}
                        </text>
                        {capacity.map(|c| view! {
                            <line x1=label_w + scale(c) x2=label_w + scale(c) y1=y + 2 y2=y + 38 stroke="#1b1f24" stroke-width="3" stroke-dasharray="4 3" />
                        })}
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

/// Statistics: registrations per school against places, per state, per entry, per day.
#[component]
pub fn StatisticsPage() -> impl IntoView {
    let locale = use_locale();
    let figures = Resource::new_blocking(|| (), |_| get_statistics());
    view! {
        <section class="review statistics" aria-labelledby="statistics-heading">
            <h1 id="statistics-heading">{move || t("报名统计", "Registration statistics").get(locale.get())}</h1>
            <Suspense fallback=Loading>
                // Drawn again in the other language when the switch is pressed.
                {move || { let l = locale.get(); Suspend::new(async move {
                    match figures.await {
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                        Ok(s) => {
                            let total: u64 = s.per_school.iter().map(|x| x.registrations).sum();
                            let places: i64 = s.per_school.iter().filter_map(|x| x.capacity).map(i64::from).sum();
                            let admitted: u64 = s.per_school.iter().map(|x| x.admitted).sum();
                            let schools: Vec<_> = s.per_school.iter().map(|x| (x.name.get(l).to_owned(), x.registrations, x.capacity.and_then(|c| u64::try_from(c).ok()))).collect();
                            let states: Vec<_> = s.per_state.iter().filter(|c| c.count > 0).map(|c| (c.label.get(l).to_owned(), c.count, None)).collect();
                            let entries: Vec<_> = s.per_entry.iter().map(|c| (c.label.get(l).to_owned(), c.count, None)).collect();
                            let days: Vec<_> = s.per_day.iter().map(|c| (c.label.get(l).to_owned(), c.count, None)).collect();
                            let transfers: Vec<_> = s.transfers.iter().map(|x| {
                                let grade = match (x.grade, l) {
                                    (Some(g), Locale::Zh) => format!("{g}年级"),
                                    (Some(g), Locale::En) => format!("grade {g}"),
                                    (None, l) => t("年级未填", "grade not given").get(l).to_owned(),
                                };
                                (format!("{} · {grade}", x.school.get(l)), x.registrations, x.capacity.and_then(|c| u64::try_from(c).ok()))
                            }).collect();
                            let no_transfers = transfers.is_empty();
                            view! {
                                <div class="big-numbers">
                                    <p><strong data-figure="registrations">{total}</strong>{move || t("已提交报名（一年级）", "submitted (first grade)").get(locale.get())}</p>
                                    <p><strong data-figure="places">{places}</strong>{move || t("计划人数", "places").get(locale.get())}</p>
                                    <p><strong data-figure="admitted">{admitted}</strong>{move || t("已录取", "admitted").get(locale.get())}</p>
                                </div>
                                <h2>{move || t("各校报名与计划（红：超出，黄：九成以上）", "Per school against places (red: over, amber: 90 %+)").get(locale.get())}</h2>
                                <Bars rows=schools title=t("各校报名人数与计划", "Registrations per school").get(l).to_owned() />
                                <h2>{move || t("转学：各校各年级报名与计划", "Transfers per school and grade against places").get(locale.get())}</h2>
                                {if no_transfers {
                                    view! { <p class="hint" data-transfers="0">{move || t("还没有转学报名，也没有设置转学计划。", "No transfers yet, and no transfer places set.").get(locale.get())}</p> }.into_any()
                                } else {
                                    view! { <Bars rows=transfers title=t("转学各校各年级报名人数与计划", "Transfers per school and grade").get(l).to_owned() /> }.into_any()
                                }}
                                <h2>{move || t("按状态", "By state").get(locale.get())}</h2>
                                <Bars rows=states title=t("按状态", "By state").get(l).to_owned() />
                                <h2>{move || t("按报名入口", "By entry").get(locale.get())}</h2>
                                <Bars rows=entries title=t("按报名入口", "By entry").get(l).to_owned() />
                                <h2>{move || t("每日提交", "Submitted per day").get(locale.get())}</h2>
                                <Bars rows=days title=t("每日提交", "Submitted per day").get(l).to_owned() />
                            }.into_any()
                        }
                    }
                }) }}
            </Suspense>
        </section>
    }
}

/// The audit log, read-only, optionally for one registration.
#[component]
pub fn AuditPage() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let reference = Memo::new(move |_| query.read().get("reference").unwrap_or_default());
    let rows = Resource::new_blocking(move || reference.get(), get_audit_log);
    view! {
        <section class="review" aria-labelledby="audit-heading">
            <h1 id="audit-heading">{move || t("审计日志", "Audit log").get(locale.get())}</h1>
            <form method="get" action="/bureau/audit" class="inline-form">
                <label for="audit-reference">{move || t("报名编号", "Reference").get(locale.get())}</label>
                <input id="audit-reference" name="reference" type="search" value=move || reference.get() />
                <button type="submit" class="button button-small">{move || t("查看", "Show").get(locale.get())}</button>
            </form>
            <p class="hint">{move || t("日志只能查看，任何人都不能修改或删除。", "The log can be read; nobody can change or delete it.").get(locale.get())}</p>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match rows.await {
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                        Ok(rows) => {
                            let n = rows.len();
                            view! {
                            // Wider than a phone: scrolled sideways, by keyboard too.
                            <div class="table-scroll" tabindex="0" role="region" aria-label=move || t("审计日志", "Audit log").get(locale.get())>
                                <table class="table" data-audit-rows=n>
                                    <thead><tr>
                                        <th scope="col">{move || t("时间", "When").get(locale.get())}</th>
                                        <th scope="col">{move || t("操作人", "Who").get(locale.get())}</th>
                                        <th scope="col">{move || t("操作", "What").get(locale.get())}</th>
                                        <th scope="col">{move || t("对象", "Object").get(locale.get())}</th>
                                        <th scope="col">{move || t("来源地址", "From").get(locale.get())}</th>
                                        <th scope="col">{move || t("详情", "Detail").get(locale.get())}</th>
                                    </tr></thead>
                                    <tbody>
                                        {rows.into_iter().map(|r| {
                                            let (who, action, object) = (r.who_name, r.action_name, r.object_name);
                                            // Names, codes and the stored detail are records: kept as written.
                                            view! {
                                                <tr>
                                                    <td>{r.at}</td>
                                                    <td translate=r.who_is_staff.then_some("no")>{move || who.get(locale.get()).to_owned()}</td>
                                                    <td>{move || action.get(locale.get()).to_owned()}<br /><code translate="no">{r.action}</code></td>
                                                    <td>{move || object.get(locale.get()).to_owned()}</td>
                                                    <td>{r.address}</td>
                                                    <td class="mono" translate="no">{r.detail}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}
