//! Links to a party's page. An **invitation** goes in the acknowledgement and in the member's
//! notification: single-use, expiring after the `party.link_days` setting (30 days unless set).
//! Using it (a button, so that mail scanners opening links use nothing) emails a **sign-in link**
//! to the address on the case, single-use and valid for the minutes set
//! (`limits::SIGN_IN_MINUTES`); using that gives a party session. Anyone whose link is dead asks for a new sign-in link with their reference and
//! email address (the same answer whether or not they match). Tokens are kept only as SHA-256;
//! officers revoke a party's links (and end their sessions) from the case page.

use super::{record_visit, resolve, session, Party};
use crate::db::DbConnection;
use crate::emails;
use crate::models::case as case_rows;
use crate::models::complaint as complaint_rows;
use crate::models::now;
use crate::models::party::{self as rows, PartyLink, INVITE, SIGN_IN};
use crate::models::setting;
use crate::models::user::User;
use crate::services::audit::{self, Actor, Event};
use crate::services::auth::{random_token, sha256_hex};
use crate::services::outbox::{self, To};
use crate::services::{rate_limit, FieldErrors, ServiceError, ServiceResult};
use chrono::Duration;
use diesel::QueryResult;
use serde::{Deserialize, Serialize};
use validator::ValidateEmail;

/// The setting that says how many days an invitation works.
pub const LINK_DAYS_SETTING: &str = "party.link_days";
pub const DEFAULT_LINK_DAYS: i64 = 30;
pub fn link_days(conn: &mut DbConnection) -> QueryResult<i64> {
    Ok(setting::get(conn, LINK_DAYS_SETTING)?
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|d| (1..=365).contains(d))
        .unwrap_or(DEFAULT_LINK_DAYS))
}

/// An administrator sets how many days an invitation works (1 to 365).
pub fn set_link_days(conn: &mut DbConnection, actor: &Actor, admin: &User, value: &str) -> ServiceResult<i64> {
    crate::services::settings::may_administer(admin)?;
    let days = value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|d| (1..=365).contains(d))
        .ok_or_else(|| ServiceError::invalid("party_link_days", "Enter a whole number of days from 1 to 365"))?;
    crate::db::write(conn, |conn| {
        setting::put(conn, LINK_DAYS_SETTING, &days.to_string(), now(), actor.user_id.as_deref())?;
        audit::record(
            conn,
            actor,
            Event::new("settings.party_link_days_changed", "settings", LINK_DAYS_SETTING)
                .summary(format!("Links to the parties' own pages work for {days} days")),
        )?;
        Ok(days)
    })
}

pub fn url(base_url: &str, token: &str) -> String {
    format!("{}/my-case/{token}", base_url.trim_end_matches('/'))
}

pub fn sign_in_url(base_url: &str, token: &str) -> String {
    format!("{}/my-case/sign-in/{token}", base_url.trim_end_matches('/'))
}

fn make(conn: &mut DbConnection, party: &Party, purpose: &str, lasts: Duration) -> QueryResult<String> {
    let token = random_token();
    let t = now();
    let (complaint_id, member_id) = party.columns();
    rows::insert_link(
        conn,
        &PartyLink {
            id: sha256_hex(token.as_bytes()),
            case_id: party.case_id.clone(),
            party: party.kind.clone(),
            complaint_id,
            member_id,
            purpose: purpose.into(),
            created_at: t,
            expires_at: t + lasts,
            used_at: None,
            revoked_at: None,
            revoked_by_user_id: None,
        },
    )?;
    Ok(token)
}

/// An invitation for a party, in the caller's transaction (the email that carries it is queued
/// there too): the link, and how many days it works.
pub fn invite(conn: &mut DbConnection, party: &Party, base_url: &str) -> QueryResult<(String, i64)> {
    let days = link_days(conn)?;
    let token = make(conn, party, INVITE, Duration::days(days))?;
    Ok((url(base_url, &token), days))
}

/// What became of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Dead {
    Unknown,
    Expired,
    Used,
    Revoked,
}

