//! A child held hostage: a stranger registers another family's child; the parent the
//! household register names takes the child back, the stranger's registration goes to the
//! bureau, and the bureau decides. Written as the attack.

use app::server::entities::{audit_log, outbox, parent_account, parent_message, registration};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

use crate::{
    helpers::{Browser, TestApp},
    registrations::{create, entry_and_school},
    registry::app_with_registry,
};

/// 张伟 and 李娜's child in the demo household register.
pub(crate) const CHILD: &str = "370202202003150526";

/// The one-registration-per-child index of [`CHILD`] (a keyed hash, never the number).
/// Whether a registration's child key holds the child (of whichever school year).
fn holds_child(key: &Option<String>) -> bool {
    let hash = app::server::infra::crypto::blind(CHILD).expect("the test keys are installed");
    key.as_deref().is_some_and(|k| {
        k.strip_prefix(hash.as_str())
            .is_some_and(|year| year.starts_with(':'))
    })
}

async fn start(app: &TestApp, parent: &Browser) -> reqwest::Response {
    let (entry, school) = entry_and_school(app, "local-property").await;
    create(parent, entry, school, CHILD).await
}

pub(crate) async fn claim(app: &TestApp, parent: &Browser) -> reqwest::Response {
    let (entry, school) = entry_and_school(app, "local-property").await;
    parent
        .call(
            "claim_child_registration",
            &[
                ("subsystem", "enrollment"),
                ("entry_id", &entry.to_string()),
                ("school_id", &school.to_string()),
                ("child_id_number", CHILD),
            ],
        )
        .await
}

async fn id_of(response: reqwest::Response) -> i32 {
    assert_eq!(response.status(), 200, "registered");
    let value: Value = response.json().await.expect("json");
    i32::try_from(value.as_i64().expect("an id")).expect("fits")
}

async fn problems(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("json");
    body["Invalid"]["problems"].clone()
}

async fn row(app: &TestApp, id: i32) -> registration::Model {
    registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("the registration")
}

#[tokio::test]
async fn the_parent_the_register_names_takes_a_held_child_back_and_the_bureau_decides() {
    let app = app_with_registry(|_| {}).await;
    let stranger = app.confirmed_parent("demo-wang-qiang").await;
    let held = id_of(start(&app, &stranger).await).await;

    // The real mother is told the number is taken, and offered the way forward.
    let mother = app.confirmed_parent("demo-li-na").await;
    let refused = problems(start(&app, &mother).await).await;
    assert!(
        refused
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["field"] == "child_claimable")),
        "{refused}"
    );
    let mine = id_of(claim(&app, &mother).await).await;

    let held_row = row(&app, held).await;
    assert_eq!(held_row.state.code(), "set_aside");
    assert_eq!(held_row.set_aside_from.map(|s| s.code()), Some("draft"));
    assert_eq!(held_row.active_child_key, None);
    assert!(holds_child(&row(&app, mine).await.active_child_key));
    // The stranger is told, in the platform and by SMS.
    let stranger_account = parent_account::Entity::find()
        .filter(parent_account::Column::HostSubject.eq("demo-wang-qiang"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("account");
    let messages = parent_message::Entity::find()
        .filter(parent_message::Column::AccountId.eq(stranger_account.id))
        .all(&app.db)
        .await
        .expect("messages");
    assert!(
        messages
            .iter()
            .any(|m| m.body_zh.contains(&held_row.reference))
    );
    let sms = outbox::Entity::find().all(&app.db).await.expect("outbox");
    assert!(sms.iter().any(|m| m.recipient == stranger_account.phone));
    // The stranger's list says so; their registration can no longer be changed.
    let list: Value = stranger
        .call("list_my_registrations", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["registrations"][0]["state"], "SetAside", "{list}");

    // The bureau sees both.
    let admin = app.staff("admin").await;
    let claims: Value = admin
        .call("get_set_aside_claims", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        claims[0]["reference"],
        held_row.reference.as_str(),
        "{claims}"
    );
    assert_eq!(
        claims[0]["claimed_by"],
        row(&app, mine).await.reference.as_str()
    );
    let actions: Vec<String> = audit_log::Entity::find()
        .all(&app.db)
        .await
        .expect("audit")
        .into_iter()
        .map(|a| a.action)
        .collect();
    for action in [
        "registration.set_aside",
        "registration.claimed",
        "list.set_aside",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} audited: {actions:?}"
        );
    }

    // Restored: the stranger's claim stands again, the mother's is set aside in turn.
    let restored = admin
        .call(
            "decide_set_aside",
            &[("id", &held.to_string()), ("restore", "true")],
        )
        .await;
    assert_eq!(restored.status(), 200);
    assert_eq!(row(&app, held).await.state.code(), "draft");
    assert!(holds_child(&row(&app, held).await.active_child_key));
    assert_eq!(row(&app, mine).await.state.code(), "set_aside");
    // … and upheld after all: the stranger's closed, the mother's not given back by it.
    let upheld = admin
        .call(
            "decide_set_aside",
            &[("id", &mine.to_string()), ("restore", "false")],
        )
        .await;
    assert_eq!(upheld.status(), 200);
    assert_eq!(row(&app, mine).await.state.code(), "deleted");
}

