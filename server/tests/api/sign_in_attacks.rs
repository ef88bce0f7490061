//! Sign-in, attacked: parallel guessing, guessing behind a proxy, a cross-site link that
//! would swap a signed-in parent into someone else's account, and host tokens that are not
//! yet valid or name a key.

use app::server::{
    demo::DEMO_STAFF_PASSWORD,
    entities::parent_account,
    infra::auth::{client_address::TrustedProxies, dev_signer::DEV_PUBLIC_KEY_PEM},
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::helpers::{
    Options, TestApp, demo_parent, dev_signer, location, set_cookie, spawn_app,
    spawn_app_configured,
};

/// A staff sign-in from a fresh browser; the answer's status and body.
async fn sign_in(app: &TestApp, username: &str, password: &str) -> (StatusCode, String) {
    let response = app
        .browser()
        .call(
            "staff_sign_in",
            &[("username", username), ("password", password)],
        )
        .await;
    let status = response.status();
    (status, response.text().await.expect("body"))
}

/// A staff sign-in that arrives with an `X-Forwarded-For` header.
async fn sign_in_forwarded(
    app: &TestApp,
    forwarded_for: &str,
    username: &str,
    password: &str,
) -> StatusCode {
    app.browser()
        .client
        .post(format!("{}/api/staff_sign_in", app.address))
        .header("origin", &app.address)
        .header("accept", "application/json")
        .header("x-forwarded-for", forwarded_for)
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .expect("the server answers")
        .status()
}

fn claims_of(subject: &str) -> app::server::infra::auth::sso::HostClaims {
    let p = demo_parent(subject);
    dev_signer().claims_for(
        p.subject,
        p.name,
        p.id_number,
        p.phone,
        true,
        chrono::Utc::now(),
    )
}

async fn name_signed_in(browser: &crate::helpers::Browser) -> String {
    let identity: serde_json::Value = browser
        .call("get_my_identity", &[])
        .await
        .json()
        .await
        .expect("json");
    identity["name"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn ten_parallel_wrong_passwords_get_at_most_five_tries_and_then_the_account_is_locked() {
    let app = spawn_app().await;
    let guesses = (0..10).map(|i| {
        let app = &app;
        async move { sign_in(app, "reviewer.sn1", &format!("guess-number-{i}")).await }
    });
    let answers = futures_util::future::join_all(guesses).await;
    let wrong = answers
        .iter()
        .filter(|(status, body)| {
            *status == StatusCode::UNAUTHORIZED && body.contains("SignInFailed")
        })
        .count();
    let throttled = answers
        .iter()
        .filter(|(status, body)| {
            *status == StatusCode::TOO_MANY_REQUESTS && body.contains("TooManyAttempts")
        })
        .count();
    assert!(wrong <= 5, "{wrong} guesses were checked: {answers:?}");
    assert_eq!(wrong + throttled, 10, "{answers:?}");

    // Now even the right password waits.
    let (status, body) = sign_in(&app, "reviewer.sn1", DEMO_STAFF_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    // Another account is not locked by it.
    let (status, body) = sign_in(&app, "reviewer.sn2", DEMO_STAFF_PASSWORD).await;
    assert!(
        status.is_success() || status.is_redirection(),
        "{status} {body}"
    );
}

#[tokio::test]
async fn a_cross_site_link_with_another_persons_token_asks_before_switching() {
    let app = spawn_app().await;
    let parent = app.parent("demo-zhang-wei").await;
    assert_eq!(name_signed_in(&parent).await, "张伟");
    let signer = dev_signer();
    let token = signer.sign(&claims_of("demo-li-na")).expect("signed");

    // A page on another site links to the callback with 李娜's token.
    let linked = parent
        .client
        .get(format!("{}/sso/callback?token={token}", app.address))
        .header("sec-fetch-site", "cross-site")
        .header("referer", "https://evil.example/results")
        .send()
        .await
        .expect("answers");
    assert_eq!(linked.status(), 200, "asks instead of redirecting");
    assert!(set_cookie(&linked, "ruxue_session").is_none());
    let page = linked.text().await.expect("html");
    assert!(page.contains("您当前以"), "{page}");
    assert!(page.contains("You are signed in as"), "{page}");
    assert!(page.contains("张*") && page.contains("李*"), "{page}");
    assert!(
        !page.contains("张伟") && !page.contains("李娜"),
        "names are masked"
    );
    assert!(page.contains(r#"action="/sso/callback""#));
    assert!(page.contains(r#"href="/registrations""#), "a way to stay");
    assert_eq!(
        name_signed_in(&parent).await,
        "张伟",
        "still the same person"
    );

    // Another site cannot press "continue" for them.
    let forged = parent
        .client
        .post(format!("{}/sso/callback", app.address))
        .header("origin", "https://evil.example")
        .form(&[("token", token.as_str()), ("switch", "continue")])
        .send()
        .await
        .expect("answers");
    assert_eq!(forged.status(), 403);
    assert_eq!(name_signed_in(&parent).await, "张伟");

    // The person chooses to continue on the platform's page: the same token, unspent so far.
    let continued = parent
        .client
        .post(format!("{}/sso/callback", app.address))
        .header("origin", &app.address)
        .form(&[("token", token.as_str()), ("switch", "continue")])
        .send()
        .await
        .expect("answers");
    assert_eq!(continued.status(), 303);
    assert_eq!(location(&continued), "/me");
    assert_eq!(name_signed_in(&parent).await, "李娜");

    // The same person opening the platform again is not asked.
    let again = signer.sign(&claims_of("demo-li-na")).expect("signed");
    let reopened = parent
        .client
        .get(format!("{}/sso/callback?token={again}", app.address))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("answers");
    assert_eq!(reopened.status(), 303);
    assert_eq!(name_signed_in(&parent).await, "李娜");
    // And the token used to continue is spent.
    let replayed = app.browser().sso(&token).await;
    assert_eq!(location(&replayed), "/sign-in/problem?reason=replayed");
}

#[tokio::test]
async fn a_host_token_is_refused_before_its_not_before_time() {
    let app = spawn_app().await;
    let signer = dev_signer();
    let mut early = claims_of("demo-zhang-wei");
    early.nbf = Some(early.iat + 200);
    let response = app
        .browser()
        .sso(&signer.sign(&early).expect("signed"))
        .await;
    assert_eq!(location(&response), "/sign-in/problem?reason=expired");
    assert!(set_cookie(&response, "ruxue_session").is_none());
    assert_eq!(
        parent_account::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        0
    );

    // Within the clock skew allowed for `exp`, it is fine.
    let mut skewed = claims_of("demo-zhang-wei");
    skewed.nbf = Some(skewed.iat + 30);
    let response = app
        .browser()
        .sso(&signer.sign(&skewed).expect("signed"))
        .await;
    assert_eq!(location(&response), "/me");
}

#[tokio::test]
async fn with_two_host_keys_a_token_is_checked_with_the_key_its_kid_names() {
    let app = spawn_app_configured(
        Options {
            demo_data: true,
            ..Options::default()
        },
        |settings| {
            settings.sso_public_key = None;
            settings.sso_public_keys = vec![
                ("key-a".to_owned(), DEV_PUBLIC_KEY_PEM.to_owned()),
                (
                    "key-b".to_owned(),
                    include_str!("keys/rsa-host.pub.pem").to_owned(),
                ),
            ];
        },
    )
    .await;
    let key_b = EncodingKey::from_rsa_pem(include_bytes!("keys/rsa-host.key.pem")).expect("key");
    let key_a = EncodingKey::from_ec_pem(
        app::server::infra::auth::dev_signer::DEV_PRIVATE_KEY_PEM.as_bytes(),
    )
    .expect("key");
    let sign = |algorithm: Algorithm, kid: Option<&str>, key: &EncodingKey| {
        let mut header = Header::new(algorithm);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, &claims_of("demo-wang-qiang"), key).expect("signed")
    };

    for (what, token) in [
        (
            "signed by B, naming A",
            sign(Algorithm::RS256, Some("key-a"), &key_b),
        ),
        (
            "signed by A, naming B",
            sign(Algorithm::ES256, Some("key-b"), &key_a),
        ),
        (
            "naming a key that is not configured",
            sign(Algorithm::RS256, Some("key-c"), &key_b),
        ),
        (
            "naming no key while there are two",
            sign(Algorithm::RS256, None, &key_b),
        ),
    ] {
        let response = app.browser().sso(&token).await;
        assert_eq!(
            location(&response),
            "/sign-in/problem?reason=invalid",
            "{what}"
        );
    }
    assert_eq!(
        parent_account::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        0
    );

    let response = app
        .browser()
        .sso(&sign(Algorithm::RS256, Some("key-b"), &key_b))
        .await;
    assert_eq!(location(&response), "/me", "signed by B, naming B");
    let response = app
        .browser()
        .sso(&sign(Algorithm::ES256, Some("key-a"), &key_a))
        .await;
    assert_eq!(
        location(&response),
        "/me",
        "the old key still works during the overlap"
    );
}

#[tokio::test]
async fn through_a_trusted_proxy_each_client_is_counted_by_its_own_address() {
    let app = spawn_app_configured(
        Options {
            demo_data: true,
            ..Options::default()
        },
        |settings| {
            settings.trusted_proxies = TrustedProxies::parse("127.0.0.1").expect("valid");
        },
    )
    .await;
    // One client guesses at many accounts, writing a different address into the header
    // each time: the proxy appends the address it really saw, and that one counts.
    for i in 0..app::server::infra::auth::throttle::MAX_PER_ADDRESS {
        let status = sign_in_forwarded(
            &app,
            &format!("10.9.8.{i}, 203.0.113.7"),
            &format!("guess.{i}"),
            "not-the-password",
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "guess {i}");
    }
    let status = sign_in_forwarded(
        &app,
        "198.18.0.1, 203.0.113.7",
        "guess.last",
        "not-the-password",
    )
    .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "that client is stopped"
    );

    // Everyone else behind the same proxy still signs in.
    let status = sign_in_forwarded(&app, "198.51.100.4", "reviewer.sn1", DEMO_STAFF_PASSWORD).await;
    assert!(
        status.is_success() || status.is_redirection(),
        "another client: {status}"
    );
    let status = sign_in_forwarded(&app, "198.51.100.5", "nobody.here", "not-the-password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "judged, not throttled");
}

#[tokio::test]
async fn from_an_untrusted_peer_a_forwarded_header_changes_nothing() {
    let app = spawn_app().await;
    for i in 0..app::server::infra::auth::throttle::MAX_PER_ADDRESS {
        let status = sign_in_forwarded(
            &app,
            &format!("203.0.113.{i}"),
            &format!("guess.{i}"),
            "not-the-password",
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "guess {i}");
    }
    // A fresh address in the header does not make a fresh client.
    let status = sign_in_forwarded(&app, "198.51.100.4", "reviewer.sn1", DEMO_STAFF_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}
