//! Input nobody types through the pages, sent by hand: each gets a clear message in both
//! languages (422) and changes nothing, on SQLite and on PostgreSQL alike. On PostgreSQL
//! a NUL character, a year before 4713 BC or a list longer than a statement can carry
//! used to answer 500; long texts were cut short without a word.

use app::server::entities::{notice, school};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{Browser, spawn_app};

/// The Chinese message of the first problem of a 422.
async fn refusal(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("a JSON error");
    body["Invalid"]["problems"][0]["message"]["zh"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn notices(app: &crate::helpers::TestApp) -> usize {
    notice::Entity::find()
        .all(&app.db)
        .await
        .expect("query")
        .len()
}

async fn notice(admin: &Browser, body_zh: &str) -> reqwest::Response {
    admin
        .call(
            "add_notice",
            &[
                ("title_zh", "招生公告"),
                ("title_en", ""),
                ("body_zh", body_zh),
                ("body_en", ""),
            ],
        )
        .await
}

#[tokio::test]
async fn a_nul_character_is_refused_wherever_it_is_sent() {
    let app = spawn_app().await;
    // Signing in (public), as a form.
    let stranger = app.browser();
    let signed_in = stranger
        .call(
            "staff_sign_in",
            &[("username", "admin\0"), ("password", "ruxue-demo-2026")],
        )
        .await;
    assert!(refusal(signed_in).await.contains("空字符"));
    // The public catchment look-up, and its page's query.
    let looked_up = stranger
        .call("lookup_catchment", &[("text", "香\0港花园")])
        .await;
    assert!(refusal(looked_up).await.contains("空字符"));
    let page = app.get("/catchment?q=%E9%A6%99%00%E6%B8%AF").await;
    assert!(refusal(page).await.contains("空字符"));
    // A staff form, and a JSON body.
    let admin = app.staff("admin").await;
    let before = notices(&app).await;
    assert!(
        refusal(notice(&admin, "请按时报名。\0").await)
            .await
            .contains("空字符")
    );
    let decided = admin
        .call_json(
            "decide_admissions",
            &json!({ "school_id": 1, "decisions": [[1, "admitted\u{0}"]] }),
        )
        .await;
    assert!(refusal(decided).await.contains("空字符"));
    assert_eq!(notices(&app).await, before);
    // A backslash typed before "u0000" is text like any other.
    let typed = notice(&admin, r"路径 C:\u0000 不是空字符").await;
    assert_eq!(typed.status(), 200);
}

#[tokio::test]
async fn a_long_text_is_refused_not_cut_short() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let before = notices(&app).await;
    let long = "请按时报名。".repeat(1000);
    let message = refusal(notice(&admin, &long).await).await;
    assert!(message.contains("最多 5000 字"), "{message}");
    assert!(message.contains("6000"), "{message}");
    assert_eq!(notices(&app).await, before);
    assert_eq!(notice(&admin, &long[..long.len() / 2]).await.status(), 200);
}

#[tokio::test]
async fn a_year_out_of_any_window_is_a_typing_mistake() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let refused = admin
        .call(
            "set_window",
            &[
                ("subsystem", "enrollment"),
                ("opens_at", "-5000-01-01T08:00"),
                ("closes_at", "2027-06-01T17:00"),
                ("review_closes_at", ""),
            ],
        )
        .await;
    assert!(refusal(refused).await.contains("时间"));
}

#[tokio::test]
async fn too_many_admission_decisions_at_once_are_refused_with_a_message() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let school = school::Entity::find()
        .filter(school::Column::Code.eq("SN01"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("school")
        .id;
    let decisions: Vec<Value> = (1..=40_000).map(|id| json!([id, "admitted"])).collect();
    let refused = admin
        .call_json(
            "decide_admissions",
            &json!({ "school_id": school, "decisions": decisions }),
        )
        .await;
    assert!(refusal(refused).await.contains("分批"));
}
