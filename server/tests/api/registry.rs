//! Prefill from government registries (自动回填): the demo registry's cases give the expected
//! prefilled / hand-entered split, nothing is asked before consent, a slow source leaves
//! the parent typing within the timeout, a source that is down never fails a save, a late
//! answer fills only blanks, and the HTTP adapter speaks the documented exchange.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::{Duration, Instant},
};

use app::{
    domain::provenance::RegistrySource,
    server::entities::{registry_consent, registry_lookup},
};
use axum::{Json, Router, extract::State, http::HeaderMap, routing::post};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::{
    helpers::{Browser, Options, TestApp, spawn_app_configured},
    registrations::{create, entry_and_school, view},
};

/// A server with the demo registry on, answering at once unless `configure` says otherwise.
pub(crate) async fn app_with_registry(
    configure: impl FnOnce(&mut server::settings::Settings),
) -> TestApp {
    spawn_app_configured(
        Options {
            demo_data: true,
            ..Options::default()
        },
        |settings| {
            settings.registry.demo = true;
            settings.registry.demo_latency = Duration::ZERO;
            settings.registry.cache_for = Duration::ZERO;
            configure(settings);
        },
    )
    .await
}

/// Starts a registration for `child` by `entry` as the signed-in `parent`.
async fn start(app: &TestApp, parent: &Browser, entry: &str, child: &str) -> i32 {
    let (entry, school) = entry_and_school(app, entry).await;
    let response = create(parent, entry, school, child).await;
    assert_eq!(response.status(), 200, "{child} registered");
    let id: i64 = response.json().await.expect("an id");
    i32::try_from(id).expect("fits")
}

pub async fn consent(parent: &Browser, id: i32, grant: bool) {
    let response = parent
        .call_json(
            "decide_registry_consent",
            &json!({ "id": id, "grant": grant }),
        )
        .await;
    assert_eq!(response.status(), 200, "consent recorded");
}

async fn status(parent: &Browser, id: i32, section: &str) -> Value {
    let response = parent
        .call_json(
            "get_registry_status",
            &json!({ "id": id, "section": section }),
        )
        .await;
    assert_eq!(response.status(), 200, "status of {section}");
    response.json().await.expect("json")
}

