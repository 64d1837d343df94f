//! Retention and destruction (issue 18): how long a closed case is kept (a schedule of periods by
//! outcome, settings with defaults), `retain_until` computed when a case closes and cleared when it
//! is reopened, legal holds, the Monitoring Officer's approval of destruction, and destruction
//! itself (`destroy`). The access log (`access_log`) and subject access requests
//! (`subject_access`) live beside it.

pub mod access_log;
pub mod destroy;
pub mod subject_access;

use crate::db::DbConnection;
use crate::models::case as case_rows;
use crate::models::enums::CaseStatus;
use crate::models::now;
use crate::models::retention::{self as rows, Retention};
use crate::models::setting as settings_rows;
use crate::models::user::{self as user_rows, User};
use crate::services::access::{may_manage_retention, Permission};
use crate::services::audit::{self, Actor, Event};
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::{Months, NaiveDate, NaiveDateTime};
use diesel::QueryResult;
use serde::{Deserialize, Serialize};

/// The outcomes the schedule sets a period for: (code, setting key, label, default years after
/// closure). The keys are settings an administrator changes on the settings page.
pub const SCHEDULE: [(&str, &str, &str, u32); 6] = [
    ("no-jurisdiction", "retention.no_jurisdiction", "No jurisdiction", 2),
    ("no-further-action", "retention.no_further_action", "No further action", 2),
    ("resolved-informally", "retention.resolved_informally", "Resolved informally", 2),
    ("no-breach", "retention.no_breach", "No breach found", 2),
    ("breach", "retention.breach", "Breach found (with or without sanctions)", 6),
    ("other", "retention.other", "Any other closure (merged, withdrawn)", 6),
];

/// The schedule's outcome for a case's closure reason, as the closing services word it (see
/// `cases::transition` callers): "No further action: …", "No breach found …", "Breach found; …",
/// "Sanctions …", "Resolved informally", "No jurisdiction", "Merged into …".
pub fn outcome_of(closure_reason: &str) -> &'static str {
    let r = closure_reason.trim().to_lowercase();
    if r.starts_with("no jurisdiction") {
        "no-jurisdiction"
    } else if r.starts_with("no further action") {
        "no-further-action"
    } else if r.starts_with("resolved informally") {
        "resolved-informally"
    } else if r.starts_with("no breach") {
        "no-breach"
    } else if r.starts_with("breach") || r.starts_with("sanction") {
        "breach"
    } else {
        "other"
    }
}

pub fn outcome_label(code: &str) -> &'static str {
    SCHEDULE.iter().find(|s| s.0 == code).map(|s| s.2).unwrap_or("Any other closure")
}

/// Years to keep a case closed with this outcome (the setting, else the default).
pub fn years_for(conn: &mut DbConnection, outcome: &str) -> QueryResult<u32> {
    let (_, key, _, default) = SCHEDULE.iter().find(|s| s.0 == outcome).copied().unwrap_or(SCHEDULE[5]);
    Ok(settings_rows::get(conn, key)?.and_then(|v| v.trim().parse().ok()).unwrap_or(default))
}

/// The schedule as set: (code, key, label, years).
pub fn schedule(conn: &mut DbConnection) -> QueryResult<Vec<(&'static str, &'static str, &'static str, u32)>> {
    SCHEDULE.iter().map(|(code, key, label, _)| Ok((*code, *key, *label, years_for(conn, code)?))).collect()
}

/// The last day a case closed on `closed_on` is kept: `years` after closure (a case closed on
/// 10 January 2020 under a 2-year period is kept until 10 January 2022, due from the 11th).
pub fn keep_until(closed_on: NaiveDate, years: u32) -> NaiveDate {
    closed_on.checked_add_months(Months::new(12 * years)).unwrap_or(NaiveDate::MAX)
}

/// Called by the state machine in the transaction that closes a case: sets `retain_until` from
/// the schedule for the outcome (a closure reason or an outcome code).
pub fn on_case_closed(conn: &mut DbConnection, case_id: &str, outcome: &str, closed_on: NaiveDate) -> QueryResult<()> {
    let code = if SCHEDULE.iter().any(|s| s.0 == outcome) { outcome } else { outcome_of(outcome) };
    let years = years_for(conn, code)?;
    rows::set_retain_until(conn, case_id, Some(keep_until(closed_on, years)))?;
    Ok(())
}

