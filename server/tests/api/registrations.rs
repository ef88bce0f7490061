//! The parent's registrations: uniqueness of the child under concurrency, the three-child
//! limit, stale writes, idempotent submission, deletion, the collection window.

use app::{
    domain::resident_id::check_character,
    server::entities::{collection_window, entry, registration, school},
};
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, sea_query::Expr};
use serde_json::{Value, json};

use crate::helpers::{Browser, TestApp, spawn_app};

/// A valid child ID number born on `yyyymmdd` with sequence `seq` (three digits).
pub fn child_id(yyyymmdd: &str, seq: u32) -> String {
    let first17 = format!("370202{yyyymmdd}{seq:03}");
    format!("{first17}{}", check_character(first17.as_bytes()) as char)
}

pub const TWIN_1: &str = "370202202003150518";
pub const TWIN_2: &str = "370202202003150622";

/// The ids of the entry `code` and of the first demo school.
pub async fn entry_and_school(app: &TestApp, code: &str) -> (i32, i32) {
    let entry = entry::Entity::find()
        .filter(entry::Column::Code.eq(code))
        .one(&app.db)
        .await
        .expect("query")
        .expect("demo entry");
    let school = school::Entity::find()
        .order_by_asc(school::Column::Position)
        .one(&app.db)
        .await
        .expect("query")
        .expect("demo school");
    (entry.id, school.id)
}

pub async fn create(browser: &Browser, entry: i32, school: i32, child: &str) -> reqwest::Response {
    browser
        .call(
            "create_registration",
            &[
                ("subsystem", "enrollment"),
                ("entry_id", &entry.to_string()),
                ("school_id", &school.to_string()),
                ("child_id_number", child),
            ],
        )
        .await
}

pub async fn created_id(response: reqwest::Response) -> i32 {
    assert!(
        response.status().is_success(),
        "created: {}",
        response.status()
    );
    let value: Value = response.json().await.expect("json");
    i32::try_from(value.as_i64().expect("an id")).expect("fits")
}

/// Submits `id` as of `version`, as the check page does.
pub async fn submit(browser: &Browser, id: i32, version: i64) -> reqwest::Response {
    browser
        .call(
            "submit_registration",
            &[
                ("id", &id.to_string()),
                ("base_version", &version.to_string()),
            ],
        )
        .await
}

