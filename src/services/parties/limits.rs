//! The limits on the parties' access, as settings with defaults (set on `/admin/settings`,
//! "Links to the parties' own pages"): how long a party's session lasts idle and in all, how long
//! an emailed sign-in link works, and how many new links may be asked for.

use crate::db::DbConnection;
use crate::models::now;
use crate::models::setting;
use crate::models::user::User;
use crate::services::audit::{self, Actor, Event};
use crate::services::rate_limit;
use crate::services::{FieldErrors, ServiceResult};
use diesel::QueryResult;
use serde::Serialize;
use std::collections::BTreeMap;

/// One limit: its setting key (also the form field), what the form calls it, its default and
/// the values allowed.
#[derive(Debug, Clone, Copy)]
pub struct LimitSetting {
    pub key: &'static str,
    pub label: &'static str,
    pub default: i64,
    pub min: i64,
    pub max: i64,
}

pub const IDLE_MINUTES: LimitSetting = LimitSetting {
    key: "party.session_idle_minutes",
    label: "Minutes without activity before a party is signed out",
    default: 60,
    min: 5,
    max: 240,
};
pub const SESSION_HOURS: LimitSetting = LimitSetting {
    key: "party.session_hours",
    label: "Hours a party stays signed in at most",
    default: 12,
    min: 1,
    max: 72,
};
pub const SIGN_IN_MINUTES: LimitSetting = LimitSetting {
    key: "party.sign_in_minutes",
    label: "Minutes an emailed sign-in link works",
    default: 60,
    min: 5,
    max: 24 * 60,
};
pub const NEW_LINK_REQUESTS: LimitSetting = LimitSetting {
    key: "party.new_link_requests",
    label: "Requests for a new link from one connection in an hour",
    default: 10,
    min: 1,
    max: 100,
};
pub const SIGN_IN_EMAILS: LimitSetting = LimitSetting {
    key: "party.sign_in_emails",
    label: "Sign-in links emailed to one party in an hour",
    default: 3,
    min: 1,
    max: 20,
};

pub const ALL: [LimitSetting; 5] = [IDLE_MINUTES, SESSION_HOURS, SIGN_IN_MINUTES, NEW_LINK_REQUESTS, SIGN_IN_EMAILS];

/// The limits in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    pub idle_minutes: i64,
    pub session_hours: i64,
    pub sign_in_minutes: i64,
    pub new_link_requests: i64,
    pub sign_in_emails: i64,
}

impl Limits {
    /// Requests for a new sign-in link per address.
    pub fn new_link_requests(&self) -> rate_limit::Limit {
        rate_limit::Limit { bucket: "party-link", max: self.new_link_requests, window_minutes: 60 }
    }

    /// Sign-in links emailed to one party on request, whoever asks: someone who knows a
    /// reference and an address cannot flood that mailbox from many connections.
    pub fn sign_in_emails(&self) -> rate_limit::Limit {
        rate_limit::Limit { bucket: "party-sign-in-email", max: self.sign_in_emails, window_minutes: 60 }
    }
}

fn value(conn: &mut DbConnection, s: LimitSetting) -> QueryResult<i64> {
    Ok(setting::get(conn, s.key)?
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|v| (s.min..=s.max).contains(v))
        .unwrap_or(s.default))
}

pub fn limits(conn: &mut DbConnection) -> QueryResult<Limits> {
    Ok(Limits {
        idle_minutes: value(conn, IDLE_MINUTES)?,
        session_hours: value(conn, SESSION_HOURS)?,
        sign_in_minutes: value(conn, SIGN_IN_MINUTES)?,
        new_link_requests: value(conn, NEW_LINK_REQUESTS)?,
        sign_in_emails: value(conn, SIGN_IN_EMAILS)?,
    })
}

/// A field of the form: the key, its label, the value shown (as typed, or in force) and the
/// range allowed.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub key: &'static str,
    pub label: &'static str,
    pub value: String,
    pub hint: String,
}

/// The form's fields, with what was typed (a form that was refused) or the values in force.
pub fn fields(conn: &mut DbConnection, typed: Option<&BTreeMap<String, String>>) -> QueryResult<Vec<Field>> {
    let mut out = Vec::new();
    for s in ALL {
        let value = match typed {
            Some(t) => t.get(s.key).cloned().unwrap_or_default(),
            None => self::value(conn, s)?.to_string(),
        };
        out.push(Field {
            key: s.key,
            label: s.label,
            value,
            hint: format!("From {} to {} (default {})", s.min, s.max, s.default),
        });
    }
    Ok(out)
}

/// An administrator sets the limits (each a whole number in its range; all or nothing).
pub fn set_limits(
    conn: &mut DbConnection,
    actor: &Actor,
    admin: &User,
    typed: &BTreeMap<String, String>,
) -> ServiceResult<Limits> {
    crate::services::settings::may_administer(admin)?;
    let mut e = FieldErrors::default();
    let mut values = Vec::new();
    for s in ALL {
        match typed.get(s.key).and_then(|v| v.trim().parse::<i64>().ok()).filter(|v| (s.min..=s.max).contains(v)) {
            Some(v) => values.push((s, v)),
            None => e.add(s.key, format!("Enter a whole number from {} to {}", s.min, s.max)),
        }
    }
    e.into_result()?;
    crate::db::write(conn, |conn| {
        let t = now();
        for (s, v) in &values {
            setting::put(conn, s.key, &v.to_string(), t, actor.user_id.as_deref())?;
        }
        let l = limits(conn)?;
        audit::record(
            conn,
            actor,
            Event::new("settings.party_limits_changed", "settings", "party.limits").summary(format!(
                "The parties' pages: signed out after {} idle minutes or {} hours; sign-in links work {} minutes; \
                 {} new-link requests an hour per connection, {} sign-in emails an hour per party",
                l.idle_minutes, l.session_hours, l.sign_in_minutes, l.new_link_requests, l.sign_in_emails
            )),
        )?;
        Ok(l)
    })
}
