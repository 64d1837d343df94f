use clap::{Parser, Subcommand};
use standards_desk::config::Config;
use standards_desk::db::{self, DbConnection};
use standards_desk::models::user::{self as users, Role};
use standards_desk::services::audit::Actor;
use standards_desk::services::users::{self as user_service, UserInput};
use standards_desk::services::{demo, reference, ServiceError};
use standards_desk::{build_app, prepare_database, AppState};
use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "standards-desk",
    version,
    about = "Case management for Code of Conduct complaints about councillors' social media"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web service (the default). Migrates and loads reference data first.
    Serve {
        /// Load the demo council, members and staff if they are not there yet.
        #[arg(long)]
        demo: bool,
    },
    /// Run pending database migrations.
    Migrate,
    /// Load reference data (codes of conduct, capacity test); with --demo, the demo data too.
    Seed {
        #[arg(long)]
        demo: bool,
        /// Also generate this many cases (for trying the case list and reports at scale).
        #[arg(long, value_name = "N")]
        generate: Option<usize>,
    },
    /// Add a staff user. The password is read from a prompt, or from standard input when it is
    /// not a terminal (never from the command line).
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, monitoring-officer, deputy-monitoring-officer, case-officer,
        /// independent-person, investigator or committee-member
        #[arg(long)]
        role: String,
    },
    /// Re-hash every evidence file, re-walk every custody log and compare the evidence rows with
    /// what the log recorded; exits non-zero on any mismatch.
    VerifyEvidence {
        /// With EVIDENCE_KEY set: seal each chain that checks out but was written before the key
        /// was set, with a keyed "verified" entry (run once after setting the key).
        #[arg(long)]
        seal: bool,
    },
    /// Retention: with --dry-run, list the closed cases kept past their date and why (due,
    /// approved, on legal hold); without it, destroy those the Monitoring Officer has approved.
    /// Exits non-zero if a destruction failed. Suits cron.
    Retention {
        #[arg(long)]
        dry_run: bool,
        /// Count from this day (YYYY-MM-DD) instead of today.
        #[arg(long, value_name = "DATE")]
        today: Option<chrono::NaiveDate>,
    },
    /// Set a user's password (read as for create-user); signs them out everywhere.
    SetPassword {
        #[arg(long)]
        email: String,
    },
    /// Back up a SQLite deployment while it runs: a consistent copy of the database, the
    /// evidence files and a manifest of SHA-256s, into a new directory.
    Backup {
        #[arg(long, value_name = "DIR")]
        to: std::path::PathBuf,
    },
    /// Restore a backup into an empty data directory (DATA_DIR / DATABASE_URL / EVIDENCE_DIR),
    /// checking every file against the manifest and then verifying the evidence.
    Restore {
        #[arg(long, value_name = "DIR")]
        from: std::path::PathBuf,
    },
    /// Ask the running service's /healthz (at BIND) and exit 0 when it answers 200: the
    /// container image's health check, which has no curl.
    HealthCheck,
    /// Print the current two-factor code of the demo accounts' published key (the demo's
    /// administrators and Monitoring Officers enter it after their password). It reads no database
    /// and knows no other key.
    DemoCode,
}

fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,actix_server=warn"))
    };
    match standards_desk::config::log_format_json() {
        Ok(true) => tracing_subscriber::fmt()
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            .event_format(standards_desk::ops::JsonFormat)
            .init(),
        Ok(false) => tracing_subscriber::fmt().with_env_filter(filter()).with_writer(std::io::stderr).init(),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    }
    let cli = Cli::parse();
    match run(cli.command.unwrap_or(Command::Serve { demo: false })) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn open(config: &Config) -> Result<(db::DbPool, DbConnection), String> {
    config.prepare_data_dir().map_err(|e| e.to_string())?;
    let pool = db::build_pool(&config.database_url, config.db_pool_size).map_err(|e| e.to_string())?;
    let conn = db::DbManager::new(config.database_url.clone()).establish().map_err(|e| e.to_string())?;
    Ok((pool, conn))
}

/// Migrates, loads the reference data and records `BASE_URL` for the links letters carry, under
/// the migration lock (several instances starting at once take turns).
fn prepare(conn: &mut DbConnection, config: &Config) -> Result<(), String> {
    db::with_migration_lock(conn, |conn| prepare_locked(conn, config))
}

/// [`prepare`], for a caller that holds the migration lock already.
fn prepare_locked(conn: &mut DbConnection, config: &Config) -> Result<(), String> {
    let report = prepare_database(conn)?;
    standards_desk::services::letters::record_base_url(conn, &config.base_url).map_err(|e| e.to_string())?;
    for item in &report.loaded {
        tracing::info!("reference data loaded: {item}");
    }
    for warning in &report.warnings {
        tracing::warn!("{warning}");
    }
    Ok(())
}

