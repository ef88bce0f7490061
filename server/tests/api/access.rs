//! The access matrix: every server function called directly, as each kind of caller,
//! allowed or refused as the rules say. A server function missing from the matrix fails
//! the suite, so that no endpoint is added without its rules.

use std::collections::BTreeSet;

use app::server::entities::{school, staff_account};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::helpers::{Browser, TestApp, spawn_app};

/// Who calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Anonymous,
    ParentA,
    ParentB,
    /// Reviewer of the school the calls are about.
    Reviewer,
    /// Reviewer of another school.
    OtherReviewer,
    PointStaff,
    Admin,
}

const CALLERS: [Caller; 7] = [
    Caller::Anonymous,
    Caller::ParentA,
    Caller::ParentB,
    Caller::Reviewer,
    Caller::OtherReviewer,
    Caller::PointStaff,
    Caller::Admin,
];

/// What a call must answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Allowed,
    /// 401: sign in first.
    SignIn,
    /// 403: signed in, but not allowed.
    Refused,
    /// 404: another parent's object is not even shown to exist.
    NotFound,
    /// Past every access check (the answer may still be a validation problem).
    Passes,
}

fn matches(expected: Expect, status: u16) -> bool {
    match expected {
        Expect::Allowed => status == 200,
        Expect::SignIn => status == 401,
        Expect::Refused => status == 403,
        Expect::NotFound => status == 404,
        Expect::Passes => ![401, 403, 404].contains(&status) && status < 500,
    }
}

/// Parent A's own registration: A passes, parent B finds nothing, staff are refused.
fn owner_only(caller: Caller) -> Expect {
    match caller {
        Caller::ParentA => Expect::Passes,
        Caller::ParentB => Expect::NotFound,
        other => parents_only(other),
    }
}

/// Parents may call it but find nothing there; staff are refused.
fn parents_find_nothing(caller: Caller) -> Expect {
    match caller {
        Caller::ParentA | Caller::ParentB => Expect::NotFound,
        other => parents_only(other),
    }
}

/// Who may call a server function.
type Rule = fn(Caller) -> Expect;
/// A server function, its form fields and its rule.
type Row = (&'static str, Vec<(&'static str, String)>, Rule);

async fn browser_for(app: &TestApp, caller: Caller) -> Browser {
    match caller {
        Caller::Anonymous => app.browser(),
        Caller::ParentA => app.confirmed_parent("demo-zhang-wei").await,
        Caller::ParentB => app.confirmed_parent("demo-wang-qiang").await,
        Caller::Reviewer => app.staff("reviewer.sn1").await,
        Caller::OtherReviewer => app.staff("reviewer.sn2").await,
        Caller::PointStaff => app.staff("point.sn").await,
        Caller::Admin => app.staff("admin").await,
    }
}

/// Parents get past the access checks (the answer may still be a problem); staff are refused.
fn parents_pass(caller: Caller) -> Expect {
    match caller {
        Caller::ParentA | Caller::ParentB => Expect::Passes,
        other => parents_only(other),
    }
}

fn parents_only(caller: Caller) -> Expect {
    match caller {
        Caller::Anonymous => Expect::SignIn,
        Caller::ParentA | Caller::ParentB => Expect::Allowed,
        _ => Expect::Refused,
    }
}

fn staff_only(caller: Caller) -> Expect {
    match caller {
        Caller::Anonymous => Expect::SignIn,
        Caller::ParentA | Caller::ParentB => Expect::Refused,
        _ => Expect::Allowed,
    }
}

fn admin_only(caller: Caller) -> Expect {
    match caller {
        Caller::Anonymous => Expect::SignIn,
        Caller::Admin => Expect::Allowed,
        _ => Expect::Refused,
    }
}

fn school_staff(caller: Caller) -> Expect {
    match caller {
        Caller::Anonymous => Expect::SignIn,
        Caller::Reviewer | Caller::Admin => Expect::Allowed,
        _ => Expect::Refused,
    }
}