impl Dead {
    /// What the page says (never whose link it was).
    pub fn message(self) -> &'static str {
        match self {
            Dead::Unknown => "This link is not recognised. Check that you copied the whole link from the email.",
            Dead::Expired => "This link has expired.",
            Dead::Used => "This link has already been used. Each link works once.",
            Dead::Revoked => "This link has been withdrawn by the Monitoring Officer's team.",
        }
    }
}

/// A live link, or why it is dead. A dead link known to be a party's is in their access audit.
pub fn check(
    conn: &mut DbConnection,
    token: &str,
    purpose: &str,
    ip: Option<&str>,
) -> ServiceResult<Result<(PartyLink, Party), Dead>> {
    let Some(link) = rows::find_link(conn, &sha256_hex(token.as_bytes()))?.filter(|l| l.purpose == purpose) else {
        return Ok(Err(Dead::Unknown));
    };
    let Some(party) =
        Party::of_row(&link.case_id, &link.party, link.complaint_id.as_deref(), link.member_id.as_deref())
    else {
        return Ok(Err(Dead::Unknown));
    };
    let dead = if link.revoked_at.is_some() {
        Some(Dead::Revoked)
    } else if link.used_at.is_some() {
        Some(Dead::Used)
    } else if link.expires_at <= now() {
        Some(Dead::Expired)
    } else if resolve(conn, &party).is_err() {
        Some(Dead::Unknown)
    } else {
        None
    };
    match dead {
        Some(d) => {
            crate::db::write(conn, |conn| record_visit(conn, &party, "refused", ip))?;
            Ok(Err(d))
        }
        None => Ok(Ok((link, party))),
    }
}

/// The page a live link opens (before its button is pressed): checked as [`check`] does, and
/// the view written to the parties' access log like every other access.
pub fn view(
    conn: &mut DbConnection,
    token: &str,
    purpose: &str,
    ip: Option<&str>,
) -> ServiceResult<Result<(PartyLink, Party), Dead>> {
    let checked = check(conn, token, purpose, ip)?;
    if let Ok((_, party)) = &checked {
        crate::db::write(conn, |conn| record_visit(conn, party, "link-viewed", ip))?;
    }
    Ok(checked)
}

/// Emails a party a sign-in link (in the caller's transaction).
fn send_sign_in(conn: &mut DbConnection, actor: &Actor, party: &Party, base_url: &str) -> ServiceResult<()> {
    let who = resolve(conn, party)?;
    let Some(email) = who.email() else { return Ok(()) };
    let minutes = super::limits::limits(conn)?.sign_in_minutes;
    let token = make(conn, party, SIGN_IN, Duration::minutes(minutes))?;
    let letter = emails::PartySignIn {
        name: who.name(),
        reference: who.case.reference.clone(),
        link: sign_in_url(base_url, &token),
        minutes,
    };
    outbox::queue(conn, Some(&party.case_id), To::new(&email, &who.name()), &letter)?;
    record_visit(conn, party, "sign-in-sent", actor.ip.as_deref())?;
    audit::record(
        conn,
        actor,
        Event::new("party.sign_in_sent", "case", &party.case_id)
            .case(&party.case_id)
            .summary(format!("{} was emailed a link to sign in to their page", party.label())),
    )?;
    Ok(())
}

/// The party uses their invitation: it is used up, and a sign-in link is emailed to the address
/// on the case. `Err(Dead)` if it no longer works.
pub fn use_invite(
    conn: &mut DbConnection,
    actor: &Actor,
    token: &str,
    base_url: &str,
) -> ServiceResult<Result<(), Dead>> {
    let (link, party) = match check(conn, token, INVITE, actor.ip.as_deref())? {
        Ok(found) => found,
        Err(d) => return Ok(Err(d)),
    };
    crate::db::write(conn, |conn| {
        if rows::use_link(conn, &link.id, now())? == 0 {
            return Ok(Err(Dead::Used));
        }
        record_visit(conn, &party, "link-opened", actor.ip.as_deref())?;
        send_sign_in(conn, actor, &party, base_url)?;
        Ok(Ok(()))
    })
}