fn load_demo(conn: &mut DbConnection) -> Result<(), String> {
    let report = demo::load(conn)?;
    if report.already_loaded {
        println!("Demo data is already loaded.");
    } else {
        println!("Demo data loaded: Southvale District Council, its parish and town councils, members and staff.");
    }
    print!("{}", report.sign_in_details());
    Ok(())
}

fn read_password() -> Result<String, String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?;
        let again = rpassword::prompt_password("Password again: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the passwords do not match".into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| e.to_string())?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

fn describe(e: ServiceError) -> String {
    match e {
        ServiceError::Invalid(errors) => {
            errors.0.into_iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
        }
        other => other.to_string(),
    }
}

fn run(command: Command) -> Result<(), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    if let Some(key) = &config.evidence_key {
        standards_desk::services::evidence::custody::use_key(key.expose().as_bytes())?;
    }
    match command {
        Command::Migrate => {
            let (_, mut conn) = open(&config)?;
            let applied = db::with_migration_lock(&mut conn, |conn| conn.run_migrations().map_err(|e| e.to_string()))?;
            if applied.is_empty() {
                println!("The database is up to date.");
            }
            for v in applied {
                println!("applied migration {v}");
            }
            Ok(())
        }
        Command::Seed { demo, generate } => {
            let (_, mut conn) = open(&config)?;
            prepare(&mut conn, &config)?;
            let report = reference::load(&mut conn)?;
            println!("Reference data is loaded ({} new).", report.loaded.len());
            if demo {
                load_demo(&mut conn)?;
            }
            if let Some(n) = generate {
                let started = std::time::Instant::now();
                let step = (n / 20).max(1);
                standards_desk::services::generate::generate(&mut conn, n, 2026, |done| {
                    if done % step == 0 || done == n {
                        eprintln!("generated {done} of {n} cases ({:.0}s)", started.elapsed().as_secs_f64());
                    }
                })?;
                println!("Generated {n} cases in {:.1}s.", started.elapsed().as_secs_f64());
            }
            Ok(())
        }
        Command::CreateUser { email, name, role } => {
            role.parse::<Role>().map_err(|e| e.to_string())?;
            let (_, mut conn) = open(&config)?;
            prepare(&mut conn, &config)?;
            let password = read_password()?;
            let input = UserInput { email, name, role, password };
            let user = user_service::create(&mut conn, &Actor::system("command line"), &input).map_err(describe)?;
            println!("Created {} <{}> as {}.", user.name, user.email, user.role().map(|r| r.label()).unwrap_or("?"));
            Ok(())
        }
        Command::SetPassword { email } => {
            let (_, mut conn) = open(&config)?;
            prepare(&mut conn, &config)?;
            let user = users::find_by_email(&mut conn, &email.trim().to_lowercase())
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no user has the email address {email}"))?;
            let password = read_password()?;
            user_service::set_password(&mut conn, &Actor::system("command line"), &user.id, &password)
                .map_err(describe)?;
            println!("Password set for {}; their sessions have been ended.", user.email);
            Ok(())
        }
        Command::VerifyEvidence { seal } => {
            if seal && config.evidence_key.is_none() {
                return Err("--seal needs EVIDENCE_KEY to be set".into());
            }
            let (_, mut conn) = open(&config)?;
            conn.run_migrations().map_err(|e| e.to_string())?;
            let store = standards_desk::services::files::FileStore::from_config(&config)?;
            let sealer = Actor::system("verify-evidence --seal");
            let reports = standards_desk::services::evidence::verify_all(&mut conn, &store, seal.then_some(&sealer))
                .map_err(|e| e.to_string())?;
            let bad: Vec<_> = reports.iter().filter(|r| !r.ok()).collect();
            let files: usize = reports.iter().map(|r| r.files_checked).sum();
            let entries: usize = reports.iter().map(|r| r.entries_checked).sum();
            for r in &bad {
                for p in &r.problems {
                    println!("MISMATCH {}: {p}", r.reference);
                }
            }
            for r in &reports {
                for n in &r.notes {
                    println!("NOTE {}: {n}", r.reference);
                }
            }
            println!(
                "Checked {} evidence items: {files} files, {entries} custody entries. {}",
                reports.len(),
                if bad.is_empty() {
                    "All match.".to_string()
                } else {
                    format!("{} item(s) FAILED verification.", bad.len())
                }
            );
            if bad.is_empty() {
                Ok(())
            } else {
                Err(format!("evidence verification failed for {} item(s)", bad.len()))
            }
        }
        Command::Retention { dry_run, today } => {
            let (_, mut conn) = open(&config)?;
            conn.run_migrations().map_err(|e| e.to_string())?;
            let today = today.unwrap_or_else(|| chrono::Utc::now().date_naive());
            retention_command(&config, &mut conn, dry_run, today)
        }
        Command::Serve { demo } => serve(config, demo),
        Command::HealthCheck => health_check(config.bind),
        Command::Backup { to } => {
            use standards_desk::services::backup;
            let store = standards_desk::services::files::FileStore::from_config(&config)?;
            let report = backup::backup(&config.database_url, &store, &to).map_err(|e| e.to_string())?;
            for sha in &report.missing {
                println!("NOTE the stored file {sha} was removed by housekeeping after the copy was taken (nothing referred to it)");
            }
            println!(
                "Backed up the database and {} evidence file(s), {} bytes in all, to {}; manifest {}.",
                report.files,
                report.bytes,
                to.display(),
                backup::MANIFEST
            );
            Ok(())
        }
        Command::Restore { from } => {
            use standards_desk::services::backup;
            let checked =
                backup::restore(&from, &config.database_url, &config.evidence_dir).map_err(|e| e.to_string())?;
            println!("Restored {checked} file(s), each matching the manifest. Verifying the evidence:");
            let (_, mut conn) = open(&config)?;
            let store = standards_desk::services::files::FileStore::from_config(&config)?;
            let reports =
                standards_desk::services::evidence::verify_all(&mut conn, &store, None).map_err(|e| e.to_string())?;
            let bad: Vec<_> = reports.iter().filter(|r| !r.ok()).collect();
            for r in &bad {
                for p in &r.problems {
                    println!("MISMATCH {}: {p}", r.reference);
                }
            }
            if bad.is_empty() {
                println!("Checked {} evidence items: all match.", reports.len());
                Ok(())
            } else {
                Err(format!("the restored evidence failed verification for {} item(s)", bad.len()))
            }
        }
        Command::DemoCode => {
            let code =
                standards_desk::services::two_factor::current_code(standards_desk::services::two_factor::DEMO_SECRET)
                    .map_err(describe)?;
            println!("{code}");
            Ok(())
        }
    }
}

