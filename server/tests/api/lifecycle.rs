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