/// A registration as its owner's pages get it.
pub async fn view(browser: &Browser, id: i32) -> Value {
    let response = browser
        .call("get_registration", &[("id", &id.to_string())])
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

pub(crate) async fn save(
    browser: &Browser,
    id: i32,
    section: &str,
    base: i64,
    data: Value,
    complete: bool,
) -> reqwest::Response {
    browser
        .call_json(
            "save_section",
            &json!({ "id": id, "section": section, "base_version": base, "data": data, "corrections": {}, "complete": complete }),
        )
        .await
}

pub(crate) fn answers(section: &str) -> Value {
    match section {
        "child" => json!({ "name": "张子涵", "ethnicity": "01", "contact_phone": "13800000001" }),
        "household" => {
            json!({ "collective": "no", "address": "市南区香港中路 10 号", "head_name": "张伟", "head_relation": "father" })
        }
        "residence" => {
            json!({ "kind": "property", "address": "市南区香港中路 10 号 2 单元 301", "certificate_number": "鲁(2021)青岛市不动产权第0012345号", "owner_name": "张伟", "owner_relation": "father" })
        }
        "guardian" => {
            json!({ "g1_relation": "father", "g1_name": "张伟", "g1_id_number": "370202198805120311", "g1_phone": "13800000001", "has_guardian2": "yes", "g2_relation": "mother", "g2_name": "李娜", "g2_id_number": "370202199008230424", "g2_phone": "13900000002" })
        }
        _ => json!({}),
    }
}

/// Fills the child, household, residence and guardian sections with `answers`, each as
/// `adjust` changes it, and submits: the registration's version after submitting.
pub async fn fill_and_submit(browser: &Browser, id: i32, adjust: impl Fn(&str, &mut Value)) -> i64 {
    let mut version = 0;
    for section in ["child", "household", "residence", "guardian"] {
        let mut data = answers(section);
        adjust(section, &mut data);
        let base = section_version(browser, id, section).await;
        let saved: Value = save(browser, id, section, base, data, true)
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(saved["Saved"]["status"], "Completed", "{section}: {saved}");
        version = saved["Saved"]["registration_version"]
            .as_i64()
            .expect("version");
    }
    let sent = browser
        .call(
            "submit_registration",
            &[
                ("id", &id.to_string()),
                ("base_version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(
        sent.status(),
        200,
        "{}",
        sent.text().await.unwrap_or_default()
    );
    version + 1
}

/// The guardian section naming only the demo parent `subject` (no second guardian): a
/// family of its own, which no other registration's guardians tie to.
pub fn sole_guardian(subject: &str) -> Value {
    let parent = crate::helpers::demo_parent(subject);
    json!({
        "g1_relation": "mother",
        "g1_name": parent.name,
        "g1_id_number": parent.id_number,
        "g1_phone": parent.phone,
        "has_guardian2": "no"
    })
}

/// How a registration's view names a section (`residence_permit` → `ResidencePermit`).
pub fn section_key(section: &str) -> String {
    section
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The version of `section` the registration's pages read now (0: never saved).
pub async fn section_version(browser: &Browser, id: i32, section: &str) -> i64 {
    view(browser, id).await["section_versions"][section_key(section)]
        .as_i64()
        .unwrap_or(0)
}

/// Fills and completes every section of a local-property registration; the registration's
/// version after it.
pub async fn fill_all(browser: &Browser, id: i32) -> i64 {
    let mut version = 0;
    for section in ["child", "household", "residence", "guardian"] {
        let base = section_version(browser, id, section).await;
        let response = save(browser, id, section, base, answers(section), true).await;
        assert_eq!(response.status(), 200, "{section}");
        let outcome: Value = response.json().await.expect("json");
        let saved = &outcome["Saved"];
        assert_eq!(saved["status"], "Completed", "{section}: {outcome}");
        version = saved["registration_version"].as_i64().expect("version");
    }
    version
}

#[tokio::test]
async fn twins_are_registered_filled_in_and_submitted_once_from_one_account() {
    let app = spawn_app().await;
    let father = app.confirmed_parent("demo-zhang-wei").await;
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let first = created_id(create(&father, entry, school, TWIN_1).await).await;
    let second = created_id(create(&father, entry, school, TWIN_2).await).await;
    let list: Value = father
        .call("list_my_registrations", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["registrations"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        list["registrations"][0]["child_masked_id"],
        "370202********0518"
    );

    let registration = view(&father, first).await;
    assert_eq!(registration["state"], "Draft");
    assert_eq!(registration["sections"][0][1], "NotStarted");
    assert_eq!(registration["sections"][1][1], "CannotStartYet");
    assert_eq!(registration["child_birth_date"], "2020-03-15");

    let version = fill_all(&father, first).await;
    let problems: Value = father
        .call("check_registration", &[("id", &first.to_string())])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(problems, json!([]));

    // A double click, a retry after a lost answer: five submits at once, one submission.
    let id_text = first.to_string();
    let version_text = version.to_string();
    let fields = [
        ("id", id_text.as_str()),
        ("base_version", version_text.as_str()),
    ];
    let submits = (0..5).map(|_| father.call("submit_registration", &fields));
    let results = futures_util::future::join_all(submits).await;
    let mut references = Vec::new();
    for response in results {
        assert_eq!(response.status(), 200);
        references.push(response.json::<Value>().await.expect("json"));
    }
    references.dedup();
    assert_eq!(references.len(), 1, "one reference: {references:?}");
    let row = registration::Entity::find_by_id(first)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row");
    assert_eq!(row.state.code(), "submitted");
    assert_eq!(row.version, version + 1);

    // Locked now: the server refuses edits whatever the page shows.
    let locked = save(
        &father,
        first,
        "child",
        version + 1,
        answers("child"),
        false,
    )
    .await;
    assert_eq!(locked.status(), 423);
    let body = locked.text().await.expect("body");
    assert!(body.contains("Locked"), "{body}");
    let after = view(&father, first).await;
    assert_eq!(after["editable"], false);
    assert_eq!(after["deletable"], true, "deletable until review starts");

    // The twin is untouched.
    assert_eq!(view(&father, second).await["state"], "Draft");
}

#[tokio::test]
async fn fifty_accounts_racing_for_one_child_yield_exactly_one_registration() {
    let app = spawn_app().await;
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let mut parents = Vec::new();
    for i in 0..50 {
        parents.push(app.new_account(&format!("race-{i}")).await);
    }
    let attempts = parents.iter().map(|p| create(p, entry, school, TWIN_1));
    let results = futures_util::future::join_all(attempts).await;
    let mut won = 0;
    for response in results {
        match response.status().as_u16() {
            200 => won += 1,
            422 => {
                let body: Value = response.json().await.expect("json");
                assert_eq!(
                    body["Invalid"]["problems"][0]["field"], "child_id_number",
                    "{body}"
                );
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(won, 1, "exactly one account holds the child");
    let active = registration::Entity::find()
        .filter(registration::Column::ActiveChildKey.starts_with(format!(
            "{}:",
            app::server::infra::crypto::blind(TWIN_1).expect("key")
        )))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(active, 1);
}

#[tokio::test]
async fn an_account_holds_at_most_three_children_even_under_concurrency() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let children: Vec<String> = (0..6).map(|i| child_id("20191010", 101 + i * 2)).collect();
    let results =
        futures_util::future::join_all(children.iter().map(|c| create(&parent, entry, school, c)))
            .await;
    let mut created = 0;
    for response in results {
        match response.status().as_u16() {
            200 => created += 1,
            422 => {
                let body: Value = response.json().await.expect("json");
                assert_eq!(body["Invalid"]["problems"][0]["field"], "limit", "{body}");
                assert!(body.to_string().contains("联系教体局"));
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(created, 3);
}

#[tokio::test]
async fn a_write_based_on_an_old_version_changes_nothing() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let id = created_id(create(&parent, entry, school, TWIN_1).await).await;
    let registration_version = view(&parent, id).await["version"]
        .as_i64()
        .expect("version");
    let base = section_version(&parent, id, "child").await;
    let newer = json!({ "name": "张子涵", "ethnicity": "01", "contact_phone": "13800000001" });
    let saved: Value = save(&parent, id, "child", base, newer.clone(), false)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(saved["Saved"]["version"], base + 1);
    // The other tab (or the page restored by the back button) still holds `base`.
    let stale = json!({ "name": "张子", "ethnicity": "", "contact_phone": "" });
    let outcome: Value = save(&parent, id, "child", base, stale, false)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(outcome["Conflict"]["version"], base + 1, "{outcome}");
    assert_eq!(outcome["Conflict"]["data"], newer);
    let current = view(&parent, id).await;
    assert_eq!(
        current["answers"]["Child"], newer,
        "nothing was overwritten"
    );
    assert_eq!(current["version"], registration_version + 1);
}

#[tokio::test]
async fn sections_are_filled_in_order_and_bad_answers_are_kept_with_their_problems() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let id = created_id(create(&parent, entry, school, TWIN_1).await).await;
    let base = section_version(&parent, id, "child").await;
    let early = save(&parent, id, "household", base, answers("household"), true).await;
    assert_eq!(early.status(), 422);

    let typo = json!({ "name": "张子涵", "ethnicity": "01", "contact_phone": "1380000000" });
    let outcome: Value = save(&parent, id, "child", base, typo.clone(), true)
        .await
        .json()
        .await
        .expect("json");
    let saved = &outcome["Saved"];
    assert_eq!(saved["status"], "InProgress");
    assert_eq!(saved["problems"][0]["field"], "contact_phone");
    assert_eq!(
        view(&parent, id).await["answers"]["Child"],
        typo,
        "kept although wrong"
    );
}

#[tokio::test]
async fn the_other_parent_gets_guidance_and_succeeds_after_the_first_deletes() {
    let app = spawn_app().await;
    let father = app.confirmed_parent("demo-zhang-wei").await;
    let mother = app.confirmed_parent("demo-li-na").await;
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let id = created_id(create(&father, entry, school, TWIN_1).await).await;

    let refused = create(&mother, entry, school, TWIN_1).await;
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.expect("json");
    let message = body["Invalid"]["problems"][0]["message"]["zh"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("另一位家长") && message.contains("删除"),
        "{message}"
    );
    // The mother cannot see or delete the father's registration.
    assert_eq!(
        mother
            .call("get_registration", &[("id", &id.to_string())])
            .await
            .status(),
        404
    );
    assert_eq!(
        mother
            .call(
                "delete_registration",
                &[("id", &id.to_string()), ("base_version", "1")]
            )
            .await
            .status(),
        404
    );

    let version = view(&father, id).await["version"]
        .as_i64()
        .expect("version");
    let deleted = father
        .call(
            "delete_registration",
            &[
                ("id", &id.to_string()),
                ("base_version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(deleted.status(), 200);
    let list: Value = father
        .call("list_my_registrations", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["registrations"], json!([]));
    assert_eq!(
        father
            .call("get_registration", &[("id", &id.to_string())])
            .await
            .status(),
        404
    );
    let kept = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("kept for audit");
    assert_eq!(kept.state.code(), "deleted");

    assert_eq!(create(&mother, entry, school, TWIN_1).await.status(), 200);
}

#[tokio::test]
async fn outside_the_collection_window_everything_is_read_only() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let id = created_id(create(&parent, entry, school, TWIN_1).await).await;
    let version = view(&parent, id).await["version"]
        .as_i64()
        .expect("version");

    collection_window::Entity::update_many()
        .col_expr(
            collection_window::Column::OpensAt,
            Expr::value(Utc::now() - Duration::days(30)),
        )
        .col_expr(
            collection_window::Column::ClosesAt,
            Expr::value(Utc::now() - Duration::hours(1)),
        )
        .exec(&app.db)
        .await
        .expect("window closed");

    let current = view(&parent, id).await;
    assert_eq!(current["window_open"], false);
    assert_eq!(current["editable"], false);
    assert_eq!(current["deletable"], false);
    let save = save(&parent, id, "child", version, answers("child"), false).await;
    assert_eq!(save.status(), 423);
    assert!(save.text().await.expect("body").contains("Closed"));
    let delete = parent
        .call(
            "delete_registration",
            &[
                ("id", &id.to_string()),
                ("base_version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(delete.status(), 423);
    let submit = parent
        .call(
            "submit_registration",
            &[
                ("id", &id.to_string()),
                ("base_version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(submit.status(), 423);
    assert_eq!(create(&parent, entry, school, TWIN_2).await.status(), 423);
    // Reading still works, with the reason on the page.
    let page = parent
        .get(&format!("/registrations/{id}"))
        .await
        .text()
        .await
        .expect("html");
    assert!(page.contains("信息采集已关闭"));
}

#[tokio::test]
async fn a_first_registration_needs_checked_details_and_a_child_of_age() {
    let app = spawn_app().await;
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let unconfirmed = app.parent("demo-wang-qiang").await;
    let response = create(&unconfirmed, entry, school, TWIN_1).await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.expect("body").contains("identity"));

    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let too_young = child_id("20210105", 11);
    let response = create(&parent, entry, school, &too_young).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("json");
    assert!(body.to_string().contains("明年"), "{body}");

    let typo = &TWIN_1[..17];
    let response = create(&parent, entry, school, &format!("{typo}9")).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["Invalid"]["problems"][0]["field"], "child_id_number");
}

#[tokio::test]
async fn the_typed_paths_of_a_registration_open_its_pages() {
    use app::{domain::SectionKind, routes};
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let id = created_id(create(&parent, entry, school, TWIN_1).await).await;
    let view: Value = parent
        .call("get_registration", &[("id", id.to_string().as_str())])
        .await
        .json()
        .await
        .expect("json");
    let reference = view["reference"].as_str().expect("reference").to_owned();
    for path in [
        routes::registration(id),
        routes::section(id, SectionKind::Child),
        routes::section(id, SectionKind::Guardian),
        routes::documents(id),
        routes::confirm(id),
    ] {
        let page = parent.get(&path).await;
        assert_eq!(page.status(), 200, "{path}");
        let html = page.text().await.expect("html");
        assert!(html.contains(&reference), "{path} shows the registration");
        assert!(!html.contains("没有找到这个页面"), "{path} is a page");
    }
    // A path the routes do not know answers the not-found page, so the check above can fail.
    let unknown = parent.get(&format!("/registrations/{id}/sectionz")).await;
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn the_contact_phone_starts_as_the_sign_in_phone_until_the_child_section_is_saved() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let created = create(&parent, entry, school, TWIN_1).await;
    assert_eq!(created.status(), 200);
    let id = i32::try_from(created.json::<i64>().await.expect("id")).expect("fits");
    assert_eq!(view(&parent, id).await["sign_in_phone"], "13800000001");
    // The child section's page shows it in the field, ready to be sent as it is.
    let page = parent
        .get(&format!("/registrations/{id}/sections/child"))
        .await
        .text()
        .await
        .unwrap_or_default();
    let field = page
        .split("name=\"contact_phone\"")
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .unwrap_or_default();
    assert!(field.contains("value=\"13800000001\""), "{field}");
    // Changed and saved, the saved number is the one shown from then on.
    let mut data = answers("child");
    data["contact_phone"] = json!("13912345678");
    assert_eq!(
        save(&parent, id, "child", 0, data, true).await.status(),
        200
    );
    let saved = view(&parent, id).await;
    assert!(saved["sign_in_phone"].is_null(), "{saved}");
    assert_eq!(saved["answers"]["Child"]["contact_phone"], "13912345678");
}
