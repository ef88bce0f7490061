//! `server [serve|migrate|rotate-key|data-key|create-admin|verify-draw]`: runs the platform,
//! only its database migrations, seals every stored value under the current data key, prints
//! a new data key, creates the first (city-wide) administrator, or checks an exported draw.

use std::process::ExitCode;

/// mimalloc rather than glibc's malloc: photo decoding allocates tens of megabytes per
/// upload from many threads, and glibc's per-thread arenas kept that memory (peak RSS grew
/// run after run to ~0.95 GB); mimalloc returns it (see `make bench-load`). The
/// `system-allocator` feature leaves glibc's in place, for heap profilers that hook malloc
/// (heaptrack: docs/memory.md).
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Before any thread allocates.
    server::allocator::configure();
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run()),
        Err(error) => {
            eprintln!("ruxue: the runtime did not start: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> ExitCode {
    let command = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "serve".to_owned());
    // A new data key, printed before any setting is read (a fresh installation has none).
    if command == "data-key" {
        print_new_data_key();
        return ExitCode::SUCCESS;
    }
    // Anyone can check a draw: no setting, no database.
    if command == "verify-draw" {
        return verify_draw(std::env::args().nth(2));
    }
    let settings = match server::settings::Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("ruxue: {error}");
            return ExitCode::from(2);
        }
    };
    server::telemetry::init(settings.log_format);
    let result = match command.as_str() {
        "serve" => server::startup::serve(settings).await,
        "migrate" => server::startup::migrate_only(&settings).await,
        "rotate-key" => server::startup::rotate_key(&settings).await,
        "create-admin" => {
            let args: Vec<String> = std::env::args().skip(2).collect();
            let value = |flag: &str| {
                args.iter()
                    .position(|a| a == flag)
                    .and_then(|i| args.get(i + 1))
                    .cloned()
            };
            let Some(username) = value("--username") else {
                eprintln!(
                    "usage: server create-admin --username NAME [--name DISPLAY_NAME]\n\nThe password is read from RUXUE_ADMIN_PASSWORD, or else from standard input."
                );
                return ExitCode::from(2);
            };
            let display_name = value("--name").unwrap_or_else(|| username.clone());
            let password = match std::env::var("RUXUE_ADMIN_PASSWORD") {
                Ok(password) => password,
                Err(_) => {
                    eprintln!("password for {username} (at least 10 characters), then Enter:");
                    let mut line = String::new();
                    if std::io::stdin().read_line(&mut line).is_err() {
                        eprintln!("ruxue: could not read the password");
                        return ExitCode::from(2);
                    }
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            server::startup::create_admin(&settings, &username, &display_name, password).await
        }
        "help" | "--help" | "-h" => {
            eprintln!(
                "usage: server [serve|migrate|rotate-key|data-key|create-admin --username NAME|verify-draw FILE]\n\nSettings come from RUXUE_* environment variables; see README.md."
            );
            Ok(())
        }
        other => {
            eprintln!("ruxue: unknown command `{other}`; try `server help`");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, "ruxue stopped with an error");
            ExitCode::FAILURE
        }
    }
}

/// Prints a new `RUXUE_DATA_KEY` (an index key and a data key named by today's date).
#[expect(clippy::print_stdout, reason = "the key is the command's output")]
fn print_new_data_key() {
    let id = chrono::Utc::now().format("k%Y%m%d").to_string();
    print!("{}", app::server::infra::crypto::Keyring::generate(&id));
}

/// Checks a draw exported from its public page and says what it holds.
#[expect(clippy::print_stdout, reason = "the verdict is the command's output")]
fn verify_draw(path: Option<String>) -> ExitCode {
    let Some(path) = path else {
        eprintln!("usage: server verify-draw FILE (a draw exported from its public page)");
        return ExitCode::from(2);
    };
    match server::verify_draw::check_file(std::path::Path::new(&path)) {
        Ok(summary) => {
            print!("{summary}");
            ExitCode::SUCCESS
        }
        Err(problem) => {
            eprintln!("ruxue: {problem}");
            ExitCode::FAILURE
        }
    }
}
