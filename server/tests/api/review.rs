//! Review: the school's queue and decisions, change requests limited to what was asked,
//! resubmission, the bureau's second review, the audit log and the SMS outbox.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use app::server::{
    entities::{audit_log, outbox, parent_message, registration},
    services::notify::{
        self, DeliveryReport, GatewayError, Notice, OutboxPolicy, SmsGateway, SmsMessage,
    },
};
use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::{
    documents::{jpeg, upload},
    helpers::{Browser, Options, TestApp, spawn_app, spawn_app_with},
    registrations::{TWIN_1, TWIN_2, child_id, create, entry_and_school, fill_all, view},
};

/// A local-property registration of the first demo school, filled in and submitted by
/// `subject`. Its id and version.
pub async fn submitted(app: &TestApp, parent: &Browser, child: &str) -> (i32, i64) {
    let (entry, school) = entry_and_school(app, "local-property").await;
    let response = create(parent, entry, school, child).await;
    assert_eq!(response.status(), 200, "created");
    let id = i32::try_from(
        response
            .json::<Value>()
            .await
            .expect("json")
            .as_i64()
            .expect("id"),
    )
    .expect("fits");
    let version = fill_all(parent, id).await;
    let response = crate::registrations::submit(parent, id, version).await;
    assert_eq!(response.status(), 200, "submitted");
    (id, version + 1)
}

/// The same, with `subject` as the child's only guardian: a family of its own, which no
/// other registration's guardians tie to as siblings.
pub async fn submitted_alone(
    app: &TestApp,
    parent: &Browser,
    subject: &str,
    child: &str,
) -> (i32, i64) {
    use crate::registrations::{fill_and_submit, sole_guardian};
    let (entry, school) = entry_and_school(app, "local-property").await;
    let created = create(parent, entry, school, child).await;
    assert_eq!(created.status(), 200, "created");
    let id = i32::try_from(created.json::<i64>().await.expect("id")).expect("fits");
    let version = fill_and_submit(parent, id, |section, data| {
        if section == "guardian" {
            *data = sole_guardian(subject);
        }
    })
    .await;
    (id, version)
}

async fn queue(staff: &Browser, query: Value) -> reqwest::Response {
    let mut full = json!({
        "filter": null, "entry_id": null, "school_id": null, "hand_entered": false,
        "resubmitted": false, "search": "", "sort": "SubmittedFirst", "page": 1
    });
    if let (Some(full), Some(query)) = (full.as_object_mut(), query.as_object()) {
        for (k, v) in query {
            full.insert(k.clone(), v.clone());
        }
    }
    staff
        .call_json("get_review_queue", &json!({ "query": full }))
        .await
}

async fn detail(staff: &Browser, id: i32) -> reqwest::Response {
    staff
        .call("get_review_detail", &[("id", &id.to_string())])
        .await
}

#[expect(
    clippy::too_many_arguments,
    reason = "one argument per field of the reviewer's form"
)]
pub(crate) async fn decide(
    staff: &Browser,
    id: i32,
    version: i64,
    stage: &str,
    decision: &str,
    reason: &str,
    message: &str,
    items: &[&str],
) -> reqwest::Response {
    staff
        .call_json(
            "decide_review",
            &json!({
                "id": id, "base_version": version, "stage": stage, "decision": decision,
                "reason": reason, "message": message, "items": items,
            }),
        )
        .await
}

/// Where the review page's "next" leads, for `staff` on registration `id`.
async fn next_of(staff: &Browser, id: i32) -> Value {
    let response = detail(staff, id).await;
    assert_eq!(response.status(), 200);
    response.json::<Value>().await.expect("json")["next_waiting"].clone()
}

async fn version_of(app: &TestApp, id: i32) -> i64 {
    registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .version
}

async fn audit_actions(app: &TestApp, id: i32) -> Vec<String> {
    audit_log::Entity::find()
        .filter(audit_log::Column::ObjectKind.eq("registration"))
        .filter(audit_log::Column::ObjectId.eq(id))
        .order_by_asc(audit_log::Column::Id)
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .map(|row| format!("{}:{}", row.actor_kind, row.action))
        .collect()
}

async fn problem_text(response: reqwest::Response) -> String {
    response.text().await.unwrap_or_default()
}