fn retention_command(
    config: &Config,
    conn: &mut DbConnection,
    dry_run: bool,
    today: chrono::NaiveDate,
) -> Result<(), String> {
    use standards_desk::services::retention;
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.format("%-d %B %Y").to_string()).unwrap_or_default();
    if dry_run {
        let plan = retention::plan(conn, today).map_err(|e| e.to_string())?;
        for c in &plan.due {
            println!(
                "DUE {} ({}): {}; closed {}: awaiting the Monitoring Officer's approval",
                c.reference,
                c.council,
                c.why,
                day(c.closed_on)
            );
        }
        for c in &plan.approved {
            let by = c.approved.as_ref().map(|a| a.by.as_str()).unwrap_or("");
            println!("APPROVED {} ({}): {}; approved by {by}: will be destroyed", c.reference, c.council, c.why);
        }
        for c in &plan.held {
            let why = c.hold.as_ref().map(|h| h.reason.as_str()).unwrap_or("");
            println!("HELD {} ({}): {}; on legal hold ({why}): not destroyed", c.reference, c.council, c.why);
        }
        println!(
            "On {}: {} due for approval, {} approved for destruction, {} on legal hold. Nothing was changed (dry run).",
            day(Some(today)),
            plan.due.len(),
            plan.approved.len(),
            plan.held.len()
        );
        return Ok(());
    }
    let store = standards_desk::services::files::FileStore::from_config(config)?;
    let done = retention::destroy::run(conn, &store, &Actor::system("retention"), today).map_err(|e| e.to_string())?;
    let mut failed = 0;
    for d in &done {
        match d {
            Ok(d) => println!(
                "DESTROYED {}: {} evidence item(s) tombstoned, {} file(s) deleted, {} kept for other cases, {} snapshot(s) reduced",
                d.reference, d.items, d.files_deleted, d.files_kept, d.snapshots_reduced
            ),
            Err(e) => {
                failed += 1;
                println!("FAILED {e}");
            }
        }
    }
    println!("Destroyed {} case(s) approved for destruction.", done.len() - failed);
    if failed > 0 {
        Err(format!("{failed} destruction(s) failed"))
    } else {
        Ok(())
    }
}