/// A school's reviewers, whichever school (each decision is checked per registration).
fn reviewers_only(caller: Caller) -> Expect {
    match caller {
        Caller::Anonymous => Expect::SignIn,
        Caller::Reviewer | Caller::OtherReviewer => Expect::Allowed,
        _ => Expect::Refused,
    }
}

/// Staff who review: reviewers (their own school) and the bureau.
fn review_staff(caller: Caller) -> Expect {
    match caller {
        Caller::Anonymous => Expect::SignIn,
        Caller::Reviewer | Caller::OtherReviewer | Caller::Admin => Expect::Allowed,
        _ => Expect::Refused,
    }
}

/// Staff of the registration's school (its reviewers, its bureau), past every access check.
fn school_staff_pass(caller: Caller) -> Expect {
    match school_staff(caller) {
        Expect::Allowed => Expect::Passes,
        other => other,
    }
}

/// Bureau administrators, past every access check (the input is then refused).
fn admin_only_pass(caller: Caller) -> Expect {
    match admin_only(caller) {
        Expect::Allowed => Expect::Passes,
        other => other,
    }
}

/// Bureau administrators reach it, and find no such object; everyone else is refused.
fn admin_finds_nothing(caller: Caller) -> Expect {
    match admin_only(caller) {
        Expect::Allowed => Expect::NotFound,
        other => other,
    }
}

/// Registration-point staff only.
fn point_only(caller: Caller) -> Expect {
    match caller {
        Caller::Anonymous => Expect::SignIn,
        Caller::PointStaff => Expect::Allowed,
        _ => Expect::Refused,
    }
}

/// Registration-point staff reach it and find no such object; everyone else is refused.
fn point_finds_nothing(caller: Caller) -> Expect {
    match point_only(caller) {
        Expect::Allowed => Expect::NotFound,
        other => other,
    }
}

fn everyone(_: Caller) -> Expect {
    Expect::Allowed
}

/// Open to anyone, signed in or not, who then finds no such object.
fn everyone_finds_nothing(_: Caller) -> Expect {
    Expect::NotFound
}

