//! On-site appointments: a migrant family books a time at a registration point; a slot is
//! never overbooked; point staff see and check in their own point's appointments only.

use app::server::entities::{appointment_slot, entry, registration, registration_point};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};

use crate::{
    helpers::{Browser, TestApp, spawn_app},
    registrations::child_id,
    review::submitted,
};

/// The local-property entry asks for the residence permit, as a migrant family's would.
pub(crate) async fn make_entry_migrant(app: &TestApp) {
    set_sections(app, "child,household,residence,guardian,residence-permit").await;
}

/// The sections the local-property entry asks for; `set_sections` changes them.
async fn local_sections(app: &TestApp) -> String {
    local_property(app).await.sections
}

async fn set_sections(app: &TestApp, sections: &str) {
    let mut row: entry::ActiveModel = local_property(app).await.into();
    row.sections = Set(sections.into());
    row.update(&app.db).await.expect("updated");
}

async fn local_property(app: &TestApp) -> entry::Model {
    entry::Entity::find()
        .filter(entry::Column::Code.eq("local-property"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("entry")
}

/// The demo data's first appointment time.
async fn earliest_slot(app: &TestApp) -> appointment_slot::Model {
    appointment_slot::Entity::find()
        .order_by_asc(appointment_slot::Column::StartsAt)
        .one(&app.db)
        .await
        .expect("query")
        .expect("a demo slot")
}

async fn options(parent: &Browser, id: i32) -> Value {
    parent
        .call("get_appointment_options", &[("id", &id.to_string())])
        .await
        .json()
        .await
        .expect("json")
}

async fn reference_of(app: &TestApp, id: i32) -> String {
    registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .reference
}

/// The point's list (its default day) and the row of `reference` in it (null when absent).
async fn point_row(point_staff: &Browser, reference: &str) -> (Value, Value) {
    let day: Value = point_staff
        .call("get_point_appointments", &[])
        .await
        .json()
        .await
        .expect("json");
    let row = day["appointments"]
        .as_array()
        .and_then(|all| all.iter().find(|a| a["reference"] == reference).cloned())
        .unwrap_or_default();
    (day, row)
}

/// The page that asks before an appointment is cancelled.
async fn cancel_question(parent: &Browser, id: i32) -> String {
    parent
        .get(&format!("/registrations/{id}/cancel-appointment"))
        .await
        .text()
        .await
        .expect("html")
}

pub(crate) async fn book(parent: &Browser, id: i32, slot: i32) -> reqwest::Response {
    parent
        .call(
            "book_appointment",
            &[("id", &id.to_string()), ("slot_id", &slot.to_string())],
        )
        .await
}

#[tokio::test]
async fn families_book_a_time_and_only_their_point_checks_them_in() {
    let app = spawn_app().await;
    let father = app.confirmed_parent("demo-wang-qiang").await;
    let other = app.confirmed_parent("demo-zhang-wei").await;
    let (mine, _) = submitted(&app, &father, &child_id("20191105", 411)).await;
    let (theirs, _) = submitted(&app, &other, &child_id("20191106", 413)).await;
    assert_eq!(
        options(&father, mine).await["needed"],
        false,
        "not a migrant entry yet"
    );
    make_entry_migrant(&app).await;

    let offered = options(&father, mine).await;
    assert_eq!(offered["needed"], true);
    assert_eq!(offered["bookable"], true);
    assert!(offered["current"].is_null());
    let slot = earliest_slot(&app).await;
    // One place left: two families at once, one gets it.
    let mut one_place: appointment_slot::ActiveModel = slot.clone().into();
    one_place.capacity = Set(1);
    one_place.update(&app.db).await.expect("updated");
    let (a, b) = tokio::join!(book(&father, mine, slot.id), book(&other, theirs, slot.id));
    let statuses = [a.status().as_u16(), b.status().as_u16()];
    assert!(
        statuses.contains(&200) && statuses.contains(&422),
        "{statuses:?}"
    );
    let row = appointment_slot::Entity::find_by_id(slot.id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("slot");
    assert_eq!(row.booked, 1);
    let (winner, winner_id, loser) = if statuses[0] == 200 {
        (&father, mine, &other)
    } else {
        (&other, theirs, &father)
    };
    // Someone else's registration cannot be booked.
    let loser_id = if winner_id == mine { theirs } else { mine };
    assert_eq!(book(winner, loser_id, slot.id).await.status(), 404);
    assert!(options(winner, winner_id).await["current"]["slot"]["starts_at"].is_string());

    // The point's staff see it and check the family in; then it cannot be cancelled.
    let reference = reference_of(&app, winner_id).await;
    let point_staff = app.staff("point.sn").await;
    let (day, listed) = point_row(&point_staff, &reference).await;
    let appointment = listed["id"].as_i64().expect("listed");
    // The list is of one day (the first with appointments, today being empty here or the
    // booked day): the day after has none of it, and a day that is not a date is refused.
    let shown = chrono::NaiveDate::parse_from_str(day["date"].as_str().expect("a day"), "%Y-%m-%d")
        .expect("a date");
    assert!(
        listed["slot"]["starts_at"]
            .as_str()
            .is_some_and(|at| at.starts_with(&shown.to_string())),
        "{day}"
    );
    let next_day = (shown + chrono::Duration::days(1)).to_string();
    let other: Value = point_staff
        .call("get_point_appointments", &[("date", &next_day)])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(other["date"], next_day.as_str());
    assert_eq!(other["appointments"], json!([]));
    let wrong = point_staff
        .call("get_point_appointments", &[("date", "2026-13-40")])
        .await;
    assert_eq!(wrong.status(), 422);
    assert!(
        wrong
            .text()
            .await
            .unwrap_or_default()
            .contains("日期不正确")
    );
    assert!(
        listed["child_masked_id"]
            .as_str()
            .is_some_and(|m| m.contains('*')),
        "{listed}"
    );

    // Staff of another point get nothing of it.
    let bureau = registration_point::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("point")
        .bureau_id;
    let elsewhere = registration_point::ActiveModel {
        bureau_id: Set(bureau),
        name_zh: Set("市北区登记点".into()),
        name_en: Set("Shibei point".into()),
        address_zh: Set("市北区".into()),
        address_en: Set("Shibei".into()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("point");
    let admin = app.staff("admin").await;
    let created = admin
        .call(
            "create_staff_account",
            &[
                ("username", "point.sb"),
                ("display_name", "钱老师"),
                ("role", "point_staff"),
                ("place_id", &elsewhere.id.to_string()),
                ("password", "point-password-2026"),
            ],
        )
        .await;
    assert_eq!(created.status(), 200);
    let stranger = app.browser();
    let signed_in = stranger
        .call(
            "staff_sign_in",
            &[
                ("username", "point.sb"),
                ("password", "point-password-2026"),
            ],
        )
        .await;
    assert!(signed_in.status().is_success() || signed_in.status().is_redirection());
    let day: Value = stranger
        .call("get_point_appointments", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(day["appointments"], json!([]));
    assert_eq!(
        stranger
            .call(
                "check_in_appointment",
                &[("appointment_id", &appointment.to_string())]
            )
            .await
            .status(),
        404
    );
    let reviewer = app.staff("reviewer.sn1").await;
    assert_eq!(
        reviewer.call("get_point_appointments", &[]).await.status(),
        403
    );

    // The school's reviewer sees the time booked, then that the family came.
    let on_site = || async {
        let detail: Value = reviewer
            .call("get_review_detail", &[("id", &winner_id.to_string())])
            .await
            .json()
            .await
            .expect("json");
        detail["on_site"].clone()
    };
    let booked = on_site().await;
    assert!(booked["booked"]["starts_at"].is_string(), "{booked}");
    assert!(booked["checked_in_at"].is_null(), "{booked}");
    // Cancelling is asked first, on a page of its own, with the time booked in view; the
    // other family's page shows none of it.
    let ask = cancel_question(winner, winner_id).await;
    assert!(ask.contains("确定取消预约吗？"), "{ask}");
    assert!(ask.contains("您预约的时间："), "{ask}");
    assert!(
        ask.contains("保留预约") && ask.contains("正在取消…"),
        "{ask}"
    );
    let stranger_ask = cancel_question(loser, winner_id).await;
    assert!(!stranger_ask.contains("您预约的时间："), "{stranger_ask}");
    assert!(!stranger_ask.contains("正在取消…"), "{stranger_ask}");
    assert_eq!(
        point_staff
            .call(
                "check_in_appointment",
                &[("appointment_id", &appointment.to_string())]
            )
            .await
            .status(),
        200
    );
    assert_eq!(
        options(winner, winner_id).await["current"]["checked_in"],
        true
    );
    assert!(on_site().await["checked_in_at"].is_string());
    // Another point's staff cannot take it back, nor learn that it exists.
    assert_eq!(
        stranger
            .call(
                "undo_check_in",
                &[("appointment_id", &appointment.to_string())]
            )
            .await
            .status(),
        404
    );
    assert!(on_site().await["checked_in_at"].is_string());
    let html = reviewer
        .get(&format!("/review/{winner_id}"))
        .await
        .text()
        .await
        .expect("html");
    assert!(html.contains("现场登记：已于 "), "{html}");
    let ask = cancel_question(winner, winner_id).await;
    assert!(ask.contains("您已在登记点签到，预约不能再取消。"), "{ask}");
    assert!(!ask.contains("正在取消…"), "{ask}");
    // Seen at the point, the appointment stays: the family is told so in words.
    let cancelled = winner
        .call("cancel_appointment", &[("id", &winner_id.to_string())])
        .await;
    assert_eq!(cancelled.status(), 422);
    assert!(
        cancelled
            .text()
            .await
            .unwrap_or_default()
            .contains("您已在登记点签到")
    );
    // The family that lost the last place has booked nothing: its reviewer is told so.
    let loser_detail: Value = reviewer
        .call("get_review_detail", &[("id", &loser_id.to_string())])
        .await
        .json()
        .await
        .expect("json");
    assert!(loser_detail["on_site"].is_object(), "{loser_detail}");
    assert!(
        loser_detail["on_site"]["booked"].is_null(),
        "{loser_detail}"
    );
}

#[tokio::test]
async fn a_rejected_family_gives_its_time_back_and_the_point_no_longer_lists_it() {
    let app = spawn_app().await;
    let father = app.confirmed_parent("demo-wang-qiang").await;
    let (id, version) = submitted(&app, &father, &child_id("20191105", 419)).await;
    make_entry_migrant(&app).await;
    let slot = earliest_slot(&app).await;
    let places = |slot_id: i32| {
        let db = app.db.clone();
        async move {
            appointment_slot::Entity::find_by_id(slot_id)
                .one(&db)
                .await
                .expect("query")
                .expect("slot")
                .booked
        }
    };
    let before = places(slot.id).await;
    // Not booked yet, the reviewer is told in red; booked, the time is said.
    let reviewer = app.staff("reviewer.sn1").await;
    let html = reviewer
        .get(&format!("/review/{id}"))
        .await
        .text()
        .await
        .expect("html");
    assert!(html.contains("现场登记：尚未预约。"), "{html}");
    assert_eq!(book(&father, id, slot.id).await.status(), 200);
    assert_eq!(places(slot.id).await, before + 1);
    let html = reviewer
        .get(&format!("/review/{id}"))
        .await
        .text()
        .await
        .expect("html");
    assert!(html.contains("现场登记：已预约 "), "{html}");

    let rejected =
        crate::review::decide(&reviewer, id, version, "first", "reject", "age", "", &[]).await;
    assert_eq!(rejected.status(), 200);
    assert_eq!(
        places(slot.id).await,
        before,
        "the place is another family's again"
    );
    let offered = options(&father, id).await;
    assert!(offered["current"].is_null(), "{offered}");
    assert_eq!(offered["bookable"], false);
    assert_eq!(offered["set_aside"], false);
    let page = father
        .get(&app::routes::registration(id))
        .await
        .text()
        .await
        .expect("html");
    assert!(page.contains("这份报名已不能预约现场登记。"), "{page}");
    let reference = reference_of(&app, id).await;
    let (day, row) = point_row(&app.staff("point.sn").await, &reference).await;
    assert!(row.is_null(), "{day}");
}

#[tokio::test]
async fn a_family_sees_only_times_with_a_place_and_is_told_when_there_are_none() {
    let app = spawn_app().await;
    let father = app.confirmed_parent("demo-wang-qiang").await;
    let (id, _) = submitted(&app, &father, &child_id("20191105", 421)).await;
    make_entry_migrant(&app).await;
    let slot = earliest_slot(&app).await;
    let offered = options(&father, id).await;
    let listed = |offered: &Value| {
        offered["slots"]
            .as_array()
            .map(|all| {
                all.iter()
                    .filter_map(|s| s["id"].as_i64())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    assert!(listed(&offered).contains(&i64::from(slot.id)), "{offered}");
    // A full time is not offered.
    let mut full: appointment_slot::ActiveModel = slot.clone().into();
    full.booked = Set(slot.capacity);
    full.update(&app.db).await.expect("updated");
    assert!(!listed(&options(&father, id).await).contains(&i64::from(slot.id)));
    // No time at all: the family is told to look again later, not shown an empty list.
    appointment_slot::Entity::update_many()
        .col_expr(
            appointment_slot::Column::Booked,
            sea_orm::sea_query::Expr::col(appointment_slot::Column::Capacity),
        )
        .exec(&app.db)
        .await
        .expect("all full");
    assert_eq!(options(&father, id).await["slots"], json!([]));
    let page = father
        .get(&app::routes::registration(id))
        .await
        .text()
        .await
        .expect("html");
    assert!(page.contains("暂时没有可预约的时段"), "{page}");
}

/// The bureau's slots as `get_slots` lists them, for the first point.
async fn listed_slots(admin: &Browser) -> Vec<Value> {
    let points: Value = admin
        .call("get_slots", &[])
        .await
        .json()
        .await
        .expect("json");
    points[0]["slots"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn the_bureau_edits_slots_never_below_what_families_booked() {
    use chrono::{Datelike, Duration, Utc, Weekday};
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let point = registration_point::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("a demo point")
        .id
        .to_string();
    // The Monday of the week after next, in the bureau's time (UTC+8), and that week.
    let today = (Utc::now() + Duration::hours(8)).date_naive();
    let monday = today + Duration::days(14 - i64::from(today.weekday().num_days_from_monday()));
    assert_eq!(monday.weekday(), Weekday::Mon);
    let sunday = monday + Duration::days(6);
    let add = |weekends: &str, capacity: &str| {
        let (point, from, to) = (point.clone(), monday.to_string(), sunday.to_string());
        let (weekends, capacity) = (weekends.to_owned(), capacity.to_owned());
        let admin = &admin;
        async move {
            admin
                .call(
                    "add_slots",
                    &[
                        ("point_id", point.as_str()),
                        ("from", &from),
                        ("to", &to),
                        ("starts", "18:00"),
                        ("ends", "19:30"),
                        ("capacity", &capacity),
                        ("weekends", &weekends),
                    ],
                )
                .await
        }
    };
    let added = add("false", "2").await;
    assert_eq!(added.status(), 200);
    assert_eq!(
        added.json::<Value>().await.expect("json"),
        json!(5),
        "Monday to Friday"
    );
    // The same days again: nothing twice; with weekends, the two days missing.
    assert_eq!(
        add("false", "2").await.json::<Value>().await.expect("json"),
        json!(0)
    );
    // Pressed twice at once (or by two administrators): the two days added once between
    // them (before: each press added them, two slots at one time).
    let (one, two) = crate::list_races::at_once(&app.db, add("true", "2"), add("true", "2")).await;
    let one = one.json::<Value>().await.expect("json").as_i64();
    let two = two.json::<Value>().await.expect("json").as_i64();
    assert_eq!(
        one.zip(two).map(|(a, b)| a + b),
        Some(2),
        "{one:?} + {two:?}"
    );
    // What cannot be a slot is refused with every reason, in Chinese.
    let bad = admin
        .call(
            "add_slots",
            &[
                ("point_id", point.as_str()),
                ("from", "2020-01-01"),
                ("to", "不是日期"),
                ("starts", "10:00"),
                ("ends", "09:00"),
                ("capacity", "0"),
                ("weekends", "false"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let text = bad.text().await.expect("text");
    for reason in [
        "请选择日期",
        "结束时间应晚于开始时间",
        "1 到 500",
        "开始日期已经过去",
    ] {
        assert!(text.contains(reason), "{reason}: {text}");
    }

    let evening = listed_slots(&admin)
        .await
        .into_iter()
        .filter(|s| s["starts"] == "18:00")
        .collect::<Vec<_>>();
    assert_eq!(evening.len(), 7);
    assert_eq!(evening[0]["date"], monday.to_string());
    assert_eq!(evening[0]["ends"], "19:30");
    let slot = evening[0]["id"].as_i64().expect("id").to_string();
    let spare = evening[1]["id"].as_i64().expect("id").to_string();

    // Two families book Monday evening.
    let father = app.confirmed_parent("demo-wang-qiang").await;
    let other = app.confirmed_parent("demo-zhang-wei").await;
    let (mine, _) = submitted(&app, &father, &child_id("20191105", 421)).await;
    let (theirs, _) = submitted(&app, &other, &child_id("20191106", 423)).await;
    make_entry_migrant(&app).await;
    let slot_id: i32 = slot.parse().expect("id");
    assert_eq!(book(&father, mine, slot_id).await.status(), 200);
    assert_eq!(book(&other, theirs, slot_id).await.status(), 200);

    // Fewer places than bookings, or removing it, is refused; more places are fine.
    let capacity = |id: &str, n: &str| {
        let admin = &admin;
        let (id, n) = (id.to_owned(), n.to_owned());
        async move {
            admin
                .call(
                    "set_slot_capacity",
                    &[("slot_id", id.as_str()), ("capacity", n.as_str())],
                )
                .await
        }
    };
    let fewer = capacity(&slot, "1").await;
    assert_eq!(fewer.status(), 422);
    assert!(fewer.text().await.expect("text").contains("已有 2 户预约"));
    assert_eq!(capacity(&slot, "2").await.status(), 200);
    assert_eq!(capacity(&slot, "5").await.status(), 200);
    let removed = admin
        .call("remove_slot", &[("slot_id", slot.as_str())])
        .await;
    assert_eq!(removed.status(), 422);
    assert!(removed.text().await.expect("text").contains("不能删除"));
    let row = appointment_slot::Entity::find_by_id(slot_id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("still there");
    assert_eq!((row.capacity, row.booked), (5, 2));

    // A slot nobody booked goes; the parent is offered the rest.
    assert_eq!(
        admin
            .call("remove_slot", &[("slot_id", spare.as_str())])
            .await
            .status(),
        200
    );
    let listed = listed_slots(&admin).await;
    assert!(
        listed
            .iter()
            .all(|s| s["id"].as_i64().map(|i| i.to_string()) != Some(spare.clone()))
    );
    assert!(
        listed
            .iter()
            .any(|s| s["id"].as_i64() == Some(i64::from(slot_id)) && s["booked"] == 2)
    );
    let offered = options(&father, mine).await;
    let offered: Vec<i64> = offered["slots"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["id"].as_i64()).collect())
        .unwrap_or_default();
    assert!(!offered.contains(&spare.parse::<i64>().expect("id")));

    // Each change is in the audit log.
    use app::server::entities::audit_log;
    let actions: Vec<String> = audit_log::Entity::find()
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .map(|a| a.action)
        .collect();
    for action in ["slots.add", "slot.capacity", "slot.remove"] {
        assert!(actions.iter().any(|a| a == action), "{action}");
    }
}

#[tokio::test]
async fn deleting_a_registration_gives_its_appointment_back() {
    let app = spawn_app().await;
    let father = app.confirmed_parent("demo-wang-qiang").await;
    let local = local_sections(&app).await;
    let slot = earliest_slot(&app).await;
    let booked_before = slot.booked;
    // Book, delete, register the same child again, book again: each round must not keep
    // a place, or one account could take all of a point's places.
    let child = child_id("20191105", 417);
    let mut references = Vec::new();
    for round in 0..2 {
        // Submitted as the entry was, then asked for the residence permit (as in the
        // test above): the booking is offered.
        set_sections(&app, &local).await;
        let (id, version) = submitted(&app, &father, &child).await;
        make_entry_migrant(&app).await;
        references.push(
            registration::Entity::find_by_id(id)
                .one(&app.db)
                .await
                .expect("query")
                .expect("row")
                .reference,
        );
        assert_eq!(
            book(&father, id, slot.id).await.status(),
            200,
            "round {round}"
        );
        let deleted = father
            .call(
                "delete_registration",
                &[
                    ("id", &id.to_string()),
                    ("base_version", &version.to_string()),
                ],
            )
            .await;
        assert!(
            deleted.status().is_success() || deleted.status().is_redirection(),
            "round {round}: {}",
            deleted.status()
        );
        let row = appointment_slot::Entity::find_by_id(slot.id)
            .one(&app.db)
            .await
            .expect("query")
            .expect("slot");
        assert_eq!(
            row.booked, booked_before,
            "round {round}: the place is free again"
        );
    }
    // The point's list does not show the deleted registrations.
    let day: Value = app
        .staff("point.sn")
        .await
        .call("get_point_appointments", &[])
        .await
        .json()
        .await
        .expect("json");
    let listed = day["appointments"].as_array().cloned().unwrap_or_default();
    assert!(
        listed
            .iter()
            .all(|a| !references.iter().any(|r| a["reference"] == r.as_str())),
        "{day}"
    );
}

#[tokio::test]
async fn a_booking_pressed_twice_or_while_the_registration_is_deleted_keeps_one_place_at_most() {
    use app::server::entities::appointment;
    let app = spawn_app().await;
    let father = app.confirmed_parent("demo-wang-qiang").await;
    let local = local_sections(&app).await;
    let slot = earliest_slot(&app).await;
    let booked = || async {
        appointment_slot::Entity::find_by_id(slot.id)
            .one(&app.db)
            .await
            .expect("query")
            .expect("slot")
            .booked
    };
    let appointments_of = |id: i32| {
        let db = &app.db;
        async move {
            appointment::Entity::find()
                .filter(appointment::Column::RegistrationId.eq(id))
                .all(db)
                .await
                .expect("query")
                .len()
        }
    };
    let before = booked().await;
    let sent = |child: String| {
        let (app, father, local) = (&app, &father, &local);
        async move {
            set_sections(app, local).await;
            let sent = submitted(app, father, &child).await;
            make_entry_migrant(app).await;
            sent
        }
    };

    // The phone's button pressed twice on a slow line: one appointment, one place, and no
    // error for the second press (before: a 500 from the second insert).
    let (id, _) = sent(child_id("20191105", 431)).await;
    let (first, second) = crate::list_races::at_once(
        &app.db,
        book(&father, id, slot.id),
        book(&father, id, slot.id),
    )
    .await;
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (200, 200)
    );
    assert_eq!(appointments_of(id).await, 1);
    assert_eq!(booked().await, before + 1);

    // Deleted on one device while booked on another: the place is not kept by a
    // registration that no longer exists (before: it was, for good).
    let (other, version) = sent(child_id("20191105", 449)).await;
    let (deleted, booking) = crate::list_races::at_once(
        &app.db,
        father.call(
            "delete_registration",
            &[
                ("id", &other.to_string()),
                ("base_version", &version.to_string()),
            ],
        ),
        book(&father, other, slot.id),
    )
    .await;
    let state = registration::Entity::find_by_id(other)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .state;
    if state.code() == "deleted" {
        assert!(deleted.status().is_success() || deleted.status().is_redirection());
        assert_eq!(
            appointments_of(other).await,
            0,
            "booking: {}",
            booking.status()
        );
        assert_eq!(booked().await, before + 1);
    } else {
        // The booking went first and the delete failed on its version: nothing lost.
        assert_eq!(booking.status(), 200);
        assert_eq!(appointments_of(other).await, 1);
        assert_eq!(booked().await, before + 2);
    }
}

#[tokio::test]
async fn last_years_registration_keeps_its_appointment_and_books_no_new_one() {
    let app = spawn_app().await;
    let father = app.confirmed_parent("demo-wang-qiang").await;
    let (booked, _) = submitted(&app, &father, &child_id("20191105", 411)).await;
    let (unbooked, _) = submitted(&app, &father, &child_id("20191106", 413)).await;
    make_entry_migrant(&app).await;
    let slot = earliest_slot(&app).await;
    assert_eq!(book(&father, booked, slot.id).await.status(), 200);

    crate::bureau::next_year_opened_now(&app.staff("admin").await).await;
    // Next year's families have the points' times: last year's registration is offered none.
    let offered = options(&father, unbooked).await;
    assert_eq!(
        (&offered["needed"], &offered["bookable"]),
        (&json!(false), &json!(false)),
        "{offered}"
    );
    let refused = book(&father, unbooked, slot.id).await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .unwrap_or_default()
            .contains("学年的报名，不能再预约")
    );
    // The appointment it had is still shown, and not moved.
    let kept = options(&father, booked).await;
    assert_eq!(kept["needed"], true);
    assert_eq!(kept["bookable"], false);
    assert!(kept["current"]["slot"]["starts_at"].is_string(), "{kept}");
}

#[tokio::test]
async fn a_family_set_aside_by_a_claim_keeps_its_time_but_is_not_checked_in() {
    use sea_orm::sea_query::Expr;
    let app = spawn_app().await;
    let father = app.confirmed_parent("demo-wang-qiang").await;
    let (id, _) = submitted(&app, &father, &child_id("20191105", 423)).await;
    make_entry_migrant(&app).await;
    let slot = earliest_slot(&app).await;
    assert_eq!(book(&father, id, slot.id).await.status(), 200);
    // Another account claimed the child and the bureau set this registration aside (the
    // claim's own path is tested in claims.rs; here only its state matters).
    registration::Entity::update_many()
        .col_expr(registration::Column::State, Expr::value("set_aside"))
        .col_expr(registration::Column::SetAsideFrom, Expr::value("submitted"))
        .filter(registration::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .expect("set aside");
    let reference = reference_of(&app, id).await;
    // The point still lists it (the claim may be turned down), marked, without check-in.
    let point_staff = app.staff("point.sn").await;
    let (day, listed) = point_row(&point_staff, &reference).await;
    assert_eq!(listed["in_running"], false, "{day}");
    assert_eq!(listed["state"], "SetAside", "{day}");
    let refused = point_staff
        .call(
            "check_in_appointment",
            &[("appointment_id", &listed["id"].to_string())],
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .unwrap_or_default()
            .contains("这份报名已被搁置或已有结果，不能签到")
    );
    let html = point_staff.get("/point").await.text().await.expect("html");
    assert!(html.contains("报名已搁置，请家长联系教体局"), "{html}");
    // The family's time is kept, and it is told why it cannot book another.
    let offered = options(&father, id).await;
    assert_eq!(offered["set_aside"], true);
    assert!(
        offered["current"]["slot"]["starts_at"].is_string(),
        "{offered}"
    );
}

#[tokio::test]
async fn a_time_booked_stays_in_sight_when_the_entry_stops_asking_for_it() {
    let app = spawn_app().await;
    let father = app.confirmed_parent("demo-wang-qiang").await;
    let local = local_sections(&app).await;
    let (id, _) = submitted(&app, &father, &child_id("20191105", 425)).await;
    make_entry_migrant(&app).await;
    let slot = earliest_slot(&app).await;
    assert_eq!(book(&father, id, slot.id).await.status(), 200);
    // The bureau no longer asks this entry for the permit: the family still sees its time,
    // and can give it back.
    set_sections(&app, &local).await;
    let offered = options(&father, id).await;
    assert_eq!(offered["needed"], true, "{offered}");
    assert!(
        offered["current"]["slot"]["starts_at"].is_string(),
        "{offered}"
    );
    let cancelled = father
        .call("cancel_appointment", &[("id", &id.to_string())])
        .await;
    assert_eq!(cancelled.status(), 200);
    assert_eq!(options(&father, id).await["needed"], false);
}

/// What the point's clerk finds for `find` (on every day).
async fn found(point_staff: &Browser, find: &str) -> Value {
    let response = point_staff
        .call("get_point_appointments", &[("find", find)])
        .await;
    assert_eq!(response.status(), 200, "{find}");
    response.json().await.expect("json")
}

fn references(day: &Value) -> Vec<String> {
    day["appointments"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter_map(|a| a["reference"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_point_finds_a_family_on_any_day_and_takes_back_a_check_in_tapped_by_mistake() {
    let app = spawn_app().await;
    let father = app.confirmed_parent("demo-wang-qiang").await;
    let other = app.confirmed_parent("demo-zhang-wei").await;
    let (mine, _) = submitted(&app, &father, &child_id("20191105", 411)).await;
    let (theirs, _) = submitted(&app, &other, &child_id("20191106", 413)).await;
    make_entry_migrant(&app).await;
    // One family on the first day, the other on a later day of the same point.
    let first = earliest_slot(&app).await;
    let later = appointment_slot::Entity::find()
        .filter(appointment_slot::Column::PointId.eq(first.point_id))
        .filter(appointment_slot::Column::StartsAt.gt(first.starts_at + chrono::Duration::days(1)))
        .order_by_asc(appointment_slot::Column::StartsAt)
        .one(&app.db)
        .await
        .expect("query")
        .expect("a later day's slot");
    assert_eq!(book(&father, mine, first.id).await.status(), 200);
    assert_eq!(book(&other, theirs, later.id).await.status(), 200);
    let point_staff = app.staff("point.sn").await;
    let my_reference = reference_of(&app, mine).await;
    let their_row = registration::Entity::find_by_id(theirs)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row");
    let their_reference = their_row.reference.clone();
    // The two children of the test have the same name: the other is renamed.
    let mut renamed: registration::ActiveModel = their_row.clone().into();
    renamed.child_name = Set(Some("李 思远".into()));
    renamed.update(&app.db).await.expect("renamed");

    // The day's list holds the first family only; the other, at the desk on the wrong day,
    // is found by the end of its reference (spaces and case aside) or by its child's name.
    let (_, absent) = point_row(&point_staff, &their_reference).await;
    assert!(absent.is_null(), "{absent}");
    let tail = &their_reference[their_reference.len() - 6..];
    let by_reference = found(&point_staff, &format!(" {} {} ", &tail[..3], &tail[3..])).await;
    assert_eq!(
        references(&by_reference),
        std::slice::from_ref(&their_reference)
    );
    assert!(by_reference["find"].is_string(), "{by_reference}");
    assert_eq!(
        found(&point_staff, &their_reference.to_lowercase()).await["appointments"][0]["reference"],
        their_reference.as_str()
    );
    let by_name = found(&point_staff, "李思远").await;
    assert!(references(&by_name).contains(&their_reference), "{by_name}");
    assert!(!references(&by_name).contains(&my_reference), "{by_name}");
    assert_eq!(
        found(&point_staff, "无此人").await["appointments"],
        json!([])
    );
    let too_long = point_staff
        .call("get_point_appointments", &[("find", &"9".repeat(41))])
        .await;
    assert_eq!(too_long.status(), 422);
    assert!(
        too_long
            .text()
            .await
            .unwrap_or_default()
            .contains("查找内容太长")
    );
    // The page says what was looked for and what was found, with the way back to the day.
    let html = point_staff
        .get(&format!("/point?find={their_reference}"))
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains(&format!("查找“{their_reference}”：找到 1 个预约")),
        "{html}"
    );
    assert!(html.contains("返回当天列表"), "{html}");
    let html = point_staff
        .get("/point?find=%E6%97%A0%E6%AD%A4%E4%BA%BA")
        .await
        .text()
        .await
        .expect("html");
    assert!(html.contains("没有找到"), "{html}");

    // The wrong family checked in, then taken back: again to be checked in, and free to
    // move its time; the bureau's log keeps both.
    let (_, row) = point_row(&point_staff, &my_reference).await;
    let appointment = row["id"].as_i64().expect("listed").to_string();
    let check_in = |name: &'static str| {
        let appointment = appointment.clone();
        let point_staff = &point_staff;
        async move {
            point_staff
                .call(name, &[("appointment_id", &appointment)])
                .await
        }
    };
    assert_eq!(check_in("check_in_appointment").await.status(), 200);
    let (_, row) = point_row(&point_staff, &my_reference).await;
    assert_eq!(row["checked_in"], true);
    assert_eq!(row["undoable"], true);
    assert!(row["checked_in_at"].is_string(), "{row}");
    assert!(
        point_staff
            .get("/point")
            .await
            .text()
            .await
            .expect("html")
            .contains("撤销签到")
    );
    let reviewer = app.staff("reviewer.sn1").await;
    assert_eq!(
        reviewer
            .call("undo_check_in", &[("appointment_id", &appointment)])
            .await
            .status(),
        403
    );
    assert_eq!(check_in("undo_check_in").await.status(), 200);
    // A second press (another desk) changes nothing and fails nothing.
    assert_eq!(check_in("undo_check_in").await.status(), 200);
    let (_, row) = point_row(&point_staff, &my_reference).await;
    assert_eq!(row["checked_in"], false, "{row}");
    assert_eq!(row["undoable"], false, "{row}");
    assert_eq!(options(&father, mine).await["current"]["checked_in"], false);
    let log = app::server::entities::audit_log::Entity::find()
        .filter(app::server::entities::audit_log::Column::Action.eq("appointment.check_in_undo"))
        .all(&app.db)
        .await
        .expect("query");
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].object_id, Some(mine));

    // A check-in of an earlier day is not taken back at the desk.
    assert_eq!(check_in("check_in_appointment").await.status(), 200);
    let booked = app::server::entities::appointment::Entity::find()
        .filter(app::server::entities::appointment::Column::RegistrationId.eq(mine))
        .one(&app.db)
        .await
        .expect("query")
        .expect("booked");
    let mut yesterday: app::server::entities::appointment::ActiveModel = booked.clone().into();
    yesterday.checked_in_at = Set(booked
        .checked_in_at
        .map(|at| at - chrono::Duration::days(1)));
    yesterday.update(&app.db).await.expect("updated");
    let (_, row) = point_row(&point_staff, &my_reference).await;
    assert_eq!(row["undoable"], false, "{row}");
    let refused = check_in("undo_check_in").await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .unwrap_or_default()
            .contains("只能撤销当天的签到")
    );
    assert_eq!(options(&father, mine).await["current"]["checked_in"], true);

    // Nor that of a family set aside (a claim on the child) since: it could not be checked
    // in again.
    let mut today: app::server::entities::appointment::ActiveModel = booked.clone().into();
    today.checked_in_at = Set(booked.checked_in_at);
    today.update(&app.db).await.expect("updated");
    let row = registration::Entity::find_by_id(mine)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row");
    let mut set_aside: registration::ActiveModel = row.into();
    set_aside.state = Set(app::domain::RegistrationState::SetAside);
    set_aside.update(&app.db).await.expect("updated");
    let (_, row) = point_row(&point_staff, &my_reference).await;
    assert_eq!(row["checked_in"], true, "{row}");
    assert_eq!(row["undoable"], false, "{row}");
    let refused = check_in("undo_check_in").await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .unwrap_or_default()
            .contains("签到不能撤销")
    );
}

async fn record(
    point_staff: &Browser,
    appointment: &str,
    ok: Option<&str>,
    note: &str,
) -> reqwest::Response {
    let mut fields = vec![("appointment_id", appointment), ("note", note)];
    fields.extend(ok.map(|ok| ("ok", ok)));
    point_staff.call("record_originals", &fields).await
}

#[tokio::test]
async fn the_point_records_what_the_originals_showed_and_the_school_reads_it() {
    let app = spawn_app().await;
    let father = app.confirmed_parent("demo-wang-qiang").await;
    let (id, submitted_version) = submitted(&app, &father, &child_id("20191105", 411)).await;
    make_entry_migrant(&app).await;
    assert_eq!(
        book(&father, id, earliest_slot(&app).await.id)
            .await
            .status(),
        200
    );
    let reference = reference_of(&app, id).await;
    let point_staff = app.staff("point.sn").await;
    let reviewer = app.staff("reviewer.sn1").await;
    let (_, row) = point_row(&point_staff, &reference).await;
    let appointment = row["id"].as_i64().expect("listed").to_string();
    let refused = |response: reqwest::Response, words: &'static str| async move {
        assert_eq!(response.status(), 422);
        let text = response.text().await.unwrap_or_default();
        assert!(text.contains(words), "{words}: {text}");
    };
    let on_site = || async {
        let detail: Value = reviewer
            .call("get_review_detail", &[("id", &id.to_string())])
            .await
            .json()
            .await
            .expect("json");
        detail["on_site"].clone()
    };

    // Not before the family came; a result must be chosen, a problem said in words.
    refused(
        record(&point_staff, &appointment, Some("true"), "").await,
        "请先为这个家庭签到",
    )
    .await;
    assert_eq!(
        point_staff
            .call("check_in_appointment", &[("appointment_id", &appointment)])
            .await
            .status(),
        200
    );
    refused(
        record(&point_staff, &appointment, None, "").await,
        "请选择核验结果",
    )
    .await;
    refused(
        record(&point_staff, &appointment, Some("false"), "  ").await,
        "请写明原件的问题",
    )
    .await;
    refused(
        record(&point_staff, &appointment, Some("false"), &"证".repeat(201)).await,
        "说明太长",
    )
    .await;
    assert!(on_site().await["originals"].is_null());
    let html = reviewer
        .get(&format!("/review/{id}"))
        .await
        .text()
        .await
        .expect("html");
    assert!(html.contains("登记点尚未记录原件核验结果。"), "{html}");
    // Only the point's staff record it.
    assert_eq!(
        reviewer
            .call(
                "record_originals",
                &[("appointment_id", &appointment), ("ok", "true")]
            )
            .await
            .status(),
        403
    );

    // A problem: the point's list and the school's reviewer say it in the point's words.
    let problem = "居住证已过期（2026年5月），请家长补办后重新上传";
    assert_eq!(
        record(&point_staff, &appointment, Some("false"), problem)
            .await
            .status(),
        200
    );
    let (_, row) = point_row(&point_staff, &reference).await;
    assert_eq!(row["originals"]["ok"], false, "{row}");
    assert_eq!(row["originals"]["note"], problem);
    // A reviewer's page read before it is stale: its decision is refused, and a batch pass
    // leaves the registration to be opened.
    let stale = reviewer
        .call_json(
            "decide_review",
            &json!({
                "id": id, "base_version": submitted_version, "stage": "first",
                "decision": "pass", "reason": "", "message": "", "items": [],
            }),
        )
        .await;
    assert_eq!(stale.status(), 409);
    let version = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .version;
    let bulk: Value = reviewer
        .call_json(
            "bulk_pass_review",
            &json!({ "stage": "first", "registrations": [[id, version]] }),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(bulk["done"], json!([]), "{bulk}");
    assert!(
        bulk["skipped"].to_string().contains("登记点发现原件有问题"),
        "{bulk}"
    );
    // The parent is told at the desk, not on the phone: nothing of the note reaches them.
    assert!(
        !options(&father, id)
            .await
            .to_string()
            .contains("居住证已过期"),
        "the note is the reviewers'"
    );
    let seen = on_site().await;
    assert_eq!(seen["originals"]["ok"], false, "{seen}");
    assert_eq!(seen["originals"]["note"], problem);
    let html = reviewer
        .get(&format!("/review/{id}"))
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("登记点核验原件发现问题") && html.contains(problem),
        "{html}"
    );
    let page = point_staff.get("/point").await.text().await.expect("html");
    assert!(
        page.contains("data-originals=\"problem\"") && page.contains(problem),
        "{page}"
    );
    assert!(page.contains("修改核验结果"), "{page}");

    // The point's words are text wherever they are shown, never markup.
    let markup = "</textarea>\"><b>有问题</b>";
    assert_eq!(
        record(&point_staff, &appointment, Some("false"), markup)
            .await
            .status(),
        200
    );
    for page in [
        point_staff.get("/point").await,
        reviewer.get(&format!("/review/{id}")).await,
    ] {
        let html = page.text().await.expect("html");
        assert!(!html.contains("<b>有问题</b>"), "{html}");
        assert!(html.contains("&lt;b&gt;有问题"), "{html}");
    }
    // Looked at again: they match (the problem's words, left in the field, go).
    assert_eq!(
        record(&point_staff, &appointment, Some("true"), problem)
            .await
            .status(),
        200
    );
    let seen = on_site().await;
    assert_eq!(seen["originals"]["ok"], true, "{seen}");
    assert_eq!(seen["originals"]["note"], "");
    let html = reviewer
        .get(&format!("/review/{id}"))
        .await
        .text()
        .await
        .expect("html");
    assert!(html.contains("登记点核验原件：无误"), "{html}");
    assert!(!html.contains("登记点核验原件发现问题"), "{html}");
    // The log keeps each recording, not the words about the family.
    let log = app::server::entities::audit_log::Entity::find()
        .filter(
            app::server::entities::audit_log::Column::Action.eq("appointment.originals_checked"),
        )
        .all(&app.db)
        .await
        .expect("query");
    assert_eq!(log.len(), 3, "{log:?}");
    assert!(
        log.iter().all(|row| !format!("{row:?}").contains("居住证")),
        "{log:?}"
    );

    // A check-in taken back takes its result with it: the family was not seen.
    assert_eq!(
        point_staff
            .call("undo_check_in", &[("appointment_id", &appointment)])
            .await
            .status(),
        200
    );
    let (_, row) = point_row(&point_staff, &reference).await;
    assert_eq!(row["checked_in"], false, "{row}");
    assert!(row["originals"].is_null(), "{row}");
    assert!(on_site().await["originals"].is_null());
}
