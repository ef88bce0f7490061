//! Typed settings read from `RUXUE_*` environment variables, with defaults that run the
//! platform locally on SQLite.

use std::{net::SocketAddr, time::Duration};

use app::server::infra::photos::UploadPolicy;
use app::{
    domain::provenance::RegistrySource, server::infra::auth::client_address::TrustedProxies,
};
use secrecy::{ExposeSecret, SecretString};

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

/// Everything the server can be configured with.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Where to listen (`RUXUE_ADDR`, default `127.0.0.1:3000`; port 0 picks a free one).
    pub addr: SocketAddr,
    /// A `sqlite:` or `postgres:` URL (`RUXUE_DATABASE_URL`). Secret: it may hold a password.
    pub database_url: SecretString,
    /// Pool size (`RUXUE_DATABASE_MAX_CONNECTIONS`, default 10).
    pub database_max_connections: u32,
    /// `human` or `json` (`RUXUE_LOG_FORMAT`).
    pub log_format: LogFormat,
    /// Load the demo bureau, schools and windows into an empty database (`RUXUE_DEMO_DATA`;
    /// refused by a build without the `dev` feature, like the other development settings).
    pub demo_data: bool,
    /// With the demo data, a school whose first grade has more children who passed review
    /// than places: a draw to try (`RUXUE_DEMO_DRAW`; local runs and the journeys, a
    /// development setting).
    pub demo_draw: bool,
    /// Origins of host apps allowed to frame the platform and post to it
    /// (`RUXUE_HOST_APP_ORIGINS`, comma-separated, e.g. `https://app.example.gov.cn`).
    pub host_app_origins: Vec<String>,
    /// Longest time a request may take (`RUXUE_REQUEST_TIMEOUT_SECS`, default 30).
    pub request_timeout: Duration,
    /// Requests worked on at once (`RUXUE_MAX_IN_FLIGHT`, default 128); more wait in a
    /// queue of at most `RUXUE_MAX_QUEUED` (1024) for at most `RUXUE_QUEUE_WAIT_MS` (5000),
    /// and beyond either are answered 503 with `Retry-After` at once, instead of piling up
    /// until they time out.
    pub admission: Admission,
    /// Largest request body accepted outside the upload route (`RUXUE_BODY_LIMIT_BYTES`, default 1 MiB).
    pub body_limit_bytes: usize,
    /// Whether the site is served over HTTPS (`RUXUE_HTTPS`): adds HSTS and secure cookies.
    pub https: bool,
    /// Folder with the compiled site (`LEPTOS_SITE_ROOT`, set by cargo-leptos; default `target/site`).
    pub site_root: String,
    /// Base name of the wasm, js and css files (`LEPTOS_OUTPUT_NAME`, default `ruxue`).
    pub output_name: String,
    /// Expected `iss` of host-app tokens (`RUXUE_SSO_ISSUER`).
    pub sso_issuer: String,
    /// Expected `aud` of host-app tokens (`RUXUE_SSO_AUDIENCE`).
    pub sso_audience: String,
    /// The host app's public key in PEM, inline or `@path` (`RUXUE_SSO_PUBLIC_KEY`): one key,
    /// used whatever `kid` a token names.
    pub sso_public_key: Option<String>,
    /// The host app's public keys by key id, so that it can rotate with an overlap
    /// (`RUXUE_SSO_PUBLIC_KEYS`: `kid1=@path1,kid2=@path2`, or PEMs inline): a token naming a
    /// `kid` is checked with that key only; one without is accepted only when there is one key.
    pub sso_public_keys: Vec<(String, String)>,
    /// Serve the simulated host app at `/dev/host-app` (`RUXUE_DEV_HOST_APP`).
    pub dev_host_app: bool,
    /// The host app's name (`RUXUE_HOST_APP_NAME_ZH`, `RUXUE_HOST_APP_NAME_EN`).
    pub host_app_name_zh: String,
    pub host_app_name_en: String,
    /// Where parents open the platform again (`RUXUE_HOST_APP_ENTRY_URL`).
    pub host_app_entry_url: Option<String>,
    /// A session ends after this long without activity (`RUXUE_SESSION_IDLE_MINUTES`, 30).
    pub session_idle: Duration,
    /// And in any case this long after sign-in (`RUXUE_SESSION_ABSOLUTE_HOURS`, 12).
    pub session_absolute: Duration,
    /// The header the trusted reverse proxies write the client address into
    /// (`RUXUE_CLIENT_IP_HEADER`; unset: `X-Forwarded-For`). Read only from those proxies.
    pub client_ip_header: Option<String>,
    /// Reverse proxies whose forwarded-for header is believed (`RUXUE_TRUSTED_PROXIES`,
    /// comma-separated addresses or networks such as `10.0.0.0/8`; default none: the peer
    /// address is the client's). Through them, the right-most address they did not write
    /// is the client's.
    pub trusted_proxies: TrustedProxies,
    /// Government registries for prefill (自动回填).
    pub registry: RegistrySettings,
    /// The OpenDAL service document photos are kept in (`RUXUE_STORAGE`: `fs` by default,
    /// or `s3`, `oss`, `cos`, `obs`).
    pub storage_scheme: String,
    /// The keys that seal ID numbers, answers and registry answers at rest
    /// (`RUXUE_DATA_KEY`, inline or `@path`: `index=<base64>` and `<id>=<base64>` data
    /// keys of 32 bytes, the first sealing new values; `server data-key` prints a new one).
    /// Serving refuses to start without it.
    pub data_key: Option<app::server::infra::crypto::Keyring>,
    /// Its options: `RUXUE_STORAGE_OPTIONS` (`key=value,key=value`, e.g. `root=/srv/ruxue`
    /// or `bucket=ruxue,endpoint=https://oss-cn-qingdao.aliyuncs.com`) and, secret,
    /// `RUXUE_STORAGE_SECRET_OPTIONS` (same form, inline or `@path`: access keys).
    pub storage_options: Vec<(String, SecretString)>,
    /// Photos decoded at once (`RUXUE_PHOTO_WORKERS`, default 2).
    pub photo_workers: usize,
    /// What one parent may upload and keep: `RUXUE_UPLOADS_PER_WINDOW` uploads per account
    /// within `RUXUE_UPLOAD_WINDOW_SECS` (30 in 600), `RUXUE_PHOTOS_PER_REGISTRATION` (40)
    /// and `RUXUE_PHOTOS_PER_DOCUMENT` (5) photos kept; replaced and removed photos of
    /// drafts deleted `RUXUE_REMOVED_PHOTO_GRACE_SECS` (600) after, looked for every
    /// `RUXUE_PHOTO_SWEEP_INTERVAL_MS` (60000).
    pub uploads: UploadPolicy,
    /// Where SMS notices go: `RUXUE_SMS_URL` (an HTTP endpoint taking `{"id","to","body"}`,
    /// see docs/sms.md); unset, they are written to the log.
    pub sms_url: Option<String>,
    /// `RUXUE_SMS_TOKEN` (inline or `@path`): the bearer token for that endpoint.
    pub sms_token: Option<SecretString>,
    /// How often the outbox worker looks for due notices (`RUXUE_OUTBOX_INTERVAL_MS`, 2000).
    pub outbox_interval: Duration,
    /// Who may read `/metrics` (`RUXUE_METRICS_FROM`, addresses or networks; default
    /// `127.0.0.1, ::1`). Through a trusted proxy, the client behind it must be listed.
    pub metrics_from: TrustedProxies,
    /// After SIGTERM, how long `/readyz` answers 503 while requests are still served, so
    /// that a load balancer stops sending new ones before the listener closes
    /// (`RUXUE_DRAIN_SECS`, default 5; Ctrl-C stops at once).
    pub drain: Duration,
}

