//! Typed configuration from environment variables (a `.env` file is read in development),
//! validated at start. Every variable is listed in README.md with its default.

use crate::db::{DatabaseUrl, DbError};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    /// `smtp://user:pass@host:port` or `smtps://…`; without it, mail is written to files in
    /// `DATA_DIR/mail`.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub base_url: String,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    pub db_pool_size: u32,
    pub log_requests: bool,
    /// How many proxies of ours stand in front of the app (0: none, use the peer address). The
    /// client address is the one the outermost of them added to `X-Forwarded-For`: the entry this
    /// many places from the right (1 = the right-most). Entries further left are the client's own.
    pub trust_forwarded_for: u8,
    pub max_upload_bytes: u64,
    /// Where evidence files are stored (by content hash); with an S3 store, where uploads are
    /// received (hashed) before they go to the bucket.
    pub evidence_dir: PathBuf,
    /// `EVIDENCE_STORE=s3://bucket/prefix`: evidence and files in an S3-compatible bucket.
    pub evidence_s3: Option<S3Settings>,
    /// How often the outbox worker looks for mail to send.
    pub outbox_interval_seconds: u64,
    /// The longest wait imposed on a sign-in to an account under attack (see `auth::ThrottlePolicy`).
    pub login_delay_max: std::time::Duration,
    /// `EVIDENCE_KEY`: when set, custody log entries are linked with an HMAC under it.
    pub evidence_key: Option<Secret>,
    /// `METRICS_TOKEN`: `/metrics` answers only requests that carry it as a bearer token (unset:
    /// there is no `/metrics`).
    pub metrics_token: Option<Secret>,
    /// `SHUTDOWN_TIMEOUT_SECONDS`: on SIGTERM, how long requests in flight and the mail being
    /// sent are given to finish.
    pub shutdown_timeout_seconds: u64,
    /// The day the retention pages count from instead of today (tests set it; not an
    /// environment variable).
    pub fixed_today: Option<chrono::NaiveDate>,
    /// `PASSWORD_SIGN_IN`: `on` (the default), or `off`: staff roles sign in only through single
    /// sign-on, while Independent Persons and committee members keep their passwords.
    pub password_sign_in: bool,
    /// Single sign-on through an OpenID Connect provider (`OIDC_ISSUER` and the rest), if set.
    pub oidc: Option<OidcConfig>,
}

/// `OIDC_*`: the OpenID Connect provider staff sign in through (README "Single sign-on").
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// `OIDC_ISSUER`: the issuer URL; its discovery document is at
    /// `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    /// `OIDC_CLIENT_ID`: the application (client) id registered at the provider.
    pub client_id: String,
    /// `OIDC_CLIENT_SECRET`: the client secret (a confidential client; PKCE is used as well).
    pub client_secret: Secret,
    /// `OIDC_EMAIL_CLAIM` (default `email`): the ID token claim that carries the email address
    /// staff are matched by (`preferred_username` or `upn` for Entra ID work accounts).
    pub email_claim: String,
    /// `OIDC_CREATE_USERS=1`: an address with no account gets one at its first sign-in, with no
    /// role (it opens nothing until an administrator gives it one).
    pub create_users: bool,
    /// `OIDC_PROVIDER_NAME` (default `single sign-on`): the button says "Sign in with …".
    pub provider_name: String,
}

/// An S3-compatible bucket for the evidence store: `EVIDENCE_STORE=s3://bucket/prefix`, with
/// `AWS_ENDPOINT_URL` (unset: AWS itself), `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY` (unset: the other ways `object_store` finds credentials, such as an
/// instance role) and `AWS_ALLOW_HTTP` (plain HTTP is allowed to a loopback endpoint anyway).
#[derive(Debug, Clone)]
pub struct S3Settings {
    pub url: String,
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
    pub allow_http: bool,
}

