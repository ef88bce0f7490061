use app::server::entities::{collection_window, notice};
use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

use crate::helpers::{Options, spawn_app, spawn_app_with};

#[tokio::test]
async fn the_home_page_shows_the_platform_its_open_windows_notices_and_schools() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("body");
    assert!(html.contains("<html lang=\"zh-CN\""), "{html}");
    assert!(html.contains("市南区义务教育招生平台"));
    assert!(html.contains("小学一年级入学报名"));
    assert!(html.contains("转学申请"));
    assert_eq!(
        html.matches("data-state=\"Open\"").count(),
        2,
        "both windows are open"
    );
    assert!(html.contains("报名材料对照表"));
    for school in [
        "市南区第一实验小学",
        "海滨路小学",
        "银海小学",
        "栈桥小学",
        "八大关小学",
        "浮山湾小学",
    ] {
        assert!(html.contains(school), "{school} missing");
    }
}

#[tokio::test]
async fn the_language_cookie_renders_the_page_in_english() {
    let app = spawn_app().await;
    let html = app
        .client
        .get(format!("{}/", app.address))
        .header("cookie", "ruxue_lang=en")
        .send()
        .await
        .expect("answers")
        .text()
        .await
        .expect("body");
    assert!(html.contains("<html lang=\"en\""));
    assert!(
        html.contains("<h1>Shinan District School Enrollment Platform"),
        "{html}"
    );
    assert!(html.contains("First-grade enrollment"));
    assert!(html.contains("Table of required documents"));
    // Chinese stays only in the data serialised for hydration, not in what is shown.
    assert!(!html.contains("<h1>市南区义务教育招生平台"));
}

#[tokio::test]
async fn the_language_switch_works_without_javascript() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/lang/en", app.address))
        .header("referer", format!("{}/?from=switch", app.address))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/?from=switch");
    let cookie = response.headers()["set-cookie"].to_str().expect("ascii");
    assert!(cookie.starts_with("ruxue_lang=en;"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"));
}

#[tokio::test]
async fn notices_and_window_states_come_from_the_database() {
    let app = spawn_app().await;
    let windows = collection_window::Entity::find()
        .all(&app.db)
        .await
        .expect("windows");
    let transfer = windows
        .into_iter()
        .find(|w| w.subsystem.code() == "transfer")
        .expect("transfer window");
    let mut closed: collection_window::ActiveModel = transfer.into();
    closed.opens_at = Set(Utc::now() - Duration::days(30));
    closed.closes_at = Set(Utc::now() - Duration::days(1));
    closed.update(&app.db).await.expect("updated");
    notice::ActiveModel {
        bureau_id: Set(1),
        title_zh: Set("测试公告：现场登记点调整".into()),
        title_en: Set("Test notice".into()),
        body_zh: Set("正文".into()),
        body_en: Set("Body".into()),
        published_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("notice inserted");
    notice::ActiveModel {
        bureau_id: Set(1),
        title_zh: Set("尚未发布的公告".into()),
        title_en: Set("Scheduled notice".into()),
        body_zh: Set("正文".into()),
        body_en: Set("Body".into()),
        published_at: Set(Utc::now() + Duration::days(1)),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("notice inserted");

    let html = app.get("/").await.text().await.expect("body");
    assert!(html.contains("测试公告：现场登记点调整"));
    assert!(
        !html.contains("尚未发布的公告"),
        "a notice shows only from its publication time"
    );
    assert_eq!(html.matches("data-state=\"Open\"").count(), 1);
    assert_eq!(html.matches("data-state=\"Closed\"").count(), 1);
    assert!(html.contains("已结束"));
}

#[tokio::test]
async fn an_unconfigured_platform_says_so() {
    let app = spawn_app_with(Options::default()).await;
    let html = app.get("/").await.text().await.expect("body");
    assert!(html.contains("平台尚未配置"), "{html}");
}

#[tokio::test]
async fn the_home_server_function_answers_with_the_data() {
    let app = spawn_app().await;
    let response = app.post_server_fn("get_home").await;
    assert_eq!(response.status(), 200);
    let json: serde_json::Value = response.json().await.expect("json");
    assert_eq!(json["platform_name"]["zh"], "市南区义务教育招生平台");
    assert_eq!(json["schools"].as_array().map(Vec::len), Some(6));
    assert_eq!(json["windows"][0][0], "Enrollment");
    assert_eq!(json["windows"][0][1]["state"], "Open");
}

#[tokio::test]
async fn an_internal_error_reaches_the_browser_as_a_generic_message_with_a_request_id() {
    let app = spawn_app().await;
    app.db
        .execute_unprepared("DROP TABLE notice")
        .await
        .expect("dropped");

    let response = app.post_server_fn("get_home").await;
    assert_eq!(response.status(), 500);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let body = response.text().await.expect("body");
    let json: serde_json::Value = serde_json::from_str(&body).expect("json error");
    assert_eq!(json["Internal"]["request_id"], request_id.as_str());
    for leak in ["notice", "SQL", "sql", "table", "relation", "sqlx", "Query"] {
        assert!(!body.contains(leak), "`{leak}` leaked: {body}");
    }

    let page = app.get("/").await;
    let html = page.text().await.expect("body");
    assert!(html.contains("系统出错了"), "{html}");
    assert!(
        !html.contains("no such table") && !html.contains("does not exist"),
        "{html}"
    );
}

#[tokio::test]
async fn an_unknown_address_is_a_404_page() {
    let app = spawn_app().await;
    let response = app.get("/no-such-page").await;
    assert_eq!(response.status(), 404);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("没有找到这个页面")
    );
}