/// GET /healthz on the service's own address (0.0.0.0 is asked on loopback).
fn health_check(bind: std::net::SocketAddr) -> Result<(), String> {
    use std::io::{Read, Write};
    let mut addr = bind;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let timeout = std::time::Duration::from_secs(5);
    let mut stream = std::net::TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("{addr}: {e}"))?;
    stream.set_read_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    stream
        .write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes())
        .map_err(|e| e.to_string())?;
    let mut reply = String::new();
    let _ = stream.take(4096).read_to_string(&mut reply);
    if reply.starts_with("HTTP/1.1 200") {
        println!("ok");
        Ok(())
    } else {
        Err(format!("/healthz answered: {}", reply.lines().next().unwrap_or("nothing")))
    }
}

fn serve(config: Config, demo: bool) -> Result<(), String> {
    let (pool, mut conn) = open(&config)?;
    // Several instances starting at once on one database take turns here.
    db::with_migration_lock(&mut conn, |conn| {
        prepare_locked(conn, &config)?;
        if demo {
            load_demo(conn)?;
        }
        Ok::<_, String>(())
    })?;
    drop(conn);
    let bind = config.bind;
    let backend = config.database_url.backend;
    let shutdown_timeout = std::time::Duration::from_secs(config.shutdown_timeout_seconds);
    actix_web::rt::System::new().block_on(async move {
        // Inside the runtime: the SMTP transport's connection pool starts a task of its own when
        // it is built (outside a runtime, `serve` with SMTP_URL set panicked at start).
        let state = AppState::new(pool, config)?;
        println!("Mail goes to {}.", state.mailer.describe());
        // Each round of background work holds this (shared); on shutdown no new round starts and
        // the ones under way (mail being sent, say) are given the shutdown timeout to finish.
        let rounds = std::sync::Arc::new(tokio::sync::RwLock::new(()));
        let housekeeping = state.clone();
        let housekeeping_rounds = rounds.clone();
        let housekeeping_worker = actix_web::rt::spawn(async move {
            let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(3600));
            loop {
                tick.tick().await;
                let _round = housekeeping_rounds.read().await;
                if standards_desk::ops::stopping() {
                    return;
                }
                match housekeeping.housekeeping().await {
                    Ok(true) => {}
                    Ok(false) => tracing::debug!("housekeeping: another instance ran it this hour"),
                    Err(e) => tracing::warn!(error = %e, "housekeeping could not start"),
                }
            }
        });
        let mail = state.clone();
        let mail_rounds = rounds.clone();
        let mail_worker = actix_web::rt::spawn(async move {
            let mut tick =
                actix_web::rt::time::interval(std::time::Duration::from_secs(mail.config.outbox_interval_seconds));
            loop {
                tick.tick().await;
                let _round = mail_rounds.read().await;
                if standards_desk::ops::stopping() {
                    return;
                }
                // Each round runs as its own task: an error is logged, and even a panic ends only
                // this round, never the worker; the next tick tries again.
                let round = mail.clone();
                let done = actix_web::rt::spawn(async move {
                    if let Err(e) = round.queue_reminders().await {
                        tracing::warn!(error = %e, "takedown reminders failed");
                    }
                    match round.send_due_mail().await {
                        Ok(d) if d.sent + d.retrying + d.failed > 0 => {
                            tracing::info!(sent = d.sent, retrying = d.retrying, failed = d.failed, "outbox")
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "outbox worker failed"),
                    }
                })
                .await;
                if let Err(e) = done {
                    tracing::error!(error = %e, "outbox round stopped unexpectedly; trying again next time");
                }
            }
        });
        let app_state = state.clone();
        let server = actix_web::HttpServer::new(move || build_app!(app_state))
            .shutdown_timeout(shutdown_timeout.as_secs())
            .bind(bind)
            .map_err(|e| format!("could not listen on {bind}: {e} (set BIND to another address)"))?;
        println!("Standards Desk is running on http://{bind} ({backend:?} database). Press Ctrl+C to stop.");
        // SIGTERM or SIGINT: the server stops accepting connections and gives the requests in
        // flight until the shutdown timeout to finish; then the workers finish their round.
        let served = server.run().await.map_err(|e| e.to_string());
        standards_desk::ops::set_stopping();
        tracing::info!("stopping: waiting for the mail and housekeeping round under way");
        match actix_web::rt::time::timeout(shutdown_timeout, rounds.write()).await {
            Ok(_idle) => tracing::info!("stopped: nothing left in flight"),
            Err(_) => tracing::warn!(
                "stopped after {}s with background work still running (mail being sent is sent again later: \
                 its row stays 'sending' and is queued again after {} minutes)",
                shutdown_timeout.as_secs(),
                standards_desk::services::outbox::STUCK_MINUTES
            ),
        }
        mail_worker.abort();
        housekeeping_worker.abort();
        served
    })
}