#[tokio::test]
async fn every_server_function_allows_exactly_whom_it_should() {
    let app = spawn_app().await;
    let schools = school::Entity::find()
        .order_by_asc(school::Column::Position)
        .all(&app.db)
        .await
        .expect("schools");
    let reviewed_school = schools[0].id.to_string();
    let other_reviewer = staff_account::Entity::find()
        .filter(staff_account::Column::Username.eq("reviewer.sn2"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("demo reviewer")
        .id
        .to_string();
    let new_school = schools[3].id.to_string();

    let mut browsers = Vec::new();
    for caller in CALLERS {
        browsers.push((caller, browser_for(&app, caller).await));
    }
    // Parent A's registrations: one to read and write, one to delete.
    let (entry, school_id) = crate::registrations::entry_and_school(&app, "local-property").await;
    let parent_a = &browsers[1].1;
    let mut owned = Vec::new();
    for child in [crate::registrations::TWIN_1, crate::registrations::TWIN_2] {
        let response = crate::registrations::create(parent_a, entry, school_id, child).await;
        assert_eq!(response.status(), 200);
        owned.push(response.json::<i64>().await.expect("id").to_string());
    }
    let (a_main, a_doomed) = (owned[0].clone(), owned[1].clone());
    // Parent B's submitted registration at the reviewed school, for the review functions.
    let parent_b = &browsers[2].1;
    let (b_submitted, b_version) = crate::review::submitted(
        &app,
        parent_b,
        &crate::registrations::child_id("20191015", 402),
    )
    .await;
    let b_submitted = b_submitted.to_string();
    let version_of = |id: String| {
        let db = app.db.clone();
        async move {
            app::server::entities::registration::Entity::find_by_id(
                id.parse::<i32>().unwrap_or_default(),
            )
            .one(&db)
            .await
            .expect("query")
            .map_or(1, |r| r.version)
            .to_string()
        }
    };

    // (server function, form fields, rule). Mutating calls are idempotent or unique per caller.
    let matrix: Vec<Row> = vec![
        ("get_home", vec![], everyone),
        ("get_host_app_entry", vec![], everyone),
        ("get_my_identity", vec![], parents_only),
        ("confirm_my_identity", vec![], parents_only),
        ("get_staff_overview", vec![], staff_only),
        ("list_staff_accounts", vec![], admin_only),
        (
            "set_staff_account_active",
            vec![
                ("account_id", other_reviewer.clone()),
                ("active", "true".into()),
            ],
            admin_only,
        ),
        (
            "get_school_overview",
            vec![("school_id", reviewed_school.clone())],
            school_staff,
        ),
        ("list_my_registrations", vec![], parents_only),
        ("get_registration_options", vec![], parents_only),
        ("get_registration", vec![("id", a_main.clone())], owner_only),
        (
            "get_registration_documents",
            vec![("id", a_main.clone())],
            owner_only,
        ),
        (
            "check_registration",
            vec![("id", a_main.clone())],
            owner_only,
        ),
        ("get_materials_table", vec![], everyone),
        (
            "remove_document_photo",
            vec![("photo_id", "999999".into())],
            parents_find_nothing,
        ),
        ("get_followers", vec![("id", a_main.clone())], owner_only),
        (
            "invite_follower",
            vec![
                ("id", a_main.clone()),
                ("name", String::new()),
                ("id_number", "not a number".into()),
            ],
            owner_only,
        ),
        (
            "withdraw_follower",
            vec![("id", a_main.clone()), ("follower_id", "999999".into())],
            parents_find_nothing,
        ),
        (
            "confirm_following",
            vec![("follower_id", "999999".into())],
            parents_find_nothing,
        ),
        (
            "answer_offer",
            vec![("id", a_main.clone()), ("accept", "false".into())],
            owner_only,
        ),
        (
            "get_review_detail",
            vec![("id", b_submitted.clone())],
            school_staff,
        ),
        ("mark_messages_read", vec![], parents_only),
        (
            "get_appointment_options",
            vec![("id", a_main.clone())],
            owner_only,
        ),
        (
            "book_appointment",
            vec![("id", a_main.clone()), ("slot_id", "999999".into())],
            owner_only,
        ),
        (
            "cancel_appointment",
            vec![("id", a_main.clone())],
            owner_only,
        ),
        ("get_point_appointments", vec![], point_only),
        (
            "check_in_appointment",
            vec![("appointment_id", "999999".into())],
            point_finds_nothing,
        ),
        (
            "undo_check_in",
            vec![("appointment_id", "999999".into())],
            point_finds_nothing,
        ),
        (
            "record_originals",
            vec![
                ("appointment_id", "999999".into()),
                ("ok", "true".into()),
                ("note", String::new()),
            ],
            point_finds_nothing,
        ),
        ("get_bureau_schools", vec![], admin_only),
        ("get_slots", vec![], admin_only),
        (
            "add_slots",
            vec![
                ("point_id", "999999".into()),
                ("from", "2099-01-05".into()),
                ("to", "2099-01-09".into()),
                ("starts", "09:00".into()),
                ("ends", "10:00".into()),
                ("capacity", "5".into()),
                ("weekends", "false".into()),
            ],
            admin_finds_nothing,
        ),
        (
            "set_slot_capacity",
            vec![("slot_id", "999999".into()), ("capacity", "5".into())],
            admin_finds_nothing,
        ),
        (
            "remove_slot",
            vec![("slot_id", "999999".into())],
            admin_finds_nothing,
        ),
        (
            "set_school_capacity",
            vec![
                ("school_id", reviewed_school.clone()),
                ("subsystem", "enrollment".into()),
                ("grade", "1".into()),
                ("capacity", "90".into()),
            ],
            admin_only,
        ),
        (
            "remove_catchment",
            vec![("catchment_id", "999999".into())],
            admin_finds_nothing,
        ),
        (
            "lookup_catchment",
            vec![("text", "香港花园".into())],
            everyone,
        ),
        ("get_windows", vec![], admin_only),
        (
            "set_window",
            vec![
                ("subsystem", "enrollment".into()),
                ("opens_at", "not a time".into()),
                ("closes_at", "".into()),
                ("review_closes_at", "".into()),
            ],
            admin_only_pass,
        ),
        (
            "open_next_year",
            vec![
                ("subsystem", "enrollment".into()),
                ("opens_at", "not a time".into()),
                ("closes_at", "".into()),
                ("review_closes_at", "".into()),
            ],
            admin_only_pass,
        ),
        ("get_statistics", vec![], admin_only),
        ("get_configuration", vec![], admin_only),
        (
            "remove_material_rule",
            vec![("rule_id", "999999".into())],
            admin_finds_nothing,
        ),
        (
            "set_export_full_ids",
            vec![("allow", "false".into())],
            admin_only,
        ),
        ("get_audit_log", vec![("reference", "".into())], admin_only),
        ("get_set_aside_claims", vec![], admin_only),
        (
            "decide_set_aside",
            vec![("id", "999999".into()), ("restore", "false".into())],
            admin_finds_nothing,
        ),
        (
            "claim_child_registration",
            vec![
                ("subsystem", "enrollment".into()),
                ("entry_id", "0".into()),
                ("school_id", "0".into()),
                ("child_id_number", "not a number".into()),
            ],
            parents_pass,
        ),
        (
            "move_child_registration",
            vec![("child_id_number", "not a number".into())],
            parents_pass,
        ),
        (
            "get_admissions",
            vec![("subsystem", "enrollment".into())],
            admin_only,
        ),
        (
            "schedule_publication",
            vec![
                ("school_id", reviewed_school.clone()),
                ("subsystem", "enrollment".into()),
                ("publish_at", "not a time".into()),
            ],
            admin_only_pass,
        ),
        (
            "cancel_publication",
            vec![
                ("school_id", reviewed_school.clone()),
                ("subsystem", "enrollment".into()),
            ],
            admin_only_pass,
        ),
        (
            "resubmit_registration",
            vec![("id", a_main.clone()), ("base_version", "1".into())],
            owner_only,
        ),
        // A draw's public record is for anyone; running one is for administrators.
        (
            "get_draw",
            vec![("draw_id", "999999".into())],
            everyone_finds_nothing,
        ),
        (
            "run_draw",
            vec![("draw_id", "999999".into()), ("public_value", "1".into())],
            admin_finds_nothing,
        ),
    ];
    // Functions taking JSON: (name, body, rule). None changes anything but a refusal of
    // the registries by parent A, who asks for them on their own registration.
    let a_main_id = a_main.parse::<i32>().unwrap_or_default();
    let json_matrix: Vec<(&str, serde_json::Value, Rule)> = vec![
        (
            "get_registry_status",
            serde_json::json!({ "id": a_main_id, "section": "child" }),
            owner_only,
        ),
        (
            "decide_registry_consent",
            serde_json::json!({ "id": a_main_id, "grant": false }),
            owner_only,
        ),
        (
            "get_review_queue",
            serde_json::json!({ "query": {
                "filter": null, "entry_id": null, "school_id": null, "hand_entered": false,
                "resubmitted": false, "search": "", "sort": "SubmittedFirst", "page": 1
            }}),
            review_staff,
        ),
        (
            "decide_review",
            serde_json::json!({
                "id": b_submitted.parse::<i32>().unwrap_or_default(), "base_version": b_version,
                "stage": "first", "decision": "no-such-decision", "reason": "", "message": "",
                "items": []
            }),
            school_staff_pass,
        ),
        (
            "bulk_pass_review",
            serde_json::json!({ "stage": "first", "registrations": [] }),
            reviewers_only,
        ),
        (
            "save_entry",
            serde_json::json!({ "input": {
                "id": null, "subsystem": "enrollment", "code": "matrix entry with spaces",
                "name_zh": "矩阵", "name_en": "", "explanation_zh": "", "explanation_en": "",
                "sections": ["child", "household", "guardian"], "active": false
            }}),
            admin_only_pass,
        ),
        (
            "add_material_rule",
            serde_json::json!({ "input": {
                "document": "no-such-document", "condition": "always", "required": true,
                "explanation_zh": "x", "explanation_en": "", "entry_id": null
            }}),
            admin_only_pass,
        ),
        (
            "decide_admissions",
            serde_json::json!({ "school_id": reviewed_school.parse::<i32>().unwrap_or_default(), "decisions": [] }),
            admin_only,
        ),
        (
            "schedule_draw",
            serde_json::json!({
                "school_id": reviewed_school.parse::<i32>().unwrap_or_default(),
                "subsystem": "transfer", "tiers": []
            }),
            admin_only_pass,
        ),
    ];

    let mut covered: BTreeSet<String> = matrix
        .iter()
        .map(|(name, _, _)| format!("/api/{name}"))
        .collect();
    for (caller, browser) in &browsers {
        for (name, fields, rule) in &matrix {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let status = browser.call(name, &fields).await.status().as_u16();
            let expected = rule(*caller);
            assert!(
                matches(expected, status),
                "{name} as {caller:?}: expected {expected:?}, got {status}"
            );
        }

        for (name, body, rule) in &json_matrix {
            let status = browser.call_json(name, body).await.status().as_u16();
            let expected = rule(*caller);
            assert!(
                matches(expected, status),
                "{name} as {caller:?}: expected {expected:?}, got {status}"
            );
        }

        // Writes on parent A's registration, with its current version.
        let version = version_of(a_main.clone()).await;
        let body = serde_json::json!({
            "id": a_main.parse::<i32>().unwrap_or_default(),
            "section": "child",
            "base_version": version.parse::<i64>().unwrap_or_default(),
            "data": { "name": "张子涵" },
            "corrections": {},
            "complete": false
        });
        let status = browser
            .call_json("save_section", &body)
            .await
            .status()
            .as_u16();
        let expected = owner_only(*caller);
        assert!(
            matches(expected, status),
            "save_section as {caller:?}: expected {expected:?}, got {status}"
        );
        let version = version_of(a_main.clone()).await;
        let status = browser
            .call(
                "submit_registration",
                &[("id", a_main.as_str()), ("base_version", version.as_str())],
            )
            .await
            .status()
            .as_u16();
        assert!(
            matches(expected, status),
            "submit_registration as {caller:?}: expected {expected:?}, got {status}"
        );
        // Parent A deletes last, after everyone else was refused.
        if *caller != Caller::ParentA {
            let version = version_of(a_doomed.clone()).await;
            let status = browser
                .call(
                    "delete_registration",
                    &[
                        ("id", a_doomed.as_str()),
                        ("base_version", version.as_str()),
                    ],
                )
                .await
                .status()
                .as_u16();
            assert!(
                matches(expected, status),
                "delete_registration as {caller:?}: expected {expected:?}, got {status}"
            );
        }

        // Starting a registration: parents only, each with a child of their own.
        let position = CALLERS.iter().position(|c| c == caller).unwrap_or(0);
        let child = crate::registrations::child_id(
            "20191201",
            200 + 2 * u32::try_from(position).unwrap_or(0),
        );
        let status = crate::registrations::create(browser, entry, school_id, &child)
            .await
            .status()
            .as_u16();
        assert!(
            matches(parents_only(*caller), status),
            "create_registration as {caller:?}: got {status}"
        );

        // Creating staff: a unique username per caller, so that only a refusal can fail it.
        let username = format!("matrix.{}", format!("{caller:?}").to_lowercase());
        let status = browser
            .call(
                "create_staff_account",
                &[
                    ("username", username.as_str()),
                    ("display_name", "测试老师"),
                    ("role", "reviewer"),
                    ("place_id", new_school.as_str()),
                    ("password", "matrix-password-2026"),
                ],
            )
            .await
            .status()
            .as_u16();
        let expected = admin_only(*caller);
        assert!(
            matches(expected, status),
            "create_staff_account as {caller:?}: got {status}"
        );
    }
    covered.insert("/api/create_staff_account".into());
    for (caller, browser) in &browsers {
        let community = format!(
            "矩阵小区{}",
            CALLERS.iter().position(|c| c == caller).unwrap_or(0)
        );
        let status = browser
            .call(
                "add_catchment",
                &[
                    ("school_id", reviewed_school.as_str()),
                    ("community", community.as_str()),
                    ("note", ""),
                ],
            )
            .await
            .status()
            .as_u16();
        assert!(
            matches(admin_only(*caller), status),
            "add_catchment as {caller:?}: got {status}"
        );
        let status = browser
            .call(
                "add_notice",
                &[
                    ("title_zh", "矩阵公告"),
                    ("title_en", ""),
                    ("body_zh", "内容"),
                    ("body_en", ""),
                ],
            )
            .await
            .status()
            .as_u16();
        assert!(
            matches(admin_only(*caller), status),
            "add_notice as {caller:?}: got {status}"
        );
    }
    covered.insert("/api/add_catchment".into());
    covered.insert("/api/add_notice".into());
    for (name, _, _) in &json_matrix {
        covered.insert(format!("/api/{name}"));
    }
    let status = parent_a
        .call(
            "delete_registration",
            &[
                ("id", a_doomed.as_str()),
                ("base_version", version_of(a_doomed.clone()).await.as_str()),
            ],
        )
        .await
        .status();
    assert_eq!(status, 200, "the owner deletes");
    for name in [
        "save_section",
        "submit_registration",
        "delete_registration",
        "create_registration",
    ] {
        covered.insert(format!("/api/{name}"));
    }

    // Staff sign-in is the way in: anyone may try, and wrong credentials fail alike.
    for (caller, browser) in &browsers {
        let username = format!("nobody.{}", format!("{caller:?}").to_lowercase());
        let status = browser
            .call(
                "staff_sign_in",
                &[
                    ("username", username.as_str()),
                    ("password", "wrong-password-1"),
                ],
            )
            .await
            .status();
        assert_eq!(status, 401, "staff_sign_in as {caller:?}");
    }
    covered.insert("/api/staff_sign_in".into());

    // A parent sees only their own identity.
    let a = &browsers[1].1;
    let b = &browsers[2].1;
    let a_identity: serde_json::Value = a
        .call("get_my_identity", &[])
        .await
        .json()
        .await
        .expect("json");
    let b_identity: serde_json::Value = b
        .call("get_my_identity", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(a_identity["name"], "张伟");
    assert_eq!(b_identity["name"], "王强");

    // A school that does not exist is not found, not an error.
    let admin = &browsers[6].1;
    assert_eq!(
        admin
            .call("get_school_overview", &[("school_id", "999999")])
            .await
            .status(),
        404
    );

    // Every registered server function is in the matrix.
    let registered: BTreeSet<String> = server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .collect();
    let missing: Vec<&String> = registered.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "server functions without access rules in the matrix: {missing:?}"
    );
}

#[tokio::test]
async fn state_changing_requests_from_another_site_are_refused() {
    let app = spawn_app().await;
    let parent = app.parent("demo-zhang-wei").await;
    for origin in ["https://evil.example", "null"] {
        let response = parent
            .client
            .post(format!("{}/api/confirm_my_identity", app.address))
            .header("origin", origin)
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), 403, "origin {origin}");
        let response = parent
            .client
            .post(format!("{}/sign-out", app.address))
            .header("origin", origin)
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), 403, "sign-out from {origin}");
    }
    let response = parent
        .client
        .post(format!("{}/api/confirm_my_identity", app.address))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 403);
    // Still signed in: nothing happened.
    assert_eq!(parent.call("get_my_identity", &[]).await.status(), 200);
}