/// The party uses a sign-in link: it is used up and a party session begins (its cookie token).
pub fn sign_in(conn: &mut DbConnection, actor: &Actor, token: &str) -> ServiceResult<Result<String, Dead>> {
    let (link, party) = match check(conn, token, SIGN_IN, actor.ip.as_deref())? {
        Ok(found) => found,
        Err(d) => return Ok(Err(d)),
    };
    crate::db::write(conn, |conn| {
        if rows::use_link(conn, &link.id, now())? == 0 {
            return Ok(Err(Dead::Used));
        }
        let cookie = session::begin(conn, &party)?;
        record_visit(conn, &party, "signed-in", actor.ip.as_deref())?;
        audit::record(
            conn,
            actor,
            Event::new("party.signed_in", "case", &party.case_id)
                .case(&party.case_id)
                .summary(format!("{} signed in to their page", party.label())),
        )?;
        Ok(Ok(cookie))
    })
}

/// "Send me a new link": the case reference and the email address on the case.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct NewLinkForm {
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub email: String,
}

/// Sends a sign-in link if the reference and address match a complainant on the case, or a
/// member told about it; the same answer otherwise. Only malformed input is refused.
pub fn request_new(conn: &mut DbConnection, actor: &Actor, form: &NewLinkForm, base_url: &str) -> ServiceResult<()> {
    let mut e = FieldErrors::default();
    let reference = form.reference.trim().to_uppercase();
    let email = form.email.trim().to_lowercase();
    if reference.is_empty() {
        e.add("reference", "Enter your reference number, like SD-2026-0042");
    } else if reference.chars().count() > 40 {
        e.add("reference", "Enter the reference number as it is in our email, like SD-2026-0042");
    }
    if email.is_empty() {
        e.add("email", "Enter your email address");
    } else if email.chars().count() > 320 || !email.validate_email() {
        e.add("email", "Enter an email address in the correct format, like name@example.com");
    }
    e.into_result()?;
    let address = actor.ip.clone().unwrap_or_default();
    let limits = super::limits::limits(conn)?;
    if !rate_limit::allows(conn, limits.new_link_requests(), &address)? {
        return Err(ServiceError::invalid(
            "email",
            "There have been too many requests for links from your connection. Try again in an hour",
        ));
    }
    rate_limit::record(conn, limits.new_link_requests(), &address)?;
    crate::db::write(conn, |conn| {
        let Some(case) = case_rows::find_by_reference(conn, &reference)? else { return Ok(()) };
        let same = |a: &Option<String>| a.as_deref().is_some_and(|a| a.trim().eq_ignore_ascii_case(&email));
        let mut parties = Vec::new();
        for (c, who) in complaint_rows::list_for_case(conn, &case.id)? {
            if same(&who.email) && c.acknowledged_at.is_some() {
                parties.push(Party::complainant(&case.id, &c.id));
            }
        }
        let told: Vec<String> =
            complaint_rows::list_notifications_for_case(conn, &case.id)?.into_iter().map(|n| n.member_id).collect();
        for m in crate::models::member::list_for_case(conn, &case.id)? {
            if same(&m.email) && told.contains(&m.id) {
                parties.push(Party::member(&case.id, &m.id));
            }
        }
        for p in parties {
            let key = format!("{}:{}", p.kind, p.id);
            if resolve(conn, &p).is_ok() && rate_limit::allows(conn, limits.sign_in_emails(), &key)? {
                rate_limit::record(conn, limits.sign_in_emails(), &key)?;
                send_sign_in(conn, actor, &p, base_url)?;
            }
        }
        Ok(())
    })
}

/// An officer withdraws every live link of a party and ends their sessions.
pub fn revoke(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    kind: &str,
    id: &str,
) -> ServiceResult<usize> {
    crate::db::write(conn, |conn| {
        let case = super::officer::find_for_officer(conn, user, reference)?;
        let party = Party::of_row(&case.id, kind, Some(id), Some(id)).ok_or(ServiceError::NotFound)?;
        resolve(conn, &party)?;
        let t = now();
        let n = rows::revoke_links(conn, &case.id, &party.kind, &party.id, &user.id, t)?;
        let ended = rows::end_sessions(conn, &case.id, &party.kind, &party.id, t)?;
        audit::record(
            conn,
            actor,
            Event::new("party.links_revoked", "case", &case.id)
                .case(&case.id)
                .summary(format!("{}'s links withdrawn ({n} link(s), {ended} session(s) ended)", party.label())),
        )?;
        Ok(n)
    })
}
