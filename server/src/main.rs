//! `server [serve|migrate]`: runs the platform, or only its database migrations.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let command = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "serve".to_owned());
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
        "help" | "--help" | "-h" => {
            eprintln!(
                "usage: server [serve|migrate]\n\nSettings come from RUXUE_* environment variables; see README.md."
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
