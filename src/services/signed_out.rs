//! Forms sent after the session expired (issue 23, WCAG 2.2.1 Timing adjustable): what was sent is
//! kept for the user it was sent by (the expired session's CSRF token proves it came from their
//! page), nothing is done with it, and after they sign in again the page it came from shows it
//! once, for them to check and send again. Kept for a day at most.

use crate::db::DbConnection;
use crate::models::session::{self as rows, Session, SignedOutForm};
use crate::models::{new_id, now};
use crate::services::auth::{SessionPolicy, EXPIRED_SESSION_KEPT_HOURS};
use chrono::Duration;
use diesel::QueryResult;

/// How long a kept form waits for its user to sign in again.
pub const KEEP_HOURS: i64 = EXPIRED_SESSION_KEPT_HOURS;

/// Why a session ended without the user signing out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// No request for the idle timeout.
    Idle,
    /// The absolute lifetime since sign-in.
    Absolute,
}

impl Ended {
    /// Which limit ended `session` (looked at after it expired).
    pub fn of(session: &Session, policy: SessionPolicy) -> Ended {
        if session.created_at + policy.absolute <= session.expires_at {
            Ended::Absolute
        } else {
            Ended::Idle
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Ended::Idle => "idle",
            Ended::Absolute => "absolute",
        }
    }

    pub fn parse(s: &str) -> Option<Ended> {
        match s {
            "idle" => Some(Ended::Idle),
            "absolute" => Some(Ended::Absolute),
            _ => None,
        }
    }

    /// What the sign-in page says.
    pub fn message(self, policy: SessionPolicy) -> String {
        match self {
            Ended::Idle => {
                let minutes = policy.idle.num_minutes();
                let plural = if minutes == 1 { "" } else { "s" };
                format!("You were signed out after {minutes} minute{plural} without activity.")
            }
            Ended::Absolute => {
                let hours = policy.absolute.num_hours();
                let plural = if hours == 1 { "" } else { "s" };
                format!("You were signed out {hours} hour{plural} after you signed in.")
            }
        }
    }
}

/// The fields of a form as sent, without the CSRF token.
pub type Fields = Vec<(String, String)>;

/// Keeps a form `user_id` sent to `action` from the page `return_to` after their session had
/// expired (replacing any they sent there before), and clears out forms kept too long. Returns
/// the kept form's id. `fields` must not hold the CSRF token.
pub fn keep(
    conn: &mut DbConnection,
    user_id: &str,
    action: &str,
    return_to: &str,
    fields: &[(String, String)],
) -> QueryResult<String> {
    let json = serde_json::to_string(fields).unwrap_or_else(|_| "[]".into());
    crate::db::write(conn, |conn| {
        let t = now();
        rows::delete_expired_signed_out_forms(conn, t)?;
        rows::delete_signed_out_forms_for(conn, user_id, action)?;
        let id = new_id();
        rows::insert_signed_out_form(
            conn,
            &SignedOutForm {
                id: id.clone(),
                user_id: user_id.to_string(),
                action: action.to_string(),
                return_to: return_to.to_string(),
                fields: json,
                created_at: t,
                expires_at: t + Duration::hours(KEEP_HOURS),
            },
        )?;
        Ok(id)
    })
}

/// A kept form, given back on its page.
#[derive(Debug, Clone)]
pub struct Restored {
    /// The path the form was sent to (the page's form with this action gets the values).
    pub action: String,
    pub fields: Fields,
}

/// Takes the kept form `id` for `user_id` on the page `path` (it is given back once, then
/// deleted). Someone else's form, one kept too long, or one from another page: `None`.
pub fn take(conn: &mut DbConnection, id: &str, user_id: &str, path: &str) -> QueryResult<Option<Restored>> {
    crate::db::write(conn, |conn| {
        let Some(form) = rows::find_signed_out_form(conn, id)? else { return Ok(None) };
        if form.user_id != user_id || form.expires_at <= now() {
            return Ok(None);
        }
        let page = form.return_to.split('?').next().unwrap_or_default();
        if page != path {
            return Ok(None);
        }
        rows::delete_signed_out_form(conn, id)?;
        let fields: Fields = serde_json::from_str(&form.fields).unwrap_or_default();
        Ok(Some(Restored { action: form.action, fields }))
    })
}
