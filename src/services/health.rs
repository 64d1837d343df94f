//! Whether the service can do its work (for `/healthz`).

use crate::db::DbConnection;
use diesel::RunQueryDsl;

/// The database answers a trivial query.
pub fn database_answers(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT 1").execute(conn).map(|_| ())
}
