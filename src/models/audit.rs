use crate::db::schema::audit_log;
use crate::db::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: String,
    pub occurred_at: NaiveDateTime,
    pub actor_user_id: Option<String>,
    pub actor_label: String,
    pub ip_address: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub case_id: Option<String>,
    pub summary: String,
    pub details: Option<String>,
}

pub fn insert(conn: &mut DbConnection, entry: &AuditEntry) -> QueryResult<()> {
    diesel::insert_into(audit_log::table).values(entry).execute(conn).map(|_| ())
}

pub fn list_for_entity(conn: &mut DbConnection, entity_type: &str, entity_id: &str) -> QueryResult<Vec<AuditEntry>> {
    audit_log::table
        .filter(audit_log::entity_type.eq(entity_type))
        .filter(audit_log::entity_id.eq(entity_id))
        .order(audit_log::occurred_at.asc())
        .select(AuditEntry::as_select())
        .load(conn)
}

pub fn list_for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<AuditEntry>> {
    audit_log::table
        .filter(audit_log::case_id.eq(case_id))
        .order(audit_log::occurred_at.asc())
        .select(AuditEntry::as_select())
        .load(conn)
}

pub fn list_recent(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<AuditEntry>> {
    audit_log::table.order(audit_log::occurred_at.desc()).limit(limit).select(AuditEntry::as_select()).load(conn)
}
