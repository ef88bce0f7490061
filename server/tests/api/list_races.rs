//! A school's list under hands pressing at once: the bureau committing a draw while another
//! administrator decides an admission by hand, a parent submits, or a parent claims a child
//! back. Each pair must end as one or the other, never both: a draw that holds a child the
//! hand already decided cannot run, and a child sent or set aside behind a committed list
//! is one the draw admits or forgets by mistake.
//!
//! Every race is made certain rather than lucky: the test holds the database's writers back
//! (as a long transaction elsewhere would), sends both requests, waits until each has done
//! its reading and stands at its first write, and lets go.

use std::time::Duration;

use app::{
    domain::RegistrationState,
    server::entities::{admission_decision, draw_entrant, registration},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use serde_json::{Value, json};

use crate::{
    draw::{four_families, problem, three_first_grade_places},
    helpers::{Browser, TestApp, spawn_app},
    registrations::{child_id, entry_and_school, fill_all, submit},
    review::passed,
};

/// How long each request is given to reach its first write.
const SETTLE: Duration = Duration::from_millis(600);

/// Holds every writer of the test's database back until the returned transaction ends.
/// SQLite has one writer at a time, so a transaction that wrote holds them all; PostgreSQL
/// is told to hold writes to the tables the races here are about (reads go on).
async fn hold_writes(db: &DatabaseConnection) -> DatabaseTransaction {
    let txn = db.begin().await.expect("begin");
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => "UPDATE school SET id = id WHERE id < 0",
        _ => {
            "LOCK TABLE draw, admission_decision, registration, appointment, appointment_slot, \
             follower, document_photo IN EXCLUSIVE MODE"
        }
    };
    txn.execute_unprepared(sql).await.expect("writers held");
    txn
}

/// Sends `first`, then `second` once `first` waits at its write, then lets both go.
pub(crate) async fn at_once<A, B>(
    db: &DatabaseConnection,
    first: impl Future<Output = A>,
    second: impl Future<Output = B>,
) -> (A, B) {
    let held = hold_writes(db).await;
    let (a, b, ()) = tokio::join!(
        first,
        async {
            tokio::time::sleep(SETTLE).await;
            second.await
        },
        async {
            tokio::time::sleep(SETTLE * 2).await;
            held.rollback().await.expect("let go");
        }
    );
    (a, b)
}

fn draw_body(school: i32, entry: i32) -> Value {
    json!({
        "school_id": school, "subsystem": "enrollment",
        "tiers": [{ "name": "户籍+房产", "entry_ids": [entry] }]
    })
}

/// Four families' registrations at the first demo school, all through review, with three
/// places: ready for a draw.
async fn ready_for_a_draw(app: &TestApp) -> (Browser, Vec<i32>, i32, i32) {
    let registrations: Vec<(i32, i64)> = four_families(app)
        .await
        .into_iter()
        .flat_map(|(_, submitted)| submitted)
        .collect();
    for (id, version) in &registrations {
        passed(app, *id, *version).await;
    }
    let (entry, school) = entry_and_school(app, "local-property").await;
    let admin = app.staff("admin").await;
    three_first_grade_places(&admin, school).await;
    let ids = registrations.into_iter().map(|(id, _)| id).collect();
    (admin, ids, entry, school)
}

async fn entrants(app: &TestApp) -> Vec<i32> {
    draw_entrant::Entity::find()
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .map(|e| e.registration_id)
        .collect()
}

#[tokio::test]
async fn a_hand_decision_pressed_while_the_draw_is_committed_is_one_or_the_other() {
    let app = spawn_app().await;
    let (admin, ids, entry, school) = ready_for_a_draw(&app).await;
    let other_admin = app.staff("admin").await;

    let (drawn, by_hand) = at_once(
        &app.db,
        admin.call_json("schedule_draw", &draw_body(school, entry)),
        other_admin.call_json(
            "decide_admissions",
            &json!({ "school_id": school, "decisions": [[ids[0], "admitted"]] }),
        ),
    )
    .await;
    let (drawn_status, by_hand_status) = (drawn.status(), by_hand.status());
    let (drawn, by_hand) = (problem(drawn).await, problem(by_hand).await);
    let decided = admission_decision::Entity::find()
        .filter(admission_decision::Column::RegistrationId.is_in(ids.clone()))
        .all(&app.db)
        .await
        .expect("query");
    let in_draw = entrants(&app).await;
    // Before: both answered 200, and the draw held a child already admitted by hand (its
    // run then failed on the decision that was there first).
    assert!(
        decided.is_empty() || in_draw.is_empty(),
        "a draw of {in_draw:?} and decisions on {decided:?}: draw {drawn_status} {drawn}, hand {by_hand_status} {by_hand}"
    );
    if drawn_status == 200 {
        assert_eq!(by_hand_status, 422, "{by_hand}");
        assert!(by_hand.contains("派位"), "{by_hand}");
        // The draw runs and decides every child it holds.
        let draw_id = serde_json::from_str::<Value>(&drawn).expect("json")["id"].to_string();
        let run = admin
            .call(
                "run_draw",
                &[("draw_id", &draw_id), ("public_value", "40517")],
            )
            .await;
        assert_eq!(run.status(), 200, "{}", problem(run).await);
    } else {
        assert_eq!(by_hand_status, 200, "one of the two stands: {by_hand}");
        assert_eq!(drawn_status, 422, "{drawn}");
        assert!(drawn.contains("手工"), "{drawn}");
    }
}

