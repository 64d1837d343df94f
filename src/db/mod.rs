//! Database connection: SQLite (embedded default) or PostgreSQL, chosen by `DATABASE_URL`'s scheme.

pub mod schema;

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// One connection type for both backends. Queries are written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = r2d2::Pool<DbManager>;
pub type PooledConn = r2d2::PooledConnection<DbManager>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A parsed `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    pub backend: Backend,
    /// What the driver is given: a file path for SQLite, the URL itself for PostgreSQL.
    pub target: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL {0:?} has no scheme: use sqlite://path/to/file.db or postgres://user@host/dbname")]
    NoScheme(String),
    #[error("DATABASE_URL scheme {0:?} is not supported: use sqlite:// or postgres://")]
    UnknownScheme(String),
    #[error("DATABASE_URL {0:?} names no database file")]
    EmptySqlitePath(String),
    #[error("could not connect to the database: {0}")]
    Connect(#[from] ConnectionError),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("could not open a database connection: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("migrations failed: {0}")]
    Migration(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, DbError> {
        let url = url.trim();
        let Some((scheme, rest)) = url.split_once(':') else {
            return Err(DbError::NoScheme(url.to_string()));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                let path = rest.strip_prefix("//").unwrap_or(rest);
                if path.is_empty() {
                    return Err(DbError::EmptySqlitePath(url.to_string()));
                }
                Ok(Self { backend: Backend::Sqlite, target: path.to_string() })
            }
            "postgres" | "postgresql" => Ok(Self { backend: Backend::Postgres, target: url.to_string() }),
            // A Windows drive letter or a bare path is not a URL.
            s if s.len() <= 1 || s.contains('/') || s.contains('.') => Err(DbError::NoScheme(url.to_string())),
            other => Err(DbError::UnknownScheme(other.to_string())),
        }
    }

    /// The SQLite file path, if this is a SQLite URL for a file on disk.
    pub fn sqlite_file(&self) -> Option<&str> {
        (self.backend == Backend::Sqlite && self.target != ":memory:" && !self.target.starts_with("file:"))
            .then_some(self.target.as_str())
    }
}

/// Opens connections of the backend the URL names (never by trial and error), and applies the
/// per-connection SQLite settings.
#[derive(Debug, Clone)]
pub struct DbManager {
    url: DatabaseUrl,
}

impl DbManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }

    pub fn establish(&self) -> Result<DbConnection, ConnectionError> {
        match self.url.backend {
            Backend::Postgres => PgConnection::establish(&self.url.target).map(DbConnection::Postgresql),
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.url.target)?;
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

impl ManageConnection for DbManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        self.establish().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Postgresql(_) => Backend::Postgres,
            DbConnection::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Runs every pending migration of this backend; returns the versions applied.
    pub fn run_migrations(&mut self) -> Result<Vec<String>, DbError> {
        let applied = match self {
            DbConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        }
        .map_err(|e| DbError::Migration(e.to_string()))?;
        Ok(applied.into_iter().map(|v| v.to_string()).collect())
    }

    /// Reverts every migration (used by the up/down/up check).
    pub fn revert_all_migrations(&mut self) -> Result<Vec<String>, DbError> {
        let reverted = match self {
            DbConnection::Postgresql(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS),
            DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS),
        }
        .map_err(|e| DbError::Migration(e.to_string()))?;
        Ok(reverted.into_iter().map(|v| v.to_string()).collect())
    }

    /// Names of the embedded migrations for this backend, in order.
    pub fn migration_names(&self) -> Vec<String> {
        match self {
            DbConnection::Postgresql(_) => MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES_MIGRATIONS)
                .map(|ms| ms.iter().map(|m| m.name().to_string()).collect()),
            DbConnection::Sqlite(_) => MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
                .map(|ms| ms.iter().map(|m| m.name().to_string()).collect()),
        }
        .unwrap_or_default()
    }
}

/// Writers of this process queue here before taking SQLite's write lock (one database per
/// process in production; the tests' databases share it, which only orders their writes).
/// SQLite's own busy handler polls with sleeps of 1, 2, 5, 10 … 100 ms, so under load a waiting
/// writer sleeps on while the lock is already free; a mutex hands it over at once. The busy
/// timeout still covers writers in other processes (the CLI, a second instance). Never open a
/// write on a second connection from inside a write: it would wait for itself.
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` in a write transaction. On SQLite the transaction takes the database's write lock
/// at its start (`BEGIN IMMEDIATE`), waiting up to the connection's busy timeout for it, so two
/// writers queue instead of one failing with "database is locked" when it upgrades a read lock
/// half-way; on PostgreSQL it is an ordinary transaction. Inside a transaction already it is a
/// savepoint, as `Connection::transaction` is. Every state change goes through here.
pub fn write<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let outermost = matches!(
        AnsiTransactionManager::transaction_manager_status_mut(match conn {
            DbConnection::Sqlite(c) => c,
            DbConnection::Postgresql(_) => return conn.transaction(f),
        })
        .transaction_depth(),
        Ok(None)
    );
    if !outermost {
        return conn.transaction(f);
    }
    let DbConnection::Sqlite(c) = conn else { unreachable!("checked above") };
    // Held until the transaction has ended (a panic in `f` does not stop later writers).
    let _queue = SQLITE_WRITER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
    // A panic in `f` rolls the transaction back before it goes on, so the pooled connection is
    // never left inside a transaction (and the queue guard is released as it unwinds).
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut *conn)));
    let result = match result {
        Ok(result) => result,
        Err(panic) => {
            if let DbConnection::Sqlite(c) = conn {
                let _ = AnsiTransactionManager::rollback_transaction(c);
            }
            std::panic::resume_unwind(panic);
        }
    };
    match result {
        Ok(value) => {
            let DbConnection::Sqlite(c) = conn else { unreachable!("checked above") };
            match AnsiTransactionManager::commit_transaction(c) {
                Ok(()) => Ok(value),
                Err(e) => {
                    let _ = AnsiTransactionManager::rollback_transaction(c);
                    Err(e.into())
                }
            }
        }
        Err(e) => {
            let DbConnection::Sqlite(c) = conn else { unreachable!("checked above") };
            AnsiTransactionManager::rollback_transaction(c)?;
            Err(e)
        }
    }
}

