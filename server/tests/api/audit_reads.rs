//! Staff reads of a minor's data leave a trace, and the trace stays within its bureau:
//! photo views (one row per photo and copy, none for the parent's own), review queue
//! pages, the point's appointments and the admissions page name the registrations they
//! showed; a bureau's administrator reads its own bureau's audit rows only; a bulk pass
//! tells nothing about registrations the reviewer may not see.

use app::server::{
    entities::{appointment_slot, audit_log, bureau, registration, school, staff_account},
    infra::audit,
};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};

use crate::{
    appointments::{book, make_entry_migrant},
    documents::{jpeg, upload},
    helpers::{Browser, TestApp, spawn_app},
    registrations::{TWIN_1, TWIN_2, child_id, create, entry_and_school, fill_all},
    review::submitted,
};

/// The audit rows of `action`, oldest first.
async fn audit_of(app: &TestApp, action: &str) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .order_by_asc(audit_log::Column::Id)
        .all(&app.db)
        .await
        .expect("query")
}

/// The registration ids a list's audit row names, sorted.
fn listed(row: &audit_log::Model) -> Vec<i64> {
    let detail: Value = serde_json::from_str(&row.detail).expect("the detail is JSON");
    let mut ids: Vec<i64> = detail["registrations"]
        .as_array()
        .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    ids.sort_unstable();
    ids
}

async fn account_id(app: &TestApp, username: &str) -> i32 {
    staff_account::Entity::find()
        .filter(staff_account::Column::Username.eq(username))
        .one(&app.db)
        .await
        .expect("query")
        .expect("a staff account")
        .id
}

async fn reference_of(app: &TestApp, id: i32) -> String {
    registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .reference
}

async fn created_id(response: reqwest::Response) -> i32 {
    assert_eq!(response.status(), 200, "created");
    i32::try_from(response.json::<i64>().await.expect("an id")).expect("fits")
}

async fn review_queue(staff: &Browser) -> reqwest::Response {
    staff
        .call_json(
            "get_review_queue",
            &json!({ "query": {
                "filter": null, "entry_id": null, "school_id": null, "hand_entered": false,
                "resubmitted": false, "search": "", "sort": "SubmittedFirst", "page": 1
            } }),
        )
        .await
}

async fn pass(staff: &Browser, id: i32, version: i64, stage: &str) {
    let response = staff
        .call_json(
            "decide_review",
            &json!({
                "id": id, "base_version": version, "stage": stage, "decision": "pass",
                "reason": "", "message": "", "items": [],
            }),
        )
        .await;
    assert_eq!(response.status(), 200, "{stage} review passed");
}

async fn audit_log_of(admin: &Browser) -> Vec<Value> {
    let response = admin.call("get_audit_log", &[("reference", "")]).await;
    assert_eq!(response.status(), 200);
    response
        .json::<Value>()
        .await
        .expect("json")
        .as_array()
        .cloned()
        .expect("a list")
}

fn objects(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .filter_map(|r| r["object"].as_str().map(str::to_owned))
        .collect()
}

