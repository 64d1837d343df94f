//! The audit log: every state change writes an entry in the same transaction as the change.

use crate::db::DbConnection;
use crate::models::audit::{self as rows, AuditEntry};
use crate::models::{new_id, now};
use diesel::QueryResult;

/// Who did it: a signed-in user, the public, or the system (seeding, background jobs).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<String>,
    pub label: String,
    pub ip: Option<String>,
}

impl Actor {
    pub fn user(id: &str, name: &str, ip: Option<String>) -> Self {
        Self { user_id: Some(id.to_string()), label: name.to_string(), ip }
    }

    pub fn public(ip: Option<String>) -> Self {
        Self { user_id: None, label: "Member of the public".into(), ip }
    }

    pub fn system(what: &str) -> Self {
        Self { user_id: None, label: format!("System ({what})"), ip: None }
    }
}

/// An entry to write: `Event::new(action, entity_type, entity_id).summary(..).case(..)`.
#[derive(Debug, Clone)]
pub struct Event {
    action: String,
    entity_type: String,
    entity_id: String,
    case_id: Option<String>,
    summary: String,
    details: Option<serde_json::Value>,
}

impl Event {
    pub fn new(action: &str, entity_type: &str, entity_id: &str) -> Self {
        Self {
            action: action.to_string(),
            entity_type: entity_type.to_string(),
            entity_id: entity_id.to_string(),
            case_id: None,
            summary: String::new(),
            details: None,
        }
    }

    pub fn summary(mut self, s: impl Into<String>) -> Self {
        self.summary = s.into();
        self
    }

    pub fn case(mut self, case_id: &str) -> Self {
        self.case_id = Some(case_id.to_string());
        self
    }

    pub fn details(mut self, d: serde_json::Value) -> Self {
        self.details = Some(d);
        self
    }
}

pub fn record(conn: &mut DbConnection, actor: &Actor, event: Event) -> QueryResult<AuditEntry> {
    let entry = AuditEntry {
        id: new_id(),
        occurred_at: now(),
        actor_user_id: actor.user_id.clone(),
        actor_label: actor.label.clone(),
        ip_address: actor.ip.clone(),
        action: event.action,
        entity_type: event.entity_type,
        entity_id: event.entity_id,
        case_id: event.case_id,
        summary: event.summary,
        details: event.details.map(|d| d.to_string()),
    };
    rows::insert(conn, &entry)?;
    Ok(entry)
}
