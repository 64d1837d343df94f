//! The access log: who opened which case page, evidence item or export, once per user, item and
//! day (a download of an evidence file is also in the item's custody log, every time). The
//! Monitoring Officer and administrators read it, and export it as CSV.

use crate::db::DbConnection;
use crate::models::retention::{self as rows, AccessEntry};
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::access::may_read_access_log;
use crate::services::{FieldErrors, ServiceError, ServiceResult};
use chrono::{Days, NaiveDate, NaiveDateTime};
use diesel::result::{DatabaseErrorKind, Error};
use diesel::QueryResult;
use serde::{Deserialize, Serialize};

/// What was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    Case,
    Evidence,
    Export,
}

impl Opened {
    pub fn as_str(self) -> &'static str {
        match self {
            Opened::Case => "case",
            Opened::Evidence => "evidence",
            Opened::Export => "export",
        }
    }

    pub fn label(code: &str) -> &'static str {
        match code {
            "case" => "Case page",
            "evidence" => "Evidence item",
            "export" => "Export",
            _ => "Other",
        }
    }
}

/// Records that `user` opened `object` (a case reference, "SD-…/E3", or an export's name) today,
/// unless they already did today.
pub fn record(
    conn: &mut DbConnection,
    user: &User,
    kind: Opened,
    object: &str,
    case_id: Option<&str>,
) -> QueryResult<()> {
    let at = now();
    let day = at.date();
    if rows::seen(conn, &user.id, kind.as_str(), object, day)? {
        return Ok(());
    }
    let entry = AccessEntry {
        id: new_id(),
        user_id: user.id.clone(),
        kind: kind.as_str().to_string(),
        object: object.to_string(),
        case_id: case_id.map(str::to_string),
        day,
        first_at: at,
    };
    match crate::db::write(conn, |conn| rows::insert_access(conn, &entry)) {
        Ok(_) => Ok(()),
        // Opened twice at the same moment: the other request recorded it.
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The days asked for (`from`, `to` as YYYY-MM-DD; the last 30 days by default).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AccessQuery {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccessRow {
    pub at: NaiveDateTime,
    pub who: String,
    pub what: &'static str,
    pub object: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccessPage {
    pub query: AccessQuery,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rows: Vec<AccessRow>,
    pub truncated: bool,
}

/// Shown on the page at most (the CSV has every row).
pub const PAGE_LIMIT: i64 = 500;

fn window(q: &AccessQuery, today: NaiveDate) -> ServiceResult<(NaiveDate, NaiveDate)> {
    let mut e = FieldErrors::default();
    let parse = |s: &str, default: NaiveDate| -> Option<NaiveDate> {
        if s.trim().is_empty() {
            Some(default)
        } else {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
        }
    };
    let from = parse(&q.from, today.checked_sub_days(Days::new(30)).unwrap_or(today));
    let to = parse(&q.to, today);
    if from.is_none() {
        e.add("from", "Enter the first day as a date, for example 2026-11-01");
    }
    if to.is_none() {
        e.add("to", "Enter the last day as a date, for example 2026-11-30");
    }
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            e.add("to", "The last day must be the same as or after the first day");
        }
    }
    e.into_result()?;
    Ok((from.unwrap_or(today), to.unwrap_or(today)))
}

/// Staff openings and the parties' visits to their own pages (issue 21: every use of a link,
/// sign-in, page view and submission), newest first.
fn load(conn: &mut DbConnection, from: NaiveDate, to: NaiveDate, limit: i64) -> QueryResult<Vec<AccessRow>> {
    use crate::services::vocab::{label, PARTIES, PARTY_VISITS};
    let mut out: Vec<AccessRow> = rows::accesses(conn, from, to, limit)?
        .into_iter()
        .map(|(e, who)| AccessRow { at: e.first_at, who, what: Opened::label(&e.kind), object: e.object })
        .collect();
    out.extend(crate::models::party::visits_between(conn, from, to, limit)?.into_iter().map(|(v, reference)| {
        AccessRow {
            at: v.occurred_at,
            who: format!("{} (their own page)", label(&PARTIES, &v.party)),
            what: label(&PARTY_VISITS, &v.what),
            object: reference,
        }
    }));
    out.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.object.cmp(&b.object)));
    out.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(out)
}

pub fn page(conn: &mut DbConnection, user: &User, q: AccessQuery, today: NaiveDate) -> ServiceResult<AccessPage> {
    if !may_read_access_log(user) {
        return Err(ServiceError::Forbidden);
    }
    let (from, to) = window(&q, today)?;
    let mut rows = load(conn, from, to, PAGE_LIMIT + 1)?;
    let truncated = rows.len() as i64 > PAGE_LIMIT;
    rows.truncate(PAGE_LIMIT as usize);
    Ok(AccessPage { query: q, from, to, rows, truncated })
}

/// The log for the days asked for, as CSV (every row).
pub fn csv(
    conn: &mut DbConnection,
    user: &User,
    q: &AccessQuery,
    today: NaiveDate,
) -> ServiceResult<crate::services::reports::CsvFile> {
    if !may_read_access_log(user) {
        return Err(ServiceError::Forbidden);
    }
    let (from, to) = window(q, today)?;
    let mut body = String::from("first_opened_at,user,what,item\r\n");
    for r in load(conn, from, to, i64::MAX)? {
        body.push_str(&crate::services::reports::csv_line(&[
            r.at.format("%Y-%m-%d %H:%M:%S").to_string(),
            r.who,
            r.what.to_string(),
            r.object,
        ]));
    }
    Ok(crate::services::reports::CsvFile { name: format!("access-log-{from}-{to}.csv"), body })
}
