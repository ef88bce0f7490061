//! Draws: committed, run once, decided and checkable from the public record; and
//! `server verify-draw FILE`, which checks an export with the binary a city runs and nothing
//! else (no settings, no database).

use std::{collections::BTreeMap, process::Command};

use app::server::entities::{admission_decision, audit_log, registration};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::{
    helpers::{Browser, TestApp, spawn_app},
    registrations::{TWIN_1, TWIN_2, child_id, entry_and_school},
    review::{passed, submitted, submitted_alone},
};

const SECRET: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

fn record() -> draw::Record {
    let unit = |refs: &[&str]| draw::Unit::new(refs.iter().map(|r| (*r).to_owned()));
    let tiers = vec![
        draw::Tier {
            name: "户籍+房产".into(),
            name_en: String::new(),
            units: vec![unit(&["JN-0001"]), unit(&["JN-0002", "JN-0003"])],
        },
        draw::Tier {
            name: "户籍".into(),
            name_en: String::new(),
            units: (10..30).map(|n| unit(&[&format!("JN-00{n}")])).collect(),
        },
    ];
    draw::run(8, tiers, SECRET, "40517").expect("draw")
}

/// A file of its own for one test, removed when dropped.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(content: &[u8]) -> Self {
        let path =
            std::env::temp_dir().join(format!("ruxue-draw-{}.json", uuid::Uuid::new_v4().simple()));
        std::fs::write(&path, content).expect("written");
        Self(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn verify_draw(record: &draw::Record) -> (bool, String, String) {
    let file = Scratch::new(&serde_json::to_vec(record).expect("json"));
    let path = &file.0;
    let output = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("verify-draw")
        .arg(path)
        .env_clear()
        .output()
        .expect("server runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn an_exported_draw_checks_with_the_server_binary_alone() {
    let record = record();
    let (ok, out, err) = verify_draw(&record);
    assert!(ok, "{err}");
    assert!(out.starts_with("the draw checks (ruxue-draw-1)"), "{out}");
    assert!(out.contains(&record.seed), "{out}");
    assert!(out.contains("drawn in tier 2 of 2"), "{out}");
    assert!(out.contains("admitted:    8"), "{out}");
    assert!(out.contains("waiting:     15"), "{out}");
}

#[test]
fn a_draw_whose_results_were_changed_after_it_ran_does_not_check() {
    let mut moved = record();
    let last_admitted = moved.allocation.admitted.pop().expect("admitted");
    let first_waiting = moved.allocation.waiting.remove(0);
    moved.allocation.admitted.push(first_waiting);
    moved.allocation.waiting.insert(0, last_admitted);
    let (ok, out, err) = verify_draw(&moved);
    assert!(!ok, "{out}");
    assert!(
        err.contains(
            "does NOT check: the list of admitted registrations is not what the inputs give"
        ),
        "{err}"
    );

    let mut late_entry = record();
    late_entry.tiers[1]
        .units
        .push(draw::Unit::new(["JN-0099".to_owned()]));
    let (ok, _, err) = verify_draw(&late_entry);
    assert!(!ok);
    assert!(err.contains("list fingerprint"), "{err}");
}

#[test]
fn a_file_that_is_not_a_draw_is_named_as_such() {
    let file = Scratch::new(b"{\"places\": 3}");
    let output = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("verify-draw")
        .arg(&file.0)
        .output()
        .expect("server runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("is not a draw record"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let missing = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("verify-draw")
        .output()
        .expect("server runs");
    assert_eq!(missing.status.code(), Some(2));
}

/// A draw's public record as the checker reads it.
fn record_of(view: &Value) -> draw::Record {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let result = &view["result"];
    let tiers = view["tiers"]
        .as_array()
        .expect("tiers")
        .iter()
        .map(|t| draw::Tier {
            name: t["name"].as_str().unwrap_or_default().to_owned(),
            name_en: t["name_en"].as_str().unwrap_or_default().to_owned(),
            units: t["units"]
                .as_array()
                .expect("units")
                .iter()
                .map(|u| draw::Unit::new(strings(u)))
                .collect(),
        })
        .collect();
    draw::Record {
        version: view["version"].as_str().unwrap_or_default().to_owned(),
        places: u32::try_from(view["places"].as_u64().expect("places")).expect("fits"),
        tiers,
        fingerprint: view["fingerprint"].as_str().unwrap_or_default().to_owned(),
        commitment: view["commitment"].as_str().unwrap_or_default().to_owned(),
        secret: result["secret"].as_str().unwrap_or_default().to_owned(),
        public_value: result["public_value"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        seed: result["seed"].as_str().unwrap_or_default().to_owned(),
        allocation: draw::Allocation {
            drawn_tier: result["drawn_tier"]
                .as_u64()
                .and_then(|t| usize::try_from(t).ok()),
            order: result["order"]
                .as_array()
                .map(|o| o.iter().map(|u| draw::Unit::new(strings(u))).collect())
                .unwrap_or_default(),
            admitted: strings(&result["admitted"]),
            waiting: strings(&result["waiting"]),
        },
    }
}

/// Four families at the first demo school, each submitted: the Zhang twins (one unit of
/// the draw) and three children; each family's parent and registrations (id, version).
pub(crate) async fn four_families(app: &TestApp) -> Vec<(Browser, Vec<(i32, i64)>)> {
    let zhang = app.confirmed_parent("demo-zhang-wei").await;
    let twins = vec![
        submitted(app, &zhang, TWIN_1).await,
        submitted(app, &zhang, TWIN_2).await,
    ];
    let mut families = vec![(zhang, twins)];
    for (n, subject) in ["demo-li-na", "demo-wang-qiang", "demo-liu-fang"]
        .into_iter()
        .enumerate()
    {
        let parent = app.confirmed_parent(subject).await;
        let child = child_id("20200601", 101 + u32::try_from(n).expect("small"));
        let registration = submitted_alone(app, &parent, subject, &child).await;
        families.push((parent, vec![registration]));
    }
    families
}

/// Gives the school three first-grade places (the bureau's administrator).
pub(crate) async fn three_first_grade_places(admin: &Browser, school: i32) {
    let capacity = admin
        .call(
            "set_school_capacity",
            &[
                ("school_id", &school.to_string()),
                ("subsystem", "enrollment"),
                ("grade", "1"),
                ("capacity", "3"),
            ],
        )
        .await;
    assert_eq!(capacity.status(), 200);
}

pub(crate) async fn problem(response: reqwest::Response) -> String {
    response.text().await.unwrap_or_default()
}

#[tokio::test]
async fn a_committed_draw_runs_once_decides_the_admissions_and_its_public_record_checks() {
    let app = spawn_app().await;
    let registrations: Vec<(i32, i64)> = four_families(&app)
        .await
        .into_iter()
        .flat_map(|(_, submitted)| submitted)
        .collect();
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let admin = app.staff("admin").await;
    let schedule = |tiers: Value| {
        let admin = &admin;
        async move {
            admin
                .call_json(
                    "schedule_draw",
                    &json!({ "school_id": school, "subsystem": "enrollment", "tiers": tiers }),
                )
                .await
        }
    };
    let tiers =
        json!([{ "name": "户籍+房产", "name_en": "Household + property", "entry_ids": [entry] }]);

    // The list is final only once review is over.
    let early = schedule(tiers.clone()).await;
    assert_eq!(early.status(), 422);
    assert!(problem(early).await.contains("未完成审核"));
    for (id, version) in &registrations {
        passed(&app, *id, *version).await;
    }
    // Every registration's entry must be in a tier.
    let partial = schedule(json!([{ "name": "其他", "entry_ids": [] }])).await;
    assert_eq!(partial.status(), 422);
    assert!(problem(partial).await.contains("不在任何顺位"));
    three_first_grade_places(&admin, school).await;

    let committed = schedule(tiers.clone()).await;
    assert_eq!(committed.status(), 200);
    let committed: Value = committed.json().await.expect("json");
    let draw_id = committed["id"].as_i64().expect("id");
    assert_eq!(committed["places"], 3);
    assert!(committed["result"].is_null());
    assert_eq!(
        (
            &committed["tiers"][0]["name"],
            &committed["tiers"][0]["name_en"]
        ),
        (&json!("户籍+房产"), &json!("Household + property"))
    );
    let units = committed["tiers"][0]["units"].as_array().expect("units");
    assert_eq!(units.len(), 4, "the twins are one unit: {committed}");
    assert!(units.iter().any(|u| u.as_array().map(Vec::len) == Some(2)));
    assert_eq!(
        committed["commitment"].as_str().map(str::len),
        Some(64),
        "{committed}"
    );
    // Committed: once, and the list no longer changes by hand.
    let again = schedule(tiers).await;
    assert_eq!(again.status(), 422);
    assert!(problem(again).await.contains("已经安排"));
    let by_hand = admin
        .call_json(
            "decide_admissions",
            &json!({ "school_id": school, "decisions": [[registrations[2].0, "admitted"]] }),
        )
        .await;
    assert_eq!(by_hand.status(), 422);
    assert!(problem(by_hand).await.contains("派位"));

    // Anyone reads the public record: reference numbers only, no names, no ID numbers.
    let visitor = app.browser();
    let public = visitor
        .call("get_draw", &[("draw_id", &draw_id.to_string())])
        .await;
    assert_eq!(public.status(), 200);
    let public = public.text().await.expect("text");
    for secret in [TWIN_1, TWIN_2, "张", "secret\":\""] {
        assert!(!public.contains(secret), "{secret} in {public}");
    }
    // Its page says the list is frozen and the draw still to come; no record to download yet.
    let page = visitor.get(&format!("/draws/{draw_id}")).await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.expect("html");
    assert!(page.contains("电脑派位"), "{page}");
    assert!(page.contains("等待现场派位"), "{page}");
    assert!(page.contains(committed["commitment"].as_str().expect("commitment")));
    assert!(
        !page.contains("张") && !page.contains(TWIN_1),
        "no names, no ID numbers"
    );
    let early = visitor.get(&format!("/draws/{draw_id}/record.json")).await;
    assert_eq!(
        early.status(),
        404,
        "the secret is not revealed before the draw"
    );

    // The public value is required; the draw runs once however many press at once.
    let run = |value: &'static str| {
        let admin = &admin;
        async move {
            admin
                .call(
                    "run_draw",
                    &[("draw_id", &draw_id.to_string()), ("public_value", value)],
                )
                .await
        }
    };
    let blank = run("  ").await;
    assert_eq!(blank.status(), 422);
    assert!(problem(blank).await.contains("公开数值"));
    // What the room sees is what is drawn: an invisible or full-width character would give
    // another seed behind the same-looking value.
    for hidden in ["40517\u{200b}", "４０５１７"] {
        let refused = run(hidden).await;
        assert_eq!(refused.status(), 422, "{hidden}");
        assert!(problem(refused).await.contains("半角"), "{hidden}");
    }

    // A draft sent after the list was committed could never be reviewed or drawn: refused
    // with the reason, and it stays a draft.
    let late_parent = app.confirmed_parent("demo-liu-fang").await;
    let late =
        crate::registrations::create(&late_parent, entry, school, &child_id("20200601", 121)).await;
    assert_eq!(late.status(), 200);
    let late = i32::try_from(late.json::<i64>().await.expect("id")).expect("fits");
    let version = crate::registrations::fill_all(&late_parent, late).await;
    let refused = crate::registrations::submit(&late_parent, late, version).await;
    assert_eq!(refused.status(), 422);
    assert!(problem(refused).await.contains("派位名单已经确定"));
    let (a, b) = tokio::join!(run("40517"), run("40517"));
    let statuses = [a.status().as_u16(), b.status().as_u16()];
    assert!(
        statuses.contains(&200) && statuses.contains(&422),
        "{statuses:?}"
    );
    let ran = if a.status() == 200 { a } else { b };
    let ran: Value = ran.json().await.expect("json");
    assert_eq!(ran["result"]["public_value"], "40517");
    assert_eq!(
        ran["result"]["admitted"].as_array().map(Vec::len),
        Some(3),
        "{ran}"
    );
    // Anyone re-runs it from the public record and gets the same result.
    let public: Value = visitor
        .call("get_draw", &[("draw_id", &draw_id.to_string())])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(public, ran);
    let record = record_of(&public);
    draw::verify(&record).expect("the public record checks");
    assert_eq!(
        draw::commitment(&record.secret).ok(),
        Some(record.commitment.clone())
    );

    // The draw's admissions are the school's decisions; the twins share theirs.
    let decisions: BTreeMap<i32, String> = admission_decision::Entity::find()
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .map(|d| (d.registration_id, d.outcome.code().to_owned()))
        .collect();
    assert_eq!(decisions.len(), 5);
    assert_eq!(decisions.values().filter(|o| *o == "admitted").count(), 3);
    assert_eq!(
        decisions[&registrations[0].0], decisions[&registrations[1].0],
        "twins admitted together or not at all"
    );
    let audit: Vec<String> = audit_log::Entity::find()
        .filter(audit_log::Column::Action.starts_with("draw."))
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(audit, ["draw.schedule", "draw.run"]);
}

#[tokio::test]
async fn a_place_declined_or_not_accepted_in_time_moves_the_waiting_list_up_once_with_two_publishers()
 {
    use std::collections::{HashMap, HashSet};

    use app::server::{
        entities::{offer, outbox, parent_message, review_event},
        services::offers,
    };
    use chrono::{Datelike, Utc};
    use sea_orm::PaginatorTrait;

    let app = spawn_app().await;
    let families = four_families(&app).await;
    for (id, version) in families.iter().flat_map(|(_, r)| r) {
        passed(&app, *id, *version).await;
    }
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let admin = app.staff("admin").await;
    three_first_grade_places(&admin, school).await;
    let schedule = |hours: u32| {
        let admin = &admin;
        async move {
            admin
                .call_json(
                    "schedule_draw",
                    &json!({
                        "school_id": school,
                        "subsystem": "enrollment",
                        "tiers": [{ "name": "户籍+房产", "entry_ids": [entry] }],
                        "answer_hours": hours,
                    }),
                )
                .await
        }
    };
    let never = schedule(0).await;
    assert_eq!(never.status(), 422);
    assert!(problem(never).await.contains("1 到 720"));
    let committed: Value = schedule(48).await.json().await.expect("json");
    assert_eq!(committed["answer_hours"], 48, "{committed}");
    let draw_id = committed["id"].as_i64().expect("id").to_string();
    let ran = admin
        .call(
            "run_draw",
            &[("draw_id", draw_id.as_str()), ("public_value", "40517")],
        )
        .await;
    assert_eq!(ran.status(), 200);
    let record = record_of(&ran.json::<Value>().await.expect("json"));

    // Who is who: each reference's registration and parent.
    let ids: HashMap<i32, usize> = families
        .iter()
        .enumerate()
        .flat_map(|(family, (_, r))| r.iter().map(move |(id, _)| (*id, family)))
        .collect();
    let rows = registration::Entity::find()
        .filter(registration::Column::Id.is_in(ids.keys().copied()))
        .all(&app.db)
        .await
        .expect("query");
    let of: HashMap<String, (i32, usize)> = rows
        .iter()
        .map(|r| (r.reference.clone(), (r.id, ids[&r.id])))
        .collect();
    let parent = |reference: &str| &families[of[reference].1].0;
    let answer = |reference: &str, accept: bool| {
        let (id, _) = of[reference];
        let browser = parent(reference);
        async move {
            browser
                .call(
                    "answer_offer",
                    &[("id", &id.to_string()), ("accept", &accept.to_string())],
                )
                .await
        }
    };

    // Published at once: the admitted are offered their places until a deadline, the
    // waiting told their place on the list.
    let local_now = Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let published = admin
        .call(
            "schedule_publication",
            &[
                ("school_id", &school.to_string()),
                ("subsystem", "enrollment"),
                ("publish_at", &local_now),
            ],
        )
        .await;
    assert_eq!(published.status(), 200);
    for reference in &record.allocation.admitted {
        let mine = crate::registrations::view(parent(reference), of[reference].0).await;
        assert_eq!(mine["state"], "Admitted", "{mine}");
        assert_eq!(mine["offer"]["open"], true, "{mine}");
        assert_eq!(mine["draw"]["fingerprint"], committed["fingerprint"]);
        assert!(
            mine["offer"]["deadline"]
                .as_str()
                .is_some_and(|d| d.parse::<chrono::NaiveDateTime>().is_ok()),
            "{mine}"
        );
    }
    for (n, reference) in record.allocation.waiting.iter().enumerate() {
        let mine = crate::registrations::view(parent(reference), of[reference].0).await;
        assert_eq!(mine["state"], "NotAdmitted", "{mine}");
        assert!(mine["offer"].is_null());
        let told = parent_message::Entity::find()
            .filter(parent_message::Column::RegistrationId.eq(of[reference].0))
            .filter(parent_message::Column::BodyZh.contains(format!("候补名单第 {} 位", n + 1)))
            .count(&app.db)
            .await
            .expect("count");
        assert_eq!(told, 1, "{reference} is told its place on the list");
    }

    // Only the registrant answers; an admitted single child's parent declines, once.
    let twins: HashSet<i32> = families[0].1.iter().map(|(id, _)| *id).collect();
    let single = record
        .allocation
        .admitted
        .iter()
        .find(|r| !twins.contains(&of[r.as_str()].0))
        .expect("three places for twins and three children admit a single child")
        .clone();
    let (single_id, single_family) = of[&single];
    let stranger = &families[(single_family % 3) + 1].0;
    let refused = stranger
        .call(
            "answer_offer",
            &[("id", &single_id.to_string()), ("accept", "false")],
        )
        .await;
    assert_eq!(refused.status(), 404);
    assert_eq!(answer(&single, false).await.status(), 200);
    let again = answer(&single, true).await;
    assert_eq!(again.status(), 422);
    assert!(problem(again).await.contains("已经有了答复"));
    let mine = crate::registrations::view(parent(&single), single_id).await;
    assert_eq!(mine["state"], "PlaceDeclined", "{mine}");

    // The place goes down the list by the draw's rule: the first unit that fits in one place.
    let waiting = draw::waiting_units(&record.tiers, &record.allocation.waiting);
    let first_move = draw::move_up(&waiting, 1);
    let offered_to = |units: &[draw::Unit]| -> HashSet<i32> {
        units
            .iter()
            .flat_map(|u| u.references().iter().map(|r| of[r.as_str()].0))
            .collect()
    };
    let admitted: HashSet<i32> = record
        .allocation
        .admitted
        .iter()
        .map(|r| of[r.as_str()].0)
        .collect();
    let moved = |rows: Vec<offer::Model>| -> HashSet<i32> {
        rows.into_iter()
            .map(|o| o.registration_id)
            .filter(|id| !admitted.contains(id))
            .collect()
    };
    let offers_now = offer::Entity::find().all(&app.db).await.expect("query");
    assert_eq!(moved(offers_now), offered_to(&first_move));

    // Another admitted child's parent accepts.
    let keeper = record
        .allocation
        .admitted
        .iter()
        .find(|r| **r != single)
        .expect("another admitted")
        .clone();
    assert_eq!(answer(&keeper, true).await.status(), 200);
    let mine = crate::registrations::view(parent(&keeper), of[&keeper].0).await;
    assert_eq!(mine["state"], "Admitted");
    assert_eq!(mine["offer"]["answer"], "Accepted", "{mine}");
    assert_eq!(mine["offer"]["open"], false);

    // Past every deadline, two publishers at once: each open offer expires once, and the
    // two places left (three, one accepted) go once to the units never offered one.
    let open = offer::Entity::find()
        .filter(offer::Column::Answer.is_null())
        .count(&app.db)
        .await
        .expect("count");
    let later = Utc::now() + chrono::Duration::hours(49);
    let (a, b) = tokio::join!(
        offers::settle_due(&app.db, later),
        offers::settle_due(&app.db, later)
    );
    assert_eq!(
        u64::try_from(a.expect("round") + b.expect("round")).expect("fits"),
        open
    );
    assert_eq!(offers::settle_due(&app.db, later).await.expect("round"), 0);
    let never_offered: Vec<draw::Unit> = waiting
        .iter()
        .filter(|u| !first_move.contains(u))
        .cloned()
        .collect();
    let second_move = draw::move_up(&never_offered, 2);
    let still_open: HashSet<i32> = offer::Entity::find()
        .filter(offer::Column::Answer.is_null())
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .map(|o| o.registration_id)
        .collect();
    assert_eq!(still_open, offered_to(&second_move));
    for id in &still_open {
        let row = registration::Entity::find_by_id(*id)
            .one(&app.db)
            .await
            .expect("query")
            .expect("row");
        assert_eq!(row.state.code(), "admitted");
    }

    // Each move told once: one timeline step and one SMS a child moved up.
    let moved_up = offered_to(&first_move).len() + offered_to(&second_move).len();
    let events = |kind: &'static str| {
        let db = app.db.clone();
        async move {
            review_event::Entity::find()
                .filter(review_event::Column::Kind.eq(kind))
                .count(&db)
                .await
                .expect("count")
        }
    };
    let steps = events("place_offered").await;
    assert_eq!(usize::try_from(steps).expect("fits"), moved_up);
    // One SMS to the parent's phone, and one more to the registration's contact phone
    // where that is another number.
    let sms = outbox::Entity::find()
        .filter(outbox::Column::Body.contains("候补递补"))
        .all(&app.db)
        .await
        .expect("query");
    let to_parents = sms
        .iter()
        .filter(|m| !m.dedupe_key.ends_with(":contact"))
        .count();
    assert_eq!(to_parents, moved_up);
    assert!(sms.len() - to_parents <= moved_up, "{sms:?}");
    // Each names its deadline on the bureau's clock (UTC+8) as people write it
    // (2027年7月15日 17:00), not as a database does (2027-07-15 17:00).
    let bodies: Vec<String> = outbox::Entity::find()
        .filter(outbox::Column::Body.contains("候补递补"))
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .map(|sms| sms.body)
        .collect();
    for offer in offer::Entity::find()
        .filter(offer::Column::RegistrationId.is_in(still_open.iter().copied()))
        .all(&app.db)
        .await
        .expect("query")
    {
        let local = (offer.deadline + chrono::Duration::hours(8)).naive_utc();
        let written = format!(
            "请在 {}年{}月{}日 {} 前登录平台确认接受学位",
            local.year(),
            local.month(),
            local.day(),
            local.format("%H:%M")
        );
        assert!(
            bodies.iter().any(|body| body.contains(&written)),
            "{written} in {bodies:?}"
        );
    }
    assert_eq!(events("place_expired").await, open);
    let audit: Vec<String> = audit_log::Entity::find()
        .filter(audit_log::Column::Action.starts_with("offer."))
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(
        audit.iter().filter(|a| *a == "offer.answer").count(),
        2,
        "{audit:?}"
    );
    assert_eq!(
        audit.iter().filter(|a| *a == "offer.expire").count(),
        1,
        "one worker expired them, the other found nothing: {audit:?}"
    );
}

#[tokio::test]
async fn transfers_are_drawn_grade_by_grade_and_a_grade_without_a_draw_stays_decided_by_hand() {
    use crate::bureau::submitted_transfer;

    let app = spawn_app().await;
    let mut third = Vec::new();
    for (n, subject) in ["demo-zhang-wei", "demo-li-na"].into_iter().enumerate() {
        let parent = app.confirmed_parent(subject).await;
        let child = child_id("20180301", 451 + u32::try_from(n).expect("small"));
        third.push(submitted_transfer(&app, &parent, subject, &child, "3").await);
    }
    let fourth_parent = app.confirmed_parent("demo-wang-qiang").await;
    let fourth = submitted_transfer(
        &app,
        &fourth_parent,
        "demo-wang-qiang",
        &child_id("20170301", 461),
        "4",
    )
    .await;
    for (id, version) in third.iter().chain([&fourth]) {
        passed(&app, *id, *version).await;
    }
    let (entry, school) = entry_and_school(&app, "transfer-local").await;
    let admin = app.staff("admin").await;
    for grade in ["3", "4"] {
        let set = admin
            .call(
                "set_school_capacity",
                &[
                    ("school_id", &school.to_string()),
                    ("subsystem", "transfer"),
                    ("grade", grade),
                    ("capacity", "1"),
                ],
            )
            .await;
        assert_eq!(set.status(), 200);
    }
    let schedule = |grade: Value| {
        let admin = &admin;
        async move {
            admin
                .call_json(
                    "schedule_draw",
                    &json!({
                        "school_id": school,
                        "subsystem": "transfer",
                        "grade": grade,
                        "tiers": [{ "name": "本区户籍转学", "entry_ids": [entry] }],
                    }),
                )
                .await
        }
    };
    // A transfer draw names its grade.
    let no_grade = schedule(Value::Null).await;
    assert_eq!(no_grade.status(), 422);
    assert!(problem(no_grade).await.contains("年级"));

    // Grade 3: two children for one place; grade 4's child is not in it.
    let committed = schedule(json!(3)).await;
    assert_eq!(committed.status(), 200);
    let committed: Value = committed.json().await.expect("json");
    assert_eq!(committed["grade"], 3);
    assert_eq!(committed["places"], 1);
    assert_eq!(
        committed["tiers"][0]["units"].as_array().map(Vec::len),
        Some(2),
        "{committed}"
    );
    assert_eq!(schedule(json!(3)).await.status(), 422, "once a grade");

    // Grade 3 is the draw's; grade 4 is still decided by hand.
    let by_hand = |id: i32| {
        let admin = &admin;
        async move {
            admin
                .call_json(
                    "decide_admissions",
                    &json!({ "school_id": school, "decisions": [[id, "admitted"]] }),
                )
                .await
                .status()
        }
    };
    assert_eq!(by_hand(third[0].0).await, 422);
    assert_eq!(by_hand(fourth.0).await, 200);

    let draw_id = committed["id"].as_i64().expect("id").to_string();
    let ran = admin
        .call(
            "run_draw",
            &[("draw_id", draw_id.as_str()), ("public_value", "7301")],
        )
        .await;
    assert_eq!(ran.status(), 200);
    let ran: Value = ran.json().await.expect("json");
    draw::verify(&record_of(&ran)).expect("the transfer draw checks");
    assert_eq!(ran["result"]["admitted"].as_array().map(Vec::len), Some(1));
    assert_eq!(ran["result"]["waiting"].as_array().map(Vec::len), Some(1));

    // The admissions page shows the grade's draw and every candidate's grade.
    let page: Value = admin
        .call(
            "get_admissions",
            &[
                ("school_id", &school.to_string()),
                ("subsystem", "transfer"),
            ],
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(page["draws"].as_array().map(Vec::len), Some(1), "{page}");
    assert_eq!(page["draws"][0]["grade"], 3);
    assert_eq!(page["places"]["3"], 1, "{page}");
    let grades: Vec<i64> = page["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .filter_map(|c| c["grade"].as_i64())
        .collect();
    assert_eq!(grades.iter().filter(|g| **g == 3).count(), 2);
    assert_eq!(grades.iter().filter(|g| **g == 4).count(), 1);
}

#[tokio::test]
async fn twins_registered_by_each_parent_are_linked_and_drawn_together_as_the_household_register_shows()
 {
    use crate::registrations::{answers, create, save, section_version};
    use crate::registry::{app_with_registry, consent, settled};

    let app = app_with_registry(|_| {}).await;
    let (entry, school) = entry_and_school(&app, "local-property").await;
    // The father registers one twin, the mother the other, each from their own account, each
    // with the registers' answers (the household register names both as the twins' parents).
    let mut twins = Vec::new();
    for (subject, child) in [
        ("demo-zhang-wei", "370202202003150526"),
        ("demo-li-na", "370202202003150649"),
    ] {
        let parent = app.confirmed_parent(subject).await;
        let created = create(&parent, entry, school, child).await;
        assert_eq!(created.status(), 200);
        let id = i32::try_from(created.json::<i64>().await.expect("id")).expect("fits");
        consent(&parent, id, true).await;
        let mut version = 0;
        for section in ["child", "household", "residence", "guardian"] {
            let status = settled(&parent, id, section).await;
            let mut data = answers(section);
            if let (Some(typed), Some(prefill)) =
                (data.as_object_mut(), status["prefill"].as_object())
            {
                typed.extend(prefill.clone());
            }
            let base = section_version(&parent, id, section).await;
            let saved: Value = save(&parent, id, section, base, data, true)
                .await
                .json()
                .await
                .expect("json");
            assert_eq!(saved["Saved"]["status"], "Completed", "{section}: {saved}");
            version = saved["Saved"]["registration_version"]
                .as_i64()
                .expect("version");
        }
        let submitted = parent
            .call(
                "submit_registration",
                &[
                    ("id", &id.to_string()),
                    ("base_version", &version.to_string()),
                ],
            )
            .await;
        let status = submitted.status();
        assert_eq!(
            status,
            200,
            "{}",
            submitted.text().await.unwrap_or_default()
        );
        passed(&app, id, version + 1).await;
        twins.push(id);
    }
    // The reviewer sees each twin linked to the other, across the two accounts.
    let reviewer = app.staff("reviewer.sn1").await;
    let detail: Value = reviewer
        .call("get_review_detail", &[("id", &twins[0].to_string())])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        detail["siblings"][0]["id"], twins[1],
        "{}",
        detail["siblings"]
    );

    let admin = app.staff("admin").await;
    three_first_grade_places(&admin, school).await;
    let committed = admin
        .call_json(
            "schedule_draw",
            &json!({
                "school_id": school,
                "subsystem": "enrollment",
                "tiers": [{ "name": "户籍+房产", "entry_ids": [entry] }],
            }),
        )
        .await;
    assert_eq!(committed.status(), 200);
    let committed: Value = committed.json().await.expect("json");
    let units = committed["tiers"][0]["units"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        units.len(),
        1,
        "two accounts, one unit of twins: {committed}"
    );
    let references: Vec<String> = registration::Entity::find()
        .filter(registration::Column::Id.is_in(twins))
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .map(|r| r.reference)
        .collect();
    assert!(
        units.iter().any(|u| {
            let unit: Vec<&str> = u
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            references.iter().all(|r| unit.contains(&r.as_str()))
        }),
        "one unit holds both twins: {committed}"
    );
}

#[tokio::test]
async fn next_year_the_school_reviews_and_draws_again() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = spawn_app().await;
    let registrations: Vec<(i32, i64)> = four_families(&app)
        .await
        .into_iter()
        .flat_map(|(_, submitted)| submitted)
        .collect();
    for (id, version) in &registrations {
        passed(&app, *id, *version).await;
    }
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let admin = app.staff("admin").await;
    three_first_grade_places(&admin, school).await;
    let body = json!({
        "school_id": school, "subsystem": "enrollment",
        "tiers": [{ "name": "户籍+房产", "entry_ids": [entry] }]
    });
    let schedule = || admin.call_json("schedule_draw", &body);
    let this_year = schedule().await;
    assert_eq!(this_year.status(), 200, "{}", problem(this_year).await);

    // A year on: the bureau opens the next year's window.
    let mut window = app.enrollment_window().await;
    let next_year = window.school_year.as_ref() + 1;
    window.school_year = Set(next_year);
    window.update(&app.db).await.expect("updated");

    // Last year's list does not close this year's: a family sends, the school reviews.
    let parent = app.confirmed_parent("demo-li-na").await;
    let (id, version) = submitted(&app, &parent, &child_id("20210601", 131)).await;
    let row = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row");
    assert_eq!(row.school_year, next_year);
    passed(&app, id, version).await;
    // This year's draw is its own: it needs this year's places (last year's were last
    // year's), then has all of them.
    let unset = schedule().await;
    assert_eq!(unset.status(), 422);
    let said = problem(unset).await;
    assert!(
        said.contains(&format!("{next_year} 学年1年级的计划人数")),
        "{said}"
    );
    three_first_grade_places(&admin, school).await;
    let drawn = schedule().await;
    let status = drawn.status();
    let drawn: Value = drawn.json().await.expect("json");
    assert_eq!(status, 200, "{drawn}");
    assert_eq!(drawn["places"], 3, "{drawn}");
}