/// Serialises write transactions that name the same keys, until the caller's transaction ends:
/// call inside [`write`] before reading what the write depends on (a count, a latest row).
/// On PostgreSQL each key takes a transaction-scoped advisory lock (on a 64-bit hash of the key,
/// taken in ascending order so two callers never wait for each other in a circle); on SQLite the
/// transaction already holds the database's write lock from its start (`BEGIN IMMEDIATE`), so
/// there is nothing more to take.
pub fn lock_keys(conn: &mut DbConnection, keys: &[&str]) -> QueryResult<()> {
    use sha2::{Digest, Sha256};
    let DbConnection::Postgresql(c) = conn else { return Ok(()) };
    let mut ids: Vec<i64> = keys
        .iter()
        .map(|k| {
            let digest = Sha256::digest(k.as_bytes());
            i64::from_be_bytes(std::array::from_fn(|i| digest[i]))
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)").bind::<diesel::sql_types::BigInt, _>(id).execute(c)?;
    }
    Ok(())
}

/// The advisory lock key under which migrations run ("sd-migrations").
const MIGRATION_LOCK: i64 = 0x7364_2d6d_6967_7261;

/// Runs `f` holding the migration lock: on PostgreSQL a session-level advisory lock, so that of
/// several instances starting at once on one database one migrates (and loads the reference
/// data) while the others wait, then find nothing left to do. On SQLite, where each migration
/// runs in its own transaction under the file's write lock, `f` just runs. Use a connection of
/// its own (not a pooled one): the lock is released before it returns, even on error.
pub fn with_migration_lock<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<String>,
{
    if let DbConnection::Sqlite(c) = conn {
        // Two processes on one SQLite file: an exclusive lock on a file beside it.
        #[derive(QueryableByName)]
        struct Main {
            #[diesel(sql_type = diesel::sql_types::Text)]
            file: String,
        }
        let file = diesel::sql_query("SELECT file FROM pragma_database_list WHERE name = 'main'")
            .get_result::<Main>(c)
            .map(|m| m.file)
            .unwrap_or_default();
        if file.is_empty() {
            return f(conn);
        }
        let path = format!("{file}.migrate-lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| E::from(format!("migration lock {path}: {e}")))?;
        lock.lock().map_err(|e| E::from(format!("migration lock {path}: {e}")))?;
        let result = f(conn);
        let _ = lock.unlock();
        return result;
    }
    let lock = |conn: &mut DbConnection, sql: &str| -> Result<(), E> {
        let DbConnection::Postgresql(pg) = conn else { unreachable!("checked above") };
        diesel::sql_query(sql)
            .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK)
            .execute(pg)
            .map(|_| ())
            .map_err(|e| E::from(format!("migration lock: {e}")))
    };
    lock(conn, "SELECT pg_advisory_lock($1)")?;
    let result = f(conn);
    let unlocked = lock(conn, "SELECT pg_advisory_unlock($1)");
    let value = result?;
    unlocked?;
    Ok(value)
}

