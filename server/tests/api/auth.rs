//! Sign-in through the host app, staff sign-in, sessions and their timeouts.

use std::time::Duration;

use app::server::{
    entities::{auth_session, parent_account},
    infra::auth::dev_signer::DEV_PUBLIC_KEY_PEM,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sea_orm::{EntityTrait, PaginatorTrait};
use server::settings::Settings;

use crate::helpers::{
    Options, demo_parent, dev_signer, location, set_cookie, spawn_app, spawn_app_with,
};

fn zhang_claims() -> app::server::infra::auth::sso::HostClaims {
    let p = demo_parent("demo-zhang-wei");
    dev_signer().claims_for(
        p.subject,
        p.name,
        p.id_number,
        p.phone,
        true,
        chrono::Utc::now(),
    )
}

#[tokio::test]
async fn a_parent_signs_in_with_a_host_token_and_sees_their_own_details() {
    let app = spawn_app().await;
    let browser = app.browser();
    let token = dev_signer().sign(&zhang_claims()).expect("signed");
    let response = browser.sso(&token).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/me");
    let cookie = set_cookie(&response, "ruxue_session").expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");

    let identity: serde_json::Value = browser
        .call("get_my_identity", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(identity["name"], "张伟");
    assert_eq!(identity["masked_id_number"], "370202********0311");
    assert_eq!(identity["phone"], "13800000001");
    assert_eq!(identity["confirmed"], false);

    let page = browser.get("/me").await;
    let status = page.status();
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.expect("html");
    // What the page said instead, should it not show the details (seen once under load).
    let said: String = html
        .split("<main")
        .nth(1)
        .unwrap_or(&html)
        .chars()
        .take(1500)
        .collect();
    assert!(html.contains("核对用户信息"), "{status}: {said}");
    assert!(html.contains("370202********0311"));
    assert!(
        !html.contains("370202198805120311"),
        "the full ID number never reaches the page"
    );

    assert_eq!(browser.call("confirm_my_identity", &[]).await.status(), 200);
    let identity: serde_json::Value = browser
        .call("get_my_identity", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(identity["confirmed"], true);
}

#[tokio::test]
async fn a_token_is_refused_when_replayed_expired_forged_or_for_someone_else() {
    let app = spawn_app().await;
    let signer = dev_signer();
    let token = signer.sign(&zhang_claims()).expect("signed");
    assert_eq!(location(&app.browser().sso(&token).await), "/me");
    let replay = app.browser().sso(&token).await;
    assert_eq!(location(&replay), "/sign-in/problem?reason=replayed");
    assert!(set_cookie(&replay, "ruxue_session").is_none());

    let mut expired = zhang_claims();
    expired.iat -= 3600;
    expired.exp -= 3600;
    let response = app
        .browser()
        .sso(&signer.sign(&expired).expect("signed"))
        .await;
    assert_eq!(location(&response), "/sign-in/problem?reason=expired");

    let mut wrong_audience = zhang_claims();
    wrong_audience.aud = "another-platform".into();
    let response = app
        .browser()
        .sso(&signer.sign(&wrong_audience).expect("signed"))
        .await;
    assert_eq!(location(&response), "/sign-in/problem?reason=invalid");

    let mut wrong_issuer = zhang_claims();
    wrong_issuer.iss = "https://evil.example".into();
    let response = app
        .browser()
        .sso(&signer.sign(&wrong_issuer).expect("signed"))
        .await;
    assert_eq!(location(&response), "/sign-in/problem?reason=invalid");

    // Signed by a key the platform does not trust.
    let other_key =
        EncodingKey::from_ec_pem(include_bytes!("keys/other-host.key.pem")).expect("key");
    let forged = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &zhang_claims(), &other_key)
        .expect("signed");
    assert_eq!(
        location(&app.browser().sso(&forged).await),
        "/sign-in/problem?reason=invalid"
    );

    // The public key used as an HMAC secret (algorithm confusion).
    let hmac = EncodingKey::from_secret(DEV_PUBLIC_KEY_PEM.as_bytes());
    let confused = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &zhang_claims(), &hmac)
        .expect("signed");
    assert_eq!(
        location(&app.browser().sso(&confused).await),
        "/sign-in/problem?reason=invalid"
    );

    assert_eq!(
        location(&app.browser().sso("").await),
        "/sign-in/problem?reason=invalid"
    );
    assert_eq!(
        location(&app.browser().sso("not.a.token").await),
        "/sign-in/problem?reason=invalid"
    );

    // Posted by the host app from its own (configured) origin, a token works too.
    let posted = app
        .browser()
        .client
        .post(format!("{}/sso/callback", app.address))
        .header("origin", crate::helpers::HOST_APP_ORIGIN)
        .form(&[("token", signer.sign(&zhang_claims()).expect("signed"))])
        .send()
        .await
        .expect("answers");
    assert_eq!(location(&posted), "/me");
    assert_eq!(
        parent_account::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        1
    );
}

#[tokio::test]
async fn unverified_people_and_malformed_identities_are_refused_with_guidance() {
    let app = spawn_app().await;
    let signer = dev_signer();
    let p = demo_parent("demo-zhao-min");
    let claims = signer.claims_for(
        p.subject,
        p.name,
        p.id_number,
        p.phone,
        false,
        chrono::Utc::now(),
    );
    let response = app
        .browser()
        .sso(&signer.sign(&claims).expect("signed"))
        .await;
    assert_eq!(location(&response), "/sign-in/problem?reason=not-verified");
    let page = app
        .get("/sign-in/problem?reason=not-verified")
        .await
        .text()
        .await
        .expect("html");
    assert!(page.contains("实人认证"), "says what to do in the host app");
    assert!(page.contains("爱山东"));
    // And whom to call: the bureau's help line, which a phone dials with a tap.
    assert!(page.contains("0532-8000 0000"), "the help line");
    assert!(
        page.contains("href=\"tel:053280000000\""),
        "dialled with a tap"
    );
    // A sign-in the server could not finish (its database busy or down) is not called
    // invalid: the parent is told to wait and come back.
    let page = app
        .get("/sign-in/problem?reason=unavailable")
        .await
        .text()
        .await
        .expect("html");
    assert!(page.contains("系统繁忙"), "says the system is busy");
    assert!(!page.contains("登录信息无效"));

    let claims = signer.claims_for(
        "x-1",
        "李四",
        "370202198805120312",
        "13800000001",
        true,
        chrono::Utc::now(),
    );
    let response = app
        .browser()
        .sso(&signer.sign(&claims).expect("signed"))
        .await;
    assert_eq!(
        location(&response),
        "/sign-in/problem?reason=incomplete-identity"
    );
    assert_eq!(
        parent_account::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        0
    );
}

#[tokio::test]
async fn a_corrected_name_or_phone_keeps_the_same_account() {
    let app = spawn_app().await;
    let signer = dev_signer();
    let first = app.browser();
    assert_eq!(
        location(
            &first
                .sso(&signer.sign(&zhang_claims()).expect("signed"))
                .await
        ),
        "/me"
    );
    assert_eq!(first.call("confirm_my_identity", &[]).await.status(), 200);

    // The host app corrected the name and the phone; the subject is the same.
    let mut corrected = zhang_claims();
    corrected.name = "张维".into();
    corrected.phone_number = "13811112222".into();
    let second = app.browser();
    let response = second.sso(&signer.sign(&corrected).expect("signed")).await;
    assert_eq!(location(&response), "/registrations");
    let identity: serde_json::Value = second
        .call("get_my_identity", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(identity["name"], "张维");
    assert_eq!(identity["phone"], "13811112222");
    assert_eq!(
        identity["confirmed"], true,
        "the same account, already confirmed"
    );

    // The account follows a registration as a child's other guardian (李娜 named 张伟).
    use app::server::entities::follower;
    use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, Set};
    let mother = app.confirmed_parent("demo-li-na").await;
    let (entry, school) = crate::registrations::entry_and_school(&app, "local-property").await;
    let theirs = crate::registrations::create(&mother, entry, school, crate::registrations::TWIN_1)
        .await
        .json::<i64>()
        .await
        .expect("id");
    let account = parent_account::Entity::find()
        .filter(parent_account::Column::HostSubject.eq("demo-zhang-wei"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("account");
    follower::ActiveModel {
        registration_id: Set(i32::try_from(theirs).expect("fits")),
        id_key: Set(app::server::infra::crypto::blind("370202198805120311").expect("key")),
        masked_id: Set("370202********0311".into()),
        name: Set("张伟".into()),
        source: Set(app::domain::follower::FollowerSource::Invited),
        account_id: Set(Some(account.id)),
        created_at: Set(chrono::Utc::now()),
        confirmed_at: Set(Some(chrono::Utc::now())),
        withdrawn_at: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("following");
    assert_eq!(
        second
            .call("get_registration", &[("id", &theirs.to_string())])
            .await
            .status(),
        200,
        "followed"
    );

    // The host app had bound the account to the wrong person and corrected the ID number:
    // the same account, whose details are checked again before anything is registered, and
    // which no longer follows what the other person was named for.
    let mut rebound = zhang_claims();
    rebound.id_number = "370202199008230424".into();
    let third = app.browser();
    let response = third.sso(&signer.sign(&rebound).expect("signed")).await;
    assert_eq!(location(&response), "/me");
    let identity: serde_json::Value = third
        .call("get_my_identity", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(identity["confirmed"], false, "{identity}");
    assert_eq!(
        third
            .call("get_registration", &[("id", &theirs.to_string())])
            .await
            .status(),
        404
    );
    let kept = follower::Entity::find()
        .filter(follower::Column::RegistrationId.eq(i32::try_from(theirs).expect("fits")))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the invitation stays");
    assert_eq!(kept.account_id, None);
    assert_eq!(
        parent_account::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        2,
        "his one account, and 李娜's"
    );
}

#[tokio::test]
async fn sign_in_issues_a_new_session_id_and_sign_out_deletes_the_session() {
    let app = spawn_app().await;
    let signer = dev_signer();
    let browser = app.browser();
    let first = browser
        .sso(&signer.sign(&zhang_claims()).expect("signed"))
        .await;
    let first_id = set_cookie(&first, "ruxue_session").expect("cookie");
    let second = browser
        .sso(&signer.sign(&zhang_claims()).expect("signed"))
        .await;
    let second_id = set_cookie(&second, "ruxue_session").expect("cookie");
    let value = |c: &str| c.split(';').next().unwrap_or_default().to_owned();
    assert_ne!(
        value(&first_id),
        value(&second_id),
        "a new id at every sign-in"
    );

    // The old id is worth nothing now.
    let stale = crate::helpers::new_client();
    let response = stale
        .post(format!("{}/api/get_my_identity", app.address))
        .header("origin", &app.address)
        .header("cookie", value(&first_id))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 401);

    assert_eq!(
        auth_session::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        1
    );
    let out = browser.sign_out().await;
    assert_eq!(out.status(), 303);
    assert_eq!(location(&out), "/");
    assert_eq!(
        auth_session::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        0
    );
    let replayed_cookie = stale
        .post(format!("{}/api/get_my_identity", app.address))
        .header("origin", &app.address)
        .header("cookie", value(&second_id))
        .send()
        .await
        .expect("answers");
    assert_eq!(
        replayed_cookie.status(),
        401,
        "the server forgot the session"
    );
    assert_eq!(browser.call("get_my_identity", &[]).await.status(), 401);
    // After sign-out, the personal page shows no personal data.
    let page = browser.get("/me").await.text().await.expect("html");
    assert!(!page.contains("张伟"));
    assert!(page.contains("data-sign-in-required"));
}

#[tokio::test]
async fn idle_and_absolute_timeouts_end_sessions() {
    fn short_idle(settings: &mut Settings) {
        settings.session_idle = Duration::from_secs(2);
    }
    let app = spawn_app_with(Options {
        demo_data: true,
        customize: Some(short_idle),
        ..Options::default()
    })
    .await;
    let parent = app.parent("demo-zhang-wei").await;
    assert_eq!(parent.call("get_my_identity", &[]).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(parent.call("get_my_identity", &[]).await.status(), 401);

    fn short_absolute(settings: &mut Settings) {
        settings.session_absolute = Duration::from_secs(2);
    }
    let app = spawn_app_with(Options {
        demo_data: true,
        customize: Some(short_absolute),
        ..Options::default()
    })
    .await;
    let reviewer = app.staff("reviewer.sn1").await;
    for _ in 0..3 {
        assert_eq!(reviewer.call("get_staff_overview", &[]).await.status(), 200);
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        reviewer.call("get_staff_overview", &[]).await.status(),
        401,
        "activity does not extend past the absolute limit"
    );
}

#[tokio::test]
async fn an_expired_session_returns_the_parent_to_the_same_place() {
    let app = spawn_app().await;
    let parent = app.parent("demo-zhang-wei").await;
    assert_eq!(parent.call("confirm_my_identity", &[]).await.status(), 200);
    assert_eq!(parent.sign_out().await.status(), 303);

    // A page in the middle of a form calls the server after the session ended.
    let refused = parent
        .client
        .post(format!("{}/api/get_my_identity", app.address))
        .header("origin", &app.address)
        .header(
            "referer",
            format!("{}/registrations/7/sections/guardian?step=2", app.address),
        )
        .send()
        .await
        .expect("answers");
    assert_eq!(refused.status(), 401);
    let remembered = set_cookie(&refused, "ruxue_return_to").expect("remembers the page");
    assert!(
        remembered.starts_with("ruxue_return_to=/registrations/7/sections/guardian?step=2;"),
        "{remembered}"
    );

    // Signing in again from the host app returns there.
    let signer = dev_signer();
    let back = parent
        .sso(&signer.sign(&zhang_claims()).expect("signed"))
        .await;
    assert_eq!(location(&back), "/registrations/7/sections/guardian?step=2");
    // A referrer from another site is never remembered.
    let other = app.browser();
    let response = other
        .client
        .post(format!("{}/api/get_my_identity", app.address))
        .header("origin", &app.address)
        .header("referer", "https://evil.example/phish")
        .send()
        .await
        .expect("answers");
    assert!(set_cookie(&response, "ruxue_return_to").is_none());
}

#[tokio::test]
async fn staff_sign_in_never_says_which_part_was_wrong_and_is_throttled() {
    let app = spawn_app().await;
    let browser = app.browser();
    let wrong_password = browser
        .call(
            "staff_sign_in",
            &[
                ("username", "reviewer.sn1"),
                ("password", "not-the-password"),
            ],
        )
        .await;
    assert_eq!(wrong_password.status(), 401);
    let wrong_password = wrong_password.text().await.expect("body");
    let unknown_user = browser
        .call(
            "staff_sign_in",
            &[
                ("username", "nobody.here"),
                ("password", "not-the-password"),
            ],
        )
        .await;
    assert_eq!(unknown_user.status(), 401);
    assert_eq!(
        unknown_user.text().await.expect("body"),
        wrong_password,
        "the same answer either way"
    );

    for _ in 0..4 {
        let r = browser
            .call(
                "staff_sign_in",
                &[
                    ("username", "reviewer.sn1"),
                    ("password", "still-wrong-123"),
                ],
            )
            .await;
        assert_eq!(r.status(), 401);
    }
    // Five failures: now even the right password waits.
    let throttled = browser
        .call(
            "staff_sign_in",
            &[
                ("username", "reviewer.sn1"),
                ("password", app::server::demo::DEMO_STAFF_PASSWORD),
            ],
        )
        .await;
    assert_eq!(throttled.status(), 429);
    // Another account from elsewhere is not affected.
    let other = app.staff("reviewer.sn2").await;
    let overview: serde_json::Value = other
        .call("get_staff_overview", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(overview["role"], "Reviewer");
    assert_eq!(overview["place"]["zh"], "海滨路小学");
}

#[tokio::test]
async fn deactivated_staff_lose_their_session_at_once() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let reviewer = app.staff("reviewer.sn2").await;
    assert_eq!(reviewer.call("get_staff_overview", &[]).await.status(), 200);
    let accounts: serde_json::Value = admin
        .call("list_staff_accounts", &[])
        .await
        .json()
        .await
        .expect("json");
    let id = accounts["accounts"]
        .as_array()
        .expect("array")
        .iter()
        .find(|a| a["username"] == "reviewer.sn2")
        .and_then(|a| a["id"].as_i64())
        .expect("listed");
    let response = admin
        .call(
            "set_staff_account_active",
            &[("account_id", &id.to_string()), ("active", "false")],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(reviewer.call("get_staff_overview", &[]).await.status(), 401);
    let again = app
        .browser()
        .call(
            "staff_sign_in",
            &[
                ("username", "reviewer.sn2"),
                ("password", app::server::demo::DEMO_STAFF_PASSWORD),
            ],
        )
        .await;
    assert_eq!(again.status(), 401);
}

#[tokio::test]
async fn an_administrator_creates_staff_and_bad_input_names_each_field() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let bad = admin
        .call(
            "create_staff_account",
            &[
                ("username", "X"),
                ("display_name", ""),
                ("role", "reviewer"),
                ("place_id", ""),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let body: serde_json::Value = bad.json().await.expect("json");
    let fields: Vec<&str> = body["Invalid"]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["field"].as_str())
        .collect();
    assert_eq!(fields, ["username", "display_name", "password", "place_id"]);

    // No role chosen, or one that does not exist: the role is named, beside the others.
    for role in ["", "superuser"] {
        let bad = admin
            .call(
                "create_staff_account",
                &[
                    ("username", "reviewer.new"),
                    ("display_name", ""),
                    ("role", role),
                    ("place_id", ""),
                    ("password", "yinhai-review-2026"),
                ],
            )
            .await;
        assert_eq!(bad.status(), 422, "role {role:?}");
        let body: serde_json::Value = bad.json().await.expect("json");
        let problems = body["Invalid"]["problems"].as_array().expect("problems");
        let fields: Vec<&str> = problems
            .iter()
            .filter_map(|p| p["field"].as_str())
            .collect();
        assert_eq!(fields, ["display_name", "role"], "role {role:?}");
        assert_eq!(problems[1]["message"]["zh"], "请选择角色。");
    }

    let data: serde_json::Value = admin
        .call("list_staff_accounts", &[])
        .await
        .json()
        .await
        .expect("json");
    let school = data["schools"][2]["id"]
        .as_i64()
        .expect("a school")
        .to_string();
    let created = admin
        .call(
            "create_staff_account",
            &[
                ("username", "reviewer.sn3"),
                ("display_name", "吴老师"),
                ("role", "reviewer"),
                ("place_id", &school),
                ("password", "yinhai-review-2026"),
            ],
        )
        .await;
    assert_eq!(created.status(), 200);
    let taken = admin
        .call(
            "create_staff_account",
            &[
                ("username", "reviewer.sn3"),
                ("display_name", "吴老师"),
                ("role", "reviewer"),
                ("place_id", &school),
                ("password", "yinhai-review-2026"),
            ],
        )
        .await;
    assert_eq!(taken.status(), 422);

    let new_reviewer = app.browser();
    let response = new_reviewer
        .call(
            "staff_sign_in",
            &[
                ("username", "Reviewer.SN3"),
                ("password", "yinhai-review-2026"),
            ],
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    let overview: serde_json::Value = new_reviewer
        .call("get_staff_overview", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(overview["place"]["zh"], "银海小学");
}

#[tokio::test]
async fn over_https_the_cookie_is_secure_with_the_host_prefix() {
    fn https(settings: &mut Settings) {
        settings.https = true;
        settings.dev_host_app = false;
        settings.sso_public_key = Some(DEV_PUBLIC_KEY_PEM.to_owned());
    }
    let app = spawn_app_with(Options {
        demo_data: true,
        customize: Some(https),
        ..Options::default()
    })
    .await;
    let response = app
        .browser()
        .call(
            "staff_sign_in",
            &[
                ("username", "admin"),
                ("password", app::server::demo::DEMO_STAFF_PASSWORD),
            ],
        )
        .await;
    let cookie = set_cookie(&response, "__Host-ruxue_session").expect("prefixed cookie");
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Domain"), "{cookie}");
    assert_eq!(
        app.get("/dev/host-app").await.status(),
        404,
        "no simulated host app here"
    );
}

#[tokio::test]
async fn the_simulated_host_app_cannot_run_with_https() {
    let (url, _dir) = crate::helpers::fresh_database_url().await;
    let mut settings = crate::helpers::test_settings(&url, false);
    settings.https = true;
    settings.dev_host_app = true;
    match server::startup::Application::build(&settings).await {
        Err(server::startup::StartupError::Config(message)) => assert!(
            message.contains("RUXUE_DEV_HOST_APP") && message.contains("RUXUE_HTTPS"),
            "{message}"
        ),
        Err(other) => panic!("expected the simulated host app's configuration error, got: {other}"),
        Ok(_) => panic!("the simulated host app started with HTTPS"),
    }
}

#[tokio::test]
async fn the_simulated_host_app_signs_parents_in_through_the_real_callback() {
    let app = spawn_app().await;
    let home = app.get("/dev/host-app").await;
    assert_eq!(home.status(), 200);
    let html = home.text().await.expect("html");
    for p in app::server::demo::DEMO_PARENTS {
        assert!(html.contains(p.name), "{} is listed", p.name);
    }
    let browser = app.browser();
    let open = browser.get("/dev/host-app/open?subject=demo-li-na").await;
    assert_eq!(open.status(), 303);
    let callback = location(&open);
    assert!(callback.starts_with("/sso/callback?token="));
    let signed_in = browser.get(&callback).await;
    assert_eq!(location(&signed_in), "/me");
    let identity: serde_json::Value = browser
        .call("get_my_identity", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(identity["name"], "李娜");

    // A new identity made in the simulated host app. The browser follows its redirect from
    // this origin and says so: switching from 李娜 needs no question.
    let open = browser
        .get("/dev/host-app/open?subject=new-1&name=%E5%AD%99%E4%B8%BD&id_number=370202198202141623&phone=13512345678&verified=true")
        .await;
    let signed_in = browser
        .client
        .get(format!("{}{}", app.address, location(&open)))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .expect("answers");
    assert_eq!(location(&signed_in), "/me");
    let identity: serde_json::Value = browser
        .call("get_my_identity", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(identity["name"], "孙丽");

    fn off(settings: &mut Settings) {
        settings.dev_host_app = false;
    }
    let app = spawn_app_with(Options {
        demo_data: true,
        customize: Some(off),
        ..Options::default()
    })
    .await;
    assert_eq!(app.get("/dev/host-app").await.status(), 404);
    assert_eq!(
        app.get("/dev/host-app/open?subject=demo-li-na")
            .await
            .status(),
        404
    );
    let token = dev_signer().sign(&zhang_claims()).expect("signed");
    assert_eq!(
        location(&app.browser().sso(&token).await),
        "/sign-in/problem?reason=not-configured"
    );
}
