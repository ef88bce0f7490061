//! Starting the real server for a test, the way `main` does.

use std::path::PathBuf;

use app::server::{
    Clock,
    demo::{DEMO_PARENTS, DEMO_STAFF_PASSWORD, DemoParent},
    infra::auth::dev_signer::DevTokenSigner,
};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use server::{
    settings::{DEV_SSO_ISSUER, Settings},
    startup::Application,
};

/// The data keys of every test server (a fixed, public test key: never a real one).
pub const TEST_DATA_KEY: &str = "index=AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=,test=AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";

/// The origin of the simulated host app that tests configure.
pub const HOST_APP_ORIGIN: &str = "https://host-app.example.cn";

/// A running server and a connection to its database.
pub struct TestApp {
    pub address: String,
    pub db: DatabaseConnection,
    /// The database's URL (a SQLite file or a PostgreSQL database of this test only).
    pub database_url: String,
    pub client: reqwest::Client,
    /// Every statement the server (and this test through `db`) sent to the database.
    pub statements: server::database::Statements,
    /// Whether the server takes new work (`/readyz`).
    pub readiness: server::startup::Readiness,
    sqlite_dir: Option<PathBuf>,
    documents_dir: Option<PathBuf>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(dir) = self.sqlite_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(dir) = self.documents_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl TestApp {
    /// A server this test did not start (the cluster behind nginx), reached at `address`,
    /// with a connection to its database.
    pub fn remote(address: &str, db: DatabaseConnection, database_url: &str) -> Self {
        Self {
            address: address.trim_end_matches('/').to_owned(),
            db,
            database_url: database_url.to_owned(),
            client: new_client(),
            statements: server::database::Statements::default(),
            readiness: server::startup::Readiness::default(),
            sqlite_dir: None,
            documents_dir: None,
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("the server answers")
    }

    /// `POST path` with an empty form body, as a same-origin browser would.
    pub async fn post_server_fn(&self, name: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/api/{name}", self.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", &self.address)
            .body("")
            .send()
            .await
            .expect("the server answers")
    }
}

/// Options of a test server.
#[derive(Clone, Copy, Default)]
pub struct Options {
    pub demo_data: bool,
    pub clock: Option<Clock>,
    /// Changes the settings before the server starts.
    pub customize: Option<fn(&mut Settings)>,
}

/// A server with the demo data loaded.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options {
        demo_data: true,
        ..Options::default()
    })
    .await
}

