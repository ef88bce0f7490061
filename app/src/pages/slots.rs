//! The bureau's appointment slots (desktop): per registration point, the times families
//! can book from today on with their places and bookings; slots added for a run of days at
//! once, places changed (never below the bookings), a slot nobody booked removed.

use leptos::prelude::*;

use crate::{
    api::appointments::{AddSlots, PointSlots, RemoveSlot, SetSlotCapacity, get_slots},
    components::{ErrorPanel, LoadFailed, Loading},
    i18n::{Locale, t, use_locale},
};

/// The slots page.
#[component]
pub fn SlotsPage() -> impl IntoView {
    let locale = use_locale();
    let add = ServerAction::<AddSlots>::new();
    let set = ServerAction::<SetSlotCapacity>::new();
    let remove = ServerAction::<RemoveSlot>::new();
    let points = Resource::new(
        move || {
            (
                add.version().get(),
                set.version().get(),
                remove.version().get(),
            )
        },
        |_| get_slots(),
    );
    let errors = move || {
        [
            add.value().get().and_then(Result::err),
            set.value().get().and_then(Result::err),
            remove.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .map(|error| view! { <ErrorPanel error /> })
        .collect_view()
    };
    let added = move || {
        add.value().get().and_then(Result::ok).map(|n| {
            view! {
                <p class="tag tag-open" role="status" data-added=n>{move || match locale.get() {
                    Locale::Zh => format!("已增加 {n} 个时段"),
                    Locale::En => format!("{n} slots added"),
                }}</p>
            }
        })
    };
    view! {
        <section class="review" aria-labelledby="slots-heading">
            <h1 id="slots-heading">{move || t("现场登记预约时段", "On-site appointment slots").get(locale.get())}</h1>
            <p class="hint">{move || t(
                "随迁子女家庭提交报名后在这里列出的时段中预约现场登记。已有预约的时段不能删除，可预约人数不能少于已预约的户数。",
                "Migrant families book their on-site registration in these slots once they have submitted. A booked slot cannot be removed, nor take fewer families than have booked it.",
            ).get(locale.get())}</p>
            <div aria-live="assertive">{errors}</div>
            {added}
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match points.await {
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                        Ok(points) => points.into_iter().map(|point| view! { <Point point add set remove /> }).collect_view().into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Point(
    point: PointSlots,
    add: ServerAction<AddSlots>,
    set: ServerAction<SetSlotCapacity>,
    remove: ServerAction<RemoveSlot>,
) -> impl IntoView {
    let locale = use_locale();
    let id = point.id;
    let (name, address) = (point.name.clone(), point.address.clone());
    let field = move |what: &str| format!("slots-{what}-{id}");
    let count = point.slots.len();
    view! {
        <div class="panel" data-point=id>
            <h2>{move || name.get(locale.get()).to_owned()}</h2>
            <p class="hint">{move || address.get(locale.get()).to_owned()}</p>
            <ActionForm action=add attr:class="form form-grid">
                <input type="hidden" name="point_id" value=id />
                <label for=field("from")>{move || t("从", "From").get(locale.get())}</label>
                <input id=field("from") name="from" type="date" required />
                <label for=field("to")>{move || t("到", "To").get(locale.get())}</label>
                <input id=field("to") name="to" type="date" required />
                <label for=field("weekends")>{move || t("哪些天", "Which days").get(locale.get())}</label>
                <select id=field("weekends") name="weekends">
                    <option value="false">{move || t("仅工作日", "Weekdays only").get(locale.get())}</option>
                    <option value="true">{move || t("每天（周末也安排）", "Every day (weekends too)").get(locale.get())}</option>
                </select>
                <label for=field("starts")>{move || t("开始时间", "Starts").get(locale.get())}</label>
                <input id=field("starts") name="starts" type="time" required value="09:00" />
                <label for=field("ends")>{move || t("结束时间", "Ends").get(locale.get())}</label>
                <input id=field("ends") name="ends" type="time" required value="11:30" />
                <label for=field("capacity")>{move || t("每个时段可预约户数", "Families per slot").get(locale.get())}</label>
                <input id=field("capacity") name="capacity" type="number" inputmode="numeric" min="1" max="500" required value="20" />
                <button type="submit" class="button button-primary">{move || t("增加时段", "Add slots").get(locale.get())}</button>
            </ActionForm>
            <p class="queue-count" data-slots=count>{move || match locale.get() {
                Locale::Zh => format!("今天起共 {count} 个时段"),
                Locale::En => format!("{count} slots from today"),
            }}</p>
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">{move || t("日期", "Date").get(locale.get())}</th>
                        <th scope="col">{move || t("时间", "Time").get(locale.get())}</th>
                        <th scope="col">{move || t("已预约", "Booked").get(locale.get())}</th>
                        <th scope="col">{move || t("可预约户数", "Families").get(locale.get())}</th>
                        <th scope="col"><span class="visually-hidden">{move || t("删除", "Remove").get(locale.get())}</span></th>
                    </tr>
                </thead>
                <tbody>
                    {point.slots.into_iter().map(|slot| {
                        let slot_id = slot.id;
                        let label = format!("slot-capacity-{slot_id}");
                        let booked = slot.booked;
                        view! {
                            <tr data-slot=format!("{} {}", slot.date, slot.starts)>
                                <td>{slot.date.clone()}</td>
                                <td>{format!("{}–{}", slot.starts, slot.ends)}</td>
                                <td data-booked=booked>{booked}</td>
                                <td>
                                    <ActionForm action=set attr:class="inline-form">
                                        <input type="hidden" name="slot_id" value=slot_id />
                                        <label class="visually-hidden" for=label.clone()>{move || t("可预约户数", "Families").get(locale.get())}</label>
                                        <input id=label name="capacity" type="number" inputmode="numeric" min=booked.max(1) max="500" required value=slot.capacity />
                                        <button type="submit" class="button button-small">{move || t("保存", "Save").get(locale.get())}</button>
                                    </ActionForm>
                                </td>
                                <td>
                                    {(booked == 0).then(|| view! {
                                        <ActionForm action=remove attr:class="inline">
                                            <input type="hidden" name="slot_id" value=slot_id />
                                            <button type="submit" class="link-button">{move || t("删除", "Remove").get(locale.get())}</button>
                                        </ActionForm>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
