//! Three app servers behind nginx, on one PostgreSQL and one S3 server: `make test-cluster`
//! starts them (scripts/cluster.sh) and runs these through nginx only. Ignored by a plain
//! `cargo test`: they need the cluster, and take turns (`--test-threads=1`), since some stop
//! and start its servers.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use app::{
    domain::provenance::Document,
    server::entities::{document_photo, outbox, registration, review_event},
};
use chrono::Utc;
use sea_orm::{ColumnTrait, Database, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::{
    documents::{jpeg, upload},
    helpers::{Browser, TestApp, new_client},
    registrations::{
        child_id, create, entry_and_school, fill_all, save, section_version, submit, view,
    },
    review::passed,
};

/// The cluster as the tests reach it: nginx's address and the shared database.
async fn cluster() -> TestApp {
    let url = std::env::var("RUXUE_CLUSTER_URL").expect("RUXUE_CLUSTER_URL (make test-cluster)");
    let database_url =
        std::env::var("RUXUE_CLUSTER_DATABASE_URL").expect("RUXUE_CLUSTER_DATABASE_URL");
    let db = Database::connect(&database_url)
        .await
        .expect("the cluster's database");
    // The cluster's data key: blind indexes computed here match theirs.
    let dir = std::env::var("RUXUE_CLUSTER_DIR").expect("RUXUE_CLUSTER_DIR");
    let key = std::fs::read_to_string(std::path::Path::new(&dir).join("data-key"))
        .expect("the cluster's data key");
    app::server::infra::crypto::install(
        app::server::infra::crypto::Keyring::parse(&key).expect("a data key"),
    );
    TestApp::remote(&url, db, &database_url)
}

/// Runs `scripts/cluster.sh ARGS` (restart, kill, revive an app server).
async fn cluster_script(args: &'static [&'static str]) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/cluster.sh");
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new(script)
            .args(args)
            .status()
            .expect("the cluster script runs")
    })
    .await
    .expect("joins");
    assert!(status.success(), "cluster.sh {args:?}: {status}");
}

