//! Starting the real server for a test, the way `main` does.

use std::path::PathBuf;

use app::server::Clock;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use server::{settings::Settings, startup::Application};

/// The origin of the simulated host app that tests configure.
pub const HOST_APP_ORIGIN: &str = "https://host-app.example.cn";

/// A running server and a connection to its database.
pub struct TestApp {
    pub address: String,
    pub db: DatabaseConnection,
    pub client: reqwest::Client,
    sqlite_dir: Option<PathBuf>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(dir) = self.sqlite_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl TestApp {
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
}

/// A server with the demo data loaded.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options {
        demo_data: true,
        clock: None,
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

/// Settings of a test server on a free port.
pub fn test_settings(database_url: &str, demo_data: bool) -> Settings {
    let site_root = concat!(env!("CARGO_MANIFEST_DIR"), "/../public").to_owned();
    let database_url = database_url.to_owned();
    Settings::from_lookup(move |name| match name {
        "RUXUE_ADDR" => Some("127.0.0.1:0".to_owned()),
        "RUXUE_DATABASE_URL" => Some(database_url.clone()),
        "RUXUE_DATABASE_MAX_CONNECTIONS" => Some("4".to_owned()),
        "RUXUE_DEMO_DATA" => Some(demo_data.to_string()),
        "RUXUE_HOST_APP_ORIGINS" => Some(HOST_APP_ORIGIN.to_owned()),
        "LEPTOS_SITE_ROOT" => Some(site_root.clone()),
        _ => None,
    })
    .expect("test settings are valid")
}

/// Starts the server in the background and returns when it accepts connections.
pub async fn spawn_app_with(options: Options) -> TestApp {
    let (url, sqlite_dir) = fresh_database_url().await;
    let settings = test_settings(&url, options.demo_data);
    let application = Application::build_with_clock(&settings, options.clock.unwrap_or_default())
        .await
        .expect("the server starts");
    let address = format!("http://{}", application.local_addr().expect("bound"));
    let db = application.db().clone();
    tokio::spawn(application.run_until(std::future::pending()));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestApp {
        address,
        db,
        client,
        sqlite_dir,
    }
}
