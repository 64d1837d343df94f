//! Standards Desk: case management for Code of Conduct complaints about councillors' social media.
//!
//! `build_state` and `configure_app` are shared by the binary and the integration tests, so the
//! tests drive the real application.

pub mod config;
pub mod db;
pub mod emails;
pub mod error;
pub mod mail;
pub mod models;
pub mod ops;
pub mod pdf;
pub mod services;
pub mod templates;
pub mod web;

use crate::config::Config;
use crate::db::{DbConnection, DbPool};
use crate::error::{AppError, AppResult};
use crate::mail::Mailer;
use crate::services::auth::SessionPolicy;
use crate::services::files::FileStore;
use actix_web::web as aweb;
use std::sync::Arc;

/// The name under which the hourly housekeeping is claimed (see [`services::jobs`]).
pub const HOUSEKEEPING_JOB: &str = "housekeeping";

/// Shared by every request handler.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub config: Arc<Config>,
    pub session_policy: SessionPolicy,
    pub mailer: Mailer,
    pub files: FileStore,
}

impl AppState {
    pub fn new(pool: DbPool, config: Config) -> Result<Self, String> {
        let session_policy = SessionPolicy::new(config.session_idle_minutes, config.session_absolute_hours);
        let mailer = Mailer::from_config(&config)?;
        let files = FileStore::from_config(&config)?;
        services::privacy::set_site_url(&config.base_url);
        // Letters queued inside a change's transaction link to pages under BASE_URL.
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        services::letters::record_base_url(&mut conn, &config.base_url).map_err(|e| e.to_string())?;
        drop(conn);
        Ok(Self { pool, config: Arc::new(config), session_policy, mailer, files })
    }

    /// Scheduled work: reminders for overdue takedown requests and for re-checks of removed posts
    /// falling due (queued once each), and the daily digests users asked for (once a day each).
    pub async fn queue_reminders(&self) -> AppResult<usize> {
        let today = chrono::Utc::now().date_naive();
        self.db(move |conn| {
            let reminders = services::takedown::queue_overdue_reminders(conn, today)?;
            let rechecks = services::takedown::queue_recheck_reminders(conn, today)?;
            Ok(reminders + rechecks + services::desk::queue_digests(conn, today)?)
        })
        .await
    }

    /// The hourly housekeeping (expired sessions and sign-in records, stale drafts and the files
    /// nothing refers to, cases approved for destruction), run by one instance an hour: the run
    /// is claimed in the database first ([`services::jobs::claim`]). False when another instance
    /// ran it within the hour. Failures are logged; the next hour tries again.
    pub async fn housekeeping(&self) -> AppResult<bool> {
        let claimed = self
            .db(|conn| Ok(services::jobs::claim(conn, HOUSEKEEPING_JOB, models::now(), chrono::Duration::hours(1))?))
            .await?;
        if !claimed {
            return Ok(false);
        }
        let store = self.files.clone();
        let purged = self
            .db(move |conn| Ok((services::auth::purge_expired(conn)?, services::drafts::housekeeping(conn, &store)?)))
            .await;
        // Cases the Monitoring Officer approved for destruction.
        let store = self.files.clone();
        let today = chrono::Utc::now().date_naive();
        let destroyed = self
            .db(move |conn| {
                let actor = services::audit::Actor::system("retention worker");
                Ok(services::retention::destroy::run(conn, &store, &actor, today)?)
            })
            .await;
        match destroyed {
            Ok(done) => {
                for d in done {
                    match d {
                        Ok(d) => tracing::info!(case = %d.reference, "destroyed under the retention schedule"),
                        Err(e) => tracing::warn!(error = %e, "destruction failed"),
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "retention worker failed"),
        }
        match purged {
            Ok((_, swept)) if swept.drafts + swept.files > 0 => {
                tracing::info!(drafts = swept.drafts, files = swept.files, "housekeeping")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
        }
        Ok(true)
    }

    /// Sends what is due in the outbox (the background worker calls this on a timer).
    pub async fn send_due_mail(&self) -> Result<services::outbox::Delivery, String> {
        services::outbox::process_due(&self.pool, &self.mailer, &self.config.mail_from, 50).await
    }

    /// Runs blocking database work on the blocking thread pool with a pooled connection.
    pub async fn db<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        aweb::block(move || {
            let mut conn = pool.get().map_err(AppError::from)?;
            f(&mut conn)
        })
        .await?
    }
}

/// Prepares a database for serving: runs migrations and loads the reference data.
/// The binary calls it under [`db::with_migration_lock`], so that instances starting at once on
/// one database take turns: the first migrates and loads, the others find nothing to do.
pub fn prepare_database(conn: &mut DbConnection) -> Result<services::reference::LoadReport, String> {
    conn.run_migrations().map_err(|e| e.to_string())?;
    services::reference::load(conn)
}

/// Registers middleware and routes on an actix `App` (used by `serve` and by the tests).
#[macro_export]
macro_rules! build_app {
    ($state:expr) => {
        actix_web::App::new()
            .app_data(actix_web::web::Data::new($state.clone()))
            .app_data(actix_web::web::PayloadConfig::default().limit(2 * 1024 * 1024))
            .app_data(
                actix_web::web::FormConfig::default()
                    .limit(2 * 1024 * 1024)
                    .error_handler(|e, _| $crate::error::AppError::BadRequest(e.to_string()).into()),
            )
            .wrap(actix_web::middleware::from_fn($crate::web::middleware::session_layer))
            .wrap($crate::web::middleware::security_headers())
            .wrap(actix_web::middleware::Condition::new(
                $state.config.log_requests,
                actix_web::middleware::Logger::new("%a \"%r\" %s %b %Dms"),
            ))
            .wrap(actix_web::middleware::from_fn($crate::web::middleware::request_layer))
            .configure($crate::web::configure)
            .default_service(actix_web::web::to($crate::web::pages::not_found))
    };
}
