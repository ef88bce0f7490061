use crate::helpers::spawn_app;

#[tokio::test]
async fn liveness_answers_while_the_process_is_up() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.expect("body"), "ok");
}

#[tokio::test]
async fn readiness_follows_the_database() {
    let app = spawn_app().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);

    // The database goes away: the pool can no longer hand out connections.
    app.db.close_by_ref().await.expect("the pool closes");
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    // The process itself is still alive.
    assert_eq!(app.get("/healthz").await.status(), 200);
}