async fn add_notice(admin: &Browser, title: &str) -> i64 {
    let response = admin
        .call(
            "add_notice",
            &[
                ("title_zh", title),
                ("title_en", ""),
                ("body_zh", "请按时报名。"),
                ("body_en", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), 200, "notice added");
    response.json::<i64>().await.expect("an id")
}

#[tokio::test]
async fn every_staff_view_of_a_photo_is_audited_with_its_copy_and_the_parents_own_are_not() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let id = created_id(create(&parent, entry, school, TWIN_1).await).await;
    fill_all(&parent, id).await;
    let uploaded = upload(&parent, id, "household-register", jpeg(1200, 900)).await;
    assert_eq!(uploaded.status(), 200);
    let photo = uploaded.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("a photo id");
    let version = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .version;
    let response = parent
        .call(
            "submit_registration",
            &[
                ("id", &id.to_string()),
                ("base_version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status(), 200, "submitted");

    // The family looks at its own photo: nothing to record.
    for size in ["full", "thumb"] {
        let response = parent.get(&format!("/documents/{photo}/{size}")).await;
        assert_eq!(response.status(), 200, "{size}");
    }
    // Another school's reviewer finds nothing, and nothing is recorded.
    let stranger = app.staff("reviewer.sn2").await;
    let response = stranger.get(&format!("/documents/{photo}/full")).await;
    assert_eq!(response.status(), 404);
    // The school's reviewer opens two copies, the bureau one.
    let reviewer = app.staff("reviewer.sn1").await;
    for size in ["review", "thumb"] {
        let response = reviewer.get(&format!("/documents/{photo}/{size}")).await;
        assert_eq!(response.status(), 200, "{size}");
    }
    let admin = app.staff("admin").await;
    assert_eq!(
        admin
            .get(&format!("/documents/{photo}/full"))
            .await
            .status(),
        200
    );

    let rows = audit_of(&app, "photo.view").await;
    let seen: Vec<(String, Option<i32>, Value, Value)> = rows
        .iter()
        .map(|r| {
            let detail: Value = serde_json::from_str(&r.detail).expect("the detail is JSON");
            (
                r.actor_kind.clone(),
                r.actor_id,
                detail["photo"].clone(),
                detail["size"].clone(),
            )
        })
        .collect();
    let reviewer_id = account_id(&app, "reviewer.sn1").await;
    let admin_id = account_id(&app, "admin").await;
    assert_eq!(
        seen,
        [
            (
                "staff".to_owned(),
                Some(reviewer_id),
                json!(photo),
                json!("review")
            ),
            (
                "staff".to_owned(),
                Some(reviewer_id),
                json!(photo),
                json!("thumb")
            ),
            (
                "staff".to_owned(),
                Some(admin_id),
                json!(photo),
                json!("full")
            ),
        ],
        "one row per photo per view by staff, none for the parent or a refused view"
    );
    for row in &rows {
        assert_eq!(row.object_kind, "registration");
        assert_eq!(row.object_id, Some(id));
        assert!(!row.detail.contains(TWIN_1), "no ID number: {}", row.detail);
    }
}

#[tokio::test]
async fn a_review_queue_page_is_audited_with_the_registrations_it_listed() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (first, _) = submitted(&app, &parent, TWIN_1).await;
    let (second, _) = submitted(&app, &parent, TWIN_2).await;
    let reviewer = app.staff("reviewer.sn1").await;
    let response = review_queue(&reviewer).await;
    assert_eq!(response.status(), 200);
    let page: Value = response.json().await.expect("json");
    let rows = page["rows"].as_array().cloned().unwrap_or_default();
    let mut shown: Vec<i64> = rows.iter().filter_map(|r| r["id"].as_i64()).collect();
    shown.sort_unstable();
    assert_eq!(shown, [i64::from(first), i64::from(second)], "{page}");

    let audit = audit_of(&app, "list.review_queue").await;
    assert_eq!(audit.len(), 1, "one row for the page");
    let row = &audit[0];
    assert_eq!(row.actor_kind, "staff");
    assert_eq!(row.actor_id, Some(account_id(&app, "reviewer.sn1").await));
    assert_eq!(listed(row), shown, "{}", row.detail);
    for r in &rows {
        let name = r["child_name"].as_str().unwrap_or_default();
        assert!(
            name.is_empty() || !row.detail.contains(name),
            "ids, not names: {}",
            row.detail
        );
    }
    for number in [TWIN_1, TWIN_2] {
        assert!(!row.detail.contains(number), "no ID number: {}", row.detail);
    }
}

#[tokio::test]
async fn the_points_appointment_list_is_audited_with_the_registrations_it_listed() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-wang-qiang").await;
    let (id, _) = submitted(&app, &parent, &child_id("20191105", 411)).await;
    make_entry_migrant(&app).await;
    let slot = appointment_slot::Entity::find()
        .order_by_asc(appointment_slot::Column::StartsAt)
        .one(&app.db)
        .await
        .expect("query")
        .expect("a demo slot");
    assert_eq!(book(&parent, id, slot.id).await.status(), 200, "booked");

    let point_staff = app.staff("point.sn").await;
    let response = point_staff.call("get_point_appointments", &[]).await;
    assert_eq!(response.status(), 200);
    let day: Value = response.json().await.expect("json");
    let reference = reference_of(&app, id).await;
    assert!(
        day["appointments"]
            .as_array()
            .is_some_and(|a| a.iter().any(|a| a["reference"] == reference.as_str())),
        "{day}"
    );

    let audit = audit_of(&app, "list.point_appointments").await;
    assert_eq!(audit.len(), 1, "one row for the list");
    let row = &audit[0];
    assert_eq!(row.actor_id, Some(account_id(&app, "point.sn").await));
    assert_eq!(row.object_kind, "registration_point");
    assert_eq!(listed(row), [i64::from(id)], "{}", row.detail);
}

#[tokio::test]
async fn the_admissions_page_is_audited_with_the_registrations_it_showed() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (id, version) = submitted(&app, &parent, TWIN_1).await;
    // Still in review: not on the admissions page, so not in its row.
    submitted(&app, &parent, TWIN_2).await;
    let reviewer = app.staff("reviewer.sn1").await;
    let admin = app.staff("admin").await;
    pass(&reviewer, id, version, "first").await;
    pass(&admin, id, version + 1, "second").await;
    let school = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .school_id;

    let response = admin
        .call(
            "get_admissions",
            &[
                ("school_id", &school.to_string()),
                ("subsystem", "enrollment"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let page: Value = response.json().await.expect("json");
    assert_eq!(page["candidates"][0]["id"], id, "{page}");

    let audit = audit_of(&app, "list.admissions").await;
    assert_eq!(audit.len(), 1, "one row for the page");
    let row = &audit[0];
    assert_eq!(row.actor_id, Some(account_id(&app, "admin").await));
    assert_eq!(row.object_kind, "school");
    assert_eq!(row.object_id, Some(school));
    assert_eq!(listed(row), [i64::from(id)], "{}", row.detail);
    assert!(!row.detail.contains(TWIN_1), "no ID number: {}", row.detail);
}

/// A second bureau (Shibei, Qingdao) with one school.
pub(crate) async fn second_bureau(app: &TestApp) -> (bureau::Model, school::Model) {
    let now = Utc::now();
    let other = bureau::ActiveModel {
        code: Set("qingdao-shibei".into()),
        name_zh: Set("青岛市市北区教育和体育局".into()),
        name_en: Set("Shibei District Education and Sports Bureau, Qingdao".into()),
        platform_name_zh: Set("市北区义务教育招生平台".into()),
        platform_name_en: Set("Shibei District School Enrollment Platform".into()),
        city_zh: Set("青岛市".into()),
        city_en: Set("Qingdao".into()),
        district_zh: Set("市北区".into()),
        district_en: Set("Shibei District".into()),
        hotline: Set("0532-8100 0000".into()),
        utc_offset_minutes: Set(480),
        created_at: Set(now),
        export_full_ids: Set(false),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("a second bureau");
    let other_school = school::ActiveModel {
        bureau_id: Set(other.id),
        code: Set("SB01".into()),
        name_zh: Set("市北区第一小学".into()),
        name_en: Set("Shibei No. 1 Primary School".into()),
        address_zh: Set("市北区辽宁路 1 号".into()),
        address_en: Set("1 Liaoning Road, Shibei".into()),
        position: Set(0),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("its school");
    (other, other_school)
}

#[tokio::test]
async fn a_bureau_administrator_reads_only_the_audit_rows_of_their_bureau() {
    let app = spawn_app().await;
    let now = Utc::now();
    // A second bureau with a school and an administrator, and a city-wide administrator.
    let (other, other_school) = second_bureau(&app).await;
    // The demo password, so that the helpers sign them in.
    let password_hash = staff_account::Entity::find()
        .filter(staff_account::Column::Username.eq("admin"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the demo administrator")
        .password_hash;
    for (username, bureau_id) in [("admin.sb", Some(other.id)), ("admin.city", None)] {
        staff_account::ActiveModel {
            username: Set(username.into()),
            display_name: Set(username.into()),
            password_hash: Set(password_hash.clone()),
            role: Set(app::domain::StaffRole::BureauAdmin),
            bureau_id: Set(bureau_id),
            school_id: Set(None),
            registration_point_id: Set(None),
            active: Set(true),
            created_at: Set(now),
            created_by: Set(None),
            last_sign_in_at: Set(None),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("an administrator");
    }

    // Bureau B's administrator works on B; the platform publishes for B's school.
    let theirs = app.staff("admin.sb").await;
    let their_notice = add_notice(&theirs, "市北区招生公告").await;
    let response = theirs
        .call(
            "set_school_capacity",
            &[
                ("school_id", &other_school.id.to_string()),
                ("subsystem", "enrollment"),
                ("grade", "1"),
                ("capacity", "90"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200, "capacity set");
    audit::record_system(
        &app.db,
        audit::AuditAction::AdmissionsPublish,
        "school",
        Some(other_school.id),
        json!({ "changed": 0 }),
        now,
    )
    .await
    .expect("recorded");
    // Bureau A's administrator works on A.
    let ours = app.staff("admin").await;
    let our_notice = add_notice(&ours, "市南区招生公告").await;

    let their_objects = [
        format!("notice {their_notice}"),
        format!("school {}", other_school.id),
    ];
    let our_object = format!("notice {our_notice}");

    // An empty search: A's rows, nothing of B's.
    let rows = audit_log_of(&ours).await;
    let seen = objects(&rows);
    assert!(seen.contains(&our_object), "{rows:?}");
    for object in &their_objects {
        assert!(!seen.contains(object), "bureau A reads {object}: {rows:?}");
    }
    assert!(
        rows.iter()
            .all(|r| !r["who"].as_str().unwrap_or_default().contains("admin.sb")),
        "{rows:?}"
    );
    // And the other way round.
    let rows = audit_log_of(&theirs).await;
    let seen = objects(&rows);
    assert!(
        !seen.contains(&our_object),
        "bureau B reads {our_object}: {rows:?}"
    );
    for object in &their_objects {
        assert!(
            seen.contains(object),
            "bureau B reads its own {object}: {rows:?}"
        );
    }
    // The city-wide administrator reads both.
    let city = app.staff("admin.city").await;
    let seen = objects(&audit_log_of(&city).await);
    assert!(seen.contains(&our_object));
    for object in &their_objects {
        assert!(seen.contains(object), "the city reads {object}");
    }
}

#[tokio::test]
async fn a_bulk_pass_tells_nothing_of_registrations_the_reviewer_may_not_see() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (theirs, version) = submitted(&app, &parent, TWIN_1).await;
    let reference = reference_of(&app, theirs).await;
    assert!(!reference.is_empty());

    // A reviewer of another school sends its id along with one that does not exist.
    let other = app.staff("reviewer.sn2").await;
    let response = other
        .call_json(
            "bulk_pass_review",
            &json!({ "stage": "first", "registrations": [[theirs, version], [i32::MAX, 1]] }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("text");
    assert!(!text.contains(&reference), "{text}");
    let bulk: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(bulk["done"], json!([]));
    assert_eq!(bulk["skipped"][0][0], theirs.to_string(), "{bulk}");
    assert_eq!(bulk["skipped"][1][0], i32::MAX.to_string(), "{bulk}");
    assert_eq!(
        bulk["skipped"][0][1], bulk["skipped"][1][1],
        "the same words as for a registration that does not exist"
    );
    assert_eq!(
        registration::Entity::find_by_id(theirs)
            .one(&app.db)
            .await
            .expect("query")
            .expect("row")
            .version,
        version,
        "unchanged"
    );

    // A draft of the reviewer's own school is the parent's business only.
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let draft = created_id(create(&parent, entry, school, TWIN_2).await).await;
    let draft_reference = reference_of(&app, draft).await;
    assert!(!draft_reference.is_empty());
    let reviewer = app.staff("reviewer.sn1").await;
    let response = reviewer
        .call_json(
            "bulk_pass_review",
            &json!({ "stage": "first", "registrations": [[draft, 0]] }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("text");
    assert!(!text.contains(&draft_reference), "{text}");
}