/// Asks until no lookup of the section is under way (the page's polling).
pub(crate) async fn settled(parent: &Browser, id: i32, section: &str) -> Value {
    for _ in 0..50 {
        let s = status(parent, id, section).await;
        if s["pending"] == json!(false) {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the lookups of {section} never settled");
}

fn state_of(status: &Value) -> String {
    status["checks"][0]["state"]
        .as_str()
        .unwrap_or("none")
        .to_owned()
}

/// Saves a section ("save and continue" when `complete`) and returns the outcome.
async fn save(
    parent: &Browser,
    id: i32,
    section: &str,
    data: Value,
    corrections: Value,
    complete: bool,
) -> Value {
    let version = crate::registrations::section_version(parent, id, section).await;
    let response = parent
        .call_json(
            "save_section",
            &json!({ "id": id, "section": section, "base_version": version, "data": data, "corrections": corrections, "complete": complete }),
        )
        .await;
    assert_eq!(response.status(), 200, "{section} saved");
    response.json().await.expect("json")
}

/// The child section typed by hand, "save and continue" when `complete`.
async fn type_child(parent: &Browser, id: i32, name: &str, phone: &str, complete: bool) -> Value {
    let data = json!({ "name": name, "ethnicity": "01", "contact_phone": phone });
    save(parent, id, "child", data, json!({}), complete).await
}

/// The prefill of a section merged into `typed` (what the page sends after an answer).
fn with_prefill(typed: Value, prefill: &Value) -> Value {
    let mut merged = prefill.clone();
    if let (Some(target), Some(extra)) = (merged.as_object_mut(), typed.as_object()) {
        for (k, v) in extra {
            target.insert(k.clone(), v.clone());
        }
    }
    merged
}

/// The documents a registration view lists as required.
fn required_documents(view: &Value) -> Vec<String> {
    view["materials"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter(|i| i["required"] == json!(true))
                .filter_map(|i| i["document"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn origin(view: &Value, section: &str, field: &str) -> String {
    view["provenance"][section][field]["origin"]
        .as_str()
        .unwrap_or("missing")
        .to_owned()
}

#[tokio::test]
async fn nothing_is_looked_up_before_the_parent_consents() {
    let app = app_with_registry(|_| {}).await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let id = start(&app, &parent, "local-property", "370202202003150526").await;
    let before = status(&parent, id, "child").await;
    assert_eq!(before["consent"], Value::Null);
    assert_eq!(before["checks"], json!([]));
    consent(&parent, id, false).await;
    let declined = status(&parent, id, "child").await;
    assert_eq!(declined["consent"], json!(false));
    assert_eq!(declined["prefill"], json!({}));
    let asked = registry_lookup::Entity::find()
        .filter(registry_lookup::Column::RegistrationId.eq(id))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(asked, 0, "no registry was asked without consent");

    // Typed by hand where a registry could have confirmed it: a document is needed.
    type_child(&parent, id, "张子涵", "13800000001", true).await;
    let v = view(&parent, id).await;
    assert_eq!(origin(&v, "Child", "name"), "Hand");
    assert_eq!(
        v["provenance"]["Child"]["name"]["needs_document"],
        json!(true)
    );
    assert_eq!(required_documents(&v), ["HouseholdRegister"]);

    consent(&parent, id, true).await;
    let record = registry_consent::Entity::find()
        .filter(registry_consent::Column::RegistrationId.eq(id))
        .one(&app.db)
        .await
        .expect("query")
        .expect("a consent record");
    assert!(record.granted);
    assert_eq!(record.wording_version, "2026-11-v1");
}

#[tokio::test]
async fn a_perfect_match_is_prefilled_and_stays_prefilled_when_saved() {
    let app = app_with_registry(|_| {}).await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let id = start(&app, &parent, "local-property", "370202202003150526").await;
    consent(&parent, id, true).await;

    let child = settled(&parent, id, "child").await;
    assert_eq!(state_of(&child), "Found");
    assert_eq!(
        child["prefill"],
        json!({ "name": "张子涵", "ethnicity": "01" })
    );
    let data = with_prefill(json!({ "contact_phone": "13800000001" }), &child["prefill"]);
    save(&parent, id, "child", data, json!({}), true).await;

    let household = settled(&parent, id, "household").await;
    assert_eq!(
        household["prefill"],
        json!({ "collective": "no", "address": "青岛市市南区香港中路 10 号", "head_name": "张伟", "head_relation": "father" })
    );
    save(
        &parent,
        id,
        "household",
        household["prefill"].clone(),
        json!({}),
        true,
    )
    .await;

    let residence = settled(&parent, id, "residence").await;
    assert_eq!(state_of(&residence), "Found");
    assert_eq!(residence["prefill"]["owner_relation"], "father");
    assert_eq!(
        residence["prefill"]["certificate_number"],
        "鲁(2021)青岛市不动产权第0012345号"
    );

    let v = view(&parent, id).await;
    assert_eq!(origin(&v, "Child", "name"), "Registry");
    assert_eq!(origin(&v, "Child", "contact_phone"), "Hand");
    assert_eq!(v["provenance"]["Child"]["name"]["source"], "Household");
    assert!(v["provenance"]["Child"]["name"]["at"].is_string());
    assert_eq!(origin(&v, "Household", "head_name"), "Registry");
    assert!(required_documents(&v).is_empty());

    // The people who run it see the registries answer, by source, with their latency.
    let metrics = app.get("/metrics").await.text().await.expect("metrics");
    for expected in [
        r#"ruxue_registry_lookups_total{source="household",outcome="answered"}"#,
        r#"ruxue_registry_lookups_total{source="real-estate",outcome="answered"}"#,
        r#"ruxue_registry_lookup_duration_seconds_bucket{source="household""#,
    ] {
        assert!(metrics.contains(expected), "{expected} in:\n{metrics}");
    }
}

#[tokio::test]
async fn a_renamed_child_is_corrected_by_hand_and_the_reviewer_sees_both_names() {
    let app = app_with_registry(|_| {}).await;
    let parent = app.confirmed_parent("demo-chen-jing").await;
    let id = start(&app, &parent, "local-property", "370203202006180030").await;
    consent(&parent, id, true).await;
    let child = settled(&parent, id, "child").await;
    assert_eq!(
        child["prefill"]["name"], "陈小宝",
        "the register has the former name"
    );

    // "This is wrong" without a reason is kept, but cannot complete the section.
    let typed = json!({ "name": "陈思远", "ethnicity": "01", "contact_phone": "13600000006" });
    let outcome = save(
        &parent,
        id,
        "child",
        typed.clone(),
        json!({ "name": "" }),
        true,
    )
    .await;
    assert_eq!(outcome["Saved"]["problems"][0]["field"], "name");

    let outcome = save(
        &parent,
        id,
        "child",
        typed,
        json!({ "name": "changed" }),
        true,
    )
    .await;
    assert_eq!(outcome["Saved"]["status"], "Completed", "{outcome}");
    let v = view(&parent, id).await;
    let name = &v["provenance"]["Child"]["name"];
    assert_eq!(name["origin"], "Hand");
    assert_eq!(name["registry_value"], "陈小宝");
    assert_eq!(name["correction"], "changed");
    assert_eq!(name["needs_document"], json!(true));
    assert_eq!(origin(&v, "Child", "ethnicity"), "Registry");
    assert_eq!(required_documents(&v), ["HouseholdRegister"]);
}

#[tokio::test]
async fn a_value_that_differs_from_the_register_cannot_pass_as_prefilled() {
    let app = app_with_registry(|_| {}).await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let id = start(&app, &parent, "local-property", "370202202003150649").await;
    consent(&parent, id, true).await;
    let child = settled(&parent, id, "child").await;
    assert_eq!(child["prefill"]["name"], "张子萱");
    type_child(&parent, id, "张子涵", "13800000001", false).await;
    let v = view(&parent, id).await;
    assert_eq!(origin(&v, "Child", "name"), "Hand");
    assert_eq!(v["provenance"]["Child"]["name"]["registry_value"], "张子萱");
}

#[tokio::test]
async fn a_new_household_registration_not_in_the_register_is_typed_by_hand() {
    let app = app_with_registry(|_| {}).await;
    let parent = app.confirmed_parent("demo-sun-li").await;
    let id = start(&app, &parent, "local-property", "370202202002090023").await;
    consent(&parent, id, true).await;
    let child = settled(&parent, id, "child").await;
    assert_eq!(state_of(&child), "NotFound");
    assert_eq!(child["prefill"], json!({}));
    type_child(&parent, id, "孙若溪", "13600000007", true).await;
    save(
        &parent,
        id,
        "household",
        json!({ "collective": "no", "address": "青岛市市南区福州南路 8 号", "head_name": "孙力", "head_relation": "father" }),
        json!({}),
        true,
    )
    .await;
    // His new property is in the real-estate register; whose child it is, the household
    // register cannot say yet: the relation is his to give.
    let residence = settled(&parent, id, "residence").await;
    assert_eq!(state_of(&residence), "Found");
    assert_eq!(residence["prefill"]["owner_name"], "孙力");
    assert!(residence["prefill"].get("owner_relation").is_none());
    let v = view(&parent, id).await;
    assert_eq!(origin(&v, "Household", "address"), "Hand");
    assert_eq!(required_documents(&v), ["HouseholdRegister"]);
}

#[tokio::test]
async fn the_fathers_property_serves_a_child_registered_with_the_mother() {
    let app = app_with_registry(|_| {}).await;
    let parent = app.confirmed_parent("demo-zhou-min").await;
    let id = start(&app, &parent, "local-property", "370202202004220047").await;
    consent(&parent, id, true).await;
    let household = settled(&parent, id, "household").await;
    assert_eq!(household["prefill"]["head_name"], "周敏");
    assert_eq!(household["prefill"]["head_relation"], "mother");
    let residence = settled(&parent, id, "residence").await;
    assert_eq!(residence["prefill"]["owner_name"], "刘强");
    assert_eq!(residence["prefill"]["owner_relation"], "father");
    assert_eq!(residence["prefill"]["kind"], "property");
}

#[tokio::test]
async fn a_collective_household_has_no_head_to_fill() {
    let app = app_with_registry(|_| {}).await;
    let parent = app.confirmed_parent("demo-gao-yan").await;
    let id = start(&app, &parent, "local-no-property", "370202202007300050").await;
    consent(&parent, id, true).await;
    let household = settled(&parent, id, "household").await;
    assert_eq!(household["prefill"]["collective"], "yes");
    assert!(household["prefill"].get("head_name").is_none());
    // Renting: a property answer would be about something else, and there is none.
    let residence = settled(&parent, id, "residence").await;
    assert_eq!(state_of(&residence), "NotFound");
}

#[tokio::test]
async fn a_migrant_family_gets_its_permit_and_employment_after_naming_the_guardians() {
    let app = app_with_registry(|_| {}).await;
    let parent = app.confirmed_parent("demo-wang-qiang").await;
    let id = start(&app, &parent, "migrant", "411526202005060031").await;
    consent(&parent, id, true).await;
    assert_eq!(state_of(&settled(&parent, id, "child").await), "NotFound");
    // Guardians are not known yet: nothing to ask the permit register.
    assert_eq!(
        state_of(&settled(&parent, id, "residence-permit").await),
        "Waiting"
    );
    for (section, data) in [
        (
            "child",
            json!({ "name": "王小明", "ethnicity": "01", "contact_phone": "13700000003" }),
        ),
        (
            "household",
            json!({ "collective": "no", "address": "河南省信阳市商城县城关镇 1 号", "head_name": "王强", "head_relation": "father" }),
        ),
        (
            "residence",
            json!({ "kind": "rental", "address": "青岛市市南区云南路 5 号", "landlord_name": "李明" }),
        ),
        (
            "guardian",
            json!({ "g1_relation": "father", "g1_name": "王强", "g1_id_number": "411526198503040712", "g1_phone": "13700000003", "has_guardian2": "yes", "g2_relation": "mother", "g2_name": "刘芳", "g2_id_number": "411526198609170822", "g2_phone": "13700000004" }),
        ),
    ] {
        let outcome = save(&parent, id, section, data, json!({}), true).await;
        assert_eq!(
            outcome["Saved"]["status"], "Completed",
            "{section}: {outcome}"
        );
    }
    let permit = settled(&parent, id, "residence-permit").await;
    assert_eq!(state_of(&permit), "Found");
    assert_eq!(
        permit["prefill"],
        json!({ "holder": "guardian1", "permit_number": "370202202305100071", "issuing_office": "青岛市公安局市南分局", "valid_from": "2023-05-10" })
    );
    let employment = settled(&parent, id, "employment").await;
    assert_eq!(employment["prefill"]["guardian"], "guardian1");
    assert_eq!(employment["prefill"]["credit_code"], "91370202MA3D67890T");
    let v = view(&parent, id).await;
    assert_eq!(origin(&v, "Household", "address"), "Hand");
    let documents = required_documents(&v);
    for document in [
        "HouseholdRegister",
        "ResidencePermit",
        "EmploymentProof",
        "RentalContract",
    ] {
        assert!(
            documents.iter().any(|d| d == document),
            "{document} in {documents:?}"
        );
    }
}

#[tokio::test]
async fn a_slow_source_leaves_the_parent_typing_within_the_timeout() {
    let app = app_with_registry(|settings| {
        settings.registry.demo_latency = Duration::from_secs(30);
        settings.registry.timeout = Duration::from_millis(400);
        settings.registry.retries = 1;
        settings.registry.backoff = Duration::from_millis(100);
    })
    .await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let id = start(&app, &parent, "local-property", "370202202003150526").await;
    consent(&parent, id, true).await;
    let asked = Instant::now();
    let first = status(&parent, id, "child").await;
    let waited = asked.elapsed();
    assert!(
        waited < Duration::from_millis(400 + 1500),
        "answered after {waited:?}, beyond the timeout and a margin"
    );
    assert_eq!(state_of(&first), "Slow");
    assert_eq!(first["pending"], json!(true));
    assert_eq!(first["prefill"], json!({}));
    // The parent types meanwhile, and the save goes through.
    let outcome = type_child(&parent, id, "张子涵", "13800000001", true).await;
    assert_eq!(outcome["Saved"]["status"], "Completed", "{outcome}");
}

#[tokio::test]
async fn a_source_that_is_down_does_not_fail_the_section_save() {
    let app = app_with_registry(|settings| {
        settings.registry.demo_failure_rate = 1.0;
        settings.registry.retries = 1;
        settings.registry.backoff = Duration::from_millis(10);
    })
    .await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let id = start(&app, &parent, "local-property", "370202202003150526").await;
    consent(&parent, id, true).await;
    let down = settled(&parent, id, "child").await;
    assert_eq!(state_of(&down), "Unavailable");
    let outcome = type_child(&parent, id, "张子涵", "13800000001", true).await;
    assert_eq!(outcome["Saved"]["status"], "Completed", "{outcome}");
    let v = view(&parent, id).await;
    assert_eq!(
        v["provenance"]["Child"]["name"]["needs_document"],
        json!(true)
    );
}

/// A data-sharing exchange following `docs/registry-exchange.md`, on a local port: it
/// checks the token and the request's shape, hangs on the first request, then answers.
#[derive(Clone, Default)]
struct Exchange {
    requests: Arc<AtomicU32>,
    bad_requests: Arc<AtomicU32>,
}

async fn exchange_answer(
    State(exchange): State<Exchange>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (axum::http::StatusCode, Json<Value>) {
    let n = exchange.requests.fetch_add(1, Ordering::SeqCst);
    let authorized = headers.get("authorization").and_then(|v| v.to_str().ok())
        == Some("Bearer exchange-secret");
    let well_formed = body["source"] == "household"
        && body["purpose"] == "school-enrollment"
        && body["subjects"] == json!(["370202202003150526"])
        && body["request_id"].as_str().is_some_and(|id| {
            headers.get("x-request-id").and_then(|v| v.to_str().ok()) == Some(id)
        });
    if !authorized || !well_formed {
        exchange.bad_requests.fetch_add(1, Ordering::SeqCst);
        return (axum::http::StatusCode::BAD_REQUEST, Json(json!({})));
    }
    if n == 0 {
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    (
        axum::http::StatusCode::OK,
        Json(json!({
            "status": "found",
            "records": [{
                "name": "张子涵", "ethnicity": "01", "collective": false,
                "address": "青岛市市南区香港中路 10 号", "head_name": "张伟", "head_relation": "father",
                "father_id": "370202198805120311", "mother_id": null
            }]
        })),
    )
}

#[tokio::test]
async fn the_http_adapter_speaks_the_exchange_and_a_late_answer_fills_only_blanks() {
    let exchange = Exchange::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!(
        "http://{}/exchange/household",
        listener.local_addr().expect("bound")
    );
    let router = Router::new()
        .route("/exchange/household", post(exchange_answer))
        .with_state(exchange.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });

    let app = spawn_app_configured(
        Options {
            demo_data: true,
            ..Options::default()
        },
        move |settings| {
            settings.registry.timeout = Duration::from_millis(400);
            settings.registry.retries = 2;
            settings.registry.backoff = Duration::from_millis(50);
            settings.registry.exchanges = vec![server::settings::ExchangeSettings {
                source: RegistrySource::Household,
                url,
                token: Some("exchange-secret".to_owned().into()),
            }];
        },
    )
    .await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let id = start(&app, &parent, "local-property", "370202202003150526").await;
    consent(&parent, id, true).await;

    // The first request hangs: the parent is told to type, and types the name.
    let first = status(&parent, id, "child").await;
    assert_eq!(state_of(&first), "Slow");
    save(
        &parent,
        id,
        "child",
        json!({ "name": "张小涵", "contact_phone": "13800000001" }),
        json!({}),
        false,
    )
    .await;

    // The retry answers: the answer is kept and offered for the blanks only.
    let late = settled(&parent, id, "child").await;
    assert_eq!(state_of(&late), "Found");
    assert_eq!(late["prefill"]["name"], "张子涵");
    let v = view(&parent, id).await;
    assert_eq!(
        v["answers"]["Child"]["name"], "张小涵",
        "the server never writes a registry answer over typed values"
    );
    assert_eq!(origin(&v, "Child", "name"), "Hand");
    assert_eq!(exchange.bad_requests.load(Ordering::SeqCst), 0);
    assert!(exchange.requests.load(Ordering::SeqCst) >= 2);
}

#[tokio::test]
async fn another_familys_child_number_reveals_nothing_from_any_register() {
    let app = app_with_registry(|_| {}).await;
    // 王强, signed in through the host app, types the number of 张伟's child.
    let stranger = app.confirmed_parent("demo-wang-qiang").await;
    let id = start(&app, &stranger, "local-property", "370202202003150526").await;
    consent(&stranger, id, true).await;
    let household = settled(&stranger, id, "household").await;
    assert_eq!(state_of(&household), "NotConfirmed", "{household}");
    let residence = settled(&stranger, id, "residence").await;
    let mut seen = vec![
        household.to_string(),
        residence.to_string(),
        status(&stranger, id, "child").await.to_string(),
        view(&stranger, id).await.to_string(),
    ];
    seen.push(
        stranger
            .get(&format!("/registrations/{id}/sections/household"))
            .await
            .text()
            .await
            .expect("page"),
    );
    for text in &seen {
        for secret in [
            "张子涵",
            "香港中路",
            "张伟",
            "不动产权",
            "370202198805120311",
        ] {
            assert!(
                !text.contains(secret),
                "{secret} reached a stranger: {text}"
            );
        }
    }
    // Nothing of the household's answer is kept, and no other register was asked about
    // the parents it names.
    let lookups = registry_lookup::Entity::find()
        .filter(registry_lookup::Column::RegistrationId.eq(id))
        .all(&app.db)
        .await
        .expect("lookups");
    assert!(lookups.iter().all(|l| l.answer.is_none()), "{lookups:?}");
    assert!(lookups.iter().any(|l| l.source == RegistrySource::Household
        && l.status == registry_lookup::LookupStatus::Unconfirmed));
}

#[tokio::test]
async fn a_parent_the_register_names_is_still_prefilled() {
    let app = app_with_registry(|_| {}).await;
    let mother = app.confirmed_parent("demo-li-na").await;
    let id = start(&app, &mother, "local-property", "370202202003150526").await;
    consent(&mother, id, true).await;
    let household = settled(&mother, id, "household").await;
    assert_eq!(state_of(&household), "Found");
    assert_eq!(household["prefill"]["head_name"], "张伟");
}

#[tokio::test]
async fn an_account_probing_the_registers_is_stopped_within_the_hour() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = app_with_registry(|_| {}).await;
    let prober = app.confirmed_parent("demo-wang-qiang").await;
    // Earlier registrations of this account already asked the registries the hour's
    // allowance (as creating and deleting registrations for many numbers would).
    let earlier = start(&app, &prober, "local-property", "370202202003150649").await;
    for n in 0..app::server::services::prefill::LOOKUPS_PER_ACCOUNT_PER_HOUR {
        registry_lookup::ActiveModel {
            registration_id: Set(earlier),
            source: Set(RegistrySource::Household),
            key_digest: Set(format!("h1:probe{n}")),
            status: Set(registry_lookup::LookupStatus::NotFound),
            answer: Set(None),
            attempts: Set(1),
            requested_at: Set(chrono::Utc::now()),
            answered_at: Set(Some(chrono::Utc::now())),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("a lookup row");
    }
    let delete = prober
        .call(
            "delete_registration",
            &[("id", &earlier.to_string()), ("base_version", "1")],
        )
        .await;
    assert_eq!(delete.status(), 200);

    let id = start(&app, &prober, "local-property", "370202202003150526").await;
    consent(&prober, id, true).await;
    let household = status(&prober, id, "household").await;
    assert_eq!(state_of(&household), "Limited", "{household}");
    let asked = registry_lookup::Entity::find()
        .filter(registry_lookup::Column::RegistrationId.eq(id))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(asked, 0, "nothing more is asked");
}