/// Builds the pool. For SQLite the file's directory must exist; WAL is switched on once here
/// (it persists in the file), before other connections open.
pub fn build_pool(url: &DatabaseUrl, max_size: u32) -> Result<DbPool, DbError> {
    let manager = DbManager::new(url.clone());
    let mut first = manager.establish()?;
    if let DbConnection::Sqlite(c) = &mut first {
        // Two processes opening a new file at the same moment both try to switch it to WAL; the
        // switch needs the file's exclusive lock, and SQLite answers the second at once with
        // "database is locked" (the busy handler is not asked, as both hold a shared lock). Once
        // the other has switched, the pragma finds WAL and has nothing to do: try again shortly.
        let mut attempts = 0;
        loop {
            match c.batch_execute("PRAGMA journal_mode = WAL;") {
                Ok(()) => break,
                Err(diesel::result::Error::DatabaseError(_, info))
                    if attempts < 100 && info.message().contains("locked") =>
                {
                    attempts += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    drop(first);
    // A pooled PostgreSQL connection is pinged as it is checked out (the server may have closed
    // it); a SQLite connection is a file handle in this process that cannot go away, so the
    // ping would be a query per checkout for nothing.
    let pool = r2d2::Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(10))
        .test_on_check_out(url.backend == Backend::Postgres)
        .build(manager)?;
    Ok(pool)
}

/// Takes a transaction-level lock on the file store (PostgreSQL advisory lock; on SQLite the
/// write transaction already excludes every other writer): shared by every transaction that
/// stores a file or refers to one, exclusive for housekeeping, which deletes files nothing
/// refers to, so it never deletes bytes a transaction in flight is about to refer to.
pub fn lock_file_store(conn: &mut DbConnection, exclusive: bool) -> diesel::QueryResult<()> {
    use diesel::RunQueryDsl;
    match conn {
        DbConnection::Postgresql(pg) => {
            let sql = if exclusive {
                "SELECT pg_advisory_xact_lock(7310013)"
            } else {
                "SELECT pg_advisory_xact_lock_shared(7310013)"
            };
            diesel::sql_query(sql).execute(pg).map(|_| ())
        }
        DbConnection::Sqlite(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Eight writers that each read, pause and write inside one transaction: with deferred
    /// transactions SQLite refuses some of them at once ("database is locked"); `write` queues them.
    #[test]
    fn concurrent_sqlite_writers_queue_instead_of_failing() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("w.db").display())).expect("url");
        let pool = build_pool(&url, 8).expect("pool");
        pool.get().expect("connection").batch_execute("CREATE TABLE t (n INTEGER NOT NULL)").expect("table");
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let pool = pool.clone();
                std::thread::spawn(move || {
                    let mut conn = pool.get().expect("connection");
                    let mut failures = 0;
                    for _ in 0..15 {
                        let r: QueryResult<()> = write(&mut conn, |c| {
                            c.batch_execute("SELECT count(*) FROM t")?;
                            std::thread::sleep(Duration::from_millis(2));
                            c.batch_execute("INSERT INTO t (n) VALUES (1)")
                        });
                        failures += usize::from(r.is_err());
                    }
                    failures
                })
            })
            .collect();
        let failures: usize = threads.into_iter().map(|t| t.join().expect("thread")).sum();
        assert_eq!(failures, 0, "no writer may fail");
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let c: Count = diesel::sql_query("SELECT count(*) AS n FROM t")
            .get_result(&mut pool.get().expect("connection"))
            .expect("count");
        assert_eq!(c.n, 8 * 15);
    }

    #[test]
    fn a_failed_write_rolls_back_and_nested_writes_are_savepoints() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("r.db").display())).expect("url");
        let mut conn = DbManager::new(url).establish().expect("connection");
        conn.batch_execute("CREATE TABLE t (n INTEGER NOT NULL)").expect("table");
        let r: QueryResult<()> = write(&mut conn, |c| {
            c.batch_execute("INSERT INTO t (n) VALUES (1)")?;
            let inner: QueryResult<()> = write(c, |c| {
                c.batch_execute("INSERT INTO t (n) VALUES (2)")?;
                Err(diesel::result::Error::RollbackTransaction)
            });
            assert!(inner.is_err());
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(r.is_err());
        write(&mut conn, |c| c.batch_execute("INSERT INTO t (n) VALUES (3)")).expect("a later write works");
        #[derive(QueryableByName)]
        struct Sum {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            s: i64,
        }
        let s: Sum = diesel::sql_query("SELECT coalesce(sum(n), 0) AS s FROM t").get_result(&mut conn).expect("sum");
        assert_eq!(s.s, 3, "only the last write is kept");
    }

    #[test]
    fn a_panic_in_a_write_rolls_it_back_and_the_connection_writes_again() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("p.db").display())).expect("url");
        let mut conn = DbManager::new(url).establish().expect("connection");
        conn.batch_execute("CREATE TABLE t (n INTEGER NOT NULL)").expect("table");
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _: QueryResult<()> = write(&mut conn, |c| {
                c.batch_execute("INSERT INTO t (n) VALUES (1)")?;
                panic!("a bug in a service");
            });
        }));
        assert!(panicked.is_err(), "the panic goes on to the caller");
        write(&mut conn, |c| c.batch_execute("INSERT INTO t (n) VALUES (2)"))
            .expect("the same connection writes again");
        #[derive(QueryableByName)]
        struct Sum {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            s: i64,
        }
        let s: Sum = diesel::sql_query("SELECT coalesce(sum(n), 0) AS s FROM t").get_result(&mut conn).expect("sum");
        assert_eq!(s.s, 2, "the write that panicked left nothing");
    }
}