/// Where registry lookups go and how they are bounded.
/// How many requests are worked on at once, and how many and how long others may wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admission {
    pub in_flight: usize,
    pub queued: usize,
    pub wait: Duration,
}

#[derive(Clone, Debug)]
pub struct RegistrySettings {
    /// The built-in demo registry for every source (`RUXUE_REGISTRY_DEMO`; on for `make run`).
    pub demo: bool,
    /// Its latency (`RUXUE_REGISTRY_DEMO_LATENCY_MS`, default 400).
    pub demo_latency: Duration,
    /// Its share of failed attempts, 0 to 1 (`RUXUE_REGISTRY_DEMO_FAILURE_RATE`, default 0).
    pub demo_failure_rate: f64,
    /// One attempt's timeout, and how long a parent waits before typing
    /// (`RUXUE_REGISTRY_TIMEOUT_MS`, default 3000).
    pub timeout: Duration,
    /// Attempts after the first (`RUXUE_REGISTRY_RETRIES`, default 2).
    pub retries: u32,
    /// Wait before the first retry, doubled each time (`RUXUE_REGISTRY_BACKOFF_MS`, 500).
    pub backoff: Duration,
    /// How long answers are reused (`RUXUE_REGISTRY_CACHE_SECS`, default 120).
    pub cache_for: Duration,
    /// A data-sharing exchange per source: `RUXUE_REGISTRY_<SOURCE>_URL` and, secret,
    /// `RUXUE_REGISTRY_<SOURCE>_TOKEN` (inline or `@path`), where `<SOURCE>` is
    /// `HOUSEHOLD`, `REAL_ESTATE`, `RESIDENCE_PERMIT` or `EMPLOYMENT`.
    pub exchanges: Vec<ExchangeSettings>,
}

