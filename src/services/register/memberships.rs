//! Memberships of councils over time: adding one, ending one, and correcting one recorded
//! wrongly. Each change is audited; cases about the member are never touched.

use super::members::{EndMembershipForm, MembershipForm};
use super::rules::{self, may_edit, MembershipCheck};
use crate::db::DbConnection;
use crate::models::authority::{self as authority_rows, Authority};
use crate::models::member::{self as rows, Member, Membership, MembershipChanges};
use crate::models::register as reg_rows;
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::vocab::{self, Choice, END_REASONS, MEMBERSHIP_ROLES};
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDate;
use diesel::QueryResult;
use serde::Serialize;

fn optional_date(field: &str, d: &str, m: &str, y: &str, e: &mut FieldErrors) -> Option<NaiveDate> {
    if d.trim().is_empty() && m.trim().is_empty() && y.trim().is_empty() {
        return None;
    }
    match vocab::parse_date(d, m, y) {
        Ok(v) => Some(v),
        Err(msg) => {
            e.add(field, msg);
            None
        }
    }
}

/// A membership form's values, each `None` when missing or invalid (its error added to `e`).
struct Fields {
    role: Option<String>,
    started: Option<NaiveDate>,
    ended: Option<NaiveDate>,
    end_reason: Option<String>,
}

fn read_fields(form: &MembershipForm, e: &mut FieldErrors) -> Fields {
    if form.council.is_empty() {
        e.add("council", "Select the council");
    }
    let role = rules::parse_role(&form.role);
    if role.is_none() {
        e.add("role", "Select the role");
    }
    let started = match vocab::parse_date(&form.started_day, &form.started_month, &form.started_year) {
        Ok(d) => Some(d),
        Err(m) => {
            e.add("started", if m == "Enter a date" { "Enter the date the membership started" } else { m });
            None
        }
    };
    let ended = optional_date("ended", &form.ended_day, &form.ended_month, &form.ended_year, e);
    Fields { role, started, ended, end_reason: clean(&form.end_reason) }
}

/// Inserts a membership with its audit entry (inside the caller's transaction).
pub fn insert_membership(
    conn: &mut DbConnection,
    actor: &Actor,
    member: &Member,
    council: &Authority,
    ms: Membership,
) -> QueryResult<Membership> {
    rows::insert_membership(conn, &ms)?;
    audit::record(
        conn,
        actor,
        Event::new("membership.added", "member", &member.id).summary(format!(
            "{}: {} of {} from {}",
            member.full_name,
            rules::role_label(&ms.role),
            council.name,
            ms.started_on.format("%-d %B %Y")
        )),
    )?;
    Ok(ms)
}

pub fn add_membership(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    member_id: &str,
    form: &MembershipForm,
) -> ServiceResult<Membership> {
    may_edit(user)?;
    let mut e = FieldErrors::default();
    let Fields { role, started, ended, end_reason } = read_fields(form, &mut e);
    if let Some(r) = &end_reason {
        if !vocab::is_code(&END_REASONS, r) {
            e.add("end_reason", "Select why the membership ended");
        }
    }
    crate::db::write(conn, |conn| {
        let member = rows::find(conn, member_id)?.ok_or(ServiceError::NotFound)?;
        let council = if form.council.is_empty() { None } else { authority_rows::find(conn, &form.council)? };
        if council.is_none() && !form.council.is_empty() {
            e.add("council", "Select the council");
        }
        if let (Some(council), Some(role), Some(started)) = (&council, &role, started) {
            let wards = reg_rows::list_wards(conn, &council.id)?;
            let others = rows::list_memberships_for_member(conn, member_id)?;
            let ward = clean(&form.ward);
            for (field, msg) in rules::membership_problems(&MembershipCheck {
                council,
                council_wards: &wards,
                ward: ward.as_deref(),
                role,
                started_on: started,
                ended_on: ended,
                end_reason: end_reason.as_deref(),
                others: &others,
                is_new: true,
            }) {
                e.add(field, msg);
            }
        }
        if !e.is_empty() {
            return Err(ServiceError::Invalid(e.clone()));
        }
        let (council, role, started) =
            (council.ok_or(ServiceError::NotFound)?, role.clone().unwrap_or_default(), started.unwrap_or_default());
        let wards = reg_rows::list_wards(conn, &council.id)?;
        // The ward as the council spells it.
        let ward = clean(&form.ward)
            .map(|w| wards.iter().find(|x| x.name.eq_ignore_ascii_case(&w)).map(|x| x.name.clone()).unwrap_or(w));
        let t = now();
        Ok(insert_membership(
            conn,
            actor,
            &member,
            &council,
            Membership {
                id: new_id(),
                member_id: member.id.clone(),
                authority_id: council.id.clone(),
                ward,
                role,
                started_on: started,
                ended_on: ended,
                created_at: t,
                end_reason: if ended.is_some() { end_reason.clone() } else { None },
                updated_at: t,
            },
        )?)
    })
}

