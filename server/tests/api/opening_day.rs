//! Opening morning's server side: a crowd beyond what the server works on at once is told
//! to come back (503 with `Retry-After`, at once, in the form each caller understands)
//! rather than left waiting until it times out; the site's files are named by their
//! content, cached for a year and sent as compressed by the build.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use server::settings::Admission;

use crate::{
    helpers::{Browser, Options, TestApp, spawn_app_configured},
    registrations::{TWIN_1, create, entry_and_school},
};

async fn crowded_app(queued: usize) -> TestApp {
    spawn_app_configured(
        Options {
            demo_data: true,
            ..Options::default()
        },
        move |settings| {
            settings.admission = Admission {
                in_flight: 1,
                queued,
                wait: Duration::from_secs(10),
            };
        },
    )
    .await
}

/// Starts an upload whose body arrives only when the returned sender is dropped: the
/// request holds its turn on the server until then.
fn held_request(
    parent: &Browser,
    id: i32,
) -> (tokio::sync::mpsc::Sender<()>, tokio::task::JoinHandle<u16>) {
    let (sender, receiver) = tokio::sync::mpsc::channel::<()>(1);
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|()| {
            (
                Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"x")),
                receiver,
            )
        })
    })
    .chain(futures_util::stream::once(async {
        Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"not a photo"))
    }));
    let request = parent
        .client
        .post(format!(
            "{}/api/registrations/{id}/documents/household-register",
            parent.address
        ))
        .header("origin", &parent.address)
        .header("content-type", "image/jpeg")
        .body(reqwest::Body::wrap_stream(body));
    let task = tokio::spawn(async move {
        request
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    });
    (sender, task)
}

async fn save_child(parent: &Browser, id: i32) -> reqwest::Response {
    parent
        .call_json(
            "save_section",
            &json!({ "id": id, "section": "child", "base_version": 0, "base": {},
                     "data": { "name": "张子涵" }, "corrections": {}, "complete": false }),
        )
        .await
}

/// Waits until a request is refused as busy: the held request has taken the only turn.
async fn until_busy(parent: &Browser) {
    for _ in 0..100 {
        if parent.get("/registrations").await.status() == 503 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the held request never took the server's only turn");
}

#[tokio::test]
async fn a_crowd_beyond_the_queue_is_told_at_once_to_come_back_in_the_form_each_caller_reads() {
    let app = crowded_app(0).await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let response = create(&parent, entry, school, TWIN_1).await;
    assert_eq!(response.status(), 200);
    let id = i32::try_from(response.json::<i64>().await.expect("id")).expect("fits");

    let (sender, held) = held_request(&parent, id);
    // (Nothing else is sent until the held request has its turn: with no queue, whichever
    // came second would be the one refused.)
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!held.is_finished(), "the held request is being worked on");
    until_busy(&parent).await;

    // A save: the wire error the page reads as "busy", with when to try again, at once.
    let started = std::time::Instant::now();
    let response = save_child(&parent, id).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "refused at once"
    );
    assert_eq!(response.status(), 503);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("3")
    );
    let body: Value = response.json().await.expect("the wire error");
    assert_eq!(body, json!({ "Unavailable": { "request_id": null } }));
    let decoded: app::error::AppError = serde_json::from_value(body).expect("the page decodes it");
    assert!(matches!(decoded, app::error::AppError::Unavailable { .. }));

    // A page: a short page in both languages that opens again by itself.
    let page = parent.get("/").await;
    assert_eq!(page.status(), 503);
    assert!(page.headers().get("retry-after").is_some());
    let html = page.text().await.expect("html");
    assert!(html.contains("http-equiv=\"refresh\""), "{html}");
    assert!(html.contains("您已填写的内容不会丢失"), "{html}");
    assert!(html.contains("nothing you entered is lost"), "{html}");

    // A form posted by a page without code (信息确认's submit): a page saying the press did
    // not go through, not the wire error as raw text, and not one that reloads itself
    // (which would not send the form again).
    let form = parent
        .client
        .post(format!("{}/api/submit_registration", parent.address))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .form(&[("id", id.to_string()), ("base_version", "1".to_owned())])
        .send()
        .await
        .expect("sent");
    assert_eq!(form.status(), 503);
    assert!(form.headers().get("retry-after").is_some());
    let html = form.text().await.expect("html");
    assert!(html.contains("刚才的操作没有完成"), "{html}");
    assert!(html.contains("did not go through"), "{html}");
    assert!(!html.contains("http-equiv=\"refresh\""), "{html}");

    // Health checks are never held back.
    assert_eq!(parent.get("/healthz").await.status(), 200);

    // The held request finishes; the same save now goes through.
    drop(sender);
    assert_ne!(
        held.await.expect("joined"),
        0,
        "the held request was answered"
    );
    let response = save_child(&parent, id).await;
    assert_eq!(response.status(), 200);
    let outcome: Value = response.json().await.expect("json");
    assert!(outcome["Saved"]["version"].as_i64().is_some(), "{outcome}");
}

