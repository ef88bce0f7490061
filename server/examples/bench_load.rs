//! `make bench-load`: opening morning on this machine, measured against the release server.
//!
//! Starts the release server binary (built with `dev`, for the simulated host app) on a
//! throw-away database — SQLite, and PostgreSQL too when `RUXUE_TEST_POSTGRES_URL` is set —
//! signs parents in through the simulated host app over HTTP, and prints each figure as
//! min / median / max of `BENCH_RUNS` runs (3):
//!
//! - the raw durable-commit rate of the same database in the same run (SQLite: one-row
//!   transactions with `synchronous=FULL` in WAL from 64 tasks; PostgreSQL: `pgbench` with
//!   32 clients running a one-row insert),
//! - autosaves/s and their p50/p99 at 64 and 256 parents, and the ratio to the raw rate,
//! - server-rendered pages/s (home, a section form) against the same server's static CSS,
//! - complete registrations per hour from a simulated opening morning (sign in, four
//!   sections with autosaves, two document photos, submit), with upload p50/p99: parents
//!   who never pause, so the server is saturated and every upload waits its turn behind
//!   the others (a closed loop: the wait is the number of parents over the rate),
//! - the same morning paced to `BENCH_PACED_PER_HOUR` registrations an hour (30,000, the
//!   rate the platform must hold): each parent starts a registration at a fixed period,
//!   staggered, and fills it without pausing; registrations per hour reached and upload
//!   p50/p99 (what a parent waits for a photo while the platform takes that rate),
//! - server photos/s (the server's own photo code on two threads: uploads, and the reviewer's
//!   copies made on their first view),
//! - server RSS idle, peak and idle again after the load, and the same for a second morning
//!   against the same process (memory must not grow morning after morning),
//! - the bytes a first visit downloads per page (brotli as served), parent and staff pages,
//! - 5xx answers and panic lines in the server's log (both must be 0).
//!
//! Settings: `BENCH_RUNS`, `BENCH_SECONDS` (each measured phase, default 8),
//! `BENCH_DATABASES` (`sqlite,postgres`), `BENCH_MORNING_SECONDS` (30),
//! `BENCH_MORNING_PARENTS` (64), `BENCH_MORNINGS` (2: the second against the same server
//! process, for its memory), `BENCH_PACED_PER_HOUR` (30000; 0: no paced morning), `RUXUE_SERVER_BIN` (default `$CARGO_TARGET_DIR/release/server`),
//! `LEPTOS_SITE_ROOT` (default `target/site`).

#![expect(clippy::print_stdout, reason = "a benchmark prints its figures")]
#![expect(
    clippy::unwrap_used,
    reason = "a benchmark stops at the first surprise"
)]

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use app::{
    domain::resident_id::check_character,
    server::{
        entities::{entry, school},
        infra::auth::dev_signer::DevTokenSigner,
    },
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, Statement,
};
use serde_json::{Value, json};
use server::settings::DEV_SSO_ISSUER;
use tokio::sync::Mutex;

const DATA_KEY: &str = "index=AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=,bench=AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";
const PARENT_ID: &str = "370202198805120311";

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let runs = env_number("BENCH_RUNS", 3).max(1) as usize;
    let phase = Duration::from_secs(env_number("BENCH_SECONDS", 8));
    let morning = Duration::from_secs(env_number("BENCH_MORNING_SECONDS", 30));
    let morning_parents = env_number("BENCH_MORNING_PARENTS", 64) as usize;
    let mornings = env_number("BENCH_MORNINGS", 2).max(1) as usize;
    let paced_per_hour =
        Some(env_number("BENCH_PACED_PER_HOUR", 30_000) as f64).filter(|r| *r > 0.0);
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".to_owned());
    let server_bin = std::env::var("RUXUE_SERVER_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(&target).join("release/server"));
    let site_root = std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".to_owned());
    let photo = Arc::new(phone_photo(2560, 1920));
    println!(
        "Ruxue bench-load: {} runs, {} s phases, {} mornings of {} s with {} parents each; photo {} KB 2560x1920",
        runs,
        phase.as_secs(),
        mornings,
        morning.as_secs(),
        morning_parents,
        photo.len() / 1024
    );

    // `BENCH_DATABASES=postgres` leaves SQLite out (to profile one database's run).
    let only = std::env::var("BENCH_DATABASES").unwrap_or_else(|_| "sqlite,postgres".to_owned());
    let mut databases = Vec::new();
    if only.contains("sqlite") {
        databases.push(Backend::Sqlite);
    }
    if let Ok(url) = std::env::var("RUXUE_TEST_POSTGRES_URL")
        && only.contains("postgres")
    {
        databases.push(Backend::Postgres(url));
    }
    for backend in databases {
        let mut figures = Figures::default();
        for run in 0..runs {
            eprintln!("[{}] run {} of {runs}", backend.name(), run + 1);
            let plan = Plan {
                server_bin: &server_bin,
                site_root: &site_root,
                phase,
                morning,
                morning_parents,
                mornings,
                paced_per_hour,
                photo: photo.clone(),
            };
            one_run(&backend, &plan, &mut figures).await;
        }
        figures.print(backend.name());
    }
    // The server's own photo code, two threads as the server's two photo workers: uploads,
    // and the reviewer's copies made later, on their first view, from the kept full size.
    let mut photos = Figures::default();
    let full = app::server::infra::photos::process(&photo)
        .expect("the bench photo is accepted")
        .full;
    for _ in 0..runs {
        photos.add(
            "server photos/s (2 threads, 2560x1920 JPEG)",
            photo_rate(phase, || {
                app::server::infra::photos::process(&photo).is_ok()
            }),
        );
        photos.add(
            "reviewer's copies/s made on first view (2 threads)",
            photo_rate(phase, || {
                app::server::infra::photos::review_copy(&full).is_ok()
            }),
        );
    }
    photos.print("photos");
}

