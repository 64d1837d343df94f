//! Template databases: migrated and seeded once, then copied for each test.
//!
//! - SQLite: once per test process the migrations run and the reference data loads
//!   ([`prepare_database`]) in a scratch file, whose bytes are kept; the demo template is that
//!   file with the demo council, members and staff added. Each test writes a copy to its own file.
//! - PostgreSQL: a template database per content of `migrations/` and `seeds/` (the name carries
//!   a hash of both, so a stale template is never reused). It is built under a PostgreSQL
//!   advisory lock, so concurrent test processes neither race nor see a half-built one: it is
//!   built under a temporary name and renamed only when complete. It is then marked as a template
//!   that accepts no connections, so nothing can stay connected to it (CREATE DATABASE … TEMPLATE
//!   refuses a template anyone is connected to). Each test runs `CREATE DATABASE … TEMPLATE`.
//!
//! Templates of older migrations are left in place (another checkout's tests may be using them);
//! `SELECT datname FROM pg_database WHERE datname LIKE 'sd_tpl_%'` lists them for clearing up.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::PgConnection;
use sha2::{Digest, Sha256};
use standards_desk::db::{DatabaseUrl, DbConnection, DbManager};
use standards_desk::prepare_database;
use std::path::Path;
use std::sync::{LazyLock, OnceLock};

/// Bump to rebuild every template when what goes into them changes other than by a file in
/// `migrations/` or `seeds/` (the reference or demo loading code, say).
const TEMPLATE_FORMAT: u32 = 1;

/// Serialises template building across processes (any fixed number would do).
const TEMPLATE_LOCK: i64 = 0x5344_5445_4d50; // "SDTEMP"

/// What a new test database starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seed {
    /// Migrated, with the reference data (codes of conduct, capacity test, …).
    Reference,
    /// That and the demo council, members and staff (not the demo cases).
    Demo,
}

/// A short hash of everything under `migrations/` and `seeds/`: paths and contents.
pub fn content_hash() -> &'static str {
    static HASH: LazyLock<String> = LazyLock::new(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["migrations", "seeds"] {
            collect_files(&root.join(dir), &mut files);
        }
        files.sort();
        let mut hasher = Sha256::new();
        hasher.update(TEMPLATE_FORMAT.to_le_bytes());
        for path in files {
            let relative = path.strip_prefix(root).expect("under the manifest directory");
            hasher.update(relative.to_string_lossy().as_bytes());
            hasher.update([0]);
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(&bytes);
        }
        hasher.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
    });
    &HASH
}

fn collect_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn load_demo(conn: &mut DbConnection) {
    standards_desk::services::demo::load_with(conn, false).expect("demo data");
}

// ---------------------------------------------------------------------------------------------
// SQLite

struct SqliteTemplates {
    reference: Vec<u8>,
    demo: Vec<u8>,
}

static SQLITE: LazyLock<SqliteTemplates> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("template.db");
    let url = DatabaseUrl::parse(&format!("sqlite://{}", path.display())).expect("sqlite url");
    let manager = DbManager::new(url);
    // The default rollback journal (not WAL): once the connection closes, the file is complete.
    let read_closed = |path: &Path| {
        for suffix in ["-wal", "-journal"] {
            let side = path.with_file_name(format!("template.db{suffix}"));
            assert!(!side.exists(), "{} left behind", side.display());
        }
        std::fs::read(path).expect("template file")
    };
    let mut conn = manager.establish().expect("template database");
    prepare_database(&mut conn).expect("migrations and reference data");
    drop(conn);
    let reference = read_closed(&path);
    let mut conn = manager.establish().expect("template database");
    load_demo(&mut conn);
    drop(conn);
    let demo = read_closed(&path);
    SqliteTemplates { reference, demo }
});

/// Writes a copy of the SQLite template to `path`.
pub fn copy_sqlite_template(seed: Seed, path: &Path) {
    let bytes = match seed {
        Seed::Reference => &SQLITE.reference,
        Seed::Demo => &SQLITE.demo,
    };
    std::fs::write(path, bytes).expect("copy of the template database");
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The URL of database `name` on the server of `admin_url` (which ends in `/dbname`).
pub fn pg_url(admin_url: &str, name: &str) -> String {
    let base = admin_url.rsplit_once('/').map(|(b, _)| b).expect("TEST_DATABASE_URL ends in /dbname");
    format!("{base}/{name}")
}

fn pg_exists(admin: &mut PgConnection, name: &str) -> bool {
    diesel::sql_query("SELECT COUNT(*) AS n FROM pg_database WHERE datname = $1")
        .bind::<Text, _>(name)
        .get_result::<Count>(admin)
        .expect("pg_database")
        .n
        > 0
}

fn execute(admin: &mut PgConnection, sql: &str) {
    diesel::sql_query(sql).execute(admin).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Builds template `name` unless it exists: under a temporary name, from `from` (or empty), with
/// `fill` run on a connection that is closed before the rename.
fn ensure_pg_template(
    admin: &mut PgConnection,
    admin_url: &str,
    name: &str,
    from: Option<&str>,
    fill: impl FnOnce(&mut DbConnection),
) {
    if pg_exists(admin, name) {
        return;
    }
    let building = format!("{name}_build");
    // Left by a process that died while building (the lock is ours now).
    execute(admin, &format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"));
    match from {
        Some(template) => execute(admin, &format!("CREATE DATABASE {building} TEMPLATE {template}")),
        None => execute(admin, &format!("CREATE DATABASE {building}")),
    }
    {
        let url = DatabaseUrl::parse(&pg_url(admin_url, &building)).expect("postgres url");
        let mut conn = DbManager::new(url).establish().expect("template database connects");
        fill(&mut conn);
    }
    // Both wait (up to five seconds) for the closed connection's server process to go.
    execute(admin, &format!("ALTER DATABASE {building} RENAME TO {name}"));
    execute(admin, &format!("ALTER DATABASE {name} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"));
}

struct PgTemplates {
    reference: String,
    demo: String,
}

static PG: OnceLock<PgTemplates> = OnceLock::new();

/// `CREATE DATABASE name` as a copy of the template for `seed` (built first if needed). The
/// default strategy (WAL_LOG) is kept: FILE_COPY adds a checkpoint to every copy, and with other
/// databases busy on the server it made the suite about twice as slow.
pub fn pg_create_from_template(admin_url: &str, seed: Seed, name: &str) -> String {
    let t = pg_templates(admin_url);
    let template = match seed {
        Seed::Reference => &t.reference,
        Seed::Demo => &t.demo,
    };
    format!("CREATE DATABASE {name} TEMPLATE {template}")
}

fn pg_templates(admin_url: &str) -> &'static PgTemplates {
    PG.get_or_init(|| {
        let reference = format!("sd_tpl_{}", content_hash());
        let demo = format!("{reference}_demo");
        let mut admin = PgConnection::establish(admin_url).expect("TEST_DATABASE_URL connects");
        diesel::sql_query("SELECT pg_advisory_lock($1)")
            .bind::<BigInt, _>(TEMPLATE_LOCK)
            .execute(&mut admin)
            .expect("template lock");
        ensure_pg_template(&mut admin, admin_url, &reference, None, |conn| {
            prepare_database(conn).expect("migrations and reference data");
        });
        ensure_pg_template(&mut admin, admin_url, &demo, Some(&reference), load_demo);
        diesel::sql_query("SELECT pg_advisory_unlock($1)")
            .bind::<BigInt, _>(TEMPLATE_LOCK)
            .execute(&mut admin)
            .expect("template unlock");
        PgTemplates { reference, demo }
    })
}
