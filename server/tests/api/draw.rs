//! Draws: committed, run once, decided and checkable from the public record; and
//! `server verify-draw FILE`, which checks an export with the binary a city runs and nothing
//! else (no settings, no database).

use std::{collections::BTreeMap, process::Command};

use app::server::entities::{admission_decision, audit_log};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::{
    helpers::spawn_app,
    registrations::{TWIN_1, TWIN_2, child_id, entry_and_school},
    review::{passed, submitted},
};

const SECRET: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

fn record() -> draw::Record {
    let unit = |refs: &[&str]| draw::Unit::new(refs.iter().map(|r| (*r).to_owned()));
    let tiers = vec![
        draw::Tier {
            name: "户籍+房产".into(),
            units: vec![unit(&["JN-0001"]), unit(&["JN-0002", "JN-0003"])],
        },
        draw::Tier {
            name: "户籍".into(),
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

async fn problem(response: reqwest::Response) -> String {
    response.text().await.unwrap_or_default()
}

#[tokio::test]
async fn a_committed_draw_runs_once_decides_the_admissions_and_its_public_record_checks() {
    let app = spawn_app().await;
    // Four families at the first demo school: the Zhang twins (one unit) and three children.
    let zhang = app.confirmed_parent("demo-zhang-wei").await;
    let mut registrations = vec![
        submitted(&app, &zhang, TWIN_1).await,
        submitted(&app, &zhang, TWIN_2).await,
    ];
    for (n, subject) in ["demo-li-na", "demo-wang-qiang", "demo-liu-fang"]
        .into_iter()
        .enumerate()
    {
        let parent = app.confirmed_parent(subject).await;
        let child = child_id("20200601", 101 + u32::try_from(n).expect("small"));
        registrations.push(submitted(&app, &parent, &child).await);
    }
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
    let tiers = json!([{ "name": "户籍+房产", "entry_ids": [entry] }]);

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

    let committed = schedule(tiers.clone()).await;
    assert_eq!(committed.status(), 200);
    let committed: Value = committed.json().await.expect("json");
    let draw_id = committed["id"].as_i64().expect("id");
    assert_eq!(committed["places"], 3);
    assert!(committed["result"].is_null());
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