struct Plan<'a> {
    server_bin: &'a Path,
    site_root: &'a str,
    phase: Duration,
    morning: Duration,
    morning_parents: usize,
    /// Mornings against the same server process.
    mornings: usize,
    /// The paced morning's registrations an hour (none: not run).
    paced_per_hour: Option<f64>,
    photo: Arc<Vec<u8>>,
}

enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    fn name(&self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres(_) => "PostgreSQL",
        }
    }

    /// A fresh database: its URL and what to remove afterwards.
    async fn fresh(&self, dir: &Path) -> String {
        match self {
            Self::Sqlite => format!("sqlite://{}/ruxue.db?mode=rwc", dir.display()),
            Self::Postgres(admin_url) => {
                let name = format!("ruxue_bench_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(admin_url).await.unwrap();
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap();
                admin.close().await.unwrap();
                let base = admin_url
                    .rsplit_once('/')
                    .map_or(admin_url.as_str(), |(b, _)| b);
                format!("{base}/{name}")
            }
        }
    }

    async fn drop_database(&self, url: &str) {
        if let Self::Postgres(admin_url) = self
            && let Some((_, name)) = url.rsplit_once('/')
        {
            let admin = Database::connect(admin_url).await.unwrap();
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
            let _ = admin.close().await;
        }
    }

    /// PostgreSQL's count of transactions ended in the bench's database so far (none on
    /// SQLite, which counts none).
    async fn transactions(&self, db: &DatabaseConnection) -> Option<f64> {
        let Self::Postgres(_) = self else {
            return None;
        };
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT (xact_commit + xact_rollback)::float8 AS n FROM pg_stat_database \
                 WHERE datname = current_database()",
            ))
            .await
            .ok()??;
        row.try_get::<f64>("", "n").ok()
    }

    /// Durable one-row commits per second on this database, measured now.
    async fn raw_commits(&self, url: &str, dir: &Path, phase: Duration) -> f64 {
        match self {
            Self::Sqlite => {
                let url = format!("sqlite://{}/raw.db?mode=rwc", dir.display());
                let db = Database::connect(&url).await.unwrap();
                for pragma in [
                    "PRAGMA journal_mode=WAL",
                    "PRAGMA synchronous=FULL",
                    "CREATE TABLE IF NOT EXISTS raw (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
                ] {
                    db.execute_unprepared(pragma).await.unwrap();
                }
                db.close().await.unwrap();
                let mut options = sea_orm::ConnectOptions::new(url);
                options.max_connections(10).sqlx_logging(false);
                let db = Database::connect(options).await.unwrap();
                for pragma in ["PRAGMA synchronous=FULL", "PRAGMA busy_timeout=5000"] {
                    db.execute_unprepared(pragma).await.unwrap();
                }
                let counted = Arc::new(AtomicU64::new(0));
                let started = Instant::now();
                let tasks: Vec<_> = (0..64)
                    .map(|_| {
                        let db = db.clone();
                        let counted = counted.clone();
                        tokio::spawn(async move {
                            while started.elapsed() < phase {
                                if db
                                    .execute_unprepared(
                                        "INSERT INTO raw (body) VALUES ('{\"address\":\"市南区香港中路 10 号\"}')",
                                    )
                                    .await
                                    .is_ok()
                                {
                                    counted.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
                let rate = counted.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
                db.close().await.unwrap();
                rate
            }
            Self::Postgres(_) => {
                let db = Database::connect(url).await.unwrap();
                db.execute_unprepared(
                    "CREATE TABLE bench_raw (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)",
                )
                .await
                .unwrap();
                db.close().await.unwrap();
                let script = dir.join("raw.sql");
                std::fs::write(
                    &script,
                    "INSERT INTO bench_raw (body) VALUES ('{\"address\":\"x\"}');\n",
                )
                .unwrap();
                let output = Command::new("pgbench")
                    .args(["-n", "-c", "32", "-j", "2", "-T"])
                    .arg(phase.as_secs().max(1).to_string())
                    .arg("-f")
                    .arg(&script)
                    .arg(url)
                    .output()
                    .expect("pgbench runs (Debian's postgresql-client)");
                let text = String::from_utf8_lossy(&output.stdout);
                text.lines()
                    .find_map(|line| {
                        line.strip_prefix("tps = ")
                            .and_then(|rest| rest.split_whitespace().next())
                            .and_then(|n| n.parse().ok())
                    })
                    .unwrap_or(0.0)
            }
        }
    }
}

/// Figures of several runs, by name in the order first seen.
#[derive(Default)]
struct Figures {
    names: Vec<String>,
    values: BTreeMap<String, Vec<f64>>,
}

impl Figures {
    fn add(&mut self, name: &str, value: f64) {
        if !self.values.contains_key(name) {
            self.names.push(name.to_owned());
        }
        self.values.entry(name.to_owned()).or_default().push(value);
    }

    fn print(&self, title: &str) {
        println!("\n{title}");
        println!(
            "{:<62} {:>12} {:>12} {:>12}",
            "figure", "min", "median", "max"
        );
        for name in &self.names {
            let mut values = self.values[name].clone();
            values.sort_by(f64::total_cmp);
            let median = values[values.len() / 2];
            println!(
                "{name:<62} {:>12} {:>12} {:>12}",
                show(values[0]),
                show(median),
                show(values[values.len() - 1])
            );
        }
    }
}

fn show(value: f64) -> String {
    if value.abs() >= 100.0 || value == value.trunc() {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

/// Latencies in milliseconds.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// A photo as a phone sends it after compressing: 2560×1920, with texture (a flat
/// gradient would compress and decode unrealistically fast).
fn phone_photo(width: u32, height: u32) -> Vec<u8> {
    let mut seed = 0x2545_f491_u32;
    let image = image::ImageBuffer::from_fn(width, height, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let noise = (seed % 48) as u8;
        let paper = 200_u8.saturating_sub(((x / 7 + y / 11) % 40) as u8);
        let ink = if (y / 24) % 3 == 0 && (x / 9) % 4 != 0 {
            120
        } else {
            0
        };
        let v = paper.saturating_sub(ink).saturating_add(noise);
        image::Rgb([v, v.saturating_sub(6), v.saturating_sub(14)])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&image::DynamicImage::ImageRgb8(image))
        .unwrap();
    out
}

/// How many times a second two threads get through `work`, which must succeed.
fn photo_rate(phase: Duration, work: impl Fn() -> bool + Sync) -> f64 {
    let started = Instant::now();
    let done = AtomicU64::new(0);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                while started.elapsed() < phase {
                    assert!(work(), "the server's photo code refused the bench photo");
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// The release server on a fresh database.
struct ServerProcess {
    child: Child,
    address: String,
    log: PathBuf,
}

impl ServerProcess {
    #[expect(
        clippy::zombie_processes,
        reason = "the child is killed and waited for on drop"
    )]
    async fn start(plan: &Plan<'_>, url: &str, dir: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let log = dir.join("server.log");
        let child = Command::new(plan.server_bin)
            .arg("serve")
            .env("RUXUE_ADDR", format!("127.0.0.1:{port}"))
            .env("RUXUE_DATABASE_URL", url)
            .env("RUXUE_DEMO_DATA", "true")
            .env("RUXUE_DEV_HOST_APP", "true")
            .env("RUXUE_DATA_KEY", DATA_KEY)
            .env("RUXUE_LOG_FORMAT", "human")
            .env("RUST_LOG", "warn")
            .env(
                "RUXUE_STORAGE_OPTIONS",
                format!("root={}", dir.join("documents").display()),
            )
            // Each bench parent uploads twice: the per-account limits stay as configured.
            .env("LEPTOS_SITE_ROOT", plan.site_root)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("the release server starts (make bench-load builds it)");
        let address = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        for _ in 0..600 {
            if let Ok(response) = client.get(format!("{address}/healthz")).send().await
                && response.status().is_success()
            {
                return Self {
                    child,
                    address,
                    log,
                };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server did not start: see {}", log.display());
    }

    /// Resident and peak resident memory in MB.
    fn memory(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|kb| kb.parse::<f64>().ok())
                .map_or(0.0, |kb| kb / 1024.0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// Starts the peak (`VmHWM`) again from the current resident memory.
    fn reset_peak_memory(&self) {
        // Linux: writing 5 to `clear_refs` resets the peak resident set size.
        if let Err(error) = std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5") {
            eprintln!("the server's peak memory was not reset: {error}");
        }
    }

    fn panic_lines(&self) -> usize {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("panic"))
            .count()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser's HTTP client: its own cookies, redirects not followed, and asking for
/// compressed answers as every phone's webview does (`Accept-Encoding` on every request),
/// so that the server's compression work is measured as parents cause it.
fn browser_client() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT_ENCODING,
        reqwest::header::HeaderValue::from_static("gzip, deflate, br"),
    );
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap()
}

/// An answer's body as the browser reads it: decompressed (the server chooses brotli among
/// what a browser accepts).
async fn body_bytes(response: reqwest::Response) -> Vec<u8> {
    let encoding = response
        .headers()
        .get(reqwest::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = response.bytes().await.unwrap_or_default();
    match encoding.as_str() {
        "" | "identity" => bytes.to_vec(),
        "br" => {
            let mut out = Vec::new();
            std::io::Read::read_to_end(
                &mut brotli_decompressor::Decompressor::new(&bytes[..], 4096),
                &mut out,
            )
            .expect("a brotli answer decodes");
            out
        }
        other => panic!("the server answered in an encoding the bench does not read: {other}"),
    }
}

async fn body_json(response: reqwest::Response) -> Option<Value> {
    serde_json::from_slice(&body_bytes(response).await).ok()
}

async fn body_text(response: reqwest::Response) -> String {
    String::from_utf8_lossy(&body_bytes(response).await).into_owned()
}

/// One parent's browser.
#[derive(Clone)]
struct Parent {
    client: reqwest::Client,
    address: String,
}

impl Parent {
    async fn sign_in(address: &str, signer: &DevTokenSigner, subject: &str) -> Self {
        let client = browser_client();
        let parent = Self {
            client,
            address: address.to_owned(),
        };
        let claims = signer.claims_for(
            subject,
            "家长",
            PARENT_ID,
            "13800000001",
            true,
            chrono::Utc::now(),
        );
        let token = signer.sign(&claims).unwrap();
        let response = parent.get(&format!("/sso/callback?token={token}")).await;
        assert_eq!(response.status(), 303, "signed in");
        let response = parent.call("confirm_my_identity", &[]).await;
        assert_eq!(response.status(), 200, "identity confirmed");
        parent
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }

    async fn call(&self, name: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}/api/{name}", self.address))
            .header("origin", &self.address)
            .header("accept", "application/json")
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    async fn call_json(&self, name: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(format!("{}/api/{name}", self.address))
            .header("origin", &self.address)
            .header("accept", "application/json")
            .json(body)
            .send()
            .await
            .unwrap()
    }

    async fn create(&self, entry: i32, school: i32, child: &str) -> i32 {
        let response = self
            .call(
                "create_registration",
                &[
                    ("subsystem", "enrollment"),
                    ("entry_id", &entry.to_string()),
                    ("school_id", &school.to_string()),
                    ("child_id_number", child),
                ],
            )
            .await;
        let status = response.status();
        let body = body_json(response).await.unwrap();
        assert_eq!(status, 200, "created: {body}");
        i32::try_from(body.as_i64().unwrap()).unwrap()
    }

    /// A save as the section page sends it; the outcome and the time it took.
    async fn save(
        &self,
        id: i32,
        section: &str,
        base_version: i64,
        base: &Value,
        data: &Value,
        complete: bool,
    ) -> (reqwest::StatusCode, Value, Duration) {
        let started = Instant::now();
        let response = self
            .call_json(
                "save_section",
                &json!({ "id": id, "section": section, "base_version": base_version, "base": base,
                         "data": data, "corrections": {}, "complete": complete }),
            )
            .await;
        let status = response.status();
        let body = body_json(response).await.unwrap_or(Value::Null);
        (status, body, started.elapsed())
    }

    async fn upload(
        &self,
        id: i32,
        document: &str,
        bytes: Vec<u8>,
    ) -> (reqwest::StatusCode, Duration) {
        let started = Instant::now();
        let response = self
            .client
            .post(format!(
                "{}/api/registrations/{id}/documents/{document}",
                self.address
            ))
            .header("origin", &self.address)
            .header("content-type", "image/jpeg")
            .body(bytes)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let _ = response.bytes().await;
        (status, started.elapsed())
    }
}

/// The `n`-th distinct child ID number born within the demo's enrollment year.
fn child_id(n: usize) -> String {
    let start = chrono::NaiveDate::from_ymd_opt(2019, 9, 1).unwrap();
    let day = start + chrono::Days::new((n % 360) as u64);
    let seq = 1 + (n / 360) % 999;
    let first17 = format!("370202{}{seq:03}", day.format("%Y%m%d"));
    format!("{first17}{}", check_character(first17.as_bytes()) as char)
}

fn answers(section: &str, n: usize) -> Value {
    match section {
        "child" => json!({ "name": "张子涵", "ethnicity": "01", "contact_phone": "13800000001" }),
        "household" => {
            json!({ "collective": "no", "address": format!("市南区香港中路 {n} 号"), "head_name": "张伟", "head_relation": "father" })
        }
        "residence" => {
            json!({ "kind": "property", "address": format!("市南区香港中路 10 号 2 单元 {n}"), "certificate_number": "鲁(2021)青岛市不动产权第0012345号", "owner_name": "张伟", "owner_relation": "father" })
        }
        _ => {
            json!({ "g1_relation": "father", "g1_name": "张伟", "g1_id_number": PARENT_ID, "g1_phone": "13800000001", "has_guardian2": "yes", "g2_relation": "mother", "g2_name": format!("李娜{}", "娜".repeat(n % 3)), "g2_id_number": "370202199008230424", "g2_phone": "13900000002" })
        }
    }
}

fn section_version(view: &Value, key: &str) -> i64 {
    view["section_versions"][key].as_i64().unwrap_or(0)
}

/// Counts of answers by kind across a run.
#[derive(Default)]
struct Errors {
    server: AtomicU64,
    busy: AtomicU64,
}

impl Errors {
    fn note(&self, status: reqwest::StatusCode) {
        if status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
            self.busy.fetch_add(1, Ordering::Relaxed);
        } else if status.is_server_error() {
            self.server.fetch_add(1, Ordering::Relaxed);
        }
    }
}

async fn one_run(backend: &Backend, plan: &Plan<'_>, figures: &mut Figures) {
    let dir = std::env::temp_dir().join(format!("ruxue-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = backend.fresh(&dir).await;
    let server = ServerProcess::start(plan, &url, &dir).await;
    let db = Database::connect(&url).await.unwrap();
    let (entry, school) = entry_and_school(&db).await;
    let signer = DevTokenSigner::new(DEV_SSO_ISSUER, "ruxue").unwrap();
    let errors = Arc::new(Errors::default());
    let next_child = Arc::new(AtomicU64::new(0));
    let (idle, _) = server.memory();
    figures.add("server RSS idle at start, MB", idle);

    let raw = backend.raw_commits(&url, &dir, plan.phase).await;
    figures.add("raw durable commits/s", raw);

    // Autosave: every parent saves one section as fast as the server answers.
    let mut parents = Vec::new();
    for p in 0..256 {
        let parent = Parent::sign_in(&server.address, &signer, &format!("bench-{p}")).await;
        let child = child_id(next_child.fetch_add(1, Ordering::Relaxed) as usize);
        let id = parent.create(entry, school, &child).await;
        let (status, body, _) = parent
            .save(id, "child", 0, &json!({}), &answers("child", 0), true)
            .await;
        assert_eq!(status, 200, "child saved: {body}");
        parents.push((parent, id));
    }
    for count in [64, 256] {
        let before = backend.transactions(&db).await;
        let (rate, p50, p99, saves) = autosave(&parents[..count], plan.phase, &errors).await;
        if let Some(before) = before {
            // PostgreSQL reports a backend's counts within 10 s of it going idle.
            tokio::time::sleep(Duration::from_secs(11)).await;
            if let Some(after) = backend.transactions(&db).await {
                figures.add(
                    &format!("transactions per autosave, {count} parents"),
                    (after - before) / (saves.max(1) as f64),
                );
            }
        }
        figures.add(&format!("autosaves/s, {count} parents"), rate);
        figures.add(&format!("autosave p50 ms, {count} parents"), p50);
        figures.add(&format!("autosave p99 ms, {count} parents"), p99);
        figures.add(
            &format!("autosaves/s ÷ raw commits/s, {count} parents"),
            rate / raw.max(1.0),
        );
    }

    // Server-rendered pages against the same server's static CSS, 64 connections.
    let (parent, id) = parents[0].clone();
    let css = first_load(&parent, "/")
        .await
        .css_path
        .unwrap_or_else(|| "/pkg/ruxue.css".to_owned());
    let mut rates = BTreeMap::new();
    for (name, path) in [
        ("static CSS", css.clone()),
        ("home page", "/".to_owned()),
        (
            "section form page",
            format!("/registrations/{id}/sections/household"),
        ),
    ] {
        let (rate, p99) = hammer(&parent, &path, plan.phase, &errors).await;
        figures.add(&format!("{name}: requests/s, 64 connections"), rate);
        figures.add(&format!("{name}: p99 ms"), p99);
        rates.insert(name, rate);
    }
    for name in ["home page", "section form page"] {
        figures.add(
            &format!("{name}: ÷ static CSS rate"),
            rates[name] / rates["static CSS"].max(1.0),
        );
    }

    // The opening morning, then again against the same process: memory must come back to
    // the same peak, not grow morning after morning.
    let a_morning = async |paced: Option<f64>| {
        morning(
            plan,
            &server.address,
            &signer,
            (entry, school),
            &next_child,
            &errors,
            paced,
        )
        .await
    };
    for n in 1..=plan.mornings {
        if n > 1 {
            server.reset_peak_memory();
        }
        let (per_hour, upload_p50, upload_p99) = a_morning(None).await;
        let (_, peak) = server.memory();
        tokio::time::sleep(Duration::from_secs(3)).await;
        let (after, _) = server.memory();
        if n == 1 {
            figures.add(
                &format!(
                    "complete registrations/hour, {} parents",
                    plan.morning_parents
                ),
                per_hour,
            );
            figures.add("photo upload p50 ms (morning)", upload_p50);
            figures.add("photo upload p99 ms (morning)", upload_p99);
            figures.add("server RSS peak, MB", peak);
            figures.add("server RSS idle 3 s after the morning, MB", after);
        } else {
            figures.add(&format!("server RSS peak, morning {n}, MB"), peak);
            figures.add(&format!("server RSS idle 3 s after morning {n}, MB"), after);
        }
    }

    // A morning at the rate the platform must hold, not at the most it can.
    if let Some(rate) = plan.paced_per_hour {
        let (per_hour, upload_p50, upload_p99) = a_morning(Some(rate)).await;
        figures.add(
            &format!(
                "paced morning ({rate:.0}/h asked), registrations/hour, {} parents",
                plan.morning_parents
            ),
            per_hour,
        );
        figures.add("photo upload p50 ms (paced morning)", upload_p50);
        figures.add("photo upload p99 ms (paced morning)", upload_p99);
    }

    // What a first visit downloads.
    let (parent, id) = parents[1].clone();
    let mut parent_max = 0_f64;
    // Each page loads the code app/src/hydration gives it: none, the islands, or the whole.
    for (page, path) in [
        ("home", "/".to_owned()),
        ("my details", "/me".to_owned()),
        ("my registrations", "/registrations".to_owned()),
        ("new registration", "/registrations/new".to_owned()),
        ("task list", format!("/registrations/{id}")),
        (
            "section form",
            format!("/registrations/{id}/sections/child"),
        ),
        ("documents", format!("/registrations/{id}/documents")),
        ("check answers", format!("/registrations/{id}/confirm")),
        ("receipt", format!("/registrations/{id}/submitted")),
    ] {
        let kb = first_load(&parent, &path).await.bytes as f64 / 1024.0;
        figures.add(&format!("first load, {page}, KB (brotli)"), kb);
        parent_max = parent_max.max(kb);
    }
    figures.add("first load, largest parent page, KB (brotli)", parent_max);
    let staff = staff_browser(&server.address).await;
    let mut staff_max = 0_f64;
    for path in ["/review", "/admissions", "/bureau"] {
        staff_max = staff_max.max(first_load(&staff, path).await.bytes as f64 / 1024.0);
    }
    figures.add("first load, largest staff page, KB (brotli)", staff_max);

    figures.add(
        "5xx answers other than 503",
        errors.server.load(Ordering::Relaxed) as f64,
    );
    figures.add(
        "503 (busy) answers",
        errors.busy.load(Ordering::Relaxed) as f64,
    );
    figures.add("panic lines in the server log", server.panic_lines() as f64);

    db.close().await.unwrap();
    drop(server);
    backend.drop_database(&url).await;
    let _ = std::fs::remove_dir_all(&dir);
}

async fn entry_and_school(db: &DatabaseConnection) -> (i32, i32) {
    let entry = entry::Entity::find()
        .filter(entry::Column::Code.eq("local-property"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let school = school::Entity::find()
        .order_by_asc(school::Column::Position)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    (entry.id, school.id)
}

async fn autosave(
    parents: &[(Parent, i32)],
    phase: Duration,
    errors: &Arc<Errors>,
) -> (f64, f64, f64, usize) {
    let started = Instant::now();
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = parents
        .iter()
        .cloned()
        .map(|(parent, id)| {
            let latencies = latencies.clone();
            let errors = errors.clone();
            tokio::spawn(async move {
                let view = body_json(
                    parent
                        .call("get_registration", &[("id", &id.to_string())])
                        .await,
                )
                .await
                .unwrap();
                let mut version = section_version(&view, "Household");
                let mut base = json!({});
                let mut mine = Vec::new();
                let mut n = 0;
                while started.elapsed() < phase {
                    n += 1;
                    let data = answers("household", n);
                    let (status, body, took) = parent
                        .save(id, "household", version, &base, &data, false)
                        .await;
                    errors.note(status);
                    if let Some(saved) = body["Saved"]["version"].as_i64() {
                        version = saved;
                        base = data;
                        mine.push(took.as_secs_f64() * 1000.0);
                    } else if let Some(theirs) = body["Conflict"]["version"].as_i64() {
                        // A page that read before the last phase's saves: take what is stored.
                        version = theirs;
                        base = body["Conflict"]["data"].clone();
                    }
                }
                latencies.lock().await.extend(mine);
            })
        })
        .collect();
    let (rate, all) = gathered(tasks, &latencies, started).await;
    (
        rate,
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        all.len(),
    )
}

/// Waits for `tasks`; the number of latencies they collected per second since `started`,
/// and those latencies sorted.
async fn gathered(
    tasks: Vec<tokio::task::JoinHandle<()>>,
    latencies: &Mutex<Vec<f64>>,
    started: Instant,
) -> (f64, Vec<f64>) {
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut all = latencies.lock().await.clone();
    all.sort_by(f64::total_cmp);
    (all.len() as f64 / elapsed, all)
}

async fn hammer(parent: &Parent, path: &str, phase: Duration, errors: &Arc<Errors>) -> (f64, f64) {
    let started = Instant::now();
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let parent = parent.clone();
            let path = path.to_owned();
            let latencies = latencies.clone();
            let errors = errors.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                while started.elapsed() < phase {
                    let sent = Instant::now();
                    let response = parent.get(&path).await;
                    let status = response.status();
                    let _ = response.bytes().await;
                    errors.note(status);
                    if status.is_success() {
                        mine.push(sent.elapsed().as_secs_f64() * 1000.0);
                    }
                }
                latencies.lock().await.extend(mine);
            })
        })
        .collect();
    let (rate, all) = gathered(tasks, &latencies, started).await;
    (rate, percentile(&all, 0.99))
}

/// Parents arriving all morning: each signs in, fills four sections (three autosaves and a
/// completing save each), uploads two photos and submits, then the next parent comes: at
/// once, or, `paced` to that many registrations an hour in all, when the parent's next
/// turn comes (each parent's turns a fixed period apart, the parents' turns staggered over
/// the period; a parent late for a turn starts at once).
async fn morning(
    plan: &Plan<'_>,
    address: &str,
    signer: &DevTokenSigner,
    (entry, school): (i32, i32),
    next_child: &Arc<AtomicU64>,
    errors: &Arc<Errors>,
    paced: Option<f64>,
) -> (f64, f64, f64) {
    let started = Instant::now();
    let parents = plan.morning_parents;
    let period = paced.map(|per_hour| Duration::from_secs_f64(3600.0 * parents as f64 / per_hour));
    let stop = Arc::new(AtomicBool::new(false));
    let completed = Arc::new(AtomicU64::new(0));
    let uploads = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = (0..parents)
        .map(|p| {
            let address = address.to_owned();
            let signer = signer.clone();
            let next_child = next_child.clone();
            let errors = errors.clone();
            let completed = completed.clone();
            let uploads = uploads.clone();
            let stop = stop.clone();
            let photo = plan.photo.clone();
            let morning = plan.morning;
            tokio::spawn(async move {
                let mut mine = Vec::new();
                let mut turn = 0_u32;
                while started.elapsed() < morning && !stop.load(Ordering::Relaxed) {
                    if let Some(period) = period {
                        let due =
                            started + period.mul_f64(p as f64 / parents as f64) + period * turn;
                        tokio::time::sleep_until(due.into()).await;
                        turn += 1;
                        if started.elapsed() >= morning {
                            break;
                        }
                    }
                    let began = started.elapsed();
                    let n = next_child.fetch_add(1, Ordering::Relaxed) as usize;
                    // A new parent each round, in every morning of the run.
                    let parent = Parent::sign_in(&address, &signer, &format!("morning-{n}")).await;
                    let id = parent.create(entry, school, &child_id(n)).await;
                    let mut registration_version = 0;
                    for (section, key) in [
                        ("child", "Child"),
                        ("household", "Household"),
                        ("residence", "Residence"),
                        ("guardian", "Guardian"),
                    ] {
                        let view = body_json(
                            parent
                                .call("get_registration", &[("id", &id.to_string())])
                                .await,
                        )
                        .await
                        .unwrap_or(Value::Null);
                        let mut version = section_version(&view, key);
                        let mut base = json!({});
                        for step in 0..4 {
                            let data = answers(section, n + step);
                            let (status, body, _) = parent
                                .save(id, section, version, &base, &data, step == 3)
                                .await;
                            errors.note(status);
                            if let Some(saved) = body["Saved"]["version"].as_i64() {
                                version = saved;
                                base = data;
                                registration_version =
                                    body["Saved"]["registration_version"].as_i64().unwrap_or(0);
                            }
                        }
                    }
                    for document in ["household-register", "property-certificate"] {
                        let (status, took) =
                            parent.upload(id, document, photo.as_ref().clone()).await;
                        errors.note(status);
                        if status.is_success() {
                            mine.push(took.as_secs_f64() * 1000.0);
                        }
                    }
                    let response = parent
                        .call(
                            "submit_registration",
                            &[
                                ("id", &id.to_string()),
                                ("base_version", &registration_version.to_string()),
                            ],
                        )
                        .await;
                    let status = response.status();
                    errors.note(status);
                    if status.is_success() {
                        // Saturated, the registrations done within the morning; paced, those
                        // begun within it (the rate asked for is the rate they arrive at).
                        let counted = if period.is_some() {
                            began
                        } else {
                            started.elapsed()
                        };
                        if counted < morning {
                            completed.fetch_add(1, Ordering::Relaxed);
                        }
                    } else if !stop.swap(true, Ordering::Relaxed) {
                        // A registration that cannot be submitted ends the morning: say why.
                        let body = body_text(response).await;
                        eprintln!("a submit was refused ({status}): {body}");
                    }
                }
                uploads.lock().await.extend(mine);
            })
        })
        .collect();
    let (_, all) = gathered(tasks, &uploads, started).await;
    let per_hour = completed.load(Ordering::Relaxed) as f64 / plan.morning.as_secs_f64() * 3600.0;
    (per_hour, percentile(&all, 0.5), percentile(&all, 0.99))
}

async fn staff_browser(address: &str) -> Parent {
    let client = browser_client();
    let staff = Parent {
        client,
        address: address.to_owned(),
    };
    let response = staff
        .call(
            "staff_sign_in",
            &[
                ("username", "admin"),
                ("password", app::server::demo::DEMO_STAFF_PASSWORD),
            ],
        )
        .await;
    assert!(response.status().is_success() || response.status().is_redirection());
    staff
}

struct FirstLoad {
    bytes: u64,
    css_path: Option<String>,
}

/// The page and every script, module, stylesheet and wasm file it names under `/pkg/`,
/// fetched as a browser asking for brotli would (bytes as sent).
async fn first_load(browser: &Parent, path: &str) -> FirstLoad {
    let page = browser
        .client
        .get(format!("{}{path}", browser.address))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    let page_bytes = page.bytes().await.unwrap();
    let html = body_text(browser.get(path).await).await;
    let mut assets: Vec<String> = Vec::new();
    for piece in html.split(['"', '\'']) {
        if piece.starts_with("/pkg/") && !assets.iter().any(|a| a == piece) {
            assets.push(piece.to_owned());
        }
    }
    // The wasm is fetched by the script under the script's own name.
    if let Some(js) = assets.iter().find(|a| a.ends_with(".js")).cloned() {
        let wasm = js.trim_end_matches(".js").to_owned() + ".wasm";
        let wasm_bg = js.trim_end_matches(".js").to_owned() + "_bg.wasm";
        if !assets.iter().any(|a| a.ends_with(".wasm")) {
            for candidate in [wasm, wasm_bg] {
                if browser.get(&candidate).await.status().is_success() {
                    assets.push(candidate);
                    break;
                }
            }
        }
    }
    let mut bytes = page_bytes.len() as u64;
    for asset in &assets {
        let response = browser
            .client
            .get(format!("{}{asset}", browser.address))
            .header("accept-encoding", "br")
            .send()
            .await
            .unwrap();
        bytes += response.bytes().await.map_or(0, |b| b.len() as u64);
    }
    FirstLoad {
        bytes,
        css_path: assets.into_iter().find(|a| a.ends_with(".css")),
    }
}
