//! The bureau's administration: catchments and the public look-up, places, windows (and
//! the review deadline after collection closes), notices, statistics and the audit log.

use app::server::entities::{registration, school};
use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::{
    helpers::{Browser, TestApp, spawn_app},
    registrations::{TWIN_1, TWIN_2, view},
    review::submitted,
};

async fn school_id(app: &crate::helpers::TestApp, code: &str) -> i32 {
    school::Entity::find()
        .filter(school::Column::Code.eq(code))
        .one(&app.db)
        .await
        .expect("query")
        .expect("school")
        .id
}

/// The bureau's local time `days` from now, as its window form writes it.
fn in_days(days: i64) -> String {
    (Utc::now() + Duration::days(days))
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// The public catchment look-up's answer for `text`.
async fn look_up(anyone: &crate::helpers::Browser, text: &str) -> Value {
    anyone
        .call("lookup_catchment", &[("text", text)])
        .await
        .json()
        .await
        .expect("json")
}

/// The statistics' figures of 市南区第一实验小学.
async fn first_school_figures(admin: &crate::helpers::Browser) -> Value {
    let figures: Value = admin
        .call("get_statistics", &[])
        .await
        .json()
        .await
        .expect("json");
    figures["per_school"]
        .as_array()
        .and_then(|s| {
            s.iter()
                .find(|s| s["name"]["zh"] == "市南区第一实验小学")
                .cloned()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn parents_look_up_their_school_and_see_when_it_is_full() {
    let app = spawn_app().await;
    let anyone = app.browser();
    let found = look_up(&anyone, "香港花园").await;
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
    assert_eq!(found[0]["school"]["zh"], "市南区第一实验小学");
    assert_eq!(found[0]["capacity"], 90);
    // One character finds nothing rather than everything.
    let found: Value = anyone
        .call("lookup_catchment", &[("text", "香")])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(found, json!([]));

    // Two registrations for one place: the look-up says so.
    let admin = app.staff("admin").await;
    let sn01 = school_id(&app, "SN01").await;
    let response = admin
        .call(
            "set_school_capacity",
            &[
                ("school_id", &sn01.to_string()),
                ("subsystem", "enrollment"),
                ("grade", "1"),
                ("capacity", "1"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    submitted(&app, &parent, TWIN_1).await;
    let (second, _) = submitted(&app, &parent, TWIN_2).await;
    let found = look_up(&anyone, "香港花园").await;
    assert_eq!(found[0]["capacity"], 1);
    assert_eq!(found[0]["registrations"], 2);

    // A community belongs to one school; the bureau adds and removes them.
    let sn02 = school_id(&app, "SN02").await;
    let refused = admin
        .call(
            "add_catchment",
            &[
                ("school_id", &sn02.to_string()),
                ("community", "香港花园"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .unwrap_or_default()
            .contains("已属于市南区第一实验小学")
    );
    let added = admin
        .call(
            "add_catchment",
            &[
                ("school_id", &sn02.to_string()),
                ("community", "新建小区"),
                ("note", "1-8 号楼"),
            ],
        )
        .await;
    assert_eq!(added.status(), 200);
    let id = added.json::<Value>().await.expect("json");
    let found: Value = anyone
        .call("lookup_catchment", &[("text", "新建")])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(found[0]["school"]["zh"], "海滨路小学");
    assert_eq!(found[0]["note"], "1-8 号楼");
    let reviewer = app.staff("reviewer.sn1").await;
    assert_eq!(
        reviewer
            .call("remove_catchment", &[("catchment_id", &id.to_string())])
            .await
            .status(),
        403
    );
    assert_eq!(
        admin
            .call("remove_catchment", &[("catchment_id", &id.to_string())])
            .await
            .status(),
        200
    );
    let found: Value = anyone
        .call("lookup_catchment", &[("text", "新建")])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(found, json!([]));

    // The statistics count the same registrations against the same places.
    let first = first_school_figures(&admin).await;
    assert_eq!(first["registrations"], 2);
    assert_eq!(first["capacity"], 1);

    // A registration of an earlier school year is not this year's load, in either.
    {
        use app::server::entities::registration;
        use sea_orm::{ActiveModelTrait, EntityTrait, Set};
        let row = registration::Entity::find_by_id(second)
            .one(&app.db)
            .await
            .expect("query")
            .expect("row");
        let year = row.school_year - 1;
        let mut row: registration::ActiveModel = row.into();
        row.school_year = Set(year);
        row.update(&app.db).await.expect("moved to last year");
    }
    let found = look_up(&anyone, "香港花园").await;
    assert_eq!(found[0]["registrations"], 1);
    let first = first_school_figures(&admin).await;
    assert_eq!(first["registrations"], 1);
}

#[tokio::test]
async fn requested_changes_can_be_made_after_collection_closes_until_review_closes() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (id, version) = submitted(&app, &parent, TWIN_1).await;
    let reviewer = app.staff("reviewer.sn1").await;
    let response = reviewer
        .call_json(
            "decide_review",
            &json!({ "id": id, "base_version": version, "stage": "first",
                     "decision": "request_changes", "reason": "", "message": "请更正联系电话",
                     "items": ["field:child.contact_phone"] }),
        )
        .await;
    assert_eq!(response.status(), 200);

    // The bureau closes collection yesterday and keeps review open a week.
    let admin = app.staff("admin").await;
    let refused = admin
        .call(
            "set_window",
            &[
                ("subsystem", "enrollment"),
                ("opens_at", &in_days(-1)),
                ("closes_at", &in_days(-2)),
                ("review_closes_at", ""),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422, "closing before opening");
    let response = admin
        .call(
            "set_window",
            &[
                ("subsystem", "enrollment"),
                ("opens_at", &in_days(-30)),
                ("closes_at", &in_days(-1)),
                ("review_closes_at", &in_days(7)),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let windows: Value = admin
        .call("get_windows", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(windows[0]["closes_at"], in_days(-1));

    // The requested change can still be made and sent; a draft is closed.
    let mine = view(&parent, id).await;
    assert_eq!(mine["editable"], true);
    let version = mine["version"].as_i64().expect("version");
    let saved = parent
        .call_json(
            "save_section",
            &json!({ "id": id, "section": "child", "base_version": mine["section_versions"]["Child"].as_i64().unwrap_or(0),
                     "data": { "name": "张子涵", "ethnicity": "01", "contact_phone": "13800000009" },
                     "corrections": {}, "complete": true }),
        )
        .await;
    assert_eq!(saved.status(), 200);
    let resubmitted = parent
        .call(
            "resubmit_registration",
            &[
                ("id", &id.to_string()),
                ("base_version", &(version + 1).to_string()),
            ],
        )
        .await;
    assert_eq!(resubmitted.status(), 200);
    let draft = crate::registrations::create(
        &parent,
        crate::registrations::entry_and_school(&app, "local-property")
            .await
            .0,
        school_id(&app, "SN01").await,
        &crate::registrations::child_id("20191201", 301),
    )
    .await;
    assert_eq!(draft.status(), 423, "collection is closed");

    // After the review deadline nothing changes any more.
    let mut window = app.enrollment_window().await;
    window.review_closes_at = Set(Some(Utc::now() - Duration::hours(1)));
    window.update(&app.db).await.expect("updated");
    let row = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row");
    let mut row: registration::ActiveModel = row.into();
    row.state = Set(app::domain::RegistrationState::ChangesRequested);
    row.update(&app.db).await.expect("updated");
    let mine = view(&parent, id).await;
    assert_eq!(mine["editable"], false);
    assert_eq!(mine["resubmittable"], false);
}

#[tokio::test]
async fn ending_an_open_window_at_once_while_families_have_drafts_is_confirmed_first() {
    use app::domain::{RegistrationState, Subsystem};
    use app::server::entities::audit_log;
    use sea_orm::PaginatorTrait;
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (entry, school) = crate::registrations::entry_and_school(&app, "local-property").await;
    let created = crate::registrations::create(&parent, entry, school, TWIN_1).await;
    assert_eq!(created.status(), 200, "a draft");
    let id = i32::try_from(created.json::<i64>().await.expect("id")).expect("fits");
    let drafts = registration::Entity::find()
        .filter(registration::Column::State.eq(RegistrationState::Draft))
        .filter(registration::Column::Subsystem.eq(Subsystem::Enrollment))
        .count(&app.db)
        .await
        .expect("count");
    let admin = app.staff("admin").await;
    let before: Value = admin
        .call("get_windows", &[])
        .await
        .json()
        .await
        .expect("json");
    let set = |closes: String, end_now: &'static str| {
        let admin = &admin;
        let opens = in_days(-30);
        async move {
            let mut fields = vec![
                ("subsystem", "enrollment".to_owned()),
                ("opens_at", opens),
                ("closes_at", closes),
                ("review_closes_at", String::new()),
            ];
            if !end_now.is_empty() {
                fields.push(("end_now", end_now.to_owned()));
            }
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            admin.call("set_window", &fields).await
        }
    };

    // Closing it yesterday (a mistyped month, say) is refused, saying what it would do.
    let refused = set(in_days(-1), "").await;
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.expect("json");
    let problem = &body["Invalid"]["problems"][0];
    assert_eq!(problem["field"], "end_now");
    let message = problem["message"]["zh"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("还有 {drafts} 份尚未提交的报名将不能再提交")),
        "{message}"
    );
    let unchanged: Value = admin
        .call("get_windows", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(unchanged, before, "nothing was saved");
    assert_eq!(
        view(&parent, id).await["editable"],
        true,
        "the family can still fill in"
    );

    // Moving the close later asks nothing; confirmed, it closes.
    assert_eq!(set(in_days(40), "").await.status(), 200);
    assert_eq!(set(in_days(-1), "1").await.status(), 200);
    let ended = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("window.set"))
        .all(&app.db)
        .await
        .expect("query");
    assert!(
        ended
            .iter()
            .any(|row| row.detail.contains("\"ended_now\":true")),
        "the audit says the window was ended at once"
    );
    // Closed, it asks nothing to reopen it.
    assert_eq!(set(in_days(10), "").await.status(), 200);
}

#[tokio::test]
async fn the_bureau_reads_the_audit_log_and_publishes_notices() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (id, _) = submitted(&app, &parent, TWIN_1).await;
    let reviewer = app.staff("reviewer.sn1").await;
    assert_eq!(
        reviewer
            .call("get_review_detail", &[("id", &id.to_string())])
            .await
            .status(),
        200
    );
    let reference = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .reference;
    let admin = app.staff("admin").await;
    let rows: Value = admin
        .call("get_audit_log", &[("reference", &reference)])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
    assert_eq!(rows[0]["action"], "registration.view");
    // In words the bureau reads, in both languages; the staff member's name as written.
    assert_eq!(rows[0]["action_name"]["zh"], "查看报名");
    assert_eq!(rows[0]["action_name"]["en"], "Registration opened");
    assert!(
        rows[0]["object_name"]["en"]
            .as_str()
            .is_some_and(|o| o.starts_with("Registration "))
    );
    assert_eq!(rows[0]["who_is_staff"], true);
    assert_eq!(rows[0]["who_name"]["en"], rows[0]["who"]);
    assert!(
        rows[0]["who"]
            .as_str()
            .is_some_and(|w| w.contains("reviewer.sn1"))
    );
    assert_eq!(
        reviewer
            .call("get_audit_log", &[("reference", "")])
            .await
            .status(),
        403
    );

    let response = admin
        .call(
            "add_notice",
            &[
                ("title_zh", "关于现场登记的通知"),
                ("title_en", ""),
                ("body_zh", "随迁子女家庭请按预约时间到登记点。"),
                ("body_en", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let home: Value = app
        .browser()
        .call("get_home", &[])
        .await
        .json()
        .await
        .expect("json");
    assert!(home.to_string().contains("关于现场登记的通知"), "{home}");
}

#[tokio::test]
async fn the_bureau_configures_entries_materials_and_exports() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let config: Value = admin
        .call("get_configuration", &[])
        .await
        .json()
        .await
        .expect("json");
    let local = config["entries"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["code"] == "local-property").cloned())
        .unwrap_or_default();
    let id = local["id"].as_i64().expect("entry id");
    assert_eq!(config["export_full_ids"], false);

    // Sections without the child's, or too few, are refused with a reason.
    let save = |sections: Vec<&str>| {
        let admin = &admin;
        let body = json!({ "input": {
            "id": id, "subsystem": "enrollment", "code": "local-property",
            "name_zh": "本区户籍，有房产", "name_en": "Local household, own property",
            "explanation_zh": "", "explanation_en": "", "sections": sections, "active": true
        }});
        async move { admin.call_json("save_entry", &body).await }
    };
    let refused = save(vec!["household", "residence", "guardian"]).await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .unwrap_or_default()
            .contains("儿童基本信息")
    );
    assert_eq!(save(vec!["child", "household"]).await.status(), 422);
    // Adding the employment section: a new registration by that entry has five sections.
    assert_eq!(
        save(vec![
            "child",
            "household",
            "residence",
            "guardian",
            "employment"
        ])
        .await
        .status(),
        200
    );
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let response = crate::registrations::create(
        &parent,
        i32::try_from(id).expect("fits"),
        school_id(&app, "SN01").await,
        TWIN_1,
    )
    .await;
    let registration = response.json::<Value>().await.expect("json");
    let mine = view(
        &parent,
        i32::try_from(registration.as_i64().expect("id")).expect("fits"),
    )
    .await;
    assert_eq!(mine["sections"].as_array().map(Vec::len), Some(5));

    // A new entry needs a code of its own.
    let new_entry = |code: &str| {
        json!({ "input": {
            "id": null, "subsystem": "transfer", "code": code, "name_zh": "军人子女转学",
            "name_en": "", "explanation_zh": "", "explanation_en": "",
            "sections": ["child", "household", "guardian"], "active": true
        }})
    };
    assert_eq!(
        admin
            .call_json("save_entry", &new_entry("military-transfer"))
            .await
            .status(),
        200
    );
    assert_eq!(
        admin
            .call_json("save_entry", &new_entry("military-transfer"))
            .await
            .status(),
        422
    );

    // A rule appears in the public materials table, and goes again.
    let added = admin
        .call_json(
            "add_material_rule",
            &json!({ "input": {
                "document": "kinship-proof", "condition": "always", "required": false,
                "explanation_zh": "测试规则：亲属关系证明", "explanation_en": "", "entry_id": null
            }}),
        )
        .await;
    assert_eq!(added.status(), 200);
    let rule = added.json::<Value>().await.expect("json");
    let table = app
        .browser()
        .call("get_materials_table", &[])
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(table.contains("测试规则：亲属关系证明"));
    assert_eq!(
        admin
            .call("remove_material_rule", &[("rule_id", &rule.to_string())])
            .await
            .status(),
        200
    );
    let table = app
        .browser()
        .call("get_materials_table", &[])
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(!table.contains("测试规则"));

    // Exports carry full numbers only once the bureau allows it.
    assert_eq!(
        admin
            .call("set_export_full_ids", &[("allow", "true")])
            .await
            .status(),
        200
    );
    let config: Value = admin
        .call("get_configuration", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(config["export_full_ids"], true);
}

#[tokio::test]
async fn transfers_are_counted_per_grade_against_that_grades_places() {
    use crate::registrations::{child_id, entry_and_school};
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (_, school) = entry_and_school(&app, "transfer-local").await;
    let (id, _) = submitted_transfer(
        &app,
        &parent,
        "demo-zhang-wei",
        &child_id("20180301", 431),
        "3",
    )
    .await;
    let row = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row");
    assert_eq!(
        row.grade,
        Some(3),
        "the grade asked for is kept beside the sealed answers"
    );

    // Places for grades 3 and 4; the transfer counts against grade 3 only.
    for (grade, places) in [("3", "5"), ("4", "2")] {
        let set = admin
            .call(
                "set_school_capacity",
                &[
                    ("school_id", school.to_string().as_str()),
                    ("subsystem", "transfer"),
                    ("grade", grade),
                    ("capacity", places),
                ],
            )
            .await;
        assert_eq!(set.status(), 200);
    }
    let figures: Value = admin
        .call("get_statistics", &[])
        .await
        .json()
        .await
        .expect("json");
    let transfers = figures["transfers"].as_array().cloned().unwrap_or_default();
    let of = |grade: i64| {
        transfers
            .iter()
            .find(|t| t["school"]["zh"] == "市南区第一实验小学" && t["grade"] == grade)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(
        (of(3)["registrations"].clone(), of(3)["capacity"].clone()),
        (json!(1), json!(5))
    );
    assert_eq!(
        (of(4)["registrations"].clone(), of(4)["capacity"].clone()),
        (json!(0), json!(2))
    );
    // First grade's figures do not count the transfer.
    let first = figures["per_school"]
        .as_array()
        .and_then(|s| {
            s.iter()
                .find(|s| s["name"]["zh"] == "市南区第一实验小学")
                .cloned()
        })
        .unwrap_or_default();
    assert_eq!(first["registrations"], 0);
}

/// A transfer to the first demo school for `grade`, filled in with `subject` as its only
/// guardian and submitted by `parent`: its id and version.
pub(crate) async fn submitted_transfer(
    app: &TestApp,
    parent: &Browser,
    subject: &str,
    child: &str,
    grade: &str,
) -> (i32, i64) {
    use crate::registrations::{entry_and_school, fill_and_submit, sole_guardian};
    let (entry, school) = entry_and_school(app, "transfer-local").await;
    let created = parent
        .call(
            "create_registration",
            &[
                ("subsystem", "transfer"),
                ("entry_id", entry.to_string().as_str()),
                ("school_id", school.to_string().as_str()),
                ("child_id_number", child),
            ],
        )
        .await;
    let status = created.status();
    let created: Value = created.json().await.expect("json");
    assert_eq!(status, 200, "{created}");
    let id = i32::try_from(created.as_i64().expect("id")).expect("fits");
    let version = fill_and_submit(parent, id, |section, data| match section {
        "child" => {
            data["current_school"] = json!("李沧区实验小学");
            data["target_grade"] = json!(grade);
        }
        "guardian" => *data = sole_guardian(subject),
        _ => {}
    })
    .await;
    (id, version)
}

/// The bureau's fields for a window call, without an empty `end_now`.
async fn window_call(
    admin: &Browser,
    endpoint: &str,
    school_year: Option<i32>,
    times: [&str; 3],
    end_now: bool,
) -> reqwest::Response {
    let year = school_year.map(|y| y.to_string());
    let mut fields = vec![
        ("subsystem", "enrollment"),
        ("opens_at", times[0]),
        ("closes_at", times[1]),
        ("review_closes_at", times[2]),
    ];
    if let Some(year) = &year {
        fields.push(("school_year", year));
    }
    if end_now {
        fields.push(("end_now", "1"));
    }
    admin.call(endpoint, &fields).await
}

#[tokio::test]
async fn the_next_school_year_is_added_by_the_bureau_and_takes_last_years_children_again() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (last_years, _) = submitted(&app, &parent, TWIN_1).await;
    let (entry, school) = crate::registrations::entry_and_school(&app, "local-property").await;
    let draft = crate::registrations::create(&parent, entry, school, TWIN_2).await;
    assert_eq!(draft.status(), 200);
    let draft = draft.json::<i64>().await.expect("id");
    let admin = app.staff("admin").await;
    let (windows, this_year) = windows_of(&admin).await;
    assert_eq!(windows[0]["newest"], true);
    assert_eq!(windows[0]["opened"], true);

    // Not while this year's is still taking registrations on those days.
    let (soon, later) = (in_days(10), in_days(40));
    let refused = window_call(&admin, "open_next_year", None, [&soon, &later, ""], false).await;
    assert_eq!(refused.status(), 422);
    let text = refused.text().await.unwrap_or_default();
    assert!(text.contains("重叠或次序颠倒"), "{text}");

    // This year's collection closed yesterday; review goes on a week.
    let (month_ago, yesterday, week) = (in_days(-30), in_days(-1), in_days(7));
    let closed = window_call(
        &admin,
        "set_window",
        Some(this_year),
        [&month_ago, &yesterday, &week],
        true,
    )
    .await;
    assert_eq!(closed.status(), 200);
    let figures = first_school_figures(&admin).await;
    let added = window_call(&admin, "open_next_year", None, [&soon, &later, ""], false).await;
    assert_eq!(added.status(), 200);
    let windows: Value = admin
        .call("get_windows", &[])
        .await
        .json()
        .await
        .expect("json");
    let years: Vec<(i64, bool, bool)> = windows
        .as_array()
        .map(|w| {
            w.iter()
                .filter(|w| w["subsystem"] == "Enrollment")
                .map(|w| {
                    (
                        w["school_year"].as_i64().unwrap_or(0),
                        w["newest"] == true,
                        w["opened"] == true,
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let next_year = i64::from(this_year) + 1;
    assert_eq!(
        years,
        vec![
            (next_year, true, false),
            (i64::from(this_year), false, true)
        ],
        "{windows}"
    );
    // Until it opens, this year is the one counted and reviewed; one more year waits.
    assert_eq!(first_school_figures(&admin).await, figures);
    let again = window_call(
        &admin,
        "open_next_year",
        None,
        [&later, &in_days(60), ""],
        false,
    )
    .await;
    assert_eq!(again.status(), 422);
    assert!(
        again
            .text()
            .await
            .unwrap_or_default()
            .contains("还没有开始"),
        "a year after next waits until next opens"
    );
    // The two years' windows cannot overlap.
    let overlap = window_call(
        &admin,
        "set_window",
        Some(this_year),
        [&month_ago, &in_days(15), &in_days(16)],
        false,
    )
    .await;
    assert_eq!(overlap.status(), 422);
    assert!(overlap.text().await.unwrap_or_default().contains("重叠"));

    // Not before this year's review is over either.
    let now = in_days(0);
    let early = window_call(
        &admin,
        "set_window",
        Some(this_year + 1),
        [&now, &later, ""],
        false,
    )
    .await;
    assert_eq!(early.status(), 422);
    assert!(early.text().await.unwrap_or_default().contains("审核"));
    let reviewed = window_call(
        &admin,
        "set_window",
        Some(this_year),
        [&month_ago, &yesterday, ""],
        false,
    )
    .await;
    assert_eq!(reviewed.status(), 200);

    // Next year opens: last year's child is registered again, last year's record kept.
    let opened = window_call(
        &admin,
        "set_window",
        Some(this_year + 1),
        [&now, &later, ""],
        false,
    )
    .await;
    assert_eq!(opened.status(), 200);
    let home: Value = app
        .browser()
        .call("get_home", &[])
        .await
        .json()
        .await
        .expect("json");
    assert!(
        home.to_string()
            .contains(&format!("\"school_year\":{next_year}")),
        "{home}"
    );
    let created = crate::registrations::create(&parent, entry, school, TWIN_1).await;
    assert_eq!(created.status(), 200, "the child is free in the new year");
    let id = i32::try_from(created.json::<i64>().await.expect("id")).expect("fits");
    let new = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row");
    assert_eq!(i64::from(new.school_year), next_year);
    assert!(new.reference.starts_with(&next_year.to_string()));
    assert_eq!(view(&parent, last_years).await["state"], "Submitted");
    let figures = first_school_figures(&admin).await;
    assert_eq!(
        (&figures["registrations"], &figures["drafts"]),
        (&json!(0), &json!(1)),
        "the new year is counted once it opens"
    );
    let twice = crate::registrations::create(&parent, entry, school, TWIN_1).await;
    assert_eq!(twice.status(), 422, "once a year still");
    // Both years are listed; the places held are this year's.
    let mine: Value = parent
        .call("list_my_registrations", &[])
        .await
        .json()
        .await
        .expect("json");
    let cards: Vec<(i64, i64, bool)> = mine["registrations"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|r| {
                    (
                        r["id"].as_i64().unwrap_or(0),
                        r["school_year"].as_i64().unwrap_or(0),
                        r["editable"] == true,
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let this_year = i64::from(this_year);
    assert_eq!(
        cards,
        vec![
            (i64::from(last_years), this_year, false),
            (draft, this_year, false),
            (i64::from(id), next_year, true)
        ],
        "last year's draft can no longer be changed; this year's can"
    );
    let html = parent
        .get("/registrations")
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("报名时间已过，这份报名没有提交，不能再修改。"),
        "{html}"
    );
    assert!(html.contains(&format!("{next_year} 学年")), "{html}");
    // Two places held in last year's (its transfer window is still open), one in this
    // year's enrollment: another child is offered, where there is room.
    assert_eq!(mine["held"], 1, "{mine}");
}

/// The bureau's windows, and the school year of the first (the newest enrollment's).
async fn windows_of(admin: &Browser) -> (Value, i32) {
    let windows: Value = admin
        .call("get_windows", &[])
        .await
        .json()
        .await
        .expect("json");
    let this_year = windows[0]["school_year"].as_i64().expect("year");
    (windows, i32::try_from(this_year).expect("fits"))
}

/// Closes this year's enrollment window yesterday (review with it) and opens next year's
/// now; answers this year.
pub(crate) async fn next_year_opened_now(admin: &Browser) -> i32 {
    next_year_added(admin, 0).await
}

/// Closes this year's enrollment window yesterday (review with it) and adds next year's,
/// opening in `days`; answers this year.
async fn next_year_added(admin: &Browser, days: i64) -> i32 {
    let (_, this_year) = windows_of(admin).await;
    let closed = window_call(
        admin,
        "set_window",
        Some(this_year),
        [&in_days(-30), &in_days(-1), ""],
        true,
    )
    .await;
    assert_eq!(closed.status(), 200);
    let opened = window_call(
        admin,
        "open_next_year",
        None,
        [&in_days(days), &in_days(30), ""],
        false,
    )
    .await;
    assert_eq!(opened.status(), 200);
    this_year
}

#[tokio::test]
async fn last_years_reviews_admissions_and_publication_stay_reachable_once_next_year_opens() {
    use app::server::services::admission;
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (id, version) = submitted(&app, &parent, TWIN_1).await;
    let school = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .school_id;
    let admin = app.staff("admin").await;
    let this_year = next_year_opened_now(&admin).await;
    let next_year = this_year + 1;

    // The reviewer's list is next year's, and says what last year still has waiting.
    let reviewer = app.staff("reviewer.sn1").await;
    let queue = |year: Option<i32>| {
        let reviewer = &reviewer;
        async move {
            reviewer
                .call_json(
                    "get_review_queue",
                    &json!({ "query": {
                        "filter": null, "entry_id": null, "school_id": null, "school_year": year,
                        "hand_entered": false, "resubmitted": false, "search": "",
                        "sort": "SubmittedFirst", "page": 1
                    }}),
                )
                .await
        }
    };
    let page: Value = queue(None).await.json().await.expect("json");
    assert_eq!(page["school_year"], next_year, "{page}");
    assert_eq!(page["rows"], json!([]));
    assert_eq!(page["school_years"], json!([next_year, this_year]));
    assert_eq!(page["waiting_in_other_years"], json!([[this_year, 1]]));
    // On the page: the year listed, and last year's leftovers with the way there.
    let html = reviewer.get("/review").await.text().await.expect("html");
    assert!(
        html.contains(&format!("{next_year} 学年 · 共 0 条")),
        "{html}"
    );
    assert!(
        html.contains(&format!("{this_year} 学年还有 1 条报名等待初审。")),
        "{html}"
    );
    assert!(
        html.contains(&format!("href=\"/review?year={this_year}&")),
        "{html}"
    );
    let last: Value = queue(Some(this_year)).await.json().await.expect("json");
    assert_eq!(last["rows"][0]["id"], id, "{last}");
    assert_eq!(last["waiting_in_other_years"], json!([]));
    let nowhere = queue(Some(next_year + 3)).await;
    assert_eq!(nowhere.status(), 422);
    assert!(
        nowhere
            .text()
            .await
            .unwrap_or_default()
            .contains("学年的报名还没有开始")
    );

    // Passed in both reviews, it reaches last year's admissions page, not next year's.
    crate::review::passed(&app, id, version).await;
    let admissions = |year: Option<i32>| {
        let admin = &admin;
        async move {
            let school = school.to_string();
            let year = year.map(|y| y.to_string());
            let mut fields = vec![("school_id", school.as_str()), ("subsystem", "enrollment")];
            if let Some(year) = &year {
                fields.push(("school_year", year));
            }
            admin
                .call("get_admissions", &fields)
                .await
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    let current = admissions(None).await;
    assert_eq!(current["school_year"], next_year);
    assert_eq!(current["candidates"], json!([]));
    assert_eq!(current["school_years"], json!([next_year, this_year]));
    assert_eq!(current["unfinished_years"], json!([[this_year, 1]]));
    let html = admin
        .get(&format!("/admissions?school={school}&subsystem=enrollment"))
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains(&format!(
            "本校 {this_year} 学年还有 1 条报名在审核中或未公布录取结果。"
        )),
        "{html}"
    );
    let last = admissions(Some(this_year)).await;
    assert_eq!(last["candidates"][0]["id"], id, "{last}");
    assert_eq!(last["unfinished_years"], json!([]));
    let decided = admin
        .call_json(
            "decide_admissions",
            &json!({ "school_id": school, "decisions": [[id, "admitted"]] }),
        )
        .await;
    assert_eq!(decided.status(), 200);

    // Its publication is scheduled, cancelled and made in last year's name.
    let year = this_year.to_string();
    let publication = |endpoint: &'static str, at: Option<&'static str>| {
        let (admin, year) = (&admin, &year);
        async move {
            let school = school.to_string();
            let mut fields = vec![
                ("school_id", school.as_str()),
                ("subsystem", "enrollment"),
                ("school_year", year.as_str()),
            ];
            if let Some(at) = at {
                fields.push(("publish_at", at));
            }
            admin.call(endpoint, &fields).await
        }
    };
    let scheduled = publication("schedule_publication", Some("2099-07-01T09:00")).await;
    assert_eq!(scheduled.status(), 200);
    assert_eq!(
        admissions(Some(this_year)).await["publication"]["published"],
        false
    );
    assert!(admissions(None).await["publication"].is_null());
    assert_eq!(publication("cancel_publication", None).await.status(), 200);
    assert!(admissions(Some(this_year)).await["publication"].is_null());
    let now = publication("schedule_publication", Some("2000-01-01T09:00")).await;
    assert_eq!(now.status(), 200);
    admission::publish_due(&app.db, Utc::now() + Duration::minutes(1))
        .await
        .expect("round");
    assert_eq!(view(&parent, id).await["state"], "Admitted");
    assert_eq!(admissions(None).await["unfinished_years"], json!([]));

    // Registered again in the new year, the child's admission of last year is before the
    // reviewer's eyes.
    let (again, _) = submitted(&app, &parent, TWIN_1).await;
    let detail: Value = reviewer
        .call("get_review_detail", &[("id", &again.to_string())])
        .await
        .json()
        .await
        .expect("json");
    let earlier = &detail["earlier_years"];
    assert_eq!(earlier.as_array().map(Vec::len), Some(1), "{detail}");
    assert_eq!(earlier[0]["school_year"], this_year);
    assert_eq!(earlier[0]["state"], "Admitted");
    let html = reviewer
        .get(&format!("/review/{again}"))
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("该儿童在往年已被录取，请核实后再审核"),
        "{html}"
    );
    // Another bureau's registration of the child, or a draft no school received, is not
    // shown to this bureau's reviewers.
    let earlier_of = || {
        let reviewer = &reviewer;
        async move {
            reviewer
                .call("get_review_detail", &[("id", &again.to_string())])
                .await
                .json::<Value>()
                .await
                .expect("json")["earlier_years"]
                .clone()
        }
    };
    let last_years: registration::ActiveModel = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .into();
    let (_, elsewhere) = crate::audit_reads::second_bureau(&app).await;
    let mut moved = last_years.clone();
    moved.school_id = Set(elsewhere.id);
    moved.update(&app.db).await.expect("moved");
    assert_eq!(earlier_of().await, json!([]));
    let mut draft = last_years;
    draft.school_id = Set(school);
    draft.state = Set(app::domain::RegistrationState::Draft);
    draft.update(&app.db).await.expect("a draft");
    assert_eq!(earlier_of().await, json!([]));
}

#[tokio::test]
async fn places_are_a_school_years_so_next_years_leave_last_years_list_alone() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let mut ids = Vec::new();
    for child in [TWIN_1, TWIN_2] {
        let (id, version) = submitted(&app, &parent, child).await;
        crate::review::passed(&app, id, version).await;
        ids.push(id);
    }
    let school = registration::Entity::find_by_id(ids[0])
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .school_id;
    let admin = app.staff("admin").await;
    let schools = |year: Option<i32>| {
        let admin = &admin;
        async move {
            let year = year.map(|y| y.to_string());
            let fields: Vec<(&str, &str)> =
                year.iter().map(|y| ("school_year", y.as_str())).collect();
            admin.call("get_bureau_schools", &fields).await
        }
    };
    let places_of = |page: &Value| {
        page["schools"]
            .as_array()
            .and_then(|all| all.iter().find(|s| s["id"] == school))
            .map(|s| s["capacities"].clone())
    };
    let (_, this_year) = windows_of(&admin).await;
    let page: Value = schools(None).await.json().await.expect("json");
    assert_eq!(page["school_year"], this_year, "{page}");
    assert_eq!(page["school_years"], json!([this_year]));
    let set = |grade_places: i32, year: Option<i32>| {
        let admin = &admin;
        async move {
            let (school, places) = (school.to_string(), grade_places.to_string());
            let year = year.map(|y| y.to_string());
            let mut fields = vec![
                ("school_id", school.as_str()),
                ("subsystem", "enrollment"),
                ("grade", "1"),
                ("capacity", places.as_str()),
            ];
            if let Some(year) = &year {
                fields.push(("school_year", year));
            }
            admin.call("set_school_capacity", &fields).await
        }
    };
    assert_eq!(set(2, None).await.status(), 200);

    // Next year's window is added (opening in five days): the settings page now sets next
    // year's places, which start empty; this year's stay as they were.
    assert_eq!(next_year_added(&admin, 5).await, this_year);
    let next_year = this_year + 1;
    let page: Value = schools(None).await.json().await.expect("json");
    assert_eq!(page["school_year"], next_year, "{page}");
    assert_eq!(page["school_years"], json!([next_year, this_year]));
    assert_eq!(places_of(&page), Some(json!([])), "{page}");
    assert_eq!(set(1, None).await.status(), 200);
    let page: Value = schools(None).await.json().await.expect("json");
    assert_eq!(
        places_of(&page),
        Some(json!([["Enrollment", 1, 1]])),
        "{page}"
    );
    let last: Value = schools(Some(this_year)).await.json().await.expect("json");
    assert_eq!(
        places_of(&last),
        Some(json!([["Enrollment", 1, 2]])),
        "{last}"
    );
    // A year without a window has no places to set or show.
    let nowhere = set(3, Some(next_year + 2)).await;
    assert_eq!(nowhere.status(), 422);
    assert!(nowhere.text().await.unwrap_or_default().contains(&format!(
        "还没有 {} 学年小学一年级入学报名的报名时间",
        next_year + 2
    )));
    assert_eq!(schools(Some(next_year + 2)).await.status(), 422);

    // Last year's two children are admitted against last year's two places, not next
    // year's one (with one set of places for every year, next year's cut this list).
    let admissions: Value = admin
        .call(
            "get_admissions",
            &[
                ("school_id", school.to_string().as_str()),
                ("subsystem", "enrollment"),
            ],
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(admissions["school_year"], this_year);
    assert_eq!(admissions["places"], json!({ "1": 2 }), "{admissions}");
    let decided = admin
        .call_json(
            "decide_admissions",
            &json!({
                "school_id": school,
                "decisions": [[ids[0], "admitted"], [ids[1], "admitted"]],
            }),
        )
        .await;
    assert_eq!(decided.status(), 200);
    // Cutting last year's places below its admitted children is still refused once a
    // publication is scheduled; next year's can be anything.
    let scheduled = admin
        .call(
            "schedule_publication",
            &[
                ("school_id", school.to_string().as_str()),
                ("subsystem", "enrollment"),
                ("publish_at", "2099-07-01T09:00"),
            ],
        )
        .await;
    assert_eq!(scheduled.status(), 200);
    assert_eq!(set(1, Some(this_year)).await.status(), 422);
    // The statistics and the public look-up are this year's, places and registrations
    // alike (next year's 1 place is not added to this year's 2).
    let first = first_school_figures(&admin).await;
    assert_eq!(first["registrations"], 2, "{first}");
    assert_eq!(first["capacity"], 2, "{first}");
    let found = look_up(&parent, "香港花园").await;
    assert_eq!(found[0]["capacity"], 2, "{found}");
    assert_eq!(set(0, None).await.status(), 200);

    // The settings page says whose places it shows, and offers the other year.
    let html = admin.get("/bureau").await.text().await.expect("html");
    assert!(
        html.contains(&format!("以下为 {next_year} 学年的计划人数。")),
        "{html}"
    );
    assert!(html.contains("id=\"places-year\""), "{html}");
    // Next year's places removed again: the page says none are set, with the way to last
    // year's.
    assert!(
        html.contains(&format!("{next_year} 学年还没有设置计划人数")),
        "{html}"
    );
    assert!(
        html.contains(&format!("href=\"/bureau?year={this_year}\"")),
        "{html}"
    );
    let html = admin
        .get(&format!("/bureau?year={this_year}"))
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains(&format!("以下为 {this_year} 学年的计划人数。")),
        "{html}"
    );
    assert!(
        html.contains(&format!("name=\"school_year\" value=\"{this_year}\"")),
        "{html}"
    );
}