#[tokio::test]
async fn a_request_within_the_queue_waits_for_its_turn_and_is_answered() {
    let app = crowded_app(4).await;
    let parent = app.confirmed_parent("demo-zhang-wei").await;
    let (entry, school) = entry_and_school(&app, "local-property").await;
    let response = create(&parent, entry, school, TWIN_1).await;
    let id = i32::try_from(response.json::<i64>().await.expect("id")).expect("fits");

    let (sender, held) = held_request(&parent, id);
    // The held request has its turn once a second request has to wait for it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let waiting = {
        let parent = Browser {
            address: parent.address.clone(),
            client: parent.client.clone(),
        };
        tokio::spawn(async move { save_child(&parent, id).await.status().as_u16() })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "the save waits while the only turn is taken"
    );
    drop(sender);
    assert_ne!(held.await.expect("joined"), 0);
    assert_eq!(
        waiting.await.expect("joined"),
        200,
        "the waiting save is answered"
    );
}

#[tokio::test]
async fn the_sites_files_are_named_by_content_cached_for_a_year_and_sent_as_the_build_compressed_them()
 {
    let site = std::env::temp_dir().join(format!("ruxue-site-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(site.join("pkg")).expect("site");
    std::fs::write(site.join("pkg/ruxue.js"), "export default function(){}").expect("js");
    std::fs::write(site.join("pkg/ruxue.js.br"), b"brotli bytes").expect("br");
    std::fs::write(site.join("pkg/ruxue.wasm"), b"\0asm").expect("wasm");
    std::fs::write(site.join("pkg/ruxue.css"), "body{}").expect("css");
    std::fs::write(
        site.join("pkg/__wasm_split.______________________.js"),
        "import './ruxue.js'",
    )
    .expect("loader");
    std::fs::write(site.join("pkg/split_review.wasm"), b"\0asm").expect("piece");
    std::fs::create_dir_all(site.join("pkg/photo-codec")).expect("codec");
    std::fs::write(site.join("pkg/photo-codec/photo_codec.js"), "codec").expect("codec");
    let root = site.display().to_string();
    let app = spawn_app_configured(
        Options {
            demo_data: true,
            ..Options::default()
        },
        move |settings| settings.site_root = root,
    )
    .await;

    // A page that hydrates whole (the home page loads no code).
    let html = app.get("/staff/sign-in").await.text().await.expect("html");
    let named = |extension: &str| {
        html.split('"')
            .find(|piece| piece.starts_with("/pkg/") && piece.ends_with(extension))
            .map(str::to_owned)
    };
    let css = named(".css").expect("the page names its stylesheet");
    let js = named(".js").expect("the page names its script");
    let wasm = named(".wasm").expect("the page names its wasm");
    let version = js
        .strip_prefix("/pkg/")
        .and_then(|rest| rest.strip_suffix("/ruxue.js"))
        .unwrap_or_else(|| panic!("the script under its version: {js}"))
        .to_owned();
    assert_eq!(version.len(), 12, "a content version: {js}");
    assert_eq!(css, format!("/pkg/{version}/ruxue.css"));
    // (`ruxue_bg.wasm` where the test is built without cargo-leptos' LEPTOS_OUTPUT_NAME)
    assert!(wasm.starts_with(&format!("/pkg/{version}/ruxue")), "{wasm}");

    // Asked for with brotli: the build's .br file, cached for a year.
    let response = app
        .client
        .get(format!("{}{js}", app.address))
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 200);
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header(&response, "content-encoding"), "br");
    assert_eq!(
        header(&response, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header(&response, "vary"), "accept-encoding");
    assert_eq!(
        response.bytes().await.expect("body").as_ref(),
        b"brotli bytes"
    );

    // Without brotli: the file itself (no .gz twin here), still cached for a year.
    let response = app.get(&css).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-encoding"), "");
    assert!(header(&response, "content-type").starts_with("text/css"));
    assert!(header(&response, "cache-control").contains("immutable"));
    assert_eq!(response.text().await.expect("css"), "body{}");
    let response = app.get(&format!("/pkg/{version}/ruxue.wasm")).await;
    assert_eq!(header(&response, "content-type"), "application/wasm");

    // A page rendered before a deployment asks for the old version: the current file,
    // never cached under the old name.
    let response = app.get("/pkg/000000000000/ruxue.js").await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "cache-control"), "no-cache");
    assert_eq!(app.get("/pkg/000000000000/ruxue.map").await.status(), 404);

    // A split build's loader and pieces, in the same version as the script that imports
    // them; another folder of pkg/ (the photo codec's) as it is, asked again each time.
    let response = app
        .get(&format!(
            "/pkg/{version}/__wasm_split.______________________.js"
        ))
        .await;
    assert_eq!(response.status(), 200);
    assert!(header(&response, "cache-control").contains("immutable"));
    assert_eq!(
        response.text().await.expect("loader"),
        "import './ruxue.js'"
    );
    let response = app.get(&format!("/pkg/{version}/split_review.wasm")).await;
    assert_eq!(header(&response, "content-type"), "application/wasm");
    assert!(header(&response, "cache-control").contains("immutable"));
    let response = app.get("/pkg/photo-codec/photo_codec.js").await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "cache-control"), "no-cache");
    let _ = std::fs::remove_dir_all(site);
}
