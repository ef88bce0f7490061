//! The other guardian (另一位监护人): named by the registrant or by the household register,
//! confirmed by that person, then reading the registration and getting its notices — and
//! never changing it.

use app::server::{
    entities::{audit_log, outbox, parent_message, registration},
    services::followers,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;

use crate::{
    helpers::{Browser, demo_parent, spawn_app},
    registrations::{TWIN_1, view},
    review::{decide, submitted},
};

async fn invite(parent: &Browser, id: i32, name: &str, id_number: &str) -> reqwest::Response {
    parent
        .call(
            "invite_follower",
            &[
                ("id", &id.to_string()),
                ("name", name),
                ("id_number", id_number),
            ],
        )
        .await
}

async fn mine(parent: &Browser) -> Value {
    let response = parent.call("list_my_registrations", &[]).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

#[tokio::test]
async fn the_other_guardian_follows_once_confirmed_reads_and_is_told_but_never_changes_anything() {
    let app = spawn_app().await;
    let father = app.confirmed_parent("demo-zhang-wei").await;
    let mother = app.confirmed_parent("demo-li-na").await;
    let stranger = app.confirmed_parent("demo-wang-qiang").await;
    let (id, version) = submitted(&app, &father, TWIN_1).await;
    let mother_id = demo_parent("demo-li-na").id_number;

    // Bad input is named, field by field; the registrant cannot name themself or the child.
    let bad = invite(&father, id, "", "123").await;
    assert_eq!(bad.status(), 422);
    let bad = bad.text().await.expect("text");
    assert!(bad.contains("姓名") && bad.contains("身份证号"), "{bad}");
    let own = invite(&father, id, "张伟", demo_parent("demo-zhang-wei").id_number).await;
    assert_eq!(own.status(), 422);
    // Only the registrant names anyone.
    assert_eq!(
        invite(
            &stranger,
            id,
            "王强",
            demo_parent("demo-wang-qiang").id_number
        )
        .await
        .status(),
        404
    );

    let invited = invite(&father, id, "李娜", mother_id).await;
    assert_eq!(invited.status(), 200);
    let list: Value = invited.json().await.expect("json");
    assert_eq!(list[0]["name"], "李娜");
    assert_eq!(list[0]["confirmed"], false);
    assert!(
        !list.to_string().contains(mother_id),
        "the ID number is shown masked: {list}"
    );
    assert_eq!(invite(&father, id, "李娜", mother_id).await.status(), 422);

    // Nothing to see before confirming; the invitation shows names masked.
    assert_eq!(
        mother
            .call("get_registration", &[("id", &id.to_string())])
            .await
            .status(),
        404
    );
    let before = mine(&mother).await;
    let invitation = &before["invitations"][0];
    assert_eq!(invitation["registrant"], "张*");
    let follower_id = invitation["id"].as_i64().expect("id").to_string();
    // Someone else cannot take it.
    assert_eq!(
        stranger
            .call("confirm_following", &[("follower_id", &follower_id)])
            .await
            .status(),
        404
    );
    assert_eq!(
        mother
            .call("confirm_following", &[("follower_id", &follower_id)])
            .await
            .status(),
        200
    );

    // Confirmed: read-only, listed among the registrations followed.
    let after = mine(&mother).await;
    assert_eq!(after["invitations"].as_array().map(Vec::len), Some(0));
    assert_eq!(after["following"][0]["id"], id);
    let seen = view(&mother, id).await;
    assert_eq!(seen["following"], true);
    assert_eq!(seen["editable"], false);
    assert_eq!(seen["deletable"], false);
    assert_eq!(seen["answers"], view(&father, id).await["answers"]);
    // Never a write: delete, consent, answers, followers all refuse, and nothing moved.
    for (name, fields) in [
        (
            "delete_registration",
            vec![
                ("id", id.to_string()),
                ("base_version", version.to_string()),
            ],
        ),
        (
            "answer_offer",
            vec![("id", id.to_string()), ("accept", "false".to_owned())],
        ),
        (
            "invite_follower",
            vec![
                ("id", id.to_string()),
                ("name", "王强".to_owned()),
                (
                    "id_number",
                    demo_parent("demo-wang-qiang").id_number.to_owned(),
                ),
            ],
        ),
        ("get_followers", vec![("id", id.to_string())]),
    ] {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let status = mother.call(name, &fields).await.status();
        assert_eq!(status, 404, "{name} as the follower");
    }
    let consent = mother
        .call_json(
            "decide_registry_consent",
            &serde_json::json!({ "id": id, "grant": true }),
        )
        .await
        .status();
    assert_eq!(consent, 404, "decide_registry_consent as the follower");
    let row = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row");
    assert_eq!(row.version, version, "the follower changed nothing");

    // The school's decision reaches both, in the app and by SMS.
    let reviewer = app.staff("reviewer.sn1").await;
    let decided = decide(&reviewer, id, version, "first", "pass", "", "", &[]).await;
    assert_eq!(decided.status(), 200);
    let mother_account = parent_message::Entity::find()
        .filter(parent_message::Column::RegistrationId.eq(id))
        .all(&app.db)
        .await
        .expect("query");
    let accounts: std::collections::BTreeSet<i32> =
        mother_account.iter().map(|m| m.account_id).collect();
    assert_eq!(accounts.len(), 2, "the registrant and the follower");
    let texts = outbox::Entity::find()
        .filter(outbox::Column::Recipient.eq(demo_parent("demo-li-na").phone))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(texts, 1, "the follower's phone gets the SMS");

    // Withdrawn: the follower sees nothing any more, and gets nothing more.
    let followers: Value = father
        .call("get_followers", &[("id", &id.to_string())])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(followers[0]["confirmed"], true);
    let withdrawn = father
        .call(
            "withdraw_follower",
            &[("id", &id.to_string()), ("follower_id", &follower_id)],
        )
        .await;
    assert_eq!(withdrawn.status(), 200);
    assert_eq!(
        mother
            .call("get_registration", &[("id", &id.to_string())])
            .await
            .status(),
        404
    );
    assert_eq!(
        mine(&mother).await["following"].as_array().map(Vec::len),
        Some(0)
    );
    let actions: Vec<String> = audit_log::Entity::find()
        .filter(audit_log::Column::Action.starts_with("follower."))
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(
        actions,
        ["follower.invite", "follower.confirm", "follower.withdraw"]
    );
}

#[tokio::test]
async fn the_household_register_names_the_other_parent_at_submission() {
    let app = crate::registry::app_with_registry(|_| {}).await;
    let father = app.confirmed_parent("demo-zhang-wei").await;
    let mother = app.confirmed_parent("demo-li-na").await;
    let (entry, school) = crate::registrations::entry_and_school(&app, "local-property").await;
    let created = crate::registrations::create(&father, entry, school, "370202202003150526").await;
    assert_eq!(created.status(), 200);
    let id = i32::try_from(created.json::<i64>().await.expect("id")).expect("fits");
    // Without the register's answer, nobody is named.
    let row = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row");
    let now = chrono::Utc::now();
    assert_eq!(
        followers::name_from_register(&app.db, &row, now)
            .await
            .expect("named"),
        0
    );
    crate::registry::consent(&father, id, true).await;
    crate::registry::settled(&father, id, "child").await;
    assert_eq!(
        followers::name_from_register(&app.db, &row, now)
            .await
            .expect("named"),
        1,
        "the mother the register names"
    );
    // Once only, however often the registration is submitted.
    assert_eq!(
        followers::name_from_register(&app.db, &row, now)
            .await
            .expect("named"),
        0
    );
    let invitations = mine(&mother).await["invitations"].clone();
    assert_eq!(
        invitations[0]["source"], "HouseholdRegister",
        "{invitations}"
    );
    assert_eq!(invitations[0]["registrant"], "张*");
}

#[tokio::test]
async fn two_invitations_sent_at_once_stay_within_the_limit() {
    use app::domain::follower::MAX_FOLLOWERS;
    use app::server::entities::follower;
    let app = spawn_app().await;
    let father = app.confirmed_parent("demo-zhang-wei").await;
    let (id, _) = submitted(&app, &father, TWIN_1).await;
    let already = follower::Entity::find()
        .filter(follower::Column::RegistrationId.eq(id))
        .filter(follower::Column::WithdrawnAt.is_null())
        .count(&app.db)
        .await
        .expect("count");
    // Invite until one place is left, then two at once for it.
    let people = [
        ("王强", demo_parent("demo-wang-qiang").id_number),
        ("刘芳", demo_parent("demo-liu-fang").id_number),
        ("李娜", demo_parent("demo-li-na").id_number),
    ];
    let mut people = people
        .into_iter()
        .filter(|(_, n)| *n != demo_parent("demo-zhang-wei").id_number);
    for _ in already..(MAX_FOLLOWERS as u64 - 1) {
        let (name, number) = people.next().expect("a person to invite");
        assert_eq!(invite(&father, id, name, number).await.status(), 200);
    }
    let (a, b) = (people.next().expect("one"), people.next().expect("two"));
    let (first, second) = crate::list_races::at_once(
        &app.db,
        invite(&father, id, a.0, a.1),
        invite(&father, id, b.0, b.1),
    )
    .await;
    let present = follower::Entity::find()
        .filter(follower::Column::RegistrationId.eq(id))
        .filter(follower::Column::WithdrawnAt.is_null())
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(
        present,
        MAX_FOLLOWERS as u64,
        "answers {} and {}",
        first.status(),
        second.status()
    );
    let statuses = [first.status().as_u16(), second.status().as_u16()];
    assert!(
        statuses.contains(&200) && statuses.contains(&422),
        "{statuses:?}"
    );
}
