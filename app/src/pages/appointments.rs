//! On-site appointments (现场登记预约): the parent's booking panel on a migrant family's
//! registration, and the registration point's list with check-in.

use chrono::Timelike;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::{LoadFailed, Loading};
use crate::{
    api::appointments::{
        BookAppointment, CheckInAppointment, MOST_FOUND, ORIGINALS_NOTE_MAX, OriginalsView,
        RecordOriginals, UndoCheckIn, get_appointment_options, get_point_appointments,
    },
    components::ErrorPanel,
    domain::{
        RegistrationState,
        dates::{format_date_time, format_day, format_time_span},
    },
    i18n::{Locale, t, use_locale},
    pages::registrations::AskButton,
    routes::{self, Irreversible},
};

/// The receipt's first next step for a family that must come on site: book a time, with
/// the way to the booking (or the time booked). Nothing for the other entries.
#[component]
pub fn AppointmentStep(id: i32) -> impl IntoView {
    let locale = use_locale();
    let options = Resource::new(|| (), move |_| get_appointment_options(id));
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let Ok(o) = options.await else { return ().into_any() };
                if !o.needed || !o.bookable {
                    return ().into_any();
                }
                match o.current {
                    Some(a) => {
                        let point = a.slot.point.clone();
                        view! {
                            <li data-next="appointment">
                                {move || t("已预约现场登记：", "On-site appointment booked: ").get(locale.get())}
                                {move || format_time_span(a.slot.starts_at, a.slot.ends_at, locale.get())}" "
                                {move || point.get(locale.get()).to_owned()}
                                {move || t("。请按时携带材料原件前往。", ". Bring the original documents on time.").get(locale.get())}
                            </li>
                        }.into_any()
                    }
                    None => view! {
                        <li data-next="appointment">
                            <strong>{move || t("请预约现场登记时间。", "Book your on-site appointment.").get(locale.get())}</strong>
                            {move || t(
                                "随迁子女家庭提交后，还需携带材料原件到登记点现场核验。",
                                "Families from elsewhere also bring the original documents to a registration point.",
                            ).get(locale.get())}" "
                            <a href=routes::appointment_panel(id)>{move || t("去预约", "Book a time").get(locale.get())}</a>
                        </li>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The parent's appointment panel on a registration that needs one.
#[component]
pub fn AppointmentPanel(id: i32) -> impl IntoView {
    let locale = use_locale();
    let book = ServerAction::<BookAppointment>::new();
    let options = Resource::new(
        move || book.version().get(),
        move |_| get_appointment_options(id),
    );
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let o = match options.await {
                    Ok(o) => o,
                    Err(error) => return view! { <LoadFailed error /> }.into_any(),
                };
                if !o.needed {
                    return ().into_any();
                }
                let no_times = o.bookable && o.current.is_none() && o.slots.is_empty();
                view! {
                    <div class="panel" data-appointment="true" aria-labelledby="appointment-heading">
                        <h2 id="appointment-heading">{move || t("现场登记预约", "On-site appointment").get(locale.get())}</h2>
                        <p class="hint">{move || t(
                            "随迁子女家庭在网上提交后，需携带材料原件到登记点现场核验。请预约一个时间。",
                            "Families from elsewhere bring the original documents to a registration point after submitting online: book a time.",
                        ).get(locale.get())}</p>
                        {match o.current.clone() {
                            Some(a) => {
                                let (point, address) = (a.slot.point.clone(), a.slot.address.clone());
                                view! {
                                    <p class="callout" data-booked="true">
                                        {move || t("已预约：", "Booked: ").get(locale.get())}
                                        {move || format_time_span(a.slot.starts_at, a.slot.ends_at, locale.get())}" "
                                        {move || point.get(locale.get()).to_owned()}" · "{move || address.get(locale.get()).to_owned()}
                                        {a.checked_in.then(|| view! { <span class="tag tag-open">{move || t("已签到", "Checked in").get(locale.get())}</span> })}
                                    </p>
                                    // Asked first, on a page of its own: the place may be gone
                                    // once given back.
                                    {(!a.checked_in).then(|| view! {
                                        <AskButton id action=Irreversible::CancelAppointment class="button" label=t("取消预约", "Cancel the appointment") />
                                    })}
                                }.into_any()
                            }
                            None if o.set_aside => view! {
                                <p class="hint" data-not-bookable="set-aside">{move || t(
                                    "报名已交教体局核实，暂不能预约现场登记。",
                                    "The registration is with the bureau for checking: it cannot book an on-site time for now.",
                                ).get(locale.get())}</p>
                            }.into_any(),
                            None if !o.bookable => view! {
                                <p class="hint" data-not-bookable="true">{move || t(
                                    "这份报名已不能预约现场登记。",
                                    "This registration can no longer book an on-site appointment.",
                                ).get(locale.get())}</p>
                            }.into_any(),
                            None if no_times => view! {
                                <p class="callout" data-no-times="true">{move || t(
                                    "暂时没有可预约的时段：登记点添加时段后即可预约，请稍后再来查看。",
                                    "No times are open just now: the registration points add more; look again later.",
                                ).get(locale.get())}</p>
                            }.into_any(),
                            None => ().into_any(),
                        }}
                        {(o.bookable && o.current.as_ref().is_none_or(|a| !a.checked_in)).then(|| {
                            // Booked already: the other times move the booking, and say so.
                            let current = o.current.as_ref().map(|a| a.slot.id);
                            view! {
                            {current.is_some().then(|| view! {
                                <p class="hint">{move || t("如需改约，请选择其他时段：", "To move the appointment, choose another time:").get(locale.get())}</p>
                            })}
                            <ul class="slots">
                                {o.slots.into_iter().filter(|s| Some(s.id) != current).map(|s| {
                                    let full = s.remaining <= 0;
                                    let point = s.point.clone();
                                    view! {
                                        <li data-slot=s.id>
                                            <span class="slot-time">{move || format_time_span(s.starts_at, s.ends_at, locale.get())}" "{move || point.get(locale.get()).to_owned()}</span>
                                            <span class="hint">{move || match locale.get() {
                                                Locale::Zh => format!("余 {} 个", s.remaining),
                                                Locale::En => format!("{} left", s.remaining),
                                            }}</span>
                                            <ActionForm action=book attr:class="inline">
                                                <input type="hidden" name="id" value=id />
                                                <input type="hidden" name="slot_id" value=s.id />
                                                <button type="submit" class="button" disabled=full>{move || if current.is_some() {
                                                    t("改约到此时段", "Move here")
                                                } else {
                                                    t("预约", "Book")
                                                }.get(locale.get())}</button>
                                            </ActionForm>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            }
                        })}
                        <div aria-live="assertive">
                            {move || book.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
                        </div>
                    </div>
                }.into_any()
            })}
        </Suspense>
    }
}

/// The registration point's page: a day's appointments (today unless another is chosen),
/// with check-in (and taking back today's check-in tapped by mistake), the days ahead that
/// have any, and a search of every day by reference or child's name for a family at the desk.
#[component]
pub fn PointPage() -> impl IntoView {
    let locale = use_locale();
    let check_in = ServerAction::<CheckInAppointment>::new();
    let undo = ServerAction::<UndoCheckIn>::new();
    let originals = ServerAction::<RecordOriginals>::new();
    let query = use_query_map();
    let day = Resource::new_blocking(
        move || {
            let query = query.read();
            (
                query.get("date"),
                query.get("find"),
                check_in.version().get() + undo.version().get() + originals.version().get(),
            )
        },
        |(date, find, _)| get_point_appointments(date, find),
    );
    view! {
        <section class="review" aria-labelledby="point-heading">
            <h1 id="point-heading">{move || t("现场登记", "On-site registration").get(locale.get())}</h1>
            // What went wrong is said at the top, in sight of the clerk, whatever the list's length.
            <div aria-live="assertive">
                {move || check_in.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
                {move || undo.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
                {move || originals.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
            </div>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match day.await {
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                        Ok(d) => {
                            let point = d.point.clone();
                            let n = d.appointments.len();
                            let date = d.date;
                            let day_count = d.days.len();
                            let find = d.find.clone();
                            let searching = find.is_some();
                            view! {
                                <form class="filters filters-inline" method="get" action="/point" role="search">
                                    <div class="filter-field">
                                        <label for="point-find">{move || t("查找家庭", "Find a family").get(locale.get())}</label>
                                        <input id="point-find" type="search" name="find" maxlength="40" value=find.clone().unwrap_or_default()
                                            placeholder=move || t("报名编号或儿童姓名", "Reference or child's name").get(locale.get()) />
                                    </div>
                                    <button type="submit" class="button">{move || t("查找", "Find").get(locale.get())}</button>
                                </form>
                                <form class="filters filters-inline" method="get" action="/point">
                                    <div class="filter-field">
                                        <label for="point-date">{move || t("日期", "Day").get(locale.get())}</label>
                                        <input id="point-date" type="date" name="date" value=date.to_string() />
                                    </div>
                                    <button type="submit" class="button">{move || t("查看", "Show").get(locale.get())}</button>
                                </form>
                                <p class="button-row" data-days=day_count>
                                    {d.days.into_iter().map(|(day, count)| {
                                        let current = day == date;
                                        view! {
                                            <a class="button button-small" href=format!("/point?date={day}") aria-current=current.then_some("page")>
                                                {move || format!("{} · {count}", format_day(day, locale.get()))}
                                            </a>
                                        }
                                    }).collect_view()}
                                </p>
                                {match find.clone() {
                                    None => view! {
                                        <p class="queue-count" data-appointments=n>{move || point.get(locale.get()).to_owned()}{move || match locale.get() {
                                            Locale::Zh => format!(" · {} · 共 {n} 个预约", format_day(date, Locale::Zh)),
                                            Locale::En => format!(" · {} · {n} appointments", format_day(date, Locale::En)),
                                        }}</p>
                                    }.into_any(),
                                    Some(find) => view! {
                                        <p class="queue-count" data-appointments=n data-found=n>
                                            {move || match locale.get() {
                                                Locale::Zh => format!("{} · 查找“{find}”：找到 {n} 个预约 ", point.get(Locale::Zh)),
                                                Locale::En => format!("{} · {n} appointments matching “{find}” ", point.get(Locale::En)),
                                            }}
                                            <a href=format!("/point?date={date}")>{move || t("返回当天列表", "Back to the day's list").get(locale.get())}</a>
                                        </p>
                                    }.into_any(),
                                }}
                                <table class="table">
                                    <thead>
                                        <tr>
                                            <th scope="col">{move || t("时间", "Time").get(locale.get())}</th>
                                            <th scope="col">{move || t("报名编号", "Reference").get(locale.get())}</th>
                                            <th scope="col">{move || t("儿童", "Child").get(locale.get())}</th>
                                            <th scope="col">{move || t("身份证号", "ID number").get(locale.get())}</th>
                                            <th scope="col">{move || t("签到", "Check-in").get(locale.get())}</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {d.appointments.into_iter().map(|a| view! {
                                            <tr data-appointment=a.reference.clone()>
                                                <td>{move || format_time_span(a.slot.starts_at, a.slot.ends_at, locale.get())}</td>
                                                <td>{a.reference.clone()}</td>
                                                <td translate="no">{a.child_name.clone()}</td>
                                                <td class="mono">{a.child_masked_id.clone()}</td>
                                                <td>{if a.checked_in {
                                                    // The time, and the day too when not the appointment's.
                                                    let day = a.slot.starts_at.date();
                                                    let at = move || a.checked_in_at.map(|at| match at.date() == day {
                                                        true => format!(" {:02}:{:02}", at.hour(), at.minute()),
                                                        false => format!(" {}", format_date_time(at, locale.get())),
                                                    }).unwrap_or_default();
                                                    view! {
                                                        <span class="tag tag-open">{move || t("已签到", "Checked in").get(locale.get())}{at}</span>
                                                        {a.undoable.then(|| view! {
                                                            " "
                                                            <ActionForm action=undo attr:class="inline">
                                                                <input type="hidden" name="appointment_id" value=a.id />
                                                                <button type="submit" class="button button-small">{move || t("撤销签到", "Undo check-in").get(locale.get())}</button>
                                                            </ActionForm>
                                                        })}
                                                        <Originals appointment=a.id recorded=a.originals.clone() editable=a.originals_checkable action=originals />
                                                    }.into_any()
                                                } else if a.state == RegistrationState::SetAside {
                                                    // A claim on the child is being settled by the bureau.
                                                    view! { <span class="tag" data-set-aside="true">{move || t("报名已搁置，请家长联系教体局", "Set aside: the family should contact the bureau").get(locale.get())}</span> }.into_any()
                                                } else if !a.in_running {
                                                    view! { <span class="tag" data-ended="true">{move || t("报名已有结果，无需签到", "Decided: no check-in needed").get(locale.get())}</span> }.into_any()
                                                } else {
                                                    view! {
                                                        <ActionForm action=check_in attr:class="inline">
                                                            <input type="hidden" name="appointment_id" value=a.id />
                                                            <button type="submit" class="button button-small">{move || t("签到", "Check in").get(locale.get())}</button>
                                                        </ActionForm>
                                                    }.into_any()
                                                }}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                {d.more_found.then(|| view! {
                                    <p class="hint" data-more-found="true">{move || match locale.get() {
                                        Locale::Zh => format!("只列出前 {MOST_FOUND} 个：请输入更完整的报名编号或姓名。"),
                                        Locale::En => format!("Only the first {MOST_FOUND} are listed: type more of the reference or the name."),
                                    }}</p>
                                })}
                                {(n == 0).then(|| {
                                    let empty = match searching {
                                        false => t("这一天没有预约。", "No appointments on this day."),
                                        true => t(
                                            "没有找到：请核对报名编号或儿童姓名（家长在“我的报名”中可看到报名编号）。",
                                            "None found: check the reference or the child's name (parents see the reference under My registrations).",
                                        ),
                                    };
                                    view! { <p class="hint" data-no-appointments="true">{move || empty.get(locale.get())}</p> }
                                })}
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

/// What the point found in a checked-in family's original documents, and (until the school's
/// review is over) the form that records it: they match, or a problem said in words, which
/// the reviewers read (the parent does not: the clerk tells the family at the desk).
#[component]
fn Originals(
    appointment: i32,
    recorded: Option<OriginalsView>,
    editable: bool,
    action: ServerAction<RecordOriginals>,
) -> impl IntoView {
    let locale = use_locale();
    let ok = recorded.as_ref().map(|o| o.ok);
    let note = recorded
        .as_ref()
        .map(|o| o.note.clone())
        .unwrap_or_default();
    let status = recorded.map(|o| {
        let (tag, class, code) = match o.ok {
            true => (t("原件无误", "Originals match"), "tag tag-open", "ok"),
            false => (
                t("原件有问题", "Problem with the originals"),
                "tag tag-error",
                "problem",
            ),
        };
        view! {
            <p class="originals" data-originals=code>
                <span class=class>{move || tag.get(locale.get())}</span>
                {(!o.note.is_empty()).then(|| view! { " " <span translate="no">{o.note.clone()}</span> })}
            </p>
        }
    });
    let field = format!("originals-note-{appointment}");
    view! {
        {status}
        {editable.then(|| view! {
            <details class="originals-form">
                <summary>{move || match ok {
                    None => t("记录原件核验结果", "Record the originals check"),
                    Some(_) => t("修改核验结果", "Change the result"),
                }.get(locale.get())}</summary>
                <ActionForm action attr:class="form">
                    <input type="hidden" name="appointment_id" value=appointment />
                    <fieldset class="choices">
                        <legend>{move || t("原件核验结果", "What the originals showed").get(locale.get())}</legend>
                        <label class="choice">
                            <input type="radio" name="ok" value="true" required checked=ok == Some(true) />
                            <span>{move || t("原件无误，与填报和上传的一致", "They match what was entered and uploaded").get(locale.get())}</span>
                        </label>
                        <label class="choice">
                            <input type="radio" name="ok" value="false" checked=ok == Some(false) />
                            <span>{move || t("原件有问题", "There is a problem").get(locale.get())}</span>
                        </label>
                    </fieldset>
                    <label for=field.clone()>{move || t("问题说明（选“原件有问题”时必填）", "The problem (needed with “There is a problem”)").get(locale.get())}</label>
                    <p class="hint">{move || t(
                        "审核人员可见，家长看不到，请当面告知家长；请勿填写身份证号。",
                        "Reviewers read it, the parent does not: tell the family at the desk. Write no ID numbers.",
                    ).get(locale.get())}</p>
                    <input type="text" id=field.clone() name="note" maxlength=ORIGINALS_NOTE_MAX value=note.clone() />
                    <button type="submit" class="button button-small">{move || t("保存核验结果", "Save the result").get(locale.get())}</button>
                </ActionForm>
            </details>
        })}
    }
}