#[tokio::test]
async fn a_stranger_cannot_take_a_child_from_its_parent() {
    let app = app_with_registry(|_| {}).await;
    let father = app.confirmed_parent("demo-zhang-wei").await;
    let his = id_of(start(&app, &father).await).await;
    let stranger = app.confirmed_parent("demo-wang-qiang").await;
    let refused = problems(claim(&app, &stranger).await).await;
    assert!(
        refused.to_string().contains("户籍登记中未能确认"),
        "{refused}"
    );
    let kept = row(&app, his).await;
    assert_eq!(kept.state.code(), "draft");
    assert!(holds_child(&kept.active_child_key));
    // Nothing about the child or the family came back.
    assert!(!refused.to_string().contains("张"), "{refused}");
}

#[tokio::test]
async fn two_parents_the_register_names_still_agree_between_them() {
    let app = app_with_registry(|_| {}).await;
    let father = app.confirmed_parent("demo-zhang-wei").await;
    let his = id_of(start(&app, &father).await).await;
    let mother = app.confirmed_parent("demo-li-na").await;
    let refused = problems(claim(&app, &mother).await).await;
    assert!(refused.to_string().contains("另一位家长"), "{refused}");
    assert_eq!(row(&app, his).await.state.code(), "draft");
}

#[tokio::test]
async fn a_parent_on_a_new_account_of_their_own_moves_their_registration_over() {
    let app = crate::helpers::spawn_app().await;
    // 张伟 registers from his account (phone 13800000001)...
    let before = app.confirmed_parent("demo-zhang-wei").await;
    let his = id_of(start(&app, &before).await).await;
    let reference = row(&app, his).await.reference;
    // ...then opens the platform from a new host-app account, which the host app vouches
    // for with the same ID number (a new phone): he is told where the child is.
    let after = new_phone(&app).await;
    // Not before he has checked his details, as any registration.
    let unchecked = problems(move_here(&after).await).await;
    assert_eq!(unchecked[0]["field"], "identity", "{unchecked}");
    assert_eq!(after.call("confirm_my_identity", &[]).await.status(), 200);
    let refused = problems(start(&app, &after).await).await;
    assert_eq!(refused[0]["field"], "child_id_number", "{refused}");
    assert!(
        refused[0]["message"]["zh"]
            .as_str()
            .is_some_and(|m| m.contains("您本人") && m.contains("138****0001")),
        "the old account's phone: {refused}"
    );
    assert!(!refused.to_string().contains("139****0077"), "{refused}");
    assert_eq!(refused[1]["field"], "child_movable", "{refused}");
    assert!(
        !refused.to_string().contains("child_claimable"),
        "{refused}"
    );
    // The household register's claim is not the way for him: it sets nothing aside.
    let not_a_claim = problems(claim(&app, &after).await).await;
    assert_eq!(not_a_claim[1]["field"], "child_movable", "{not_a_claim}");
    assert_eq!(row(&app, his).await.state.code(), "draft");
    // Someone else (李娜, the child's mother) has nothing to move.
    let mother = app.confirmed_parent("demo-li-na").await;
    let nothing = problems(move_here(&mother).await).await;
    assert!(
        nothing.to_string().contains("没有可以转来的报名"),
        "{nothing}"
    );

    // He moves it: the same registration, now his new account's, the child still in it once.
    assert_eq!(id_of(move_here(&after).await).await, his);
    let new_account = parent_account::Entity::find()
        .filter(parent_account::Column::HostSubject.eq("zhang-wei-new-phone"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the new account");
    let moved = row(&app, his).await;
    assert_eq!(moved.account_id, new_account.id);
    assert_eq!(moved.reference, reference);
    assert!(holds_child(&moved.active_child_key));
    assert_eq!(
        after
            .call("get_registration", &[("id", &his.to_string())])
            .await
            .status(),
        200
    );
    assert_eq!(
        before
            .call("get_registration", &[("id", &his.to_string())])
            .await
            .status(),
        404
    );
    // The old account is told in its messages (its phone may be gone: no SMS), and the
    // move is in the audit log.
    let old_account = parent_account::Entity::find()
        .filter(parent_account::Column::HostSubject.eq("demo-zhang-wei"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the old account");
    let told = parent_message::Entity::find()
        .filter(parent_message::Column::AccountId.eq(old_account.id))
        .all(&app.db)
        .await
        .expect("query");
    assert!(
        told.iter()
            .any(|m| m.title_zh == "报名已转到您的另一个账号" && m.body_zh.contains(&reference)),
        "{told:?}"
    );
    assert_eq!(
        outbox::Entity::find()
            .filter(outbox::Column::Body.contains(reference.as_str()))
            .all(&app.db)
            .await
            .expect("query")
            .len(),
        0
    );
    let audited = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("registration.moved"))
        .all(&app.db)
        .await
        .expect("query");
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].object_id, Some(his));
    // Asked again, there is nothing left to move.
    let again = problems(move_here(&after).await).await;
    assert!(
        again.to_string().contains("您已经为这个孩子报过名"),
        "{again}"
    );
    assert_eq!(row(&app, his).await.account_id, new_account.id);
}

/// 张伟 opens the platform from a new host-app account (a new phone number, 139…0077),
/// which the host app vouches for with his ID number; his details not checked yet.
async fn new_phone(app: &TestApp) -> Browser {
    let after = app.browser();
    let signer = crate::helpers::dev_signer();
    let claims = signer.claims_for(
        "zhang-wei-new-phone",
        "张伟",
        "370202198805120311",
        "13900000077",
        true,
        chrono::Utc::now(),
    );
    let response = after.sso(&signer.sign(&claims).expect("signed")).await;
    assert_eq!(crate::helpers::location(&response), "/me");
    after
}

#[tokio::test]
async fn after_collection_closed_a_parent_on_a_new_account_still_brings_their_registration_over() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = crate::helpers::spawn_app().await;
    let before = app.confirmed_parent("demo-zhang-wei").await;
    let his = id_of(start(&app, &before).await).await;
    // Collection closes; the review and the results are still to come.
    let mut window = app.enrollment_window().await;
    window.closes_at = Set(chrono::Utc::now() - chrono::Duration::hours(1));
    window.update(&app.db).await.expect("closed");
    let after = new_phone(&app).await;
    assert_eq!(after.call("confirm_my_identity", &[]).await.status(), 200);
    // Starting a registration is over, so the refusal that offered the move never comes…
    let started = start(&app, &after).await;
    assert_ne!(started.status(), 200);
    assert!(
        !started
            .text()
            .await
            .unwrap_or_default()
            .contains("child_movable"),
        "the closed window answers first"
    );
    // …but his registration still comes over, to be followed to its result.
    assert_eq!(id_of(move_here(&after).await).await, his);
    assert_eq!(
        after
            .call("get_registration", &[("id", &his.to_string())])
            .await
            .status(),
        200
    );
}