/// Which app server answered (nginx's `X-Ruxue-Upstream`).
fn upstream(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("x-ruxue-upstream")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Waits until nginx sends requests to all three app servers again (one stopped by an
/// earlier test is skipped for nginx's `fail_timeout` after it failed).
async fn all_three_answer(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = BTreeSet::new();
    while seen.len() < 3 {
        assert!(Instant::now() < deadline, "only {seen:?} answer");
        let response = app.get("/healthz").await;
        if response.status() == 200 {
            seen.insert(upstream(&response));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn created_id(response: reqwest::Response) -> i32 {
    assert_eq!(response.status(), 200, "created");
    i32::try_from(response.json::<i64>().await.expect("an id")).expect("fits")
}

#[tokio::test]
#[ignore = "needs the cluster: make test-cluster"]
async fn a_hundred_accounts_racing_for_one_child_on_three_servers_make_one_registration() {
    let app = cluster().await;
    all_three_answer(&app).await;
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let mut parents = Vec::new();
    for i in 0..100 {
        parents.push(app.new_account(&format!("cluster-race-{i}")).await);
    }
    let child = child_id("20200501", 1);
    let results =
        futures_util::future::join_all(parents.iter().map(|p| create(p, entry, school, &child)))
            .await;
    let mut won = 0;
    let mut servers = BTreeSet::new();
    for response in results {
        servers.insert(upstream(&response));
        match response.status().as_u16() {
            200 => won += 1,
            422 => {}
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(won, 1, "exactly one account holds the child");
    assert_eq!(servers.len(), 3, "all three servers took part: {servers:?}");
    let active = registration::Entity::find()
        .filter(registration::Column::ActiveChildKey.starts_with(format!(
            "{}:",
            app::server::infra::crypto::blind(&child).expect("key")
        )))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(active, 1);
}

#[tokio::test]
#[ignore = "needs the cluster: make test-cluster"]
async fn twenty_saves_on_one_version_over_three_servers_one_wins() {
    let app = cluster().await;
    all_three_answer(&app).await;
    let parent = app.new_account("cluster-saves").await;
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let id = created_id(create(&parent, entry, school, &child_id("20200501", 2)).await).await;
    let saves = (0..20).map(|i| {
        let data = json!({ "name": "张子涵", "ethnicity": "01", "contact_phone": format!("1380000{i:04}") });
        save(&parent, id, "child", 0, data, false)
    });
    let results = futures_util::future::join_all(saves).await;
    let mut saved = 0;
    let mut conflicts = 0;
    let mut servers = BTreeSet::new();
    for response in results {
        servers.insert(upstream(&response));
        assert_eq!(response.status(), 200);
        let outcome: Value = response.json().await.expect("json");
        if outcome.get("Saved").is_some() {
            saved += 1;
        } else if outcome.get("Conflict").is_some() {
            conflicts += 1;
        }
    }
    assert_eq!((saved, conflicts), (1, 19), "exactly one save wins");
    assert_eq!(servers.len(), 3, "spread over the three: {servers:?}");
    assert_eq!(section_version(&parent, id, "child").await, 1);
}

#[tokio::test]
#[ignore = "needs the cluster: make test-cluster"]
async fn a_session_works_on_every_server() {
    let app = cluster().await;
    all_three_answer(&app).await;
    let parent = app.new_account("cluster-session").await;
    let mut servers = BTreeSet::new();
    for _ in 0..9 {
        let response = parent.call("list_my_registrations", &[]).await;
        assert_eq!(response.status(), 200);
        servers.insert(upstream(&response));
        let page = parent.get("/registrations").await;
        assert_eq!(page.status(), 200);
        assert!(
            !page.text().await.expect("page").contains("staff/sign-in\""),
            "still signed in"
        );
    }
    assert_eq!(servers.len(), 3, "{servers:?}");
    // Signed out on one, signed out on all.
    assert_eq!(parent.sign_out().await.status(), 303);
    for _ in 0..3 {
        let response = parent.call("list_my_registrations", &[]).await;
        assert_eq!(response.status(), 401);
    }
}

#[tokio::test]
#[ignore = "needs the cluster: make test-cluster"]
async fn a_photo_written_through_one_server_is_read_through_another_from_s3() {
    let app = cluster().await;
    let parent = app.new_account("cluster-photo").await;
    let (entry, school) = entry_and_school(&app, "local-no-property").await;
    let id = created_id(create(&parent, entry, school, &child_id("20200501", 3)).await).await;
    let sent = upload(&parent, id, "rental-contract", jpeg(1600, 1200)).await;
    assert_eq!(sent.status(), 200);
    let written_by = upstream(&sent);
    let photo: Value = sent.json().await.expect("json");
    let photo_id = photo["id"].as_i64().expect("a photo id");
    let mut read_by = BTreeSet::new();
    for _ in 0..6 {
        let read = parent.get(&format!("/documents/{photo_id}/full")).await;
        assert_eq!(read.status(), 200);
        read_by.insert(upstream(&read));
        let bytes = read.bytes().await.expect("bytes");
        assert!(bytes.starts_with(&[0xFF, 0xD8]), "a JPEG");
    }
    read_by.remove(&written_by);
    assert!(!read_by.is_empty(), "read through another server too");
    // In the S3 server's folder, not on any app server's disk.
    let row = document_photo::Entity::find_by_id(i32::try_from(photo_id).expect("fits"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the photo's row");
    let s3 = std::env::var("RUXUE_CLUSTER_DIR").expect("RUXUE_CLUSTER_DIR");
    let stored = std::path::Path::new(&s3)
        .join("s3/ruxue")
        .join(&row.full_key);
    assert!(stored.exists(), "{} is in the bucket", stored.display());
}

/// A local-property registration filled in, with a photo of every document the registers
/// did not vouch for (the demo registry is on: typed values need their proof), submitted.
async fn submitted_with_documents(app: &TestApp, parent: &Browser, child: &str) -> (i32, i64) {
    let (entry, school) = entry_and_school(app, "local-property").await;
    let id = created_id(create(parent, entry, school, child).await).await;
    let version = fill_all(parent, id).await;
    let required: Vec<String> = view(parent, id).await["materials"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter(|item| item["required"] == json!(true))
                .filter_map(|item| {
                    serde_json::from_value::<Document>(item["document"].clone()).ok()
                })
                .map(|document| document.code().to_owned())
                .collect()
        })
        .unwrap_or_default();
    for document in &required {
        assert_eq!(
            upload(parent, id, document, jpeg(1200, 900)).await.status(),
            200,
            "{document}"
        );
    }
    let version = view(parent, id).await["version"]
        .as_i64()
        .unwrap_or(version);
    let response = submit(parent, id, version).await;
    assert_eq!(response.status(), 200, "submitted");
    (id, version + 1)
}

/// An SMS provider on 127.0.0.1:3209 that counts what it is sent, by outbox id.
async fn sms_sink() -> Arc<Mutex<BTreeMap<i64, (usize, String)>>> {
    let received: Arc<Mutex<BTreeMap<i64, (usize, String)>>> = Arc::default();
    let seen = received.clone();
    let router = axum::Router::new().route(
        "/sms",
        axum::routing::post(move |axum::Json(message): axum::Json<Value>| {
            let seen = seen.clone();
            async move {
                let id = message["id"].as_i64().unwrap_or(-1);
                let body = message["body"].as_str().unwrap_or_default().to_owned();
                if let Ok(mut seen) = seen.lock() {
                    seen.entry(id).or_insert((0, body)).0 += 1;
                }
                "{}"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3209")
        .await
        .expect("the SMS sink's port (RUXUE_SMS_URL of the cluster)");
    tokio::spawn(async move { axum::serve(listener, router).await });
    received
}

#[tokio::test]
#[ignore = "needs the cluster: make test-cluster"]
async fn decisions_and_a_scheduled_publication_are_applied_and_sent_once_with_three_workers() {
    let received = sms_sink().await;
    let app = cluster().await;
    let parent = app.new_account("cluster-sms").await;
    let (id, version) = submitted_with_documents(&app, &parent, &child_id("20200501", 4)).await;
    passed(&app, id, version).await;
    let admin = app.staff("admin").await;
    let school = registration::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .school_id;
    let decided = admin
        .call_json(
            "decide_admissions",
            &json!({ "school_id": school, "decisions": [[id, "admitted"]] }),
        )
        .await;
    assert_eq!(decided.status(), 200);
    // Due now: whichever of the three publishers comes first applies it.
    let now = Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let scheduled = admin
        .call(
            "schedule_publication",
            &[
                ("school_id", school.to_string().as_str()),
                ("subsystem", "enrollment"),
                ("publish_at", now.as_str()),
            ],
        )
        .await;
    assert_eq!(scheduled.status(), 200);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if view(&parent, id).await["state"] == "Admitted" {
            break;
        }
        assert!(Instant::now() < deadline, "published within 30 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let admitted = review_event::Entity::find()
        .filter(review_event::Column::RegistrationId.eq(id))
        .filter(review_event::Column::Kind.eq("admitted"))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(admitted, 1, "applied once");
    // Every SMS of this registration reaches the provider, once, while three workers run.
    let reference = view(&parent, id).await["reference"]
        .as_str()
        .expect("a reference")
        .to_owned();
    let ours: Vec<i64> = outbox::Entity::find()
        .all(&app.db)
        .await
        .expect("outbox")
        .into_iter()
        .filter(|row| row.body.contains(&reference))
        .map(|row| row.id)
        .collect();
    assert!(
        ours.len() >= 2,
        "a review decision and the result at least: {ours:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let all_in = {
            let seen = received.lock().expect("lock");
            ours.iter().all(|id| seen.contains_key(id))
        };
        if all_in {
            break;
        }
        assert!(Instant::now() < deadline, "every SMS delivered within 30 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Long enough for every worker to have had several more rounds.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let seen = received.lock().expect("lock");
    for id in &ours {
        let (times, body) = &seen[id];
        assert_eq!(*times, 1, "SMS {id} sent once: {body}");
    }
    let results = seen
        .values()
        .filter(|(_, body)| body.contains(&reference) && body.contains("录取结果已公布"))
        .count();
    assert_eq!(results, 1, "one result notice");
}

/// One parent's autosaves: the last acknowledged value and the last one tried.
#[derive(Default)]
struct Saves {
    acknowledged: u32,
    tried: u32,
    failures: u32,
    /// What the failures were (status and server), for the assertion's message.
    failed: Vec<String>,
}

/// Saves the child's phone number again and again until `stop`, like a page typing: on a
/// lost answer it reads the version again and goes on.
async fn keep_saving(parent: &Browser, id: i32, stop: &AtomicBool) -> Saves {
    let mut saves = Saves::default();
    let mut base = 0;
    while !stop.load(Ordering::Relaxed) {
        saves.tried += 1;
        let n = saves.tried;
        let data =
            json!({ "name": "张子涵", "ethnicity": "01", "contact_phone": format!("139{n:08}") });
        let response = save(parent, id, "child", base, data, false).await;
        let answered = format!("{} from {}", response.status(), upstream(&response));
        let outcome: Option<Value> = if response.status() == 200 {
            response.json().await.ok()
        } else {
            None
        };
        match outcome {
            Some(outcome) if outcome.get("Saved").is_some() => {
                saves.acknowledged = n;
                base = outcome["Saved"]["version"].as_i64().expect("version");
            }
            Some(outcome) if outcome.get("Conflict").is_some() => {
                // A save whose answer was lost had landed: go on from it.
                base = outcome["Conflict"]["version"].as_i64().expect("version");
            }
            _ => {
                saves.failures += 1;
                saves.failed.push(answered);
                tokio::time::sleep(Duration::from_millis(100)).await;
                let fresh = parent
                    .call("get_registration", &[("id", &id.to_string())])
                    .await;
                if fresh.status() == 200
                    && let Ok(view) = fresh.json::<Value>().await
                {
                    base = view["section_versions"]["Child"].as_i64().unwrap_or(base);
                }
            }
        }
    }
    saves
}

async fn storm_parents(app: &TestApp, name: &str, count: u32) -> Vec<(Browser, i32)> {
    let (entry, school) = entry_and_school(app, "local-property").await;
    let mut parents = Vec::new();
    for i in 0..count {
        let browser = app.new_account(&format!("cluster-{name}-{i}")).await;
        let child = child_id(
            if name == "storm" {
                "20200601"
            } else {
                "20200602"
            },
            i + 1,
        );
        let id = created_id(create(&browser, entry, school, &child).await).await;
        parents.push((browser, id));
    }
    parents
}

/// The phone number's counter the registration holds now.
async fn stored(parent: &Browser, id: i32) -> u32 {
    let view = view(parent, id).await;
    view["answers"]["Child"]["contact_phone"]
        .as_str()
        .and_then(|phone| phone.get(3..))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
#[ignore = "needs the cluster: make test-cluster"]
async fn killing_a_server_during_an_autosave_storm_loses_no_acknowledged_save() {
    let app = cluster().await;
    let parents = storm_parents(&app, "storm", 16).await;
    let stop = AtomicBool::new(false);
    let storm = futures_util::future::join_all(
        parents
            .iter()
            .map(|(parent, id)| keep_saving(parent, *id, &stop)),
    );
    let chaos = async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        cluster_script(&["kill", "2"]).await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        cluster_script(&["revive", "2"]).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        stop.store(true, Ordering::Relaxed);
    };
    let (results, ()) = tokio::join!(storm, chaos);
    let mut acknowledged = 0;
    for ((parent, id), saves) in parents.iter().zip(&results) {
        let now = stored(parent, *id).await;
        assert!(
            now >= saves.acknowledged && now <= saves.tried,
            "registration {id}: holds save {now}, {} was acknowledged, {} tried",
            saves.acknowledged,
            saves.tried
        );
        acknowledged += saves.acknowledged;
    }
    assert!(acknowledged > 100, "the storm saved: {acknowledged}");
}

#[tokio::test]
#[ignore = "needs the cluster: make test-cluster"]
async fn a_rolling_restart_fails_no_request() {
    let app = cluster().await;
    let parents = storm_parents(&app, "rolling", 8).await;
    let stop = AtomicBool::new(false);
    let pages = AtomicUsize::new(0);
    let failed_pages = Mutex::new(Vec::new());
    let storm = futures_util::future::join_all(
        parents
            .iter()
            .map(|(parent, id)| keep_saving(parent, *id, &stop)),
    );
    let reader = async {
        let client = new_client();
        while !stop.load(Ordering::Relaxed) {
            let response = client.get(format!("{}/", app.address)).send().await;
            pages.fetch_add(1, Ordering::Relaxed);
            match response {
                Ok(response) if response.status() == 200 => {}
                Ok(response) => failed_pages
                    .lock()
                    .expect("lock")
                    .push(response.status().to_string()),
                Err(error) => failed_pages.lock().expect("lock").push(error.to_string()),
            }
        }
    };
    let restarts = async {
        for n in ["1", "2", "3"] {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let args: &'static [&'static str] = match n {
                "1" => &["restart", "1"],
                "2" => &["restart", "2"],
                _ => &["restart", "3"],
            };
            cluster_script(args).await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        stop.store(true, Ordering::Relaxed);
    };
    let (results, (), ()) = tokio::join!(storm, reader, restarts);
    let failures: u32 = results.iter().map(|s| s.failures).sum();
    let failed: Vec<&String> = results.iter().flat_map(|s| &s.failed).collect();
    let saved: u32 = results.iter().map(|s| s.acknowledged).sum();
    let failed_pages = failed_pages.into_inner().expect("lock");
    assert!(
        failures == 0 && failed_pages.is_empty(),
        "{failures} saves ({failed:?}) and {} of {} pages failed: {failed_pages:?}",
        failed_pages.len(),
        pages.load(Ordering::Relaxed)
    );
    assert!(saved > 50, "saves went on: {saved}");
    for ((parent, id), saves) in parents.iter().zip(&results) {
        assert_eq!(stored(parent, *id).await, saves.acknowledged);
    }
}

#[tokio::test]
#[ignore = "needs the cluster: make test-cluster"]
async fn wrong_passwords_on_three_servers_count_together() {
    let app = cluster().await;
    all_three_answer(&app).await;
    let mut answers = Vec::new();
    let mut servers = BTreeSet::new();
    for i in 0..9 {
        let response = app
            .browser()
            .call(
                "staff_sign_in",
                &[
                    ("username", "point.sn"),
                    ("password", &format!("guess-{i}")),
                ],
            )
            .await;
        servers.insert(upstream(&response));
        answers.push(response.status().as_u16());
    }
    assert!(servers.len() >= 2, "spread: {servers:?}");
    // Five tries per account, wherever they land; then every server says wait.
    assert_eq!(answers, [401, 401, 401, 401, 401, 429, 429, 429, 429]);
}