#[tokio::test]
async fn a_full_round_from_change_request_to_second_review() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (id, version) = submitted(&app, &parent, crate::registrations::TWIN_1).await;
    let reviewer = app.staff("reviewer.sn1").await;
    let admin = app.staff("admin").await;

    // The reviewer's queue has it, child's name shown and ID number masked.
    let page: Value = queue(&reviewer, json!({}))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(page["total"], 1, "{page}");
    let row = &page["rows"][0];
    assert_eq!(row["child_name"], "张子涵");
    let masked = row["child_masked_id"].as_str().unwrap_or_default();
    assert!(
        masked.contains('*') && !masked.contains("20200315"),
        "{masked}"
    );
    // Searching by name and by reference finds it; another name does not.
    let reference = row["reference"].as_str().unwrap_or_default().to_owned();
    for (search, expected) in [("子涵", 1), (reference.as_str(), 1), ("王小明", 0)] {
        let found: Value = queue(&reviewer, json!({ "search": search }))
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(found["total"], expected, "search {search}");
    }

    // The page shows each answer with its origin, and the view is audited.
    let response = detail(&reviewer, id).await;
    assert_eq!(response.status(), 200);
    let page: Value = response.json().await.expect("json");
    assert_eq!(page["can_decide"], "First");
    let child = &page["sections"][0];
    assert_eq!(child["kind"], "Child");
    assert!(
        child["fields"].as_array().is_some_and(|f| f
            .iter()
            .any(|f| f["name"] == "name" && f["origin"] == "Hand")),
        "{child}"
    );
    assert_eq!(audit_actions(&app, id).await, ["staff:registration.view"]);

    // The bureau cannot second-review what has not passed the first.
    let refused = decide(&admin, id, version, "second", "pass", "", "", &[]).await;
    assert_eq!(refused.status(), 422);

    // Changes requested: the contact phone and the household register's photos.
    let response = decide(
        &reviewer,
        id,
        version,
        "first",
        "request_changes",
        "",
        "联系电话无法接通，请更正；请补充户口簿照片。",
        &["field:child.contact_phone", "document:household-register"],
    )
    .await;
    assert_eq!(response.status(), 200, "{}", problem_text(response).await);
    // A stale page cannot decide again.
    let stale = decide(&reviewer, id, version, "first", "pass", "", "", &[]).await;
    assert_eq!(stale.status(), 422, "no longer waiting");

    // The parent sees the request, the timeline and a notice.
    let mine = view(&parent, id).await;
    assert_eq!(mine["state"], "ChangesRequested");
    assert_eq!(mine["editable"], true);
    assert_eq!(mine["resubmittable"], true);
    assert_eq!(
        mine["change_request"]["message"],
        "联系电话无法接通，请更正；请补充户口簿照片。"
    );
    let kinds: Vec<&str> = mine["timeline"]
        .as_array()
        .map(|t| t.iter().filter_map(|e| e["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(kinds, ["Submitted", "ChangesRequested"]);
    assert!(
        mine["timeline"][1]["by"].is_null(),
        "parents are not told who"
    );

    // Only what was asked can change.
    let child_version = mine["section_versions"]["Child"].as_i64().unwrap_or(0);
    let household_version = mine["section_versions"]["Household"].as_i64().unwrap_or(0);
    let renamed = parent
        .call_json(
            "save_section",
            &json!({ "id": id, "section": "child", "base_version": child_version,
                     "data": { "name": "张子轩", "ethnicity": "01", "contact_phone": "13800000009" },
                     "corrections": {}, "complete": true }),
        )
        .await;
    assert_eq!(renamed.status(), 422);
    assert!(
        problem_text(renamed)
            .await
            .contains("学校没有要求修改这一项")
    );
    let other_section = parent
        .call_json(
            "save_section",
            &json!({ "id": id, "section": "household", "base_version": household_version,
                     "data": { "collective": "no", "address": "别处", "head_name": "张伟", "head_relation": "father" },
                     "corrections": {}, "complete": true }),
        )
        .await;
    assert_eq!(other_section.status(), 422);
    let fixed = parent
        .call_json(
            "save_section",
            &json!({ "id": id, "section": "child", "base_version": child_version,
                     "data": { "name": "张子涵", "ethnicity": "01", "contact_phone": "13800000009" },
                     "corrections": {}, "complete": true }),
        )
        .await;
    assert_eq!(fixed.status(), 200);
    let fixed: Value = fixed.json().await.expect("json");
    assert_eq!(fixed["Saved"]["status"], "Completed", "{fixed}");
    let version = fixed["Saved"]["registration_version"]
        .as_i64()
        .expect("version");
    let not_asked = upload(&parent, id, "property-certificate", jpeg(1600, 1200)).await;
    assert_eq!(not_asked.status(), 422);
    assert!(problem_text(not_asked).await.contains("学校没有要求更换"));
    let asked = upload(&parent, id, "household-register", jpeg(1600, 1200)).await;
    assert_eq!(asked.status(), 200, "{}", problem_text(asked).await);

    // Resubmitted: locked again, back in the same reviewer's queue, marked.
    let response = parent
        .call(
            "resubmit_registration",
            &[
                ("id", &id.to_string()),
                ("base_version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status(), 200, "{}", problem_text(response).await);
    let locked = parent
        .call_json(
            "save_section",
            &json!({ "id": id, "section": "child", "base_version": version + 1,
                     "data": { "name": "张子涵", "ethnicity": "01", "contact_phone": "13800000008" },
                     "corrections": {}, "complete": true }),
        )
        .await;
    assert_eq!(locked.status(), 423);
    let page: Value = queue(&reviewer, json!({ "resubmitted": true }))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(page["total"], 1);
    assert_eq!(page["rows"][0]["state"], "Resubmitted");
    assert_eq!(page["rows"][0]["mine"], true);
    let page: Value = detail(&reviewer, id).await.json().await.expect("json");
    let phone = page["sections"][0]["fields"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["name"] == "contact_phone").cloned())
        .unwrap_or_default();
    assert_eq!(phone["requested"], true, "{phone}");
    assert_eq!(phone["value"]["zh"], "13800000009");

    // First review passes; then the bureau's second.
    let version = version_of(&app, id).await;
    let response = decide(&reviewer, id, version, "first", "pass", "", "", &[]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        "FirstReviewPassed"
    );
    let waiting: Value = queue(&admin, json!({})).await.json().await.expect("json");
    assert_eq!(
        waiting["total"], 1,
        "the bureau's queue waits for second review"
    );
    let response = decide(&admin, id, version + 1, "second", "pass", "", "", &[]).await;
    assert_eq!(response.status(), 200);
    let mine = view(&parent, id).await;
    assert_eq!(mine["state"], "ReviewPassed");
    let labels: Vec<&str> = mine["timeline"]
        .as_array()
        .map(|t| t.iter().filter_map(|e| e["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        labels,
        [
            "Submitted",
            "ChangesRequested",
            "Resubmitted",
            "FirstPassed",
            "SecondPassed"
        ]
    );

    // Every view and action has its audit row; every decision a notice and one SMS.
    assert_eq!(
        audit_actions(&app, id).await,
        [
            "staff:registration.view",
            "staff:registration.decide",
            "parent:registration.resubmit",
            "staff:registration.view",
            "staff:registration.decide",
            "staff:registration.decide",
        ]
    );
    let account = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .account_id;
    let messages = parent_message::Entity::find()
        .filter(parent_message::Column::AccountId.eq(account))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(messages, 3);
    // "My registrations" shows them, newest first, unread until shown.
    let mine: Value = parent
        .call("list_my_registrations", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(mine["messages"].as_array().map(Vec::len), Some(3));
    assert_eq!(mine["messages"][0]["unread"], true);
    assert!(
        mine["messages"][2]["body"]["zh"]
            .as_str()
            .is_some_and(|b| b.contains("联系电话无法接通")),
        "{}",
        mine["messages"][2]
    );
    assert_eq!(parent.call("mark_messages_read", &[]).await.status(), 200);
    let mine: Value = parent
        .call("list_my_registrations", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(mine["messages"][0]["unread"], false);
    // Each SMS goes to the host-app phone, and to the contact phone the child section gives
    // (联系电话, as the FAQ tells parents) when that is another number: the request went
    // to the host-app phone only (the contact phone was the same), and once the contact
    // phone was corrected the decisions went to both.
    let sms = outbox::Entity::find()
        .order_by_asc(outbox::Column::Id)
        .all(&app.db)
        .await
        .expect("outbox");
    let mut recipients: Vec<&str> = sms.iter().map(|m| m.recipient.as_str()).collect();
    recipients.sort_unstable();
    assert_eq!(
        recipients,
        [
            "13800000001",
            "13800000001",
            "13800000001",
            "13800000009",
            "13800000009"
        ]
    );
    assert!(
        sms.iter().all(|m| !m.body.contains("370202")),
        "no ID number in an SMS"
    );
}

#[tokio::test]
async fn decisions_follow_the_rules_of_each_stage() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-wang-qiang").await;
    let reviewer = app.staff("reviewer.sn1").await;
    let admin = app.staff("admin").await;

    // A draft is not the school's to see or decide.
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let draft = create(&parent, entry, school, &child_id("20191101", 101)).await;
    let draft = i32::try_from(
        draft
            .json::<Value>()
            .await
            .expect("json")
            .as_i64()
            .expect("id"),
    )
    .expect("fits");
    assert_eq!(detail(&reviewer, draft).await.status(), 404);
    assert_eq!(
        decide(&reviewer, draft, 1, "first", "pass", "", "", &[])
            .await
            .status(),
        404
    );

    let (id, version) = submitted(&app, &parent, &child_id("20191102", 103)).await;
    // A reviewer does not do the bureau's stage; the bureau not the school's.
    assert_eq!(
        decide(&reviewer, id, version, "second", "pass", "", "", &[])
            .await
            .status(),
        403
    );
    assert_eq!(
        decide(&admin, id, version, "first", "pass", "", "", &[])
            .await
            .status(),
        403
    );
    // Rejecting needs a reason; "other" needs words; a change request needs items that
    // belong to this registration and a message.
    for (reason, message, expected) in [("", "", "请选择不通过的原因"), ("other", "", "请写明原因")]
    {
        let response = decide(
            &reviewer,
            id,
            version,
            "first",
            "reject",
            reason,
            message,
            &[],
        )
        .await;
        assert_eq!(response.status(), 422);
        assert!(problem_text(response).await.contains(expected));
    }
    for (items, expected) in [
        (vec![], "请勾选"),
        (vec!["field:child.shoe_size"], "不属于这条报名"),
        (vec!["section:employment"], "不属于这条报名"),
        (vec!["drop table"], "无法识别"),
    ] {
        let response = decide(
            &reviewer,
            id,
            version,
            "first",
            "request_changes",
            "",
            "请修改",
            &items,
        )
        .await;
        assert_eq!(response.status(), 422, "{items:?}");
        assert!(problem_text(response).await.contains(expected), "{items:?}");
    }
    // A page from before a change cannot decide.
    assert_eq!(
        decide(&reviewer, id, version - 1, "first", "pass", "", "", &[])
            .await
            .status(),
        409
    );
    // The parent cannot resubmit what nobody sent back.
    let response = parent
        .call(
            "resubmit_registration",
            &[
                ("id", &id.to_string()),
                ("base_version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status(), 423);
    let response = decide(&reviewer, id, version, "first", "reject", "age", "", &[]).await;
    assert_eq!(response.status(), 200);
    let mine = view(&parent, id).await;
    assert_eq!(mine["state"], "Rejected");
    assert_eq!(
        mine["timeline"][1]["reason"]["zh"],
        "儿童年龄不符合入学要求"
    );
}

async fn delete(parent: &Browser, id: i32, version: i64) -> reqwest::Response {
    parent
        .call(
            "delete_registration",
            &[
                ("id", &id.to_string()),
                ("base_version", &version.to_string()),
            ],
        )
        .await
}

#[tokio::test]
async fn a_registration_the_school_did_not_pass_can_be_deleted_and_the_child_registered_again() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (id, version) = submitted(&app, &parent, TWIN_1).await;
    let reviewer = app.staff("reviewer.sn1").await;
    let admin = app.staff("admin").await;
    // While it is in review it stays: passed the first review, it cannot be deleted.
    let response = decide(&reviewer, id, version, "first", "pass", "", "", &[]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(view(&parent, id).await["deletable"], false);
    assert_eq!(delete(&parent, id, version + 1).await.status(), 423);
    // Not passed (the address is outside the catchment): the parent may delete it and is
    // told so, and the child can then be registered where the rules allow.
    let response = decide(
        &admin,
        id,
        version + 1,
        "second",
        "reject",
        "outside_catchment",
        "",
        &[],
    )
    .await;
    assert_eq!(response.status(), 200);
    let mine = view(&parent, id).await;
    assert_eq!(mine["state"], "Rejected");
    assert_eq!(mine["deletable"], true, "{mine}");
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let taken = create(&parent, entry, school, TWIN_1).await;
    assert_eq!(taken.status(), 422, "the child is still registered");
    // A page from before the decision cannot delete it.
    assert_eq!(delete(&parent, id, version + 1).await.status(), 409);
    assert_eq!(delete(&parent, id, version + 2).await.status(), 200);
    let kept = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("kept for audit");
    assert_eq!(kept.state.code(), "deleted");
    assert_eq!(create(&parent, entry, school, TWIN_1).await.status(), 200);
}

#[tokio::test]
async fn a_reviewer_of_another_school_gets_nothing_of_it() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (id, version) = submitted(&app, &parent, crate::registrations::TWIN_2).await;
    let other = app.staff("reviewer.sn2").await;
    assert_eq!(detail(&other, id).await.status(), 403);
    assert_eq!(
        decide(&other, id, version, "first", "pass", "", "", &[])
            .await
            .status(),
        403
    );
    let page: Value = queue(&other, json!({ "filter": "All" }))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(page["total"], 0);
    let school = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .school_id;
    assert_eq!(
        queue(&other, json!({ "school_id": school })).await.status(),
        403
    );
    let bulk: Value = other
        .call_json(
            "bulk_pass_review",
            &json!({ "stage": "first", "registrations": [[id, version]] }),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(bulk["done"], json!([]));
    assert_eq!(version_of(&app, id).await, version, "unchanged");
    // Bulk pass by the school's own reviewer, with one stale row skipped.
    let reviewer = app.staff("reviewer.sn1").await;
    let bulk: Value = reviewer
        .call_json(
            "bulk_pass_review",
            &json!({ "stage": "first", "registrations": [[id, version], [id, version]] }),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(bulk["done"].as_array().map(Vec::len), Some(1), "{bulk}");
    assert_eq!(bulk["skipped"].as_array().map(Vec::len), Some(1), "{bulk}");
}

#[tokio::test]
async fn the_audit_log_cannot_be_changed_or_emptied() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (id, _) = submitted(&app, &parent, crate::registrations::TWIN_1).await;
    let reviewer = app.staff("reviewer.sn1").await;
    assert_eq!(detail(&reviewer, id).await.status(), 200);
    let before = audit_log::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    assert!(before >= 1);
    for statement in [
        "UPDATE audit_log SET action = 'nothing'",
        "DELETE FROM audit_log",
    ] {
        assert!(
            app.db.execute_unprepared(statement).await.is_err(),
            "{statement} must be refused"
        );
    }
    assert_eq!(
        audit_log::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        before
    );
}

/// A gateway standing in for an SMS provider: records what it was given, or fails, or
/// never answers (a worker that dies mid-send).
#[derive(Clone, Default)]
struct Provider {
    received: Arc<Mutex<Vec<i64>>>,
    mode: ProviderMode,
}

#[derive(Clone, Copy, Default, PartialEq, Eq)]
enum ProviderMode {
    #[default]
    Accepts,
    Fails,
    Hangs,
}

#[async_trait::async_trait]
impl SmsGateway for Provider {
    async fn send(&self, message: &SmsMessage) -> Result<(), GatewayError> {
        match self.mode {
            ProviderMode::Accepts => {
                if let Ok(mut received) = self.received.lock() {
                    received.push(message.id);
                }
                Ok(())
            }
            ProviderMode::Fails => Err(GatewayError("provider unavailable".into())),
            ProviderMode::Hangs => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok(())
            }
        }
    }
}

fn counts(ids: &[i64]) -> BTreeMap<i64, usize> {
    let mut counts = BTreeMap::new();
    for id in ids {
        *counts.entry(*id).or_insert(0) += 1;
    }
    counts
}

#[tokio::test]
async fn the_outbox_delivers_each_notice_exactly_once_across_a_worker_restart() {
    // The server's own worker looks once at start and then sleeps: this test drives rounds.
    let app = spawn_app_with(Options {
        demo_data: true,
        customize: Some(|s| s.outbox_interval = Duration::from_secs(86_400)),
        ..Options::default()
    })
    .await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (id, _) = submitted(&app, &parent, crate::registrations::TWIN_1).await;
    let account = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .account_id;
    let t0 = Utc::now();
    for n in 0..5 {
        notify::send(
            &app.db,
            Notice {
                account_id: account,
                registration_id: Some(id),
                title: app::i18n::LocalizedText {
                    zh: "通知".into(),
                    en: "Notice".into(),
                },
                body: app::i18n::LocalizedText::default(),
                sms: Some(("13800000001".into(), format!("通知 {n}"))),
                dedupe_key: format!("test:{n}"),
            },
            t0,
        )
        .await
        .expect("queued");
    }
    // The same notice again is refused by its key: it cannot be queued twice.
    let again = notify::send(
        &app.db,
        Notice {
            account_id: account,
            registration_id: Some(id),
            title: app::i18n::LocalizedText::default(),
            body: app::i18n::LocalizedText::default(),
            sms: Some(("13800000001".into(), "通知 0".into())),
            dedupe_key: "test:0".into(),
        },
        t0,
    )
    .await;
    assert!(again.is_err());

    let policy = OutboxPolicy {
        batch: 2,
        lease: Duration::from_secs(60),
        ..OutboxPolicy::default()
    };
    // A provider that is down: attempts are counted, nothing delivered, retried later.
    let down = Provider {
        mode: ProviderMode::Fails,
        ..Provider::default()
    };
    let report = notify::deliver_due(&app.db, &down, policy, t0)
        .await
        .expect("round");
    assert_eq!(
        report,
        DeliveryReport {
            delivered: 0,
            failed: 2
        }
    );

    // A worker that claims a row and dies while sending.
    let hangs = Provider {
        mode: ProviderMode::Hangs,
        ..Provider::default()
    };
    let db = app.db.clone();
    let dying = tokio::spawn(async move {
        let _ = notify::deliver_due(&db, &hangs, policy, t0).await;
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    dying.abort();
    let _ = dying.await;

    // Two workers restarted at once, twice, after the lease and the retry delay: every
    // notice is delivered once, none twice.
    let provider = Provider::default();
    let later = t0 + chrono::Duration::minutes(5);
    for _ in 0..2 {
        let (a, b) = tokio::join!(
            notify::deliver_due(&app.db, &provider, policy, later),
            notify::deliver_due(&app.db, &provider, policy, later),
        );
        a.expect("round");
        b.expect("round");
    }
    for _ in 0..3 {
        notify::deliver_due(&app.db, &provider, policy, later)
            .await
            .expect("round");
    }
    let received = provider
        .received
        .lock()
        .map(|r| r.clone())
        .unwrap_or_default();
    let counts = counts(&received);
    assert_eq!(counts.len(), 5, "every notice: {received:?}");
    assert!(counts.values().all(|n| *n == 1), "none twice: {received:?}");
    let undelivered = outbox::Entity::find()
        .filter(outbox::Column::DeliveredAt.is_null())
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(undelivered, 0);
    // Nothing is left to send.
    let report = notify::deliver_due(
        &app.db,
        &provider,
        policy,
        later + chrono::Duration::hours(2),
    )
    .await
    .expect("round");
    assert_eq!(report, DeliveryReport::default());
}

#[tokio::test]
async fn the_http_gateway_posts_each_message_with_its_idempotency_key() {
    use axum::{Json, Router, http::HeaderMap, routing::post};
    let seen: Arc<Mutex<Vec<(String, String, Value)>>> = Arc::default();
    let record = seen.clone();
    let provider = Router::new().route(
        "/sms",
        post(move |headers: HeaderMap, Json(body): Json<Value>| {
            let record = record.clone();
            async move {
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                if let Ok(mut seen) = record.lock() {
                    seen.push((header("idempotency-key"), header("authorization"), body));
                }
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, provider).await;
    });
    let gateway = notify::HttpGateway::new(
        format!("http://{address}/sms"),
        Some(secrecy::SecretString::from("provider-token")),
        Duration::from_secs(5),
    )
    .expect("gateway");
    gateway
        .send(&SmsMessage {
            id: 42,
            to: "13800000001".into(),
            body: "您的报名已提交".into(),
        })
        .await
        .expect("sent");
    let refused = notify::HttpGateway::new(
        format!("http://{address}/elsewhere"),
        None,
        Duration::from_secs(5),
    )
    .expect("gateway")
    .send(&SmsMessage {
        id: 43,
        to: "13800000001".into(),
        body: "x".into(),
    })
    .await;
    assert!(refused.is_err(), "a 404 is not a delivery");
    let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0, "42");
    assert_eq!(seen[0].1, "Bearer provider-token");
    assert_eq!(seen[0].2["to"], "13800000001");
    assert_eq!(seen[0].2["body"], "您的报名已提交");
}

/// The text of a sheet of an .xlsx workbook (its shared strings and first sheet).
fn xlsx_text(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip file");
    let mut text = String::new();
    for name in ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"] {
        if let Ok(mut file) = archive.by_name(name) {
            file.read_to_string(&mut text).expect("xml");
        }
    }
    text
}

#[tokio::test]
async fn the_school_list_exports_to_excel_with_masked_ids_and_an_audit_row() {
    use app::server::entities::bureau;
    use sea_orm::{ActiveModelTrait, Set};
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (id, _) = submitted(&app, &parent, crate::registrations::TWIN_1).await;
    let reviewer = app.staff("reviewer.sn1").await;
    let response = reviewer
        .get("/exports/registrations.xlsx?filter=waiting-first")
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    let text = xlsx_text(&response.bytes().await.expect("bytes"));
    let reference = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .reference;
    assert!(text.contains(&reference), "the registration is listed");
    assert!(text.contains("张子涵"));
    assert!(
        !text.contains(crate::registrations::TWIN_1),
        "the ID number is masked"
    );
    let exports = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("registrations.export"))
        .all(&app.db)
        .await
        .expect("query");
    assert_eq!(exports.len(), 1);
    assert!(
        exports[0].detail.contains("\"rows\":1"),
        "{}",
        exports[0].detail
    );
    // In English for a reviewer who reads the platform in English, the year in its name.
    reviewer.get("/lang/en").await;
    let english = reviewer
        .get("/exports/registrations.xlsx?filter=waiting-first")
        .await;
    let name = english.headers()["content-disposition"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        name.contains(&format!("registrations-{}-waiting-first-", &reference[..4])),
        "{name}"
    );
    let english = xlsx_text(&english.bytes().await.expect("bytes"));
    for text in [
        "Reference",
        "School year",
        "Shinan No. 1 Experimental Primary School",
    ] {
        assert!(english.contains(text), "{text} in {english}");
    }
    assert!(!english.contains("报名编号"), "{english}");
    reviewer.get("/lang/zh").await;

    // The bureau allows full numbers: then they are there.
    for b in bureau::Entity::find().all(&app.db).await.expect("bureaus") {
        let mut b: bureau::ActiveModel = b.into();
        b.export_full_ids = Set(true);
        b.update(&app.db).await.expect("updated");
    }
    let text = xlsx_text(
        &reviewer
            .get("/exports/registrations.xlsx?filter=all")
            .await
            .bytes()
            .await
            .expect("bytes"),
    );
    assert!(text.contains(crate::registrations::TWIN_1));

    // Another school's reviewer exports an empty list; parents and strangers nothing.
    let other = app.staff("reviewer.sn2").await;
    let text = xlsx_text(
        &other
            .get("/exports/registrations.xlsx?filter=all")
            .await
            .bytes()
            .await
            .expect("bytes"),
    );
    assert!(!text.contains(&reference));
    assert_eq!(
        parent.get("/exports/registrations.xlsx").await.status(),
        403
    );
    assert_eq!(
        app.browser()
            .get("/exports/registrations.xlsx")
            .await
            .status(),
        401
    );
}

#[tokio::test]
async fn an_export_holds_what_the_filtered_queue_shows_and_no_other_school() {
    use app::server::entities::school;
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (first, _) = submitted(&app, &parent, crate::registrations::TWIN_1).await;
    let (second, _) = submitted(&app, &parent, crate::registrations::TWIN_2).await;
    let reference = |id: i32| {
        let db = app.db.clone();
        async move {
            registration::Entity::find_by_id(id)
                .one(&db)
                .await
                .expect("query")
                .expect("row")
                .reference
        }
    };
    let (first, second) = (reference(first).await, reference(second).await);
    let reviewer = app.staff("reviewer.sn1").await;
    let export = |address: String| {
        let reviewer = &reviewer;
        async move {
            let response = reviewer.get(&address).await;
            assert_eq!(response.status(), 200, "{address}");
            xlsx_text(&response.bytes().await.expect("bytes"))
        }
    };

    // The queue searched for one reference lists one row; so does its export.
    let text = export(format!(
        "/exports/registrations.xlsx?filter=waiting-first&q={first}&sort=submitted"
    ))
    .await;
    assert!(text.contains(&first), "the row searched for is there");
    assert!(
        !text.contains(&second),
        "a row the queue hides is not exported"
    );
    // Without a search both are there.
    let text = export("/exports/registrations.xlsx?filter=waiting-first".into()).await;
    assert!(text.contains(&first) && text.contains(&second));
    // Another entry's list: neither.
    let (other_entry, _) = crate::registrations::entry_and_school(&app, "migrant").await;
    let text = export(format!(
        "/exports/registrations.xlsx?filter=waiting-first&entry={other_entry}"
    ))
    .await;
    assert!(!text.contains(&first) && !text.contains(&second));

    // Another school's list, asked for by its id, is refused as the queue refuses it.
    let own = app::server::entities::staff_account::Entity::find()
        .filter(app::server::entities::staff_account::Column::Username.eq("reviewer.sn1"))
        .one(&app.db)
        .await
        .expect("query")
        .and_then(|s| s.school_id)
        .expect("the reviewer's school");
    let elsewhere = school::Entity::find()
        .filter(school::Column::Id.ne(own))
        .one(&app.db)
        .await
        .expect("query")
        .expect("another school")
        .id;
    assert_eq!(
        reviewer
            .get(&format!(
                "/exports/registrations.xlsx?filter=all&school={elsewhere}"
            ))
            .await
            .status(),
        403
    );
}

/// Takes a submitted registration through both reviews.
pub async fn passed(app: &TestApp, id: i32, version: i64) {
    let reviewer = app.staff("reviewer.sn1").await;
    let admin = app.staff("admin").await;
    let response = decide(&reviewer, id, version, "first", "pass", "", "", &[]).await;
    assert_eq!(response.status(), 200);
    let response = decide(&admin, id, version + 1, "second", "pass", "", "", &[]).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn results_stay_hidden_until_published_and_publishing_twice_changes_nothing() {
    use app::server::{entities::review_event, services::admission};
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (id, version) = submitted(&app, &parent, crate::registrations::TWIN_1).await;
    let (other, _) = submitted(&app, &parent, crate::registrations::TWIN_2).await;
    passed(&app, id, version).await;
    let admin = app.staff("admin").await;
    let school = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .school_id;
    let page: Value = admin
        .call(
            "get_admissions",
            &[
                ("school_id", &school.to_string()),
                ("subsystem", "enrollment"),
            ],
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        page["candidates"].as_array().map(Vec::len),
        Some(1),
        "{page}"
    );
    assert!(page["candidates"][0]["outcome"].is_null());
    assert_eq!(page["still_in_review"], 1);

    let local = |hours: i64| {
        (Utc::now() + chrono::Duration::hours(hours))
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"))
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    let schedule = |at: String| {
        let admin = &admin;
        async move { schedule_publication(admin, school, &at).await }
    };
    // Nothing is published while a passed registration has no decision.
    let refused = schedule(local(24)).await;
    assert_eq!(refused.status(), 422);
    assert!(problem_text(refused).await.contains("没有录取决定"));
    // Only passed registrations of the school can be decided.
    let refused = admin
        .call_json(
            "decide_admissions",
            &json!({ "school_id": school, "decisions": [[other, "admitted"]] }),
        )
        .await;
    assert_eq!(refused.status(), 422);
    let decided = admin
        .call_json(
            "decide_admissions",
            &json!({ "school_id": school, "decisions": [[id, "admitted"]] }),
        )
        .await;
    assert_eq!(decided.status(), 200);

    // Scheduled for tomorrow: the parent sees review passed, nothing more.
    let scheduled = schedule(local(24)).await;
    assert_eq!(scheduled.status(), 200);
    assert_eq!(
        scheduled.json::<Value>().await.expect("json")["published"],
        false
    );
    assert_eq!(
        admission::publish_due(&app.db, Utc::now())
            .await
            .expect("round"),
        0
    );
    let mine = view(&parent, id).await;
    assert_eq!(mine["state"], "ReviewPassed");
    assert!(
        !mine.to_string().contains("Admitted"),
        "no trace of the decision before publication"
    );

    // At its time, it is applied once: a second run, or two at once, change nothing more.
    let later = Utc::now() + chrono::Duration::hours(25);
    let (a, b) = tokio::join!(
        admission::publish_due(&app.db, later),
        admission::publish_due(&app.db, later)
    );
    assert_eq!(a.expect("round") + b.expect("round"), 1);
    assert_eq!(
        admission::publish_due(&app.db, later).await.expect("round"),
        0
    );
    let mine = view(&parent, id).await;
    assert_eq!(mine["state"], "Admitted");
    let events = review_event::Entity::find()
        .filter(review_event::Column::RegistrationId.eq(id))
        .filter(review_event::Column::Kind.eq("admitted"))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(events, 1);
    let sms = outbox::Entity::find()
        .filter(outbox::Column::Body.contains("录取结果已公布"))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(sms, 1, "one notice, however often it runs");
    let audit: Vec<String> = audit_log::Entity::find()
        .filter(audit_log::Column::Action.starts_with("admissions."))
        .order_by_asc(audit_log::Column::Id)
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .map(|r| format!("{}:{}", r.actor_kind, r.action))
        .collect();
    assert_eq!(
        audit,
        [
            "staff:admissions.decide",
            "staff:admissions.schedule",
            "system:admissions.publish"
        ]
    );
    // A reviewer has no say in admissions.
    let reviewer = app.staff("reviewer.sn1").await;
    assert_eq!(
        reviewer
            .call("get_admissions", &[("subsystem", "enrollment")])
            .await
            .status(),
        403
    );
}

/// Schedules the publication of a school's first-grade results at `at` (the bureau's
/// local time, as the form sends it).
async fn schedule_publication(admin: &Browser, school: i32, at: &str) -> reqwest::Response {
    admin
        .call(
            "schedule_publication",
            &[
                ("school_id", school.to_string().as_str()),
                ("subsystem", "enrollment"),
                ("publish_at", at),
            ],
        )
        .await
}

/// Sets a school's first-grade places of its newest enrollment window's school year.
async fn set_places(app: &TestApp, school: i32, places: i32) {
    use app::server::entities::{collection_window, school as schools, school_capacity};
    use sea_orm::{ActiveModelTrait, Set};
    let bureau = schools::Entity::find_by_id(school)
        .one(&app.db)
        .await
        .expect("query")
        .expect("school")
        .bureau_id;
    let school_year = collection_window::Entity::find()
        .filter(collection_window::Column::BureauId.eq(bureau))
        .filter(collection_window::Column::Subsystem.eq("enrollment"))
        .order_by_desc(collection_window::Column::SchoolYear)
        .one(&app.db)
        .await
        .expect("query")
        .expect("a window")
        .school_year;
    school_capacity::Entity::delete_many()
        .filter(school_capacity::Column::SchoolId.eq(school))
        .filter(school_capacity::Column::Subsystem.eq("enrollment"))
        .filter(school_capacity::Column::SchoolYear.eq(school_year))
        .exec(&app.db)
        .await
        .expect("cleared");
    school_capacity::ActiveModel {
        school_id: Set(school),
        subsystem: Set(app::domain::Subsystem::Enrollment),
        grade: Set(1),
        school_year: Set(school_year),
        capacity: Set(places),
    }
    .insert(&app.db)
    .await
    .expect("places set");
}

#[tokio::test]
async fn admissions_by_hand_never_exceed_the_places_set() {
    use app::server::entities::admission_decision;
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (a, version_a) = submitted(&app, &parent, crate::registrations::TWIN_1).await;
    let (b, version_b) = submitted(&app, &parent, crate::registrations::TWIN_2).await;
    passed(&app, a, version_a).await;
    passed(&app, b, version_b).await;
    let school = registration::Entity::find_by_id(a)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .school_id;
    set_places(&app, school, 1).await;
    let admin = app.staff("admin").await;
    let decide_all = |a_outcome: &'static str, b_outcome: &'static str| {
        let admin = &admin;
        async move {
            admin
                .call_json(
                    "decide_admissions",
                    &json!({ "school_id": school, "decisions": [[a, a_outcome], [b, b_outcome]] }),
                )
                .await
        }
    };
    // "Admit all" with one place: refused, with the figures, and nothing saved.
    let refused = decide_all("admitted", "admitted").await;
    assert_eq!(refused.status(), 422);
    let text = problem_text(refused).await;
    assert!(
        text.contains("录取人数超过招生计划") && text.contains("计划 1 人，拟录取 2 人"),
        "{text}"
    );
    assert_eq!(
        admission_decision::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        0
    );
    // Within the places: saved.
    assert_eq!(decide_all("admitted", "not_admitted").await.status(), 200);
    // The places cut afterwards: the results are not published over them.
    set_places(&app, school, 0).await;
    let schedule = || schedule_publication(&admin, school, "2099-07-01T09:00");
    let refused = schedule().await;
    assert_eq!(refused.status(), 422);
    assert!(
        problem_text(refused)
            .await
            .contains("计划 0 人，拟录取 1 人")
    );
    // Where places were cut, saving what admits nobody more is not refused; admitting more is.
    assert_eq!(decide_all("admitted", "not_admitted").await.status(), 200);
    assert_eq!(
        decide_all("not_admitted", "not_admitted").await.status(),
        200
    );
    assert_eq!(decide_all("admitted", "not_admitted").await.status(), 422);
    set_places(&app, school, 1).await;
    assert_eq!(decide_all("admitted", "not_admitted").await.status(), 200);
    assert_eq!(schedule().await.status(), 200);

    // Scheduled: the bureau's places form cannot cut below what it publishes.
    let set_capacity = |places: i32| {
        let admin = &admin;
        async move {
            admin
                .call(
                    "set_school_capacity",
                    &[
                        ("school_id", school.to_string().as_str()),
                        ("subsystem", "enrollment"),
                        ("grade", "1"),
                        ("capacity", places.to_string().as_str()),
                    ],
                )
                .await
        }
    };
    assert_eq!(set_capacity(2).await.status(), 200, "more places are fine");
    assert_eq!(decide_all("admitted", "admitted").await.status(), 200);
    let refused = set_capacity(1).await;
    assert_eq!(refused.status(), 422);
    let text = problem_text(refused).await;
    assert!(
        text.contains("已安排于 2099年7月1日 09:00 公布") && text.contains("计划数不能少于 2 人"),
        "{text}"
    );
    // Cancelled, nothing is scheduled; the decisions stay; places can then be cut (and the
    // publication is then refused until they agree again).
    let cancel = || {
        let admin = &admin;
        async move {
            admin
                .call(
                    "cancel_publication",
                    &[
                        ("school_id", school.to_string().as_str()),
                        ("subsystem", "enrollment"),
                    ],
                )
                .await
        }
    };
    assert_eq!(cancel().await.status(), 200);
    let page: Value = admin
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
    assert!(page["publication"].is_null(), "{page}");
    assert_eq!(
        admission_decision::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        2
    );
    assert_eq!(cancel().await.status(), 422, "nothing left to cancel");
    assert_eq!(set_capacity(1).await.status(), 200);
    assert_eq!(schedule().await.status(), 422);
}

#[tokio::test]
async fn twins_whose_answers_name_the_same_two_guardians_are_linked_across_accounts() {
    let app = spawn_app().await;
    // The father registers one twin, the mother the other; both name both parents.
    let father = app.confirmed_parent("demo-zhang-wei").await;
    let mother = app.confirmed_parent("demo-li-na").await;
    let (first, _) = submitted(&app, &father, TWIN_1).await;
    let (second, _) = submitted(&app, &mother, TWIN_2).await;
    let reviewer = app.staff("reviewer.sn1").await;
    let linked: Value = detail(&reviewer, first).await.json().await.expect("json");
    assert_eq!(
        linked["siblings"][0]["id"], second,
        "{}",
        linked["siblings"]
    );
    // A family naming one guardian of its own ties to nobody.
    let other = app.confirmed_parent("demo-chen-jing").await;
    let (alone, _) =
        submitted_alone(&app, &other, "demo-chen-jing", &child_id("20200618", 443)).await;
    let apart: Value = detail(&reviewer, alone).await.json().await.expect("json");
    assert_eq!(apart["siblings"], json!([]));
}

#[tokio::test]
async fn a_reviewer_sees_twins_linked_and_only_those_sent_to_the_school() {
    let app = spawn_app().await;
    let father = app.confirmed_parent("demo-zhang-wei").await;
    let (first, _) = submitted(&app, &father, TWIN_1).await;
    let reviewer = app.staff("reviewer.sn1").await;
    let alone: Value = detail(&reviewer, first).await.json().await.expect("json");
    assert_eq!(
        alone["siblings"],
        json!([]),
        "the twin is not submitted yet"
    );

    let (second, _) = submitted(&app, &father, TWIN_2).await;
    // Another family's child at the same school is no sibling.
    let other = app.confirmed_parent("demo-chen-jing").await;
    submitted_alone(&app, &other, "demo-chen-jing", &child_id("20200618", 441)).await;
    let linked: Value = detail(&reviewer, first).await.json().await.expect("json");
    let siblings = linked["siblings"].as_array().cloned().unwrap_or_default();
    assert_eq!(siblings.len(), 1, "{linked}");
    assert_eq!(siblings[0]["id"], second);
    assert_eq!(siblings[0]["state"], "Submitted");
    assert!(
        siblings[0]["child_name"]
            .as_str()
            .is_some_and(|n| !n.is_empty()),
        "{siblings:?}"
    );
    let back: Value = detail(&reviewer, second).await.json().await.expect("json");
    assert_eq!(back["siblings"][0]["id"], first);
}

#[tokio::test]
async fn next_leads_to_the_registration_waiting_longest_for_the_callers_own_stage() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (first, version) = submitted(&app, &parent, TWIN_1).await;
    let (second, _) = submitted(&app, &parent, TWIN_2).await;
    let reviewer = app.staff("reviewer.sn1").await;
    // Each points to the other (the only other one waiting), never to itself.
    assert_eq!(next_of(&reviewer, first).await, json!(second));
    assert_eq!(next_of(&reviewer, second).await, json!(first));
    // Once passed, the first no longer waits for the school: nothing is next.
    let passed = decide(&reviewer, first, version, "first", "pass", "", "", &[]).await;
    assert_eq!(passed.status(), 200);
    assert_eq!(next_of(&reviewer, second).await, Value::Null);
    // It now waits for the bureau's second review: next for the administrator.
    let admin = app.staff("admin").await;
    assert_eq!(next_of(&admin, second).await, json!(first));
    assert_eq!(next_of(&admin, first).await, Value::Null);
    // A reviewer of another school is told nothing of either.
    let other = app.staff("reviewer.sn2").await;
    assert_eq!(detail(&other, second).await.status(), 403);
}

#[tokio::test]
async fn a_section_taken_off_the_entry_after_submission_still_shows_what_was_sent() {
    use app::server::entities::entry;
    use sea_orm::{ActiveModelTrait, Set};
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (id, _) = submitted(&app, &parent, TWIN_1).await;
    let entry_id = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .entry_id;
    let mut changed: entry::ActiveModel = entry::Entity::find_by_id(entry_id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("entry")
        .into();
    changed.sections = Set("child,household,guardian".into());
    changed.update(&app.db).await.expect("residence taken off");
    let reviewer = app.staff("reviewer.sn1").await;
    let shown: Value = detail(&reviewer, id).await.json().await.expect("json");
    let kinds: Vec<&str> = shown["sections"]
        .as_array()
        .map(|s| s.iter().filter_map(|k| k["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        kinds,
        ["Child", "Household", "Residence", "Guardian"],
        "{shown}"
    );
    let current: Vec<bool> = shown["sections"]
        .as_array()
        .map(|s| s.iter().filter_map(|k| k["current"].as_bool()).collect())
        .unwrap_or_default();
    assert_eq!(
        current,
        [true, true, false, true],
        "not to be sent back: {shown}"
    );
}

/// Closes the enrollment window and its review an hour ago.
async fn close_changes(app: &TestApp) {
    use sea_orm::{ActiveModelTrait, Set};
    let mut window = app.enrollment_window().await;
    let past = Utc::now() - chrono::Duration::hours(1);
    window.closes_at = Set(past);
    window.review_closes_at = Set(Some(past));
    window.update(&app.db).await.expect("updated");
}

#[tokio::test]
async fn after_the_parents_deadline_the_school_decides_without_sending_back() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (late, late_version) = submitted(&app, &parent, TWIN_1).await;
    let (unanswered, unanswered_version) = submitted(&app, &parent, TWIN_2).await;
    let reviewer = app.staff("reviewer.sn1").await;
    let asked = decide(
        &reviewer,
        unanswered,
        unanswered_version,
        "first",
        "request_changes",
        "",
        "请补充户口簿照片。",
        &["document:household-register"],
    )
    .await;
    assert_eq!(asked.status(), 200, "{}", problem_text(asked).await);
    close_changes(&app).await;

    // The request never answered is back in the first review's list, and "next" leads to
    // it: not in no one's list while it holds up the school's draw.
    let listed: Value = queue(&reviewer, json!({}))
        .await
        .json()
        .await
        .expect("json");
    let listed: Vec<i64> = listed["rows"]
        .as_array()
        .map(|rows| rows.iter().filter_map(|r| r["id"].as_i64()).collect())
        .unwrap_or_default();
    assert!(
        listed.contains(&i64::from(unanswered)),
        "待初审 lists the lapsed request: {listed:?}"
    );
    assert_eq!(next_of(&reviewer, late).await, json!(unanswered));

    // A request now could never be answered: the parent can change nothing any more.
    let refused = decide(
        &reviewer,
        late,
        late_version,
        "first",
        "request_changes",
        "",
        "请更正联系电话。",
        &["field:child.contact_phone"],
    )
    .await;
    assert_eq!(refused.status(), 422);
    assert!(problem_text(refused).await.contains("期限已过"));
    let shown: Value = detail(&reviewer, late).await.json().await.expect("json");
    assert_eq!(shown["changes_closed"], true, "{shown}");
    assert_eq!(
        decide(&reviewer, late, late_version, "first", "pass", "", "", &[])
            .await
            .status(),
        200
    );

    // The request never answered in time is decided, so it no longer holds up the list.
    let shown: Value = detail(&reviewer, unanswered)
        .await
        .json()
        .await
        .expect("json");
    assert!(!shown["can_decide"].is_null(), "{shown}");
    let version = shown["version"].as_i64().expect("version");
    let rejected = decide(
        &reviewer,
        unanswered,
        version,
        "first",
        "reject",
        "other",
        "未在期限内补充材料。",
        &[],
    )
    .await;
    assert_eq!(rejected.status(), 200, "{}", problem_text(rejected).await);
    let row = registration::Entity::find_by_id(unanswered)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row");
    assert_eq!(row.state.code(), "rejected");
}