/// Ends one membership on a date with a reason. Cases about the member are not touched.
pub fn end_membership(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    membership_id: &str,
    form: &EndMembershipForm,
) -> ServiceResult<(Member, Membership)> {
    may_edit(user)?;
    let mut e = FieldErrors::default();
    let on = match vocab::parse_date(&form.end_day, &form.end_month, &form.end_year) {
        Ok(d) => Some(d),
        Err(m) => {
            e.add("end", if m == "Enter a date" { "Enter the date the membership ended" } else { m });
            None
        }
    };
    if !vocab::is_code(&END_REASONS, &form.end_reason) {
        e.add("end_reason", "Select why the membership ended");
    }
    crate::db::write(conn, |conn| {
        let (member, ms) = rows::find_membership(conn, membership_id)?.ok_or(ServiceError::NotFound)?;
        if let Some(on) = on {
            if on < ms.started_on {
                e.add("end", "The end date must be the same as or after the start date");
            }
        }
        if ms.ended_on.is_some() {
            return Err(ServiceError::refused("That membership has already ended"));
        }
        if !e.is_empty() {
            return Err(ServiceError::Invalid(e.clone()));
        }
        let on = on.unwrap_or_default();
        rows::update_membership(
            conn,
            &ms.id,
            &MembershipChanges {
                ward: ms.ward.clone(),
                ended_on: Some(on),
                end_reason: Some(form.end_reason.clone()),
                updated_at: now(),
            },
        )?;
        audit::record(
            conn,
            actor,
            Event::new("membership.ended", "member", &member.id).summary(format!(
                "{}: {} membership ended on {} ({})",
                member.full_name,
                rules::role_label(&ms.role).to_lowercase(),
                on.format("%-d %B %Y"),
                vocab::label(&END_REASONS, &form.end_reason).to_lowercase()
            )),
        )?;
        let after = rows::find_membership(conn, &ms.id)?.ok_or(ServiceError::NotFound)?;
        Ok(after)
    })
}

// ---------------------------------------------------------------------------------------------
// Correcting a membership recorded wrongly

/// The "correct this membership" page.
#[derive(Debug, Clone, Serialize)]
pub struct CorrectMembershipPage {
    pub member_id: String,
    pub member_name: String,
    pub membership_id: String,
    pub form: MembershipForm,
    pub councils: Vec<Choice>,
    pub roles: Vec<Choice>,
    pub end_reasons: Vec<Choice>,
}

fn find_for_member(conn: &mut DbConnection, member_id: &str, ms_id: &str) -> ServiceResult<(Member, Membership)> {
    rows::find_membership(conn, ms_id)?.filter(|(m, _)| m.id == member_id).ok_or(ServiceError::NotFound)
}

pub fn correct_page(
    conn: &mut DbConnection,
    user: &User,
    member_id: &str,
    ms_id: &str,
    submitted: Option<MembershipForm>,
) -> ServiceResult<CorrectMembershipPage> {
    may_edit(user)?;
    let (member, ms) = find_for_member(conn, member_id, ms_id)?;
    let councils = authority_rows::list_all(conn)?;
    Ok(CorrectMembershipPage {
        councils: councils
            .iter()
            .filter(|a| a.active || a.id == ms.authority_id)
            .map(|a| Choice::new(a.id.clone(), a.name.clone()))
            .collect(),
        form: submitted.unwrap_or_else(|| MembershipForm::of(&ms)),
        member_id: member.id,
        member_name: member.full_name,
        membership_id: ms.id,
        roles: Choice::list(&MEMBERSHIP_ROLES),
        end_reasons: Choice::list(&END_REASONS),
    })
}

