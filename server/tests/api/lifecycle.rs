use std::time::Duration;

use app::server::{Clock, entities::school};
use sea_orm::EntityTrait;
use server::startup::Application;

use crate::helpers::{fresh_database_url, test_settings};

#[tokio::test]
async fn shutdown_lets_in_flight_requests_finish_then_closes_the_pool() {
    let (url, _dir) = fresh_database_url().await;
    let settings = test_settings(&url, true);

    // A slow request in flight when shutdown begins still gets its answer.
    let slow = axum::Router::new().route(
        "/slow",
        axum::routing::get(|| async {
            tokio::time::sleep(Duration::from_millis(600)).await;
            "done"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bound");
    let address = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server::startup::serve_router(
        listener,
        server::startup::with_middleware(slow, &settings),
        async move {
            let _ = stopped.await;
        },
    ));
    let request = tokio::spawn(reqwest::get(format!("http://{address}/slow")));
    tokio::time::sleep(Duration::from_millis(150)).await;
    let _ = stop.send(());
    let response = request.await.expect("joined").expect("answered");
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.expect("body"), "done");
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops after the request")
        .expect("joined")
        .expect("clean stop");

    // The application closes its database pool once it has stopped.
    let application = Application::build_with_clock(&settings, Clock::System)
        .await
        .expect("starts");
    let db = application.db().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(application.run_until(async move {
        let _ = stopped.await;
    }));
    assert!(db.ping().await.is_ok());
    let _ = stop.send(());
    running.await.expect("joined").expect("clean stop");
    assert!(db.ping().await.is_err(), "the pool is closed");
}

#[tokio::test]
async fn migrations_are_idempotent_and_demo_data_is_loaded_once() {
    let (url, _dir) = fresh_database_url().await;
    let settings = test_settings(&url, true);
    for _ in 0..2 {
        let application = Application::build(&settings)
            .await
            .expect("starts on the same database");
        let count = school::Entity::find()
            .all(application.db())
            .await
            .expect("schools")
            .len();
        assert_eq!(count, 6, "demo data is not loaded twice");
        application.db().close_by_ref().await.expect("closes");
    }
}

#[tokio::test]
async fn places_set_before_they_were_a_school_years_hold_for_every_year_with_a_window() {
    use migrations::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, Database, Statement};
    let (url, _dir) = fresh_database_url().await;
    let application = Application::build(&test_settings(&url, true))
        .await
        .expect("starts");
    application.db().close_by_ref().await.expect("closes");
    let db = Database::connect(&url).await.expect("connects");
    // Back to just before the places migration: it and every migration after it.
    let since_places = Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name() == "m20261209_000021_places_per_school_year")
        .expect("the places migration")
        + 1;
    let steps = u32::try_from(since_places).expect("fits");
    let number = |sql: &'static str| {
        let db = &db;
        async move {
            let row = db
                .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .expect("query")
                .expect("a row");
            row.try_get_by_index::<i64>(0).expect("a number")
        }
    };
    let run = |sql: &'static str| {
        let db = &db;
        async move { db.execute_unprepared(sql).await.expect(sql) }
    };
    const COUNT: &str = "SELECT COUNT(*) FROM school_capacity";
    let demo = number(COUNT).await;
    assert!(demo > 0, "the demo schools have places");

    // Before the year was in the key: one set of places, a second year's enrollment window,
    // and transfer places of a bureau with no transfer window.
    Migrator::down(&db, Some(steps)).await.expect("rolled back");
    assert_eq!(number(COUNT).await, demo);
    run("INSERT INTO collection_window \
         (bureau_id, subsystem, school_year, opens_at, closes_at, review_closes_at) \
         SELECT bureau_id, subsystem, school_year + 1, opens_at, closes_at, review_closes_at \
         FROM collection_window WHERE subsystem = 'enrollment'")
    .await;
    run("DELETE FROM collection_window WHERE subsystem = 'transfer'").await;
    run(
        "INSERT INTO school_capacity (school_id, subsystem, grade, capacity) \
         SELECT school_id, 'transfer', 3, 7 FROM school_capacity WHERE subsystem = 'enrollment'",
    )
    .await;

    // Each school's first-grade places hold for both years, none lost or changed; the
    // transfer places are the newest year's (the year the settings page opens on).
    Migrator::up(&db, None).await.expect("migrated");
    assert_eq!(number(COUNT).await, 3 * demo);
    let both_years = number(
        "SELECT COUNT(*) FROM school_capacity a JOIN school_capacity b \
         ON a.school_id = b.school_id AND a.subsystem = b.subsystem AND a.grade = b.grade \
         AND b.school_year = a.school_year + 1 AND b.capacity = a.capacity \
         WHERE a.subsystem = 'enrollment'",
    )
    .await;
    assert_eq!(both_years, demo);
    let transfers = number(
        "SELECT COUNT(*) FROM school_capacity WHERE subsystem = 'transfer' AND capacity = 7 \
         AND school_year = (SELECT MAX(school_year) FROM collection_window)",
    )
    .await;
    assert_eq!(transfers, demo);

    // And back: each grade keeps its newest year's places.
    run(
        "UPDATE school_capacity SET capacity = capacity + 1 WHERE subsystem = 'enrollment' \
         AND school_year = (SELECT MAX(school_year) FROM collection_window)",
    )
    .await;
    const NEWEST: &str = "SELECT SUM(capacity) FROM school_capacity WHERE subsystem = 'enrollment' \
         AND school_year = (SELECT MAX(school_year) FROM collection_window)";
    let newest = number(NEWEST).await;
    Migrator::down(&db, Some(steps))
        .await
        .expect("rolled back again");
    assert_eq!(number(COUNT).await, 2 * demo);
    let kept =
        number("SELECT SUM(capacity) FROM school_capacity WHERE subsystem = 'enrollment'").await;
    assert_eq!(kept, newest);
    Migrator::up(&db, None).await.expect("migrated again");
    db.close_by_ref().await.expect("closes");
}

#[tokio::test]
async fn a_server_starting_beside_one_serving_never_stalls_its_pages() {
    use crate::{
        helpers::spawn_app,
        registrations::{TWIN_1, create, created_id, entry_and_school},
    };
    let app = spawn_app().await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let id = created_id(create(&parent, entry, school, TWIN_1).await).await;
    let path = app::routes::registration(id);
    // Servers start one after another on another thread (as each test of this suite starts
    // its own beside the others), while this one answers the registration's page.
    let settings = test_settings(&app.database_url, true);
    let starting = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            for _ in 0..30 {
                let started = Application::build(&settings).await.expect("starts");
                started.db().close_by_ref().await.expect("closes");
            }
        });
    });
    let mut pages = 0;
    while !starting.is_finished() || pages < 10 {
        let page = tokio::time::timeout(Duration::from_secs(5), parent.get(&path))
            .await
            .unwrap_or_else(|_| panic!("page {pages} waited 5 s while another server started"));
        assert_eq!(page.status(), 200);
        pages += 1;
    }
    starting.join().expect("the servers started");
}