async fn move_here(parent: &Browser) -> reqwest::Response {
    parent
        .call("move_child_registration", &[("child_id_number", CHILD)])
        .await
}

async fn claim_at(app: &TestApp, parent: &Browser, school: &str) -> reqwest::Response {
    let (entry, _) = entry_and_school(app, "local-property").await;
    parent
        .call(
            "claim_child_registration",
            &[
                ("subsystem", "enrollment"),
                ("entry_id", &entry.to_string()),
                ("school_id", school),
                ("child_id_number", CHILD),
            ],
        )
        .await
}

#[tokio::test]
async fn a_claim_that_cannot_register_sets_nothing_aside() {
    let app = app_with_registry(|_| {}).await;
    let stranger = app.confirmed_parent("demo-wang-qiang").await;
    let held = id_of(start(&app, &stranger).await).await;
    let mother = app.confirmed_parent("demo-li-na").await;
    // The register confirms her, but her registration cannot start (no such school): the
    // stranger's stays where it was, and the child is not left without a registration.
    let refused = problems(claim_at(&app, &mother, "999999").await).await;
    assert!(refused.to_string().contains("school_id"), "{refused}");
    let kept = row(&app, held).await;
    assert_eq!(kept.state.code(), "draft");
    assert!(holds_child(&kept.active_child_key));
    let set_aside = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("registration.set_aside"))
        .all(&app.db)
        .await
        .expect("audit");
    assert!(set_aside.is_empty(), "{set_aside:?}");
}

#[tokio::test]
async fn a_parent_with_another_registration_can_claim() {
    let app = app_with_registry(|_| {}).await;
    let stranger = app.confirmed_parent("demo-wang-qiang").await;
    let held = id_of(start(&app, &stranger).await).await;
    let mother = app.confirmed_parent("demo-li-na").await;
    // Her first place is taken by another child: the claim's registration takes the next.
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let other = create(
        &mother,
        entry,
        school,
        &crate::registrations::child_id("20191105", 415),
    )
    .await;
    id_of(other).await;
    let mine = id_of(claim(&app, &mother).await).await;
    assert!(holds_child(&row(&app, mine).await.active_child_key));
    assert_eq!(row(&app, held).await.state.code(), "set_aside");
}

