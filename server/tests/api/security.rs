use crate::helpers::{HOST_APP_ORIGIN, fresh_database_url, spawn_app, test_settings};

#[tokio::test]
async fn pages_carry_security_headers_and_a_csp_nonce_that_matches_their_scripts() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    let headers = response.headers().clone();
    let csp = headers["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(headers.contains_key("x-request-id"));
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(
        csp.contains(&format!("frame-ancestors 'self' {HOST_APP_ORIGIN}")),
        "{csp}"
    );
    assert!(csp.contains("object-src 'none'"));
    assert!(!csp.contains("unsafe-inline"));

    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the CSP")
        .to_owned();
    let html = response.text().await.expect("body");
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the hydration script carries the nonce"
    );

    let again = app.get("/").await;
    let csp_again = again.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        !csp_again.contains(&nonce),
        "each response has its own nonce"
    );
}

#[tokio::test]
async fn answers_that_are_not_pages_get_a_closed_csp_and_no_store() {
    let app = spawn_app().await;
    let response = app.post_server_fn("get_home").await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
}

#[tokio::test]
async fn static_files_are_served_and_revalidated() {
    let app = spawn_app().await;
    let response = app.get("/favicon.ico").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-cache");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn pages_are_compressed_for_browsers_that_accept_it() {
    let app = spawn_app().await;
    for encoding in ["br", "gzip"] {
        let response = app
            .client
            .get(format!("{}/", app.address))
            .header("accept-encoding", encoding)
            .send()
            .await
            .expect("answers");
        assert_eq!(response.headers()["content-encoding"], encoding);
    }
}

#[tokio::test]
async fn a_post_from_another_site_is_refused_and_the_host_app_is_allowed() {
    let app = spawn_app().await;
    let post = |origin: Option<&'static str>, fetch_site: Option<&'static str>| {
        let mut request = app
            .client
            .post(format!("{}/api/get_home", app.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("");
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(site) = fetch_site {
            request = request.header("sec-fetch-site", site);
        }
        request.send()
    };
    let refused = post(Some("https://evil.example.com"), Some("cross-site"))
        .await
        .expect("answers");
    assert_eq!(refused.status(), 403);
    assert!(
        refused
            .text()
            .await
            .expect("body")
            .contains("请求来源不受信任")
    );
    assert_eq!(
        post(None, Some("cross-site"))
            .await
            .expect("answers")
            .status(),
        403
    );
    assert_eq!(
        post(Some(HOST_APP_ORIGIN), Some("cross-site"))
            .await
            .expect("answers")
            .status(),
        200
    );
    assert_eq!(app.post_server_fn("get_home").await.status(), 200);
}

#[tokio::test]
async fn server_functions_refuse_get() {
    let app = spawn_app().await;
    let response = app.get("/api/get_home").await;
    assert_eq!(response.status(), 405);
}

#[tokio::test]
async fn an_oversized_body_is_refused_before_it_is_read() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/api/get_home", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; 2 * 1024 * 1024])
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn a_panic_is_a_generic_500_page_not_a_dropped_connection() {
    let (url, _dir) = fresh_database_url().await;
    let settings = test_settings(&url, false);
    let router = axum::Router::new().route(
        "/boom",
        axum::routing::get(|| async {
            if std::hint::black_box(true) {
                panic!("secret detail 11010519491231002X");
            }
            "unreachable"
        }),
    );
    let router = server::startup::with_middleware(router, &settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bound");
    let address = listener.local_addr().expect("address");
    tokio::spawn(server::startup::serve_router(
        listener,
        router,
        std::future::pending(),
    ));

    let response = reqwest::get(format!("http://{address}/boom"))
        .await
        .expect("the connection survives");
    assert_eq!(response.status(), 500);
    assert!(response.headers().contains_key("content-security-policy"));
    assert!(response.headers().contains_key("x-request-id"));
    let body = response.text().await.expect("body");
    assert!(body.contains("系统出错了"));
    assert!(!body.contains("secret"));
}

#[tokio::test]
async fn the_server_names_each_request_itself() {
    let app = spawn_app().await;
    // A request ID chosen by the client would be written into the logs and shown as the
    // number of someone else's error: the server always makes its own.
    let forged = "0d6f1e2a-0000-4000-8000-000000000000";
    let response = crate::helpers::new_client()
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", forged)
        .send()
        .await
        .expect("the server answers");
    let id = response.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_ne!(id, forged);
    assert_eq!(id.len(), forged.len(), "{id}");
}