#[tokio::test]
async fn a_registration_sent_while_the_draw_is_committed_is_in_review_or_refused() {
    let app = spawn_app().await;
    let (admin, _, entry, school) = ready_for_a_draw(&app).await;
    // A fifth family, ready to send.
    let parent = app.confirmed_parent("demo-li-na").await;
    let created =
        crate::registrations::create(&parent, entry, school, &child_id("20200601", 141)).await;
    assert_eq!(created.status(), 200);
    let late = i32::try_from(created.json::<i64>().await.expect("id")).expect("fits");
    let version = fill_all(&parent, late).await;

    let (drawn, sent) = at_once(
        &app.db,
        admin.call_json("schedule_draw", &draw_body(school, entry)),
        submit(&parent, late, version),
    )
    .await;
    let (drawn_status, sent_status) = (drawn.status(), sent.status());
    let (drawn, sent) = (problem(drawn).await, problem(sent).await);
    let state = registration::Entity::find_by_id(late)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .state;
    // Before: both stood, and the child sat "in review" behind a list no review could join.
    if drawn_status == 200 {
        assert_eq!(sent_status, 422, "{sent}");
        assert!(sent.contains("派位名单"), "{sent}");
        assert_eq!(state, RegistrationState::Draft, "{state:?}");
    } else {
        assert_eq!(sent_status, 200, "one of the two stands: {sent}");
        assert!(drawn.contains("未完成审核"), "{drawn}");
        assert!(entrants(&app).await.is_empty());
    }
}

#[tokio::test]
async fn a_child_claimed_back_while_the_draw_is_committed_is_drawn_or_set_aside_not_both() {
    let app = crate::registry::app_with_registry(|_| {}).await;
    // A stranger registered 张伟 and 李娜's child, and (as if sent and reviewed) it passed.
    let stranger = app.confirmed_parent("demo-wang-qiang").await;
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let started =
        crate::registrations::create(&stranger, entry, school, crate::claims::CHILD).await;
    assert_eq!(started.status(), 200);
    let held = i32::try_from(started.json::<i64>().await.expect("id")).expect("fits");
    let mut reviewed: registration::ActiveModel = registration::Entity::find_by_id(held)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .into();
    reviewed.state = Set(RegistrationState::ReviewPassed);
    reviewed.grade = Set(Some(1));
    reviewed.update(&app.db).await.expect("reviewed");
    let admin = app.staff("admin").await;
    three_first_grade_places(&admin, school).await;
    let mother = app.confirmed_parent("demo-li-na").await;

    let (drawn, claimed) = at_once(
        &app.db,
        admin.call_json("schedule_draw", &draw_body(school, entry)),
        crate::claims::claim(&app, &mother),
    )
    .await;
    let (drawn_status, claimed_status) = (drawn.status(), claimed.status());
    let (drawn, claimed) = (problem(drawn).await, problem(claimed).await);
    let state = registration::Entity::find_by_id(held)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .state;
    let in_draw = entrants(&app).await;
    // Before: the draw held the stranger's registration and the claim set it aside: a
    // place the draw could give to a registration nobody will take up.
    if drawn_status == 200 {
        assert_eq!(in_draw, vec![held]);
        assert_eq!(claimed_status, 422, "{claimed}");
        assert!(claimed.contains("派位"), "{claimed}");
        assert_eq!(state, RegistrationState::ReviewPassed, "{state:?}");
    } else {
        assert_eq!(claimed_status, 200, "one of the two stands: {claimed}");
        assert_eq!(state, RegistrationState::SetAside, "{state:?}");
        // Nobody is left to draw.
        assert_eq!(drawn_status, 422, "{drawn}");
        assert!(drawn.contains("没有审核通过"), "{drawn}");
        assert!(in_draw.is_empty(), "{in_draw:?}");
    }
}