/// Corrects a membership recorded wrongly: its council, ward, role, dates or end reason, with the
/// reason for the correction in the audit trail. Cases are not touched: a capacity assessment keeps
/// the answers it recorded.
pub fn correct_membership(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    member_id: &str,
    ms_id: &str,
    form: &MembershipForm,
) -> ServiceResult<Membership> {
    may_edit(user)?;
    let mut e = FieldErrors::default();
    let Fields { role, started, ended, end_reason } = read_fields(form, &mut e);
    match (&end_reason, ended) {
        (Some(r), _) if !vocab::is_code(&END_REASONS, r) => e.add("end_reason", "Select why the membership ended"),
        (None, Some(_)) => e.add("end_reason", "Select why the membership ended"),
        _ => {}
    }
    let reason = form.correction_reason.trim().to_string();
    if reason.is_empty() {
        e.add("correction_reason", "Enter why the membership is being corrected");
    } else if reason.chars().count() > 500 {
        e.add("correction_reason", "Why it is being corrected must be 500 characters or fewer");
    }
    crate::services::text::check_one_line(&mut e, "correction_reason", &reason, "why it is being corrected");
    crate::db::write(conn, |conn| {
        let (member, before) = find_for_member(conn, member_id, ms_id)?;
        let council = if form.council.is_empty() { None } else { authority_rows::find(conn, &form.council)? };
        if council.is_none() && !form.council.is_empty() {
            e.add("council", "Select the council");
        }
        let ward = clean(&form.ward);
        if let (Some(council), Some(role), Some(started)) = (&council, &role, started) {
            let wards = reg_rows::list_wards(conn, &council.id)?;
            let others: Vec<Membership> =
                rows::list_memberships_for_member(conn, member_id)?.into_iter().filter(|o| o.id != before.id).collect();
            for (field, msg) in rules::membership_problems(&MembershipCheck {
                council,
                council_wards: &wards,
                ward: ward.as_deref(),
                role,
                started_on: started,
                ended_on: ended,
                end_reason: end_reason.as_deref(),
                others: &others,
                // Moving it to another council is like adding it there: not to a retired council.
                is_new: council.id != before.authority_id,
            }) {
                e.add(field, msg);
            }
        }
        if !e.is_empty() {
            return Err(ServiceError::Invalid(e.clone()));
        }
        let (council, role, started) =
            (council.ok_or(ServiceError::NotFound)?, role.clone().unwrap_or_default(), started.unwrap_or_default());
        let wards = reg_rows::list_wards(conn, &council.id)?;
        let ward =
            ward.map(|w| wards.iter().find(|x| x.name.eq_ignore_ascii_case(&w)).map(|x| x.name.clone()).unwrap_or(w));
        let correction = rows::MembershipCorrection {
            authority_id: council.id.clone(),
            ward,
            role,
            started_on: started,
            ended_on: ended,
            end_reason: if ended.is_some() { end_reason.clone() } else { None },
            updated_at: now(),
        };
        let unchanged = correction.authority_id == before.authority_id
            && correction.ward == before.ward
            && correction.role == before.role
            && correction.started_on == before.started_on
            && correction.ended_on == before.ended_on
            && correction.end_reason == before.end_reason;
        if unchanged {
            return Err(ServiceError::invalid("council", "Nothing has changed: change a value to correct it"));
        }
        rows::correct_membership(conn, &before.id, &correction)?;
        let describe = |council: &str, role: &str, from: NaiveDate, to: Option<NaiveDate>| {
            format!(
                "{} of {} from {}{}",
                rules::role_label(role),
                council,
                from.format("%-d %B %Y"),
                to.map(|t| format!(" to {}", t.format("%-d %B %Y"))).unwrap_or_default()
            )
        };
        let before_council = authority_rows::find(conn, &before.authority_id)?.map(|a| a.name).unwrap_or_default();
        audit::record(
            conn,
            actor,
            Event::new("membership.corrected", "member", &member.id).summary(format!(
                "{}: membership corrected from {} to {} ({})",
                member.full_name,
                describe(&before_council, &before.role, before.started_on, before.ended_on),
                describe(&council.name, &correction.role, correction.started_on, correction.ended_on),
                reason
            )),
        )?;
        Ok(rows::find_membership(conn, &before.id)?.ok_or(ServiceError::NotFound)?.1)
    })
}
