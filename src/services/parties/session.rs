//! A party's session: a cookie of its own (`sd_party`), for one party on one case, never a staff
//! session (no user, no role, no other case). It ends after the idle minutes without a request,
//! after the hours in all (settings: `super::limits`), when the party signs out, or when an
//! officer revokes their links.

use super::Party;
use crate::db::DbConnection;
use crate::models::now;
use crate::models::party::{self as rows, PartySession};
use crate::services::auth::{random_token, sha256_hex};
use chrono::Duration;
use diesel::QueryResult;

/// Starts a session for the party (in the caller's transaction): the cookie's token.
pub fn begin(conn: &mut DbConnection, party: &Party) -> QueryResult<String> {
    let token = random_token();
    let t = now();
    let idle = super::limits::limits(conn)?.idle_minutes;
    let (complaint_id, member_id) = party.columns();
    rows::insert_session(
        conn,
        &PartySession {
            id: sha256_hex(token.as_bytes()),
            case_id: party.case_id.clone(),
            party: party.kind.clone(),
            complaint_id,
            member_id,
            created_at: t,
            last_seen_at: t,
            expires_at: t + Duration::minutes(idle),
            ended_at: None,
        },
    )?;
    Ok(token)
}

#[derive(Debug, Clone)]
pub enum Lookup {
    Valid(Party),
    /// The cookie's session has ended (timed out, signed out or revoked): whose it was, and
    /// whether what is being sent may be kept for them as a draft — only when the session ran out
    /// of time in the last day, never after signing out or a withdrawal (whoever holds an old
    /// cookie then must not be able to put words on the party's page).
    Ended(Party, bool),
    Unknown,
}

/// Whether a token can be one of ours (64 hex digits: 256 random bits) before any lookup.
pub fn token_shape(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The party a cookie's token belongs to, renewing the session's idle limit.
pub fn load(conn: &mut DbConnection, token: &str) -> QueryResult<Lookup> {
    if !token_shape(token) {
        return Ok(Lookup::Unknown);
    }
    let Some(s) = rows::find_session(conn, &sha256_hex(token.as_bytes()))? else { return Ok(Lookup::Unknown) };
    let Some(party) = Party::of_row(&s.case_id, &s.party, s.complaint_id.as_deref(), s.member_id.as_deref()) else {
        return Ok(Lookup::Unknown);
    };
    let t = now();
    if s.ended_at.is_some() || s.expires_at <= t {
        let keep_draft = s.ended_at.is_none() && s.expires_at > t - Duration::hours(24);
        return Ok(Lookup::Ended(party, keep_draft));
    }
    let limits = super::limits::limits(conn)?;
    let expires =
        (t + Duration::minutes(limits.idle_minutes)).min(s.created_at + Duration::hours(limits.session_hours));
    // Renewed at most once a minute (a page's requests need not each write).
    if t - s.last_seen_at > Duration::minutes(1) {
        crate::db::write(conn, |conn| rows::touch_session(conn, &s.id, t, expires))?;
    }
    Ok(Lookup::Valid(party))
}

/// Ends the cookie's session (signing out), with the party's visit recorded in the same
/// transaction.
pub fn end(conn: &mut DbConnection, token: &str, ip: Option<&str>) -> QueryResult<Option<Party>> {
    let Some(s) = rows::find_session(conn, &sha256_hex(token.as_bytes()))? else { return Ok(None) };
    let party = Party::of_row(&s.case_id, &s.party, s.complaint_id.as_deref(), s.member_id.as_deref());
    crate::db::write(conn, |conn| {
        if rows::end_session(conn, &s.id, now())? == 1 {
            if let Some(p) = &party {
                super::record_visit(conn, p, "signed-out", ip)?;
            }
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    Ok(party)
}
