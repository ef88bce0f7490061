//! Encryption at rest: the database alone (the SQLite file, a PostgreSQL dump) reveals no
//! ID number of a child, a parent or a guardian, nor what the registries answered; and
//! `server rotate-key` moves every value to a new key while the old one still reads.

use std::process::Command;

use app::server::{
    entities::{parent_account, registration, registration_section},
    infra::crypto::Keyring,
};
use sea_orm::EntityTrait;

use crate::{
    helpers::{TEST_DATA_KEY, TestApp},
    registrations::{TWIN_1, create, entry_and_school, fill_all},
    registry::app_with_registry,
};

/// Every ID number the test writes: the twins' father and mother (parents and guardians),
/// the child of the household register, and a child typed by hand.
const SECRETS: [&str; 4] = [
    "370202198805120311",
    "370202199008230424",
    "370202202003150526",
    TWIN_1,
];

/// Fills the database the way families do: a registration with every section (both
/// guardians' numbers), and one prefilled from the registries.
async fn families_register(app: &TestApp) {
    let father = app.confirmed_parent("demo-zhang-wei").await;
    let (entry, school) = entry_and_school(app, "local-property").await;
    let response = create(&father, entry, school, TWIN_1).await;
    assert_eq!(response.status(), 200);
    let id: i64 = response.json().await.expect("an id");
    fill_all(&father, i32::try_from(id).expect("fits")).await;

    let mother = app.confirmed_parent("demo-li-na").await;
    let response = create(&mother, entry, school, "370202202003150526").await;
    assert_eq!(response.status(), 200);
    let id: i64 = response.json().await.expect("an id");
    let consent = mother
        .call_json(
            "decide_registry_consent",
            &serde_json::json!({ "id": id, "grant": true }),
        )
        .await;
    assert_eq!(consent.status(), 200);
    for _ in 0..50 {
        let status: serde_json::Value = mother
            .call_json(
                "get_registry_status",
                &serde_json::json!({ "id": id, "section": "household" }),
            )
            .await
            .json()
            .await
            .expect("json");
        if status["pending"] == false {
            assert_eq!(status["prefill"]["head_name"], "张伟", "{status}");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Everything the database holds, as bytes an attacker with the files would read.
fn database_bytes(app: &TestApp) -> Vec<u8> {
    if let Some(path) = app
        .database_url
        .strip_prefix("sqlite://")
        .and_then(|rest| rest.split('?').next())
    {
        let mut bytes = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            if let Ok(mut more) = std::fs::read(format!("{path}{suffix}")) {
                bytes.append(&mut more);
            }
        }
        assert!(!bytes.is_empty(), "the SQLite file is read");
        bytes
    } else {
        let dump = Command::new("pg_dump")
            .arg("--data-only")
            .arg(&app.database_url)
            .output()
            .expect("pg_dump runs");
        assert!(dump.status.success(), "pg_dump: {:?}", dump.status);
        assert!(!dump.stdout.is_empty());
        dump.stdout
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[tokio::test]
async fn the_database_alone_reveals_no_id_number_nor_registry_answer() {
    let app = app_with_registry(|_| {}).await;
    families_register(&app).await;
    let bytes = database_bytes(&app);
    for secret in SECRETS {
        assert!(
            !contains(&bytes, secret),
            "{secret} is readable in the database"
        );
    }
    // What the household register said (the head of household's address) is sealed too.
    assert!(
        !contains(&bytes, "香港中路"),
        "a registry answer is readable"
    );
    // The pages still read them back.
    let sections = registration_section::Entity::find()
        .all(&app.db)
        .await
        .expect("sections");
    assert!(sections.iter().all(|s| s.data.starts_with("enc:1:test:")));
}

#[tokio::test]
async fn rotate_key_moves_every_value_to_the_new_key() {
    let app = app_with_registry(|_| {}).await;
    families_register(&app).await;
    let index = TEST_DATA_KEY
        .split(',')
        .find(|e| e.starts_with("index="))
        .expect("index key");
    let old = TEST_DATA_KEY
        .split(',')
        .find(|e| e.starts_with("test="))
        .expect("data key");
    let fresh = Keyring::generate("k2");
    let new = fresh
        .lines()
        .find(|l| l.starts_with("k2="))
        .expect("new key");
    let rotated = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("rotate-key")
        .env("RUXUE_DATABASE_URL", &app.database_url)
        .env("RUXUE_DATA_KEY", format!("{index},{new},{old}"))
        .env("RUST_LOG", "error")
        .output()
        .expect("the server binary runs");
    assert!(rotated.status.success(), "rotate-key: {rotated:?}");

    // Only the new key (and the index key, which does not rotate) is needed now.
    let keys = Keyring::parse(&format!("{index},{new}")).expect("keys");
    let rows = registration::Entity::find()
        .all(&app.db)
        .await
        .expect("rows");
    assert!(!rows.is_empty());
    for row in &rows {
        assert!(row.child_id_number.starts_with("enc:1:k2:"));
        let child = keys
            .open(&row.child_id_number)
            .expect("opens with the new key");
        assert!(SECRETS.contains(&child.as_str()));
        if let Some(key) = &row.active_child_key {
            assert_eq!(
                key,
                &format!("{}:{}", keys.blind(&child).expect("hash"), row.school_year),
                "the index kept"
            );
        }
    }
    for section in registration_section::Entity::find()
        .all(&app.db)
        .await
        .expect("sections")
    {
        assert!(keys.open(&section.data).is_ok());
        assert!(section.data.starts_with("enc:1:k2:"));
    }
    for parent in parent_account::Entity::find()
        .all(&app.db)
        .await
        .expect("parents")
    {
        assert!(parent.resident_id.starts_with("enc:1:k2:"));
    }
}
