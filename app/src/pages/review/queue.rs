//! The review queue (desktop): filters on the left, a dense table with the count of what
//! is filtered, bulk selection, pages, and the keyboard (j/k to move, Enter to open,
//! x to select).

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::components::{CancelButton, ConfirmDialog, year_choice, year_link};
use crate::components::{LoadFailed, Loading};
use crate::{
    api::review::{
        BulkOutcome, BulkPassReview, QueuePage, QueueQuery, QueueSort, get_review_queue,
    },
    components::ErrorPanel,
    domain::{
        RegistrationState, dates::format_date_time, review::QueueFilter, review::ReviewStage,
    },
    i18n::{Locale, t, use_locale},
    routes,
};

/// The address of a queue page with `query`.
fn href_of(query: &QueueQuery, page: u64) -> String {
    format!("/review?{}", query.parameters(Some(page)))
}

/// The review queue page.
#[component]
pub fn ReviewQueuePage() -> impl IntoView {
    let locale = use_locale();
    let query_map = use_query_map();
    let refresh = RwSignal::new(0_u32);
    let query = Memo::new(move |_| {
        let map = query_map.read();
        QueueQuery::from_parameters(|name| map.get(name))
    });
    let page = Resource::new_blocking(
        move || (query.get(), refresh.get()),
        |(query, _)| get_review_queue(query),
    );
    // Outside the list, which is read again after a bulk pass: what it did (and which rows
    // it left, and why) stays on screen.
    let bulk = ServerAction::<BulkPassReview>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = bulk.value().get() {
            refresh.update(|n| *n += 1);
        }
    });
    // ...until the reviewer turns to other rows (another filter or page): then it no longer
    // describes what is on screen.
    Effect::new(move |shown: Option<QueueQuery>| {
        let now = query.get();
        if shown.is_some_and(|shown| shown != now) {
            bulk.value().set(None);
        }
        now
    });
    view! {
        <section class="review" aria-labelledby="queue-heading">
            <h1 id="queue-heading">{move || t("报名审核", "Review").get(locale.get())}</h1>
            {move || bulk.value().get().map(|result| match result {
                Ok(outcome) => view! { <BulkResult outcome /> }.into_any(),
                Err(error) => view! { <ErrorPanel error /> }.into_any(),
            })}
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(data) => view! { <Queue data query=query.get_untracked() bulk /> }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Queue(data: QueuePage, query: QueueQuery, bulk: ServerAction<BulkPassReview>) -> impl IntoView {
    let locale = use_locale();
    let navigate = use_navigate();
    let QueuePage {
        rows,
        total,
        page,
        pages,
        filter,
        stage,
        entries,
        schools,
        school_year,
        school_years,
        waiting_in_other_years,
    } = data;
    let selected = RwSignal::new(BTreeSet::<i32>::new());
    let cursor = RwSignal::new(0_usize);
    let asking = RwSignal::new(false);
    let decidable: Vec<(i32, i64)> = rows
        .iter()
        .filter(|r| stage.waiting_states().contains(&r.state))
        .map(|r| (r.id, r.version))
        .collect();
    let decidable = StoredValue::new(decidable);
    // Each row opens with the queue's filters and order, for "back" and "next" to keep.
    let kept = QueueQuery {
        filter: Some(filter),
        ..query.clone()
    }
    .parameters(Some(page));
    let hrefs = StoredValue::new(
        rows.iter()
            .map(|r| (r.id, routes::review_from(r.id, &kept)))
            .collect::<Vec<_>>(),
    );
    // A refused bulk pass closes the question: what went wrong is said above the list.
    Effect::new(move |_| {
        if let Some(Err(_)) = bulk.value().get() {
            asking.set(false);
        }
    });
    // j/k or arrows move, Enter opens, x selects; not while typing in a field.
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if crate::browser::page::typing_in_field(&ev) || asking.get_untracked() {
            return;
        }
        let count = hrefs.with_value(Vec::len);
        if count == 0 {
            return;
        }
        match ev.key().as_str() {
            "j" | "ArrowDown" => {
                ev.prevent_default();
                cursor.update(|c| *c = (*c + 1).min(count - 1));
                show_cursor(cursor.get_untracked());
            }
            "k" | "ArrowUp" => {
                ev.prevent_default();
                cursor.update(|c| *c = c.saturating_sub(1));
                show_cursor(cursor.get_untracked());
            }
            // Enter on a link or a button (筛选, 下一页) is that control's, not the row's.
            "Enter" if !crate::browser::page::on_control(&ev) => {
                if let Some((_, href)) =
                    hrefs.with_value(|h| h.get(cursor.get_untracked()).cloned())
                {
                    navigate(&href, Default::default());
                }
            }
            "x" => {
                if let Some((id, _)) = hrefs.with_value(|h| h.get(cursor.get_untracked()).cloned())
                    && decidable.with_value(|d| d.iter().any(|(d, _)| *d == id))
                {
                    selected.update(|s| {
                        if !s.remove(&id) {
                            s.insert(id);
                        }
                    });
                }
            }
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());

    let pass_label = match stage {
        ReviewStage::First => t("初审通过", "Pass first review"),
        ReviewStage::Second => t("复审通过", "Pass second review"),
    };
    let query_for_pages = query.clone();
    let page_link = move |n: u64| href_of(&query_for_pages, n);
    // A sortable column's header: a link to the list in that order (the first page), the
    // order shown now said to screen readers; the submitted column turns on a second press.
    let sort_header = {
        let query = query.clone();
        move |label: crate::i18n::Text, ascending: QueueSort, descending: Option<QueueSort>| {
            let now = query.sort;
            let (aria, arrow, next) = if now == ascending {
                ("ascending", " ↑", descending.unwrap_or(ascending))
            } else if Some(now) == descending {
                ("descending", " ↓", ascending)
            } else {
                ("none", "", ascending)
            };
            let href = href_of(
                &QueueQuery {
                    sort: next,
                    ..query.clone()
                },
                1,
            );
            view! {
                <th scope="col" aria-sort=aria>
                    <a class="sort-link" href=href data-sort=ascending.code()>
                        {move || label.get(locale.get())}{arrow}
                    </a>
                </th>
            }
        }
    };
    let show_school = schools.len() > 1;
    view! {
        <div class="review-layout">
            <form class="filters" method="get" action="/review" aria-label=move || t("筛选", "Filters").get(locale.get())>
                <fieldset>
                    <legend>{move || t("状态", "State").get(locale.get())}</legend>
                    {QueueFilter::ALL.into_iter().map(|f| view! {
                        <label class="choice">
                            <input type="radio" name="filter" value=f.code() checked=f == filter />
                            {move || f.label().get(locale.get())}
                        </label>
                    }).collect_view()}
                </fieldset>
                <label for="filter-entry">{move || t("报名入口", "Entry").get(locale.get())}</label>
                <select id="filter-entry" name="entry">
                    <option value="">{move || t("全部入口", "All entries").get(locale.get())}</option>
                    {entries.into_iter().map(|e| {
                        let chosen = query.entry_id == Some(e.id);
                        view! { <option value=e.id selected=chosen>{move || e.name.get(locale.get()).to_owned()}</option> }
                    }).collect_view()}
                </select>
                {year_choice("filter-year", school_years, school_year)}
                {show_school.then(|| view! {
                    <label for="filter-school">{move || t("学校", "School").get(locale.get())}</label>
                    <select id="filter-school" name="school">
                        <option value="">{move || t("全部学校", "All schools").get(locale.get())}</option>
                        {schools.clone().into_iter().map(|s| {
                            let chosen = query.school_id == Some(s.id);
                            view! { <option value=s.id selected=chosen>{move || s.name.get(locale.get()).to_owned()}</option> }
                        }).collect_view()}
                    </select>
                })}
                <label class="choice">
                    <input type="checkbox" name="hand" value="1" checked=query.hand_entered />
                    {move || t("含手工填写的信息", "Has hand-entered values").get(locale.get())}
                </label>
                <label class="choice">
                    <input type="checkbox" name="resubmitted" value="1" checked=query.resubmitted />
                    {move || t("仅看已提交修改的", "Resubmitted only").get(locale.get())}
                </label>
                <label for="filter-search">{move || t("搜索姓名或报名编号", "Search name or reference").get(locale.get())}</label>
                <input id="filter-search" name="q" type="search" value=query.search.clone() autocomplete="off" />
                <label for="filter-sort">{move || t("排序", "Sort").get(locale.get())}</label>
                <select id="filter-sort" name="sort">
                    {QueueSort::ALL.into_iter().map(|s| view! {
                        <option value=s.code() selected=s == query.sort>{move || s.label().get(locale.get())}</option>
                    }).collect_view()}
                </select>
                <button type="submit" class="button button-primary">{move || t("筛选", "Filter").get(locale.get())}</button>
                <a class="link-button" href="/review">{move || t("清除筛选", "Clear").get(locale.get())}</a>
            </form>
            <div class="queue">
                // Another school year with registrations waiting for this stage: said, with
                // the way there, so that last year's are not forgotten once next year opens.
                {waiting_in_other_years.into_iter().map(|(year, count)| {
                    let href = href_of(&QueueQuery { school_year: Some(year), ..QueueQuery::default() }, 1);
                    view! {
                        <p class="callout" data-waiting-year=year>
                            {move || match locale.get() {
                                Locale::Zh => format!("{year} 学年还有 {count} 条报名等待{}。", stage.name().zh),
                                Locale::En if count == 1 => format!("1 registration of the {year} school year is waiting for the {}.", stage.name().en.to_lowercase()),
                                Locale::En => format!("{count} registrations of the {year} school year are waiting for the {}.", stage.name().en.to_lowercase()),
                            }}
                            " "
                            {year_link(href, year)}
                        </p>
                    }
                }).collect_view()}
                <div class="queue-bar">
                    <p class="queue-count" data-total=total>{move || match locale.get() {
                        Locale::Zh => format!("{school_year} 学年 · 共 {total} 条 · 第 {page}/{pages} 页"),
                        Locale::En => format!("{school_year} school year · {total} registrations · page {page} of {pages}"),
                    }}</p>
                    <a class="button" href=routes::export(&QueueQuery { filter: Some(filter), ..query.clone() }) download>
                        {move || t("导出 Excel", "Export to Excel").get(locale.get())}
                    </a>
                    {move || {
                        let n = selected.with(BTreeSet::len);
                        (n > 0).then(|| view! {
                            <button type="button" class="button button-primary" data-bulk="pass" data-dialog-opener="bulk-question" on:click=move |_| asking.set(true)>
                                {move || match locale.get() {
                                    Locale::Zh => format!("批量{}（{n} 条）", pass_label.zh),
                                    Locale::En => format!("{} ({n} selected)", pass_label.en),
                                }}
                            </button>
                        })
                    }}
                </div>
                {move || asking.get().then(|| {
                    let n = selected.with(BTreeSet::len);
                    view! {
                        <ConfirmDialog question="bulk-question" close=move |_| asking.set(false)>
                            <p id="bulk-question">{move || match locale.get() {
                                Locale::Zh => format!("确定将选中的 {n} 条报名{}吗？家长将收到“{}（不等于录取）”的通知。", pass_label.zh, pass_label.zh),
                                Locale::En => format!("{} for the {n} selected registrations? Parents are told it passed (not an admission).", pass_label.en),
                            }}</p>
                            <button type="button" class="button button-primary" disabled=move || bulk.pending().get() on:click=move |_| {
                                let chosen = selected.get_untracked();
                                let registrations = decidable.with_value(|d| {
                                    d.iter().filter(|(id, _)| chosen.contains(id)).copied().collect()
                                });
                                bulk.dispatch(BulkPassReview { stage: stage.code().to_owned(), registrations });
                            }>{move || t("确定", "Confirm").get(locale.get())}</button>
                            <CancelButton />
                        </ConfirmDialog>
                    }
                })}
                <table class="table queue-table">
                    <thead>
                        <tr>
                            <th scope="col">
                                {
                                    let ids: Vec<i32> = decidable.with_value(|d| d.iter().map(|(id, _)| *id).collect());
                                    let every = ids.clone();
                                    let all = move || every.iter().all(|id| selected.with(|s| s.contains(id)));
                                    if ids.is_empty() {
                                        view! { <span class="visually-hidden">{move || t("选择", "Select").get(locale.get())}</span> }.into_any()
                                    } else {
                                        let checked = all.clone();
                                        view! {
                                            <input type="checkbox" data-select-page
                                                aria-label=move || t("选择本页全部可审核的报名", "Select all on this page that can be passed").get(locale.get())
                                                prop:checked=checked
                                                on:change=move |_| selected.set(if all() { BTreeSet::new() } else { ids.iter().copied().collect() }) />
                                        }.into_any()
                                    }
                                }
                            </th>
                            {sort_header(t("报名编号", "Reference"), QueueSort::Reference, None)}
                            {sort_header(t("儿童姓名", "Child"), QueueSort::ChildName, None)}
                            <th scope="col">{move || t("身份证号", "ID number").get(locale.get())}</th>
                            <th scope="col">{move || t("报名入口", "Entry").get(locale.get())}</th>
                            {show_school.then(|| view! { <th scope="col">{move || t("学校", "School").get(locale.get())}</th> })}
                            {sort_header(t("提交时间", "Submitted"), QueueSort::SubmittedFirst, Some(QueueSort::SubmittedLast))}
                            <th scope="col">{move || t("状态", "State").get(locale.get())}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows.into_iter().enumerate().map(|(index, row)| {
                            let id = row.id;
                            let reference = row.reference.clone();
                            let can_select = stage.waiting_states().contains(&row.state);
                            let state = row.state;
                            let entry = row.entry.clone();
                            let school = row.school.clone();
                            view! {
                                <tr data-queue-row=row.reference.clone() class:row-current=move || cursor.get() == index>
                                    <td>
                                        {can_select.then(|| view! {
                                            <input type="checkbox" aria-label=move || format!("{} {reference}", t("选择", "Select").get(locale.get()))
                                                prop:checked=move || selected.with(|s| s.contains(&id))
                                                on:change=move |_| selected.update(|s| { if !s.remove(&id) { s.insert(id); } }) />
                                        })}
                                    </td>
                                    <td><a href=hrefs.with_value(|h| h.iter().find(|(i, _)| *i == id).map(|(_, href)| href.clone()))>{row.reference.clone()}</a></td>
                                    <td translate="no">{row.child_name.clone()}</td>
                                    <td class="mono">{row.child_masked_id.clone()}</td>
                                    <td>{move || entry.get(locale.get()).to_owned()}</td>
                                    {show_school.then(|| view! { <td>{move || school.get(locale.get()).to_owned()}</td> })}
                                    <td>{row.submitted_at.map(|at| view! { <time>{move || format_date_time(at, locale.get())}</time> })}</td>
                                    <td>
                                        <span class=state_class(state)>{move || state.label().get(locale.get())}</span>
                                        {row.hand_entered.then(|| view! { <span class="tag tag-soon">{move || t("手工填写", "Hand-entered").get(locale.get())}</span> })}
                                        {row.mine.then(|| view! { <span class="tag tag-muted">{move || t("我处理过", "Mine").get(locale.get())}</span> })}
                                        // A request never answered, back in the first review's list.
                                        {(state == RegistrationState::ChangesRequested && filter == QueueFilter::WaitingFirst).then(|| view! {
                                            <span class="tag tag-soon" data-lapsed="true">{move || t("修改期限已过，待重新审核", "Time for changes over: decide again").get(locale.get())}</span>
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                {(total == 0).then(|| view! { <p class="hint">{move || t("没有符合条件的报名。", "No registrations match.").get(locale.get())}</p> })}
                <nav class="pagination" aria-label=move || t("分页", "Pages").get(locale.get())>
                    {(page > 1).then(|| view! { <a href=page_link(page - 1) rel="prev">{move || t("上一页", "Previous").get(locale.get())}</a> })}
                    {(page < pages).then(|| view! { <a href=page_link(page + 1) rel="next">{move || t("下一页", "Next").get(locale.get())}</a> })}
                </nav>
                <p class="hint keyboard-hint">{move || t(
                    "键盘：j/k 上下移动，Enter 打开，x 选择。",
                    "Keyboard: j/k to move, Enter to open, x to select.",
                ).get(locale.get())}</p>
            </div>
        </div>
    }
}

/// Keeps the row under the keyboard's cursor on screen (50 rows are taller than a laptop's
/// screen).
fn show_cursor(index: usize) {
    crate::browser::page::scroll_into_view(&format!(
        ".queue-table tbody tr:nth-child({})",
        index + 1
    ));
}

/// The tag class of a state.
pub(super) fn state_class(state: RegistrationState) -> &'static str {
    match state {
        RegistrationState::Rejected
        | RegistrationState::NotAdmitted
        | RegistrationState::PlaceDeclined => "tag tag-error",
        RegistrationState::ChangesRequested | RegistrationState::Resubmitted => "tag tag-soon",
        RegistrationState::ReviewPassed
        | RegistrationState::FirstReviewPassed
        | RegistrationState::Admitted => "tag tag-open",
        _ => "tag tag-muted",
    }
}

#[component]
fn BulkResult(outcome: BulkOutcome) -> impl IntoView {
    let locale = use_locale();
    let done = outcome.done.len();
    let skipped = outcome.skipped;
    view! {
        <div class="callout" role="status" data-bulk-done=done>
            <p>{move || match locale.get() {
                Locale::Zh => format!("已处理 {done} 条。"),
                Locale::En => format!("{done} done."),
            }}</p>
            {(!skipped.is_empty()).then(|| view! {
                <ul>
                    {skipped.into_iter().map(|(reference, why)| view! {
                        <li>{reference}" · "{move || why.get(locale.get()).to_owned()}</li>
                    }).collect_view()}
                </ul>
            })}
        </div>
    }
}
