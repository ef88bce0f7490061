//! What the people who run the platform rely on: `/metrics` for the allowed addresses only,
//! readiness that drains before a stop, and instances starting together that migrate once.

use crate::{
    helpers::{Options, fresh_database_url, spawn_app, spawn_app_with, test_settings},
    registrations::{TWIN_1, create, entry_and_school, fill_all},
};
use server::startup::Application;

async fn metrics_text(app: &crate::helpers::TestApp) -> String {
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain")),
        "Prometheus text format"
    );
    response.text().await.expect("body")
}

/// The value of the first sample whose line starts with `prefix` (name and labels).
fn sample(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|line| line.starts_with(name) && !line.starts_with('#'))
        .find(|line| labels.iter().all(|label| line.contains(label)))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_the_work_of_parents() {
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let created = create(&parent, entry, school, TWIN_1).await;
    assert_eq!(created.status(), 200);
    let id: i64 = created.json().await.expect("an id");
    let id = i32::try_from(id).expect("fits");
    fill_all(&parent, id).await;
    // A page by its number: counted under its pattern, never under the number.
    assert_eq!(
        parent
            .get(&format!("/registrations/{id}/sections/child"))
            .await
            .status(),
        200
    );
    let missing = app.get("/no-such-page-7391").await;
    assert_eq!(missing.status(), 404);

    let text = metrics_text(&app).await;
    assert!(
        sample(&text, "ruxue_autosaves_total", &[r#"outcome="saved""#]).is_some_and(|n| n >= 4.0),
        "four sections saved:\n{text}"
    );
    assert!(
        sample(
            &text,
            "ruxue_http_requests_total",
            &[r#"route="/api/save_section""#, r#"status="200""#]
        )
        .is_some_and(|n| n >= 4.0),
        "server functions by name:\n{text}"
    );
    assert!(
        sample(
            &text,
            "ruxue_http_requests_total",
            &[r#"route="/registrations/{id}/sections/{section}""#]
        )
        .is_some(),
        "pages by pattern:\n{text}"
    );
    assert!(
        text.contains("ruxue_http_request_duration_seconds_bucket"),
        "latency histograms"
    );
    assert!(
        sample(&text, "ruxue_db_pool_connections", &[r#"state="in_use""#]).is_some()
            && sample(&text, "ruxue_db_pool_acquire_wait_seconds", &[]).is_some_and(|s| s < 5.0)
            && sample(&text, "ruxue_outbox_depth", &[]).is_some(),
        "pool and outbox figures:\n{text}"
    );
    // Labels come from fixed sets: what a client typed never becomes a series.
    assert!(!text.contains("no-such-page-7391"), "{text}");
    assert!(!text.contains(&format!("/registrations/{id}/")), "{text}");
    assert!(!text.contains(TWIN_1), "no ID number");
}

#[tokio::test]
async fn metrics_are_refused_to_addresses_not_listed() {
    let app = spawn_app_with(Options {
        demo_data: false,
        customize: Some(|settings| {
            settings.metrics_from =
                app::server::infra::auth::client_address::TrustedProxies::parse("10.0.0.0/8")
                    .expect("a network");
        }),
        ..Options::default()
    })
    .await;
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 404);
    assert!(!response.text().await.expect("body").contains("ruxue_"));
}

#[tokio::test]
async fn through_a_proxy_the_client_behind_it_must_be_listed() {
    // nginx on this machine forwards a stranger's request: the peer is allowed, the
    // stranger is not.
    let app = spawn_app_with(Options {
        demo_data: false,
        customize: Some(|settings| {
            settings.trusted_proxies =
                app::server::infra::auth::client_address::TrustedProxies::parse("127.0.0.1")
                    .expect("an address");
        }),
        ..Options::default()
    })
    .await;
    let forwarded = app
        .client
        .get(format!("{}/metrics", app.address))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .expect("answers");
    assert_eq!(forwarded.status(), 404);
    assert_eq!(app.get("/metrics").await.status(), 200);
}

#[tokio::test]
async fn a_draining_instance_is_not_ready_but_still_serves() {
    let app = spawn_app().await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    app.readiness.drain();
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503);
    assert_eq!(ready.text().await.expect("body"), "draining");
    // Requests already on their way are still answered while the balancer catches up.
    assert_eq!(app.get("/").await.status(), 200);
    assert_eq!(app.get("/healthz").await.status(), 200);
    let text = metrics_text(&app).await;
    assert_eq!(sample(&text, "ruxue_draining", &[]), Some(1.0));
}

#[tokio::test]
async fn three_instances_starting_together_migrate_and_load_demo_data_once() {
    // Several servers on one database: PostgreSQL (a SQLite file has one server).
    if std::env::var("RUXUE_TEST_POSTGRES_URL").is_err() {
        eprintln!("skipped: RUXUE_TEST_POSTGRES_URL is not set (make test-postgres runs it)");
        return;
    }
    let (url, _) = fresh_database_url().await;
    let settings = test_settings(&url, true);
    let (a, b, c) = tokio::join!(
        Application::build(&settings),
        Application::build(&settings),
        Application::build(&settings),
    );
    let instances = [a, b, c].map(|built| built.expect("every instance starts"));
    let db = instances[0].db();
    use migrations::MigratorTrait;
    use sea_orm::{ConnectionTrait, Statement};
    let count = |sql: &'static str| async move {
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .expect("query")
            .expect("a row");
        row.try_get_by_index::<i64>(0).expect("a count")
    };
    let applied = count("SELECT COUNT(*) FROM seaql_migrations").await;
    assert_eq!(
        usize::try_from(applied).expect("fits"),
        migrations::Migrator::migrations().len()
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM bureau").await,
        1,
        "demo data once"
    );
}