#[tokio::test]
async fn asking_the_register_about_held_children_is_limited_and_audited() {
    let app = app_with_registry(|_| {}).await;
    let father = app.confirmed_parent("demo-zhang-wei").await;
    let his = id_of(start(&app, &father).await).await;
    let stranger = app.confirmed_parent("demo-wang-qiang").await;
    for _ in 0..5 {
        let refused = problems(claim(&app, &stranger).await).await;
        assert!(
            refused.to_string().contains("户籍登记中未能确认"),
            "{refused}"
        );
    }
    // A sixth try within the hour asks the register nothing and says when to try again.
    let limited = problems(claim(&app, &stranger).await).await;
    assert!(limited.to_string().contains("一小时后"), "{limited}");
    let asked = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("registration.claim_asked"))
        .all(&app.db)
        .await
        .expect("audit");
    assert_eq!(asked.len(), 5, "{asked:?}");
    assert!(
        asked
            .iter()
            .all(|a| a.detail.contains("not_confirmed") && !a.detail.contains(CHILD)),
        "{asked:?}"
    );
    assert_eq!(row(&app, his).await.state.code(), "draft");
}

#[tokio::test]
async fn a_draft_set_aside_stays_out_of_staff_sight() {
    let app = app_with_registry(|_| {}).await;
    // A renting family's draft: it asks for the rental contract from the start.
    let stranger = app.confirmed_parent("demo-wang-qiang").await;
    let (entry, school) = entry_and_school(&app, "local-no-property").await;
    let held = id_of(create(&stranger, entry, school, CHILD).await).await;
    let uploaded = crate::documents::upload(
        &stranger,
        held,
        "rental-contract",
        crate::documents::jpeg(1600, 1200),
    )
    .await;
    let status = uploaded.status();
    let uploaded: Value = uploaded.json().await.expect("json");
    assert_eq!(status, 200, "{uploaded}");
    let photo = uploaded["id"].as_i64().expect("photo id");
    let mother = app.confirmed_parent("demo-li-na").await;
    id_of(claim(&app, &mother).await).await;
    assert_eq!(row(&app, held).await.state.code(), "set_aside");
    // Never sent to the school: its answers and photos are nobody's but the family's, even
    // to staff who guess its number.
    for username in ["reviewer.sn1", "admin"] {
        let staff = app.staff(username).await;
        let detail = staff
            .call("get_review_detail", &[("id", &held.to_string())])
            .await;
        assert_eq!(detail.status(), 404, "{username}");
        let full = staff.get(&format!("/documents/{photo}/full")).await;
        assert_eq!(full.status(), 404, "{username}");
    }
}

#[tokio::test]
async fn a_registration_already_admitted_is_not_replaced_online() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = app_with_registry(|_| {}).await;
    let stranger = app.confirmed_parent("demo-wang-qiang").await;
    let held = id_of(start(&app, &stranger).await).await;
    // As if reviewed and admitted (its place comes from the school's order or draw).
    let mut admitted: registration::ActiveModel = row(&app, held).await.into();
    admitted.state = Set(app::domain::RegistrationState::Admitted);
    admitted.update(&app.db).await.expect("updated");
    let mother = app.confirmed_parent("demo-li-na").await;
    let refused = problems(claim(&app, &mother).await).await;
    assert!(refused.to_string().contains("联系教体局"), "{refused}");
    assert_eq!(row(&app, held).await.state.code(), "admitted");
    assert!(holds_child(&row(&app, held).await.active_child_key));
}

#[tokio::test]
async fn a_form_posted_without_code_comes_back_to_its_page_with_the_problem() {
    let app = crate::helpers::spawn_app().await;
    let parent = app.confirmed_parent("demo-li-na").await;
    let page = format!("{}/registrations/move", parent.address);
    let response = parent
        .client
        .post(format!("{}/api/move_child_registration", parent.address))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .header("referer", &page)
        .form(&[("child_id_number", CHILD)])
        .send()
        .await
        .expect("sent");
    // Back to the page it came from, the problem in the address: not the wire error as
    // text on a page of its own (as a 422 status would leave it).
    assert_eq!(response.status(), 302);
    let back = crate::helpers::location(&response);
    assert!(
        back.starts_with(&format!("{page}?")) && back.contains("__err="),
        "{back}"
    );
    let shown = parent
        .client
        .get(&back)
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("page");
    assert!(shown.contains("没有可以转来的报名"), "the page says why");
}