/// A fresh database URL: a new PostgreSQL database when configured, else a new SQLite file.
pub async fn fresh_database_url() -> (String, Option<PathBuf>) {
    if let Ok(admin_url) = std::env::var("RUXUE_TEST_POSTGRES_URL") {
        let name = format!("ruxue_test_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(&admin_url)
            .await
            .expect("PostgreSQL is reachable");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("a test database can be created");
        admin.close().await.expect("closes");
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(base, _)| base);
        (format!("{base}/{name}"), None)
    } else {
        let dir =
            std::env::temp_dir().join(format!("ruxue-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = format!("sqlite://{}/ruxue.db?mode=rwc", dir.display());
        (url, Some(dir))
    }
}

/// Where a test server on `database_url` keeps its photos (removed with the test).
pub fn documents_dir(database_url: &str) -> PathBuf {
    let name: String = database_url
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let tail = name.get(name.len().saturating_sub(48)..).unwrap_or(&name);
    std::env::temp_dir().join(format!("ruxue-test-documents-{tail}"))
}

/// Settings of a test server on a free port.
pub fn test_settings(database_url: &str, demo_data: bool) -> Settings {
    let site_root = concat!(env!("CARGO_MANIFEST_DIR"), "/../public").to_owned();
    let database_url = database_url.to_owned();
    // Photos go to a throw-away directory of the test, never into the checkout.
    let storage = format!("root={}", documents_dir(&database_url).display());
    Settings::from_lookup(move |name| match name {
        "RUXUE_ADDR" => Some("127.0.0.1:0".to_owned()),
        "RUXUE_DATABASE_URL" => Some(database_url.clone()),
        "RUXUE_DATABASE_MAX_CONNECTIONS" => Some("4".to_owned()),
        "RUXUE_DEMO_DATA" => Some(demo_data.to_string()),
        "RUXUE_HOST_APP_ORIGINS" => Some(HOST_APP_ORIGIN.to_owned()),
        "RUXUE_DEV_HOST_APP" => Some("true".to_owned()),
        "LEPTOS_SITE_ROOT" => Some(site_root.clone()),
        "RUXUE_STORAGE_OPTIONS" => Some(storage.clone()),
        "RUXUE_DATA_KEY" => Some(TEST_DATA_KEY.to_owned()),
        _ => None,
    })
    .expect("test settings are valid")
}

/// Starts the server in the background and returns when it accepts connections.
pub async fn spawn_app_with(options: Options) -> TestApp {
    spawn_app_configured(options, |_| {}).await
}

/// Like [`spawn_app_with`], with a change to the settings that may capture values (a port).
pub async fn spawn_app_configured(
    options: Options,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    // Warnings and errors of the server go to the test's output: a failing test shows why.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn,sqlx=error"))
        .with_test_writer()
        .try_init();
    let (url, sqlite_dir) = fresh_database_url().await;
    let mut settings = test_settings(&url, options.demo_data);
    if let Some(customize) = options.customize {
        customize(&mut settings);
    }
    configure(&mut settings);
    let application = Application::build_with_clock(&settings, options.clock.unwrap_or_default())
        .await
        .expect("the server starts");
    let address = format!("http://{}", application.local_addr().expect("bound"));
    let db = application.db().clone();
    let statements = application.statements();
    let readiness = application.readiness();
    tokio::spawn(application.run_until(std::future::pending()));
    let client = new_client();
    TestApp {
        address,
        db,
        database_url: url.clone(),
        client,
        statements,
        readiness,
        sqlite_dir,
        documents_dir: Some(documents_dir(&url)),
    }
}

/// A browser-like client with its own cookie jar that does not follow redirects.
pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client")
}

/// Signs host-app tokens with the development key, as the simulated host app does.
pub fn dev_signer() -> DevTokenSigner {
    DevTokenSigner::new(DEV_SSO_ISSUER, "ruxue").expect("the development key loads")
}

/// A demo parent, by the subject the simulated host app lists.
pub fn demo_parent(subject: &str) -> DemoParent {
    *DEMO_PARENTS
        .iter()
        .find(|p| p.subject == subject)
        .expect("a demo parent")
}

/// The value of the cookie `name` set by `response`, if any.
pub fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

impl TestApp {
    /// A fresh browser (its own cookies) on this server.
    pub fn browser(&self) -> Browser {
        Browser {
            address: self.address.clone(),
            client: new_client(),
        }
    }

    /// A browser signed in as a demo parent through a freshly signed host token.
    pub async fn parent(&self, subject: &str) -> Browser {
        let browser = self.browser();
        let p = demo_parent(subject);
        let signer = dev_signer();
        let claims = signer.claims_for(
            p.subject,
            p.name,
            p.id_number,
            p.phone,
            p.verified,
            chrono::Utc::now(),
        );
        let response = browser.sso(&signer.sign(&claims).expect("signed")).await;
        assert_eq!(response.status(), 303);
        let to = location(&response);
        assert!(
            to == "/me" || to == "/registrations",
            "{subject} signs in: {to}"
        );
        browser
    }

    /// A new account (`subject`, never seen before) signed in through a freshly signed host
    /// token, its details checked.
    pub async fn new_account(&self, subject: &str) -> Browser {
        let browser = self.browser();
        let signer = dev_signer();
        let claims = signer.claims_for(
            subject,
            "家长",
            "370202198805120311",
            "13800000001",
            true,
            chrono::Utc::now(),
        );
        let response = browser.sso(&signer.sign(&claims).expect("signed")).await;
        assert_eq!(response.status(), 303, "{subject} signs in");
        assert_eq!(location(&response), "/me", "a new account");
        assert_eq!(browser.call("confirm_my_identity", &[]).await.status(), 200);
        browser
    }

    /// A demo parent who has also checked their details, as a first registration needs.
    pub async fn confirmed_parent(&self, subject: &str) -> Browser {
        let browser = self.parent(subject).await;
        assert_eq!(browser.call("confirm_my_identity", &[]).await.status(), 200);
        browser
    }

    /// A browser signed in as a demo member of staff.
    pub async fn staff(&self, username: &str) -> Browser {
        let browser = self.browser();
        let response = browser
            .call(
                "staff_sign_in",
                &[("username", username), ("password", DEMO_STAFF_PASSWORD)],
            )
            .await;
        assert!(
            response.status().is_success() || response.status().is_redirection(),
            "{username} signs in: {}",
            response.status()
        );
        browser
    }
}

/// Where a redirect goes.
pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// One browser: a cookie jar and the server's address.
pub struct Browser {
    pub address: String,
    pub client: reqwest::Client,
}

impl Browser {
    /// `GET path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("the server answers")
    }

    /// Opens the host-app callback with `token`.
    pub async fn sso(&self, token: &str) -> reqwest::Response {
        self.get(&format!("/sso/callback?token={token}")).await
    }

    /// Calls a server function with form fields, as a same-origin page does (JSON accepted).
    pub async fn call(&self, name: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}/api/{name}", self.address))
            .header("origin", &self.address)
            .header("accept", "application/json")
            .form(fields)
            .send()
            .await
            .expect("the server answers")
    }

    /// Calls a server function with a JSON body (the ones declared with `input = Json`).
    pub async fn call_json(&self, name: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(format!("{}/api/{name}", self.address))
            .header("origin", &self.address)
            .header("accept", "application/json")
            .json(body)
            .send()
            .await
            .expect("the server answers")
    }

    /// `POST /sign-out` from the page.
    pub async fn sign_out(&self) -> reqwest::Response {
        self.client
            .post(format!("{}/sign-out", self.address))
            .header("origin", &self.address)
            .send()
            .await
            .expect("the server answers")
    }
}

impl TestApp {
    /// The first-grade enrollment window, to move its times or its year.
    pub async fn enrollment_window(&self) -> app::server::entities::collection_window::ActiveModel {
        use app::server::entities::collection_window;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        collection_window::Entity::find()
            .filter(collection_window::Column::Subsystem.eq("enrollment"))
            .one(&self.db)
            .await
            .expect("query")
            .expect("window")
            .into()
    }
}