/// One source behind a data-sharing exchange.
#[derive(Clone, Debug)]
pub struct ExchangeSettings {
    pub source: RegistrySource,
    pub url: String,
    pub token: Option<SecretString>,
}

/// The issuer the simulated host app signs as.
pub const DEV_SSO_ISSUER: &str = "https://dev-host-app.ruxue.local";

/// A setting that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("setting {name} is invalid: {reason}")]
pub struct SettingsError {
    pub name: &'static str,
    pub reason: String,
}

/// The database used when none is configured: a SQLite file under `data/`.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/ruxue.db?mode=rwc";

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, so that tests need not touch the environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let parse = |name: &'static str, default: &str| -> Result<String, SettingsError> {
            Ok(get(name).unwrap_or_else(|| default.to_owned()))
        };
        let addr = parse("RUXUE_ADDR", "127.0.0.1:3000")?;
        let addr = addr.parse().map_err(|_| SettingsError {
            name: "RUXUE_ADDR",
            reason: format!("`{addr}` is not an address such as 127.0.0.1:3000"),
        })?;
        let database_url = parse("RUXUE_DATABASE_URL", DEFAULT_DATABASE_URL)?;
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres:")
            || database_url.starts_with("postgresql:"))
        {
            return Err(SettingsError {
                name: "RUXUE_DATABASE_URL",
                reason: "must start with sqlite: or postgres:".into(),
            });
        }
        let number = |name: &'static str, default: u64| -> Result<u64, SettingsError> {
            match get(name) {
                None => Ok(default),
                Some(v) => v.trim().parse().map_err(|_| SettingsError {
                    name,
                    reason: format!("`{v}` is not a whole number"),
                }),
            }
        };
        let flag = |name: &'static str| -> Result<bool, SettingsError> {
            match get(name).as_deref().map(str::trim) {
                None | Some("0" | "false" | "no" | "off") => Ok(false),
                Some("1" | "true" | "yes" | "on") => Ok(true),
                Some(other) => Err(SettingsError {
                    name,
                    reason: format!("`{other}` is not true or false"),
                }),
            }
        };
        let dev_flag =
            |name: &'static str| development_flag(name, flag(name)?, cfg!(feature = "dev"));
        let log_format = match get("RUXUE_LOG_FORMAT").as_deref() {
            None | Some("human") => LogFormat::Human,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(SettingsError {
                    name: "RUXUE_LOG_FORMAT",
                    reason: format!("`{other}` is neither human nor json"),
                });
            }
        };
        let host_app_origins = get("RUXUE_HOST_APP_ORIGINS")
            .map(|v| {
                v.split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_owned())
                    .filter(|o| !o.is_empty())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        for origin in &host_app_origins {
            let valid = (origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin
                    .contains(|c: char| c.is_whitespace() || c == ';' || c == '\'' || c == '"');
            if !valid {
                return Err(SettingsError {
                    name: "RUXUE_HOST_APP_ORIGINS",
                    reason: format!("`{origin}` is not an origin such as https://app.example.cn"),
                });
            }
        }
        let max_connections = number("RUXUE_DATABASE_MAX_CONNECTIONS", 10)?;
        let read_secret = |name: &'static str| -> Result<Option<String>, SettingsError> {
            match get(name) {
                None => Ok(None),
                Some(value) => match value.strip_prefix('@') {
                    Some(path) => std::fs::read_to_string(path.trim())
                        .map(|v| Some(v.trim().to_owned()))
                        .map_err(|e| SettingsError {
                            name,
                            reason: format!("cannot read `{path}`: {e}"),
                        }),
                    None => Ok(Some(value)),
                },
            }
        };
        let mut exchanges = Vec::new();
        for (source, url_name, token_name) in [
            (
                RegistrySource::Household,
                "RUXUE_REGISTRY_HOUSEHOLD_URL",
                "RUXUE_REGISTRY_HOUSEHOLD_TOKEN",
            ),
            (
                RegistrySource::RealEstate,
                "RUXUE_REGISTRY_REAL_ESTATE_URL",
                "RUXUE_REGISTRY_REAL_ESTATE_TOKEN",
            ),
            (
                RegistrySource::ResidencePermit,
                "RUXUE_REGISTRY_RESIDENCE_PERMIT_URL",
                "RUXUE_REGISTRY_RESIDENCE_PERMIT_TOKEN",
            ),
            (
                RegistrySource::Employment,
                "RUXUE_REGISTRY_EMPLOYMENT_URL",
                "RUXUE_REGISTRY_EMPLOYMENT_TOKEN",
            ),
        ] {
            let Some(url) = get(url_name) else { continue };
            let url = url.trim().to_owned();
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(SettingsError {
                    name: url_name,
                    reason: format!("`{url}` is not an http(s) URL"),
                });
            }
            exchanges.push(ExchangeSettings {
                source,
                url,
                token: read_secret(token_name)?.map(SecretString::from),
            });
        }
        let failure_rate = match get("RUXUE_REGISTRY_DEMO_FAILURE_RATE") {
            None => 0.0,
            Some(v) => match v.trim().parse::<f64>() {
                Ok(rate) if (0.0..=1.0).contains(&rate) => rate,
                _ => {
                    return Err(SettingsError {
                        name: "RUXUE_REGISTRY_DEMO_FAILURE_RATE",
                        reason: format!("`{v}` is not a number from 0 to 1"),
                    });
                }
            },
        };
        let registry = RegistrySettings {
            demo: dev_flag("RUXUE_REGISTRY_DEMO")?,
            demo_latency: Duration::from_millis(number("RUXUE_REGISTRY_DEMO_LATENCY_MS", 400)?),
            demo_failure_rate: failure_rate,
            timeout: Duration::from_millis(number("RUXUE_REGISTRY_TIMEOUT_MS", 3000)?.max(1)),
            retries: u32::try_from(number("RUXUE_REGISTRY_RETRIES", 2)?.min(10)).unwrap_or(2),
            backoff: Duration::from_millis(number("RUXUE_REGISTRY_BACKOFF_MS", 500)?),
            cache_for: Duration::from_secs(number("RUXUE_REGISTRY_CACHE_SECS", 120)?),
            exchanges,
        };
        let mut storage_options = Vec::new();
        let mut add_options = |name: &'static str, text: String| -> Result<(), SettingsError> {
            for pair in text
                .split([',', '\n'])
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                let Some((key, value)) = pair.split_once('=') else {
                    return Err(SettingsError {
                        name,
                        reason: "each option is key=value".into(),
                    });
                };
                storage_options.push((
                    key.trim().to_owned(),
                    SecretString::from(value.trim().to_owned()),
                ));
            }
            Ok(())
        };
        if let Some(text) = get("RUXUE_STORAGE_OPTIONS") {
            add_options("RUXUE_STORAGE_OPTIONS", text)?;
        }
        if let Some(text) = read_secret("RUXUE_STORAGE_SECRET_OPTIONS")? {
            add_options("RUXUE_STORAGE_SECRET_OPTIONS", text)?;
        }
        let trusted_proxies = match get("RUXUE_TRUSTED_PROXIES") {
            None => TrustedProxies::default(),
            Some(text) => TrustedProxies::parse(&text).map_err(|reason| SettingsError {
                name: "RUXUE_TRUSTED_PROXIES",
                reason,
            })?,
        };
        let client_ip_header = get("RUXUE_CLIENT_IP_HEADER");
        if client_ip_header.is_some() && trusted_proxies.is_empty() {
            return Err(SettingsError {
                name: "RUXUE_CLIENT_IP_HEADER",
                reason: "the header is read only from the proxies in RUXUE_TRUSTED_PROXIES: \
                         set those too (anyone could write it otherwise)"
                    .into(),
            });
        }
        let read_key = |name: &'static str, value: &str| -> Result<String, SettingsError> {
            match value.trim().strip_prefix('@') {
                Some(path) => std::fs::read_to_string(path.trim()).map_err(|e| SettingsError {
                    name,
                    reason: format!("cannot read `{path}`: {e}"),
                }),
                None => Ok(value.replace("\\n", "\n")),
            }
        };
        let mut sso_public_keys: Vec<(String, String)> = Vec::new();
        if let Some(text) = get("RUXUE_SSO_PUBLIC_KEYS") {
            const NAME: &str = "RUXUE_SSO_PUBLIC_KEYS";
            for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
                let Some((kid, key)) = entry.split_once('=') else {
                    return Err(SettingsError {
                        name: NAME,
                        reason: "each key is kid=@path or kid=PEM".into(),
                    });
                };
                let kid = kid.trim();
                if kid.is_empty() || kid.len() > 200 || kid.contains(char::is_whitespace) {
                    return Err(SettingsError {
                        name: NAME,
                        reason: format!("`{kid}` is not a key id"),
                    });
                }
                if sso_public_keys.iter().any(|(known, _)| known == kid) {
                    return Err(SettingsError {
                        name: NAME,
                        reason: format!("the key id `{kid}` is given twice"),
                    });
                }
                sso_public_keys.push((kid.to_owned(), read_key(NAME, key)?));
            }
        }
        let uploads = UploadPolicy {
            per_window: number("RUXUE_UPLOADS_PER_WINDOW", 30)?.max(1),
            window: Duration::from_secs(number("RUXUE_UPLOAD_WINDOW_SECS", 600)?.clamp(1, 86_400)),
            per_registration: number("RUXUE_PHOTOS_PER_REGISTRATION", 40)?.max(1),
            per_document: number("RUXUE_PHOTOS_PER_DOCUMENT", 5)?.max(1),
            removed_grace: Duration::from_secs(
                number("RUXUE_REMOVED_PHOTO_GRACE_SECS", 600)?.min(30 * 86_400),
            ),
            sweep_interval: Duration::from_millis(
                number("RUXUE_PHOTO_SWEEP_INTERVAL_MS", 60_000)?.max(10),
            ),
        };
        let sms_url = match get("RUXUE_SMS_URL").map(|u| u.trim().to_owned()) {
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => Some(url),
            Some(url) => {
                return Err(SettingsError {
                    name: "RUXUE_SMS_URL",
                    reason: format!("`{url}` is not an http(s) URL"),
                });
            }
            None => None,
        };
        Ok(Self {
            addr,
            database_url: SecretString::from(database_url),
            database_max_connections: u32::try_from(max_connections.clamp(1, 1000)).unwrap_or(10),
            log_format,
            demo_data: dev_flag("RUXUE_DEMO_DATA")?,
            demo_draw: dev_flag("RUXUE_DEMO_DRAW")?,
            host_app_origins,
            request_timeout: Duration::from_secs(number("RUXUE_REQUEST_TIMEOUT_SECS", 30)?.max(1)),
            admission: Admission {
                in_flight: usize::try_from(number("RUXUE_MAX_IN_FLIGHT", 128)?.clamp(1, 100_000))
                    .unwrap_or(128),
                queued: usize::try_from(number("RUXUE_MAX_QUEUED", 1024)?.min(1_000_000))
                    .unwrap_or(1024),
                wait: Duration::from_millis(number("RUXUE_QUEUE_WAIT_MS", 5000)?),
            },
            body_limit_bytes: usize::try_from(number("RUXUE_BODY_LIMIT_BYTES", 1024 * 1024)?)
                .unwrap_or(1024 * 1024),
            https: flag("RUXUE_HTTPS")?,
            site_root: parse("LEPTOS_SITE_ROOT", "target/site")?,
            output_name: parse("LEPTOS_OUTPUT_NAME", "ruxue")?,
            sso_issuer: parse("RUXUE_SSO_ISSUER", DEV_SSO_ISSUER)?,
            sso_audience: parse("RUXUE_SSO_AUDIENCE", "ruxue")?,
            sso_public_key: get("RUXUE_SSO_PUBLIC_KEY")
                .map(|value| read_key("RUXUE_SSO_PUBLIC_KEY", &value))
                .transpose()?,
            sso_public_keys,
            dev_host_app: dev_flag("RUXUE_DEV_HOST_APP")?,
            host_app_name_zh: parse("RUXUE_HOST_APP_NAME_ZH", "爱山东")?,
            host_app_name_en: parse("RUXUE_HOST_APP_NAME_EN", "iShandong")?,
            host_app_entry_url: get("RUXUE_HOST_APP_ENTRY_URL"),
            session_idle: Duration::from_secs(
                number("RUXUE_SESSION_IDLE_MINUTES", 30)?.max(1) * 60,
            ),
            session_absolute: Duration::from_secs(
                number("RUXUE_SESSION_ABSOLUTE_HOURS", 12)?.max(1) * 3600,
            ),
            client_ip_header,
            trusted_proxies,
            registry,
            storage_scheme: parse("RUXUE_STORAGE", "fs")?.trim().to_owned(),
            storage_options,
            photo_workers: usize::try_from(number("RUXUE_PHOTO_WORKERS", 2)?.clamp(1, 64))
                .unwrap_or(2),
            uploads,
            sms_url,
            sms_token: read_secret("RUXUE_SMS_TOKEN")?.map(SecretString::from),
            data_key: read_secret("RUXUE_DATA_KEY")?
                .map(|text| app::server::infra::crypto::Keyring::parse(&text))
                .transpose()
                .map_err(|e| SettingsError {
                    name: "RUXUE_DATA_KEY",
                    reason: e.to_string(),
                })?,
            outbox_interval: Duration::from_millis(
                number("RUXUE_OUTBOX_INTERVAL_MS", 2000)?.max(10),
            ),
            metrics_from: TrustedProxies::parse(
                get("RUXUE_METRICS_FROM")
                    .as_deref()
                    .unwrap_or("127.0.0.1, ::1"),
            )
            .map_err(|reason| SettingsError {
                name: "RUXUE_METRICS_FROM",
                reason,
            })?,
            drain: Duration::from_secs(number("RUXUE_DRAIN_SECS", 5)?.min(600)),
        })
    }

    /// The database URL without any password, for log lines.
    pub fn database_url_for_logs(&self) -> String {
        redact_url(self.database_url.expose_secret())
    }
}