impl S3Settings {
    /// The bucket and the prefix (no slash at either end; may be empty) of `s3://bucket/prefix`.
    pub fn bucket_and_prefix(&self) -> Result<(&str, &str), String> {
        let rest = self.url.strip_prefix("s3://").ok_or_else(|| format!("{:?} does not start with s3://", self.url))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.';
        if bucket.len() < 3 || bucket.len() > 63 || !bucket.chars().all(valid) {
            return Err(format!("{:?} does not name a bucket (s3://bucket/prefix)", self.url));
        }
        Ok((bucket, prefix.trim_matches('/')))
    }

    fn from_env(url: String) -> Result<Self, ConfigError> {
        let settings = Self {
            url,
            endpoint: var("AWS_ENDPOINT_URL_S3").or_else(|| var("AWS_ENDPOINT_URL")).or_else(|| var("AWS_ENDPOINT")),
            region: var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")),
            access_key_id: var("AWS_ACCESS_KEY_ID"),
            secret_access_key: var("AWS_SECRET_ACCESS_KEY").map(Secret::new),
            allow_http: flag("AWS_ALLOW_HTTP"),
        };
        settings.bucket_and_prefix().map_err(ConfigError::EvidenceStore)?;
        Ok(settings)
    }
}

/// A secret value: never shown by `Debug`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("BIND {0:?} is not an address and port such as 127.0.0.1:8080")]
    Bind(String),
    #[error("{name} {value:?} is not a whole number")]
    Number { name: &'static str, value: String },
    #[error("{name} must be between {min} and {max}, not {value}")]
    Range { name: &'static str, value: i64, min: i64, max: i64 },
    #[error("BASE_URL {0:?} must start with http:// or https://")]
    BaseUrl(String),
    #[error("MAIL_FROM {0:?} is not an email address")]
    MailFrom(String),
    #[error("SMTP_URL {0:?} must start with smtp:// or smtps://")]
    SmtpUrl(String),
    #[error("EVIDENCE_KEY must be at least {0} characters (a long random value, kept out of the database)")]
    EvidenceKey(usize),
    #[error("METRICS_TOKEN must be at least {0} characters")]
    MetricsToken(usize),
    #[error("LOG_FORMAT {0:?} must be text or json")]
    LogFormat(String),
    #[error("EVIDENCE_STORE {0}")]
    EvidenceStore(String),
    #[error("PASSWORD_SIGN_IN {0:?} must be on or off")]
    PasswordSignIn(String),
    #[error("PASSWORD_SIGN_IN=off needs single sign-on (OIDC_ISSUER), or no member of staff could sign in")]
    PasswordsOffWithoutSso,
    #[error("{0} must be set when OIDC_ISSUER is")]
    OidcMissing(&'static str),
    #[error("OIDC_ISSUER {0:?} must be an https:// URL (http:// only on localhost)")]
    OidcIssuer(String),
    #[error("DATA_DIR {path:?} could not be created: {source}")]
    DataDir { path: PathBuf, source: std::io::Error },
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

fn flag(name: &str) -> bool {
    var(name).is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("yes"))
}

/// `TRUST_FORWARDED_FOR`: a number of proxies (0 to 10); `true`/`yes` mean one, as `1` does.
fn proxy_hops() -> Result<u8, ConfigError> {
    match var("TRUST_FORWARDED_FOR") {
        Some(v) if v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("yes") => Ok(1),
        Some(v) if v.eq_ignore_ascii_case("false") || v.eq_ignore_ascii_case("no") => Ok(0),
        _ => Ok(number("TRUST_FORWARDED_FOR", 0, 0, 10)? as u8),
    }
}

fn evidence_key() -> Result<Option<Secret>, ConfigError> {
    let min = crate::services::evidence::custody::MIN_KEY_LEN;
    match var("EVIDENCE_KEY") {
        Some(k) if k.len() < min => Err(ConfigError::EvidenceKey(min)),
        k => Ok(k.map(Secret::new)),
    }
}

/// `PASSWORD_SIGN_IN`: on (the default) or off.
fn password_sign_in() -> Result<bool, ConfigError> {
    match var("PASSWORD_SIGN_IN") {
        None => Ok(true),
        Some(v) if ["on", "1", "true", "yes"].iter().any(|t| v.eq_ignore_ascii_case(t)) => Ok(true),
        Some(v) if ["off", "0", "false", "no"].iter().any(|t| v.eq_ignore_ascii_case(t)) => Ok(false),
        Some(v) => Err(ConfigError::PasswordSignIn(v)),
    }
}

fn oidc() -> Result<Option<OidcConfig>, ConfigError> {
    let Some(issuer) = var("OIDC_ISSUER") else { return Ok(None) };
    let local = ["http://localhost", "http://127.0.0.1", "http://[::1]"]
        .iter()
        .any(|p| issuer.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/'])));
    if !(issuer.starts_with("https://") || local) || url::Url::parse(&issuer).is_err() {
        return Err(ConfigError::OidcIssuer(issuer));
    }
    Ok(Some(OidcConfig {
        issuer,
        client_id: var("OIDC_CLIENT_ID").ok_or(ConfigError::OidcMissing("OIDC_CLIENT_ID"))?,
        client_secret: Secret::new(var("OIDC_CLIENT_SECRET").ok_or(ConfigError::OidcMissing("OIDC_CLIENT_SECRET"))?),
        email_claim: var("OIDC_EMAIL_CLAIM").unwrap_or_else(|| "email".into()),
        create_users: flag("OIDC_CREATE_USERS"),
        provider_name: var("OIDC_PROVIDER_NAME").unwrap_or_else(|| "single sign-on".into()),
    }))
}

/// The shortest metrics token accepted.
pub const MIN_METRICS_TOKEN_LEN: usize = 16;

fn metrics_token() -> Result<Option<Secret>, ConfigError> {
    match var("METRICS_TOKEN") {
        Some(t) if t.len() < MIN_METRICS_TOKEN_LEN => Err(ConfigError::MetricsToken(MIN_METRICS_TOKEN_LEN)),
        t => Ok(t.map(Secret::new)),
    }
}

/// `LOG_FORMAT`: `text` (the default) or `json` (one JSON object a line, with the request id).
pub fn log_format_json() -> Result<bool, ConfigError> {
    match var("LOG_FORMAT") {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("text") => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("json") => Ok(true),
        Some(v) => Err(ConfigError::LogFormat(v)),
    }
}

fn number(name: &'static str, default: i64, min: i64, max: i64) -> Result<i64, ConfigError> {
    let Some(raw) = var(name) else { return Ok(default) };
    let value: i64 = raw.parse().map_err(|_| ConfigError::Number { name, value: raw.clone() })?;
    if value < min || value > max {
        return Err(ConfigError::Range { name, value, min, max });
    }
    Ok(value)
}

impl Config {
    /// Reads the environment. Nothing is created on disk here; see [`Config::prepare_data_dir`].
    pub fn from_env() -> Result<Self, ConfigError> {
        let data_dir = PathBuf::from(var("DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = match var("DATABASE_URL") {
            Some(url) => DatabaseUrl::parse(&url)?,
            None => DatabaseUrl::parse(&format!("sqlite://{}", data_dir.join("standards-desk.db").display()))?,
        };
        let bind_raw = var("BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind = bind_raw.parse().map_err(|_| ConfigError::Bind(bind_raw.clone()))?;
        let base_url = var("BASE_URL").unwrap_or_else(|| format!("http://{bind}"));
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(ConfigError::BaseUrl(base_url));
        }
        let mail_from = var("MAIL_FROM").unwrap_or_else(|| "Standards Desk <standards@localhost>".into());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::MailFrom(mail_from));
        }
        let smtp_url = var("SMTP_URL");
        if let Some(url) = &smtp_url {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err(ConfigError::SmtpUrl(url.clone()));
            }
        }
        // EVIDENCE_STORE: a directory, or s3://bucket/prefix (uploads are then received under
        // EVIDENCE_DIR, or DATA_DIR/evidence, before they go to the bucket).
        let (evidence_dir, evidence_s3) = match var("EVIDENCE_STORE") {
            Some(url) if url.starts_with("s3://") => (None, Some(S3Settings::from_env(url)?)),
            Some(url) if url.contains("://") => {
                return Err(ConfigError::EvidenceStore(format!("{url:?} must be a directory or s3://bucket/prefix")))
            }
            Some(dir) => (Some(PathBuf::from(dir)), None),
            None => (None, None),
        };
        let evidence_dir = evidence_dir
            .or_else(|| var("EVIDENCE_DIR").map(PathBuf::from))
            .unwrap_or_else(|| data_dir.join("evidence"));
        let password_sign_in = password_sign_in()?;
        let oidc = oidc()?;
        if !password_sign_in && oidc.is_none() {
            return Err(ConfigError::PasswordsOffWithoutSso);
        }
        Ok(Self {
            password_sign_in,
            oidc,
            database_url,
            bind,
            smtp_url,
            mail_from,
            base_url: base_url.trim_end_matches('/').to_string(),
            session_idle_minutes: number("SESSION_IDLE_MINUTES", 30, 1, 24 * 60)?,
            session_absolute_hours: number("SESSION_ABSOLUTE_HOURS", 12, 1, 24 * 7)?,
            db_pool_size: number("DB_POOL_SIZE", 8, 1, 256)? as u32,
            log_requests: flag("LOG_REQUESTS"),
            trust_forwarded_for: proxy_hops()?,
            max_upload_bytes: number("MAX_UPLOAD_MB", 25, 1, 2048)? as u64 * 1024 * 1024,
            evidence_dir,
            evidence_s3,
            outbox_interval_seconds: number("OUTBOX_INTERVAL_SECONDS", 5, 1, 3600)? as u64,
            evidence_key: evidence_key()?,
            metrics_token: metrics_token()?,
            shutdown_timeout_seconds: number("SHUTDOWN_TIMEOUT_SECONDS", 25, 1, 600)? as u64,
            fixed_today: None,
            login_delay_max: std::time::Duration::from_secs(number("LOGIN_DELAY_MAX_SECONDS", 10, 0, 300)? as u64),
            data_dir,
        })
    }

    /// Creates the data directory (and the SQLite file's directory) if missing.
    pub fn prepare_data_dir(&self) -> Result<(), ConfigError> {
        let mut dirs = vec![self.data_dir.clone(), self.evidence_dir.clone()];
        if let Some(parent) = self.database_url.sqlite_file().and_then(|f| std::path::Path::new(f).parent()) {
            if !parent.as_os_str().is_empty() {
                dirs.push(parent.to_path_buf());
            }
        }
        for dir in dirs {
            std::fs::create_dir_all(&dir).map_err(|source| ConfigError::DataDir { path: dir.clone(), source })?;
        }
        Ok(())
    }

    /// Today (UTC), or the fixed day tests set.
    pub fn today(&self) -> chrono::NaiveDate {
        self.fixed_today.unwrap_or_else(|| chrono::Utc::now().date_naive())
    }

    /// Cookies get `Secure` when the service is reached over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.starts_with("https://")
    }

    /// A configuration for tests and tools: everything default except the database and data dir.
    pub fn for_database(database_url: DatabaseUrl, data_dir: PathBuf) -> Self {
        Self {
            database_url,
            bind: "127.0.0.1:0".parse().expect("valid address"),
            smtp_url: None,
            mail_from: "Standards Desk <standards@localhost>".into(),
            base_url: "http://localhost".into(),
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            db_pool_size: 4,
            log_requests: false,
            trust_forwarded_for: 0,
            max_upload_bytes: 25 * 1024 * 1024,
            evidence_dir: data_dir.join("evidence"),
            evidence_s3: None,
            outbox_interval_seconds: 5,
            evidence_key: None,
            metrics_token: None,
            shutdown_timeout_seconds: 25,
            fixed_today: None,
            password_sign_in: true,
            oidc: None,
            login_delay_max: std::time::Duration::from_secs(10),
            data_dir,
        }
    }
}
