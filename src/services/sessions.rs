//! Session control: a user sees their own sessions (browser, address, last seen) and ends any of
//! them; an administrator ends all of a user's sessions. Sign-in from a browser the account has
//! not been used from is emailed to the user ([`recognise_browser`]).

use crate::db::DbConnection;
use crate::emails::NewSignIn;
use crate::models::session::{self as rows, KnownBrowser, Session};
use crate::models::user::{self as users, User};
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::auth::{random_token, sha256_hex};
use crate::services::outbox::{self, To};
use crate::services::settings::may_administer;
use crate::services::{ServiceError, ServiceResult};
use chrono::NaiveDateTime;
use serde::Serialize;

/// "Firefox on Windows", from a User-Agent header (a rough guide for a person, not a fingerprint).
pub fn describe_device(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent.filter(|u| !u.trim().is_empty()) else { return "Unknown browser".into() };
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("OPR/") {
        "Opera"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") || ua.contains("CriOS/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else {
        "Another browser"
    };
    let system = if ua.contains("iPhone") || ua.contains("iPad") {
        Some("iOS")
    } else if ua.contains("Android") {
        Some("Android")
    } else if ua.contains("Windows") {
        Some("Windows")
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        Some("macOS")
    } else if ua.contains("CrOS") {
        Some("ChromeOS")
    } else if ua.contains("Linux") {
        Some("Linux")
    } else {
        None
    };
    match system {
        Some(s) => format!("{browser} on {s}"),
        None => browser.to_string(),
    }
}

/// One session as its owner sees it.
#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    pub id: String,
    pub device: String,
    pub user_agent: String,
    pub address: String,
    pub started_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    /// The session of the browser looking at the list.
    pub current: bool,
    /// Opened by single sign-on rather than a password.
    pub via_sso: bool,
}

/// The user's open sessions, the current one first.
pub fn list_own(conn: &mut DbConnection, user: &User, current: &str) -> ServiceResult<Vec<SessionView>> {
    let mut list: Vec<SessionView> = rows::list_for_user(conn, &user.id, now())?
        .into_iter()
        .filter(|s| !s.second_factor_pending)
        .map(|s| SessionView {
            current: s.id == current,
            device: describe_device(s.user_agent.as_deref()),
            user_agent: s.user_agent.unwrap_or_default(),
            address: s.ip_address.unwrap_or_else(|| "Unknown".into()),
            started_at: s.created_at,
            last_seen_at: s.last_seen_at,
            via_sso: s.via_sso,
            id: s.id,
        })
        .collect();
    list.sort_by_key(|s| !s.current);
    Ok(list)
}

/// The user ends one of their sessions (the browser using it is signed out at its next request).
/// Returns whether it was the current one. `NotFound` for a session that is not theirs.
pub fn end_own(conn: &mut DbConnection, actor: &Actor, user: &User, id: &str, current: &str) -> ServiceResult<bool> {
    crate::db::write(conn, |conn| {
        let Some(session) = rows::find(conn, id)?.filter(|s| s.user_id == user.id) else {
            return Err(ServiceError::NotFound);
        };
        rows::delete_of_user(conn, &session.id, &user.id)?;
        audit::record(
            conn,
            actor,
            Event::new("user.session_ended", "user", &user.id).summary(format!(
                "{} ended a session ({}, {})",
                user.name,
                describe_device(session.user_agent.as_deref()),
                session.ip_address.as_deref().unwrap_or("unknown address")
            )),
        )?;
        Ok(session.id == current)
    })
}

/// An administrator ends every session of a user (a lost laptop, a suspected compromise).
pub fn end_all_for_user(
    conn: &mut DbConnection,
    actor: &Actor,
    admin: &User,
    user_id: &str,
) -> ServiceResult<(User, usize)> {
    may_administer(admin)?;
    let user = users::find(conn, user_id)?.ok_or(ServiceError::NotFound)?;
    crate::db::write(conn, |conn| {
        let ended = rows::delete_for_user(conn, &user.id)?;
        audit::record(
            conn,
            actor,
            Event::new("user.sessions_ended", "user", &user.id)
                .summary(format!("{} ended all {ended} session(s) of {}", admin.name, user.email)),
        )?;
        Ok((user.clone(), ended))
    })
}

/// At a completed sign-in, in its transaction: knows the browser by the token of its cookie, or
/// records it as new and, if the account has been used from another browser before, emails the
/// user. Returns the token the browser's cookie should hold.
pub fn recognise_browser(
    conn: &mut DbConnection,
    user: &User,
    token: Option<&str>,
    session: &Session,
    base_url: &str,
) -> ServiceResult<String> {
    let t = now();
    if let Some(token) = token {
        if let Some(known) = rows::find_browser(conn, &user.id, &sha256_hex(token.as_bytes()))? {
            rows::touch_browser(conn, &known.id, t)?;
            return Ok(token.to_string());
        }
    }
    // A browser that has a token (known to other users of it) keeps it; else it gets one.
    let token = token.map(str::to_string).unwrap_or_else(random_token);
    let used_before = rows::count_browsers(conn, &user.id)? > 0;
    rows::insert_browser(
        conn,
        &KnownBrowser {
            id: new_id(),
            user_id: user.id.clone(),
            token_hash: sha256_hex(token.as_bytes()),
            user_agent: session.user_agent.clone(),
            first_seen_at: t,
            last_seen_at: t,
        },
    )?;
    if used_before {
        outbox::queue(
            conn,
            None,
            To::new(&user.email, &user.name),
            &NewSignIn {
                name: user.name.clone(),
                when: format!("{} (UTC)", t.format("%-d %B %Y at %-I:%M%P")),
                device: describe_device(session.user_agent.as_deref()),
                address: session.ip_address.clone().unwrap_or_else(|| "unknown".into()),
                sessions_link: format!("{}/account", base_url.trim_end_matches('/')),
            },
        )?;
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_described_for_people() {
        let firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(describe_device(Some(firefox)), "Firefox on Windows");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
        assert_eq!(describe_device(Some(edge)), "Edge on Windows");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_device(Some(iphone)), "Safari on iOS");
        assert_eq!(describe_device(None), "Unknown browser");
        assert_eq!(describe_device(Some("curl/8.0")), "Another browser");
    }
}
