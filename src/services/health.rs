//! Whether the service can do its work (for `/healthz`).

use crate::db::DbConnection;
use diesel::RunQueryDsl;

/// The database answers a trivial query.
pub fn database_answers(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT 1").execute(conn).map(|_| ())
}

/// The evidence store takes a write: a probe file is written, read back and removed.
pub fn store_answers(store: &crate::services::files::FileStore) -> std::io::Result<()> {
    store.probe()
}

/// What `/readyz` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    pub database: bool,
    pub store: bool,
    pub stopping: bool,
}

impl Readiness {
    pub fn ready(&self) -> bool {
        self.database && self.store && !self.stopping
    }

    /// One line per check, for the plain-text answer.
    pub fn describe(&self) -> String {
        let word = |ok: bool| if ok { "ok" } else { "unavailable" };
        let mut text = format!("database: {}\nevidence store: {}\n", word(self.database), word(self.store));
        if self.stopping {
            text.push_str("stopping: this instance is shutting down\n");
        }
        text
    }
}

/// The outbox and pool figures `/metrics` shows beside the request counts.
pub fn gauges(conn: &mut DbConnection, pool: &crate::db::DbPool) -> diesel::QueryResult<crate::ops::Gauges> {
    use crate::models::outbox as rows;
    let state = pool.state();
    Ok(crate::ops::Gauges {
        outbox_queued: rows::count_with_status(conn, rows::QUEUED)?,
        outbox_sending: rows::count_with_status(conn, rows::SENDING)?,
        outbox_failed: rows::count_with_status(conn, rows::FAILED)?,
        pool_size: state.connections,
        pool_idle: state.idle_connections,
        pool_max: pool.max_size(),
    })
}