/// Called by the state machine in the transaction that reopens a closed case: it is no longer
/// due for destruction (and any approval lapses).
pub fn on_case_reopened(conn: &mut DbConnection, case_id: &str) -> QueryResult<()> {
    rows::set_retain_until(conn, case_id, None)?;
    Ok(())
}

/// Whether a case is due for destruction on `today`: closed, kept past its date, not held.
pub fn is_due(r: &Retention, today: NaiveDate) -> bool {
    r.status == CaseStatus::Closed
        && r.destroyed_at.is_none()
        && r.legal_hold_reason.is_none()
        && r.retain_until.is_some_and(|until| until < today)
}

// ---------------------------------------------------------------------------------------------
// The case page's retention section

#[derive(Debug, Clone, Serialize)]
pub struct RetentionView {
    pub retain_until: Option<NaiveDate>,
    /// Why: "No further action: kept 2 years after closure".
    pub basis: Option<String>,
    pub due: bool,
    pub hold: Option<Hold>,
    pub approved: Option<Approval>,
    pub destroyed_at: Option<NaiveDateTime>,
    pub can_hold: bool,
    pub can_release: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hold {
    pub reason: String,
    pub by: String,
    pub at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Approval {
    pub by: String,
    pub at: Option<NaiveDateTime>,
}

fn user_name(conn: &mut DbConnection, id: Option<&str>) -> QueryResult<String> {
    Ok(match id {
        Some(id) => user_rows::find(conn, id)?.map(|u| u.name).unwrap_or_default(),
        None => String::new(),
    })
}

fn basis(conn: &mut DbConnection, r: &Retention) -> QueryResult<Option<String>> {
    Ok(match (&r.closure_reason, r.retain_until) {
        (Some(reason), Some(_)) => {
            let code = outcome_of(reason);
            let years = years_for(conn, code)?;
            Some(format!(
                "{}: kept {years} year{} after closure",
                outcome_label(code),
                if years == 1 { "" } else { "s" }
            ))
        }
        _ => None,
    })
}

/// The retention section of a case's page, for staff who see every case.
pub fn case_section(
    conn: &mut DbConnection,
    user: &User,
    case_id: &str,
    today: NaiveDate,
) -> ServiceResult<Option<RetentionView>> {
    if !crate::services::access::can(user, Permission::ViewAllCases) {
        return Ok(None);
    }
    let Some(r) = rows::find(conn, case_id)? else { return Ok(None) };
    let manage = may_manage_retention(user) && r.destroyed_at.is_none();
    let hold = match &r.legal_hold_reason {
        Some(reason) => Some(Hold {
            reason: reason.clone(),
            by: user_name(conn, r.legal_hold_by_user_id.as_deref())?,
            at: r.legal_hold_at,
        }),
        None => None,
    };
    let approved = match &r.destruction_approved_by_user_id {
        Some(by) => Some(Approval { by: user_name(conn, Some(by))?, at: r.destruction_approved_at }),
        None => None,
    };
    Ok(Some(RetentionView {
        retain_until: r.retain_until,
        basis: basis(conn, &r)?,
        due: is_due(&r, today),
        can_hold: manage && hold.is_none(),
        can_release: manage && hold.is_some(),
        hold,
        approved,
        destroyed_at: r.destroyed_at,
    }))
}

// ---------------------------------------------------------------------------------------------
// Legal holds

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct HoldInput {
    pub reason: String,
}

/// Places a legal hold on a case (open or closed, not destroyed): it is not destroyed while held.
pub fn hold(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    input: &HoldInput,
) -> ServiceResult<()> {
    let case = crate::services::cases::find_visible(conn, user, reference)?;
    if !may_manage_retention(user) {
        return Err(ServiceError::Forbidden);
    }
    let reason = clean(&input.reason);
    let mut errors = FieldErrors::default();
    match &reason {
        None => errors.add("reason", "Enter why the case is on legal hold"),
        Some(r) if r.chars().count() > 1000 => errors.add("reason", "The reason must be 1000 characters or fewer"),
        _ => {}
    }
    errors.into_result()?;
    let reason = reason.unwrap_or_default();
    let user_id = user.id.clone();
    crate::db::write(conn, |conn| {
        let r = rows::find(conn, &case.id)?.ok_or(ServiceError::NotFound)?;
        if r.destroyed_at.is_some() {
            return Err(ServiceError::refused("This case has been destroyed"));
        }
        if r.legal_hold_reason.is_some() {
            return Err(ServiceError::refused("This case is already on legal hold"));
        }
        rows::set_hold(conn, &case.id, Some((&reason, &user_id, now())))?;
        audit::record(
            conn,
            actor,
            Event::new("case.legal_hold_placed", "case", &case.id)
                .case(&case.id)
                .summary(format!("Legal hold placed: {reason}")),
        )?;
        Ok(())
    })
}

/// Lifts a legal hold: the case is destroyed on its schedule again.
pub fn release(conn: &mut DbConnection, actor: &Actor, user: &User, reference: &str) -> ServiceResult<()> {
    let case = crate::services::cases::find_visible(conn, user, reference)?;
    if !may_manage_retention(user) {
        return Err(ServiceError::Forbidden);
    }
    crate::db::write(conn, |conn| {
        let r = rows::find(conn, &case.id)?.ok_or(ServiceError::NotFound)?;
        if r.legal_hold_reason.is_none() {
            return Err(ServiceError::refused("This case is not on legal hold"));
        }
        rows::set_hold(conn, &case.id, None)?;
        audit::record(
            conn,
            actor,
            Event::new("case.legal_hold_lifted", "case", &case.id).case(&case.id).summary("Legal hold lifted"),
        )?;
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// The "due for destruction" list and its approval

#[derive(Debug, Clone, Serialize)]
pub struct DueCase {
    pub reference: String,
    pub council: String,
    pub closed_on: Option<NaiveDate>,
    pub closure_reason: String,
    pub retain_until: Option<NaiveDate>,
    /// "No further action: kept 2 years after closure, until 10 January 2022".
    pub why: String,
    pub approved: Option<Approval>,
    pub hold: Option<Hold>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DuePage {
    pub today: NaiveDate,
    /// Due and not yet approved.
    pub due: Vec<DueCase>,
    /// Approved, waiting for the worker (or `standards-desk retention`).
    pub approved: Vec<DueCase>,
    /// Past their date but on legal hold: not destroyed.
    pub held: Vec<DueCase>,
    pub schedule: Vec<ScheduleRow>,
    /// The approval form's checkboxes (one per due case).
    pub options: Vec<crate::services::vocab::Choice>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScheduleRow {
    pub label: &'static str,
    pub years: u32,
}

/// Every closed case kept past its date on `today`, as three lists (due, approved, held).
pub fn plan(conn: &mut DbConnection, today: NaiveDate) -> QueryResult<DuePage> {
    let councils: std::collections::HashMap<String, String> =
        crate::models::authority::list_all(conn)?.into_iter().map(|a| (a.id, a.name)).collect();
    let mut page = DuePage {
        today,
        due: Vec::new(),
        approved: Vec::new(),
        held: Vec::new(),
        schedule: schedule(conn)?.into_iter().map(|(_, _, label, years)| ScheduleRow { label, years }).collect(),
        options: Vec::new(),
    };
    for r in rows::scheduled(conn)? {
        if r.retain_until.is_none_or(|until| until >= today) {
            continue;
        }
        let why = format!(
            "{}, until {}",
            basis(conn, &r)?.unwrap_or_else(|| "Kept".into()),
            r.retain_until.map(|d| d.format("%-d %B %Y").to_string()).unwrap_or_default()
        );
        let hold = match &r.legal_hold_reason {
            Some(reason) => Some(Hold {
                reason: reason.clone(),
                by: user_name(conn, r.legal_hold_by_user_id.as_deref())?,
                at: r.legal_hold_at,
            }),
            None => None,
        };
        let approved = match &r.destruction_approved_by_user_id {
            Some(by) => Some(Approval { by: user_name(conn, Some(by))?, at: r.destruction_approved_at }),
            None => None,
        };
        let row = DueCase {
            council: councils.get(&r.authority_id).cloned().unwrap_or_default(),
            reference: r.reference,
            closed_on: r.closed_at.map(|t| t.date()),
            closure_reason: r.closure_reason.unwrap_or_default(),
            retain_until: r.retain_until,
            why,
            approved,
            hold,
        };
        if row.hold.is_some() {
            page.held.push(row);
        } else if row.approved.is_some() {
            page.approved.push(row);
        } else {
            page.due.push(row);
        }
    }
    page.options = page
        .due
        .iter()
        .map(|c| {
            crate::services::vocab::Choice::new(&c.reference, format!("{}, {}: {}", c.reference, c.council, c.why))
        })
        .collect();
    Ok(page)
}

/// The list for the Monitoring Officer (or deputy).
pub fn due_page(conn: &mut DbConnection, user: &User, today: NaiveDate) -> ServiceResult<DuePage> {
    if !may_manage_retention(user) {
        return Err(ServiceError::Forbidden);
    }
    Ok(plan(conn, today)?)
}

/// Approves the destruction of the chosen cases (references), each due on `today` and not held;
/// the worker destroys them. All or nothing: a case that is not due refuses the lot.
pub fn approve(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    references: &[String],
    today: NaiveDate,
) -> ServiceResult<usize> {
    if !may_manage_retention(user) {
        return Err(ServiceError::Forbidden);
    }
    if references.is_empty() {
        let mut e = FieldErrors::default();
        e.add("cases", "Select the cases to approve for destruction");
        return Err(ServiceError::Invalid(e));
    }
    let user_id = user.id.clone();
    crate::db::write(conn, |conn| {
        let mut n = 0;
        for reference in references {
            let case = case_rows::find_by_reference(conn, reference)?.ok_or(ServiceError::NotFound)?;
            let r = rows::find(conn, &case.id)?.ok_or(ServiceError::NotFound)?;
            if !is_due(&r, today) {
                return Err(ServiceError::refused(format!(
                    "{reference} is not due for destruction (it is on legal hold, reopened, or kept until a later date)"
                )));
            }
            if r.destruction_approved_at.is_some() {
                continue;
            }
            rows::approve(conn, &case.id, &user_id, now())?;
            audit::record(
                conn,
                actor,
                Event::new("case.destruction_approved", "case", &case.id).case(&case.id).summary(format!(
                    "Destruction approved under the retention schedule (kept until {})",
                    r.retain_until.map(|d| d.format("%-d %B %Y").to_string()).unwrap_or_default()
                )),
            )?;
            n += 1;
        }
        Ok(n)
    })
}

// ---------------------------------------------------------------------------------------------
// The schedule, set by an administrator

#[derive(Debug, Clone, Serialize)]
pub struct ScheduleField {
    pub key: &'static str,
    pub label: &'static str,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SchedulePage {
    pub fields: Vec<ScheduleField>,
}

fn submitted<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or("")
}

/// The schedule form: with the stored periods, or as submitted.
pub fn schedule_page(
    conn: &mut DbConnection,
    admin: &User,
    form: Option<&[(String, String)]>,
) -> ServiceResult<SchedulePage> {
    crate::services::settings::may_administer(admin)?;
    let mut fields = Vec::new();
    for (code, key, label, _) in SCHEDULE {
        let value = match form {
            Some(pairs) => submitted(pairs, key).to_string(),
            None => years_for(conn, code)?.to_string(),
        };
        fields.push(ScheduleField { key, label, value });
    }
    Ok(SchedulePage { fields })
}

/// Sets the periods (whole years, 1 to 100). Cases already closed keep the date they were given.
pub fn set_schedule(
    conn: &mut DbConnection,
    actor: &Actor,
    admin: &User,
    pairs: &[(String, String)],
) -> ServiceResult<()> {
    crate::services::settings::may_administer(admin)?;
    let mut errors = FieldErrors::default();
    let mut parsed = Vec::new();
    for (_, key, label, _) in SCHEDULE {
        match submitted(pairs, key).trim().parse::<u32>() {
            Ok(n) if (1..=100).contains(&n) => parsed.push((key, label, n)),
            _ => errors.add(key, format!("{label}: enter a whole number of years from 1 to 100")),
        }
    }
    errors.into_result()?;
    crate::db::write(conn, |conn| {
        for (key, _, n) in &parsed {
            settings_rows::put(conn, key, &n.to_string(), now(), actor.user_id.as_deref())?;
        }
        let summary = parsed.iter().map(|(_, label, n)| format!("{label} {n}")).collect::<Vec<_>>().join(", ");
        audit::record(
            conn,
            actor,
            Event::new("settings.retention_changed", "settings", "retention")
                .summary(format!("Retention schedule (years after closure): {summary}")),
        )?;
        Ok(())
    })
}