/// A setting that turns on development code (the simulated host app, the demo registry, the
/// demo data): a build without the `dev` feature does not contain it, so asking for it is an
/// error rather than silently nothing.
fn development_flag(
    name: &'static str,
    on: bool,
    built_with_dev: bool,
) -> Result<bool, SettingsError> {
    if on && !built_with_dev {
        return Err(SettingsError {
            name,
            reason: format!(
                "{name} needs a build with the `dev` feature (`make run` and the tests build \
                 one); this build is for deployment (`make release`) and has no development code"
            ),
        });
    }
    Ok(on)
}

/// Replaces the password of a URL (`scheme://user:password@host`) with `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_run_locally_on_sqlite() {
        let s = settings(&[]).expect("defaults are valid");
        assert_eq!(s.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(s.database_url.expose_secret(), DEFAULT_DATABASE_URL);
        assert!(!s.demo_data);
        assert_eq!(s.log_format, LogFormat::Human);
        assert_eq!(s.uploads, UploadPolicy::default());
    }

    #[test]
    fn bad_values_name_the_setting() {
        let e = settings(&[("RUXUE_ADDR", "localhost")]).expect_err("refused");
        assert_eq!(e.name, "RUXUE_ADDR");
        let e = settings(&[("RUXUE_DATABASE_URL", "mysql://x")]).expect_err("refused");
        assert_eq!(e.name, "RUXUE_DATABASE_URL");
        let e = settings(&[("RUXUE_HOST_APP_ORIGINS", "https://a.cn; script-src *")])
            .expect_err("refused");
        assert_eq!(e.name, "RUXUE_HOST_APP_ORIGINS");
        let e = settings(&[("RUXUE_DEMO_DATA", "maybe")]).expect_err("refused");
        assert_eq!(e.name, "RUXUE_DEMO_DATA");
    }

    #[test]
    fn development_code_is_refused_by_a_build_without_it() {
        let e = development_flag("RUXUE_DEV_HOST_APP", true, false).expect_err("refused");
        assert_eq!(e.name, "RUXUE_DEV_HOST_APP");
        assert!(
            e.to_string()
                .contains("RUXUE_DEV_HOST_APP needs a build with the `dev` feature"),
            "{e}"
        );
        assert!(!development_flag("RUXUE_DEMO_DATA", false, false).expect("off is fine"));
        assert!(development_flag("RUXUE_DEMO_DATA", true, true).expect("a dev build"));
        // The tests always build with `dev`: every development setting is read.
        for name in [
            "RUXUE_DEV_HOST_APP",
            "RUXUE_DEMO_DATA",
            "RUXUE_REGISTRY_DEMO",
        ] {
            assert!(settings(&[(name, "true")]).is_ok(), "{name}");
        }
    }

    #[test]
    fn a_forwarded_address_is_believed_only_from_trusted_proxies() {
        let s = settings(&[]).expect("valid");
        assert!(s.trusted_proxies.is_empty(), "none by default");
        let s = settings(&[("RUXUE_TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16")]).expect("valid");
        assert!(s.trusted_proxies.contains("10.1.2.3".parse().expect("ip")));
        let e = settings(&[("RUXUE_TRUSTED_PROXIES", "10.0.0.5, nginx")]).expect_err("refused");
        assert_eq!(e.name, "RUXUE_TRUSTED_PROXIES");
        let e = settings(&[("RUXUE_CLIENT_IP_HEADER", "X-Real-IP")]).expect_err("refused");
        assert_eq!(
            e.name, "RUXUE_CLIENT_IP_HEADER",
            "a header anyone could write"
        );
        let s = settings(&[
            ("RUXUE_CLIENT_IP_HEADER", "X-Real-IP"),
            ("RUXUE_TRUSTED_PROXIES", "10.0.0.5"),
        ])
        .expect("valid");
        assert_eq!(s.client_ip_header.as_deref(), Some("X-Real-IP"));
    }

    #[test]
    fn host_app_keys_are_read_by_key_id() {
        let dir = std::env::temp_dir().join(format!("ruxue-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("b.pem");
        std::fs::write(
            &path,
            "-----BEGIN PUBLIC KEY-----\nB\n-----END PUBLIC KEY-----\n",
        )
        .expect("written");
        let keys = format!(
            "key-a=-----BEGIN PUBLIC KEY-----\\nA==\\n-----END PUBLIC KEY-----, key-b=@{}",
            path.display()
        );
        let s = settings(&[("RUXUE_SSO_PUBLIC_KEYS", keys.as_str())]).expect("valid");
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(s.sso_public_keys.len(), 2);
        assert_eq!(s.sso_public_keys[0].0, "key-a");
        assert_eq!(
            s.sso_public_keys[0].1, "-----BEGIN PUBLIC KEY-----\nA==\n-----END PUBLIC KEY-----",
            "the padding's = stays in the key"
        );
        assert_eq!(s.sso_public_keys[1].0, "key-b");
        assert!(s.sso_public_keys[1].1.contains("\nB\n"));
        let e = settings(&[("RUXUE_SSO_PUBLIC_KEYS", "a=x, a=y")]).expect_err("refused");
        assert_eq!(e.name, "RUXUE_SSO_PUBLIC_KEYS");
        let e = settings(&[("RUXUE_SSO_PUBLIC_KEYS", "just-a-pem")]).expect_err("refused");
        assert_eq!(e.name, "RUXUE_SSO_PUBLIC_KEYS");
    }

    #[test]
    fn passwords_never_reach_debug_output_or_logs() {
        let s = settings(&[("RUXUE_DATABASE_URL", "postgres://app:hunter2@db:5432/ruxue")])
            .expect("valid");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(
            s.database_url_for_logs(),
            "postgres://app:***@db:5432/ruxue"
        );
    }
}
