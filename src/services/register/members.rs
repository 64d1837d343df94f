//! The register of members: people (name, title, party or Independent, contact details for
//! notices) and their memberships of councils over time. A member's page shows their
//! memberships, accounts and, to officers, every case about them.

use super::accounts::{self, AccountForm, AccountView};
use super::rules::{self, may_edit, may_view, MembershipCheck};
use crate::db::schema::{allegations, cases};
use crate::db::DbConnection;
use crate::models::authority::{self as authority_rows, Authority};
use crate::models::member::{self as rows, Member, MemberChanges, Membership, MembershipChanges};
use crate::models::register as reg_rows;
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::access::{can, visible_cases, Permission};
use crate::services::audit::{self, Actor, Event};
use crate::services::vocab::{self, Choice, END_REASONS, MEMBERSHIP_ROLES};
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use validator::ValidateEmail;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct MemberForm {
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub party: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub postal_address: String,
}

impl MemberForm {
    fn of(m: &Member) -> Self {
        MemberForm {
            full_name: m.full_name.clone(),
            title: m.title.clone().unwrap_or_default(),
            party: m.party.clone().unwrap_or_default(),
            email: m.email.clone().unwrap_or_default(),
            phone: m.phone.clone().unwrap_or_default(),
            postal_address: m.postal_address.clone().unwrap_or_default(),
        }
    }
}

/// Checks a person's details; the values to store.
pub fn check_member(form: &MemberForm) -> Result<MemberChanges, FieldErrors> {
    let mut e = FieldErrors::default();
    let full_name = clean(&form.full_name);
    match &full_name {
        None => e.add("full_name", "Enter the member’s full name"),
        Some(n) if n.chars().count() > 200 => e.add("full_name", "The name must be 200 characters or fewer"),
        _ => {}
    }
    let email = clean(&form.email).map(|s| s.to_lowercase());
    if let Some(addr) = &email {
        if !addr.validate_email() {
            e.add("email", "Enter an email address in the correct format, like name@council.example");
        }
    }
    if !e.is_empty() {
        return Err(e);
    }
    Ok(MemberChanges {
        full_name: full_name.unwrap_or_default(),
        title: clean(&form.title),
        party: rules::clean_party(&form.party),
        email,
        phone: clean(&form.phone),
        postal_address: clean(&form.postal_address),
        updated_at: now(),
    })
}

/// Inserts a person with its audit entry, inside the caller's transaction.
pub fn create(conn: &mut DbConnection, actor: &Actor, c: MemberChanges) -> QueryResult<Member> {
    let m = Member {
        id: new_id(),
        full_name: c.full_name,
        party: c.party,
        email: c.email,
        phone: c.phone,
        created_at: c.updated_at,
        updated_at: c.updated_at,
        title: c.title,
        postal_address: c.postal_address,
    };
    rows::insert(conn, &m)?;
    audit::record(
        conn,
        actor,
        Event::new("member.added", "member", &m.id).summary(format!("{} added to the register", m.full_name)),
    )?;
    Ok(m)
}

pub fn add(conn: &mut DbConnection, actor: &Actor, user: &User, form: &MemberForm) -> ServiceResult<Member> {
    may_edit(user)?;
    let c = check_member(form).map_err(ServiceError::Invalid)?;
    crate::db::write(conn, |conn| Ok(create(conn, actor, c)?))
}

pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    id: &str,
    form: &MemberForm,
) -> ServiceResult<Member> {
    may_edit(user)?;
    let c = check_member(form).map_err(ServiceError::Invalid)?;
    crate::db::write(conn, |conn| {
        rows::find(conn, id)?.ok_or(ServiceError::NotFound)?;
        rows::update(conn, id, &c)?;
        audit::record(
            conn,
            actor,
            Event::new("member.changed", "member", id).summary(format!("{}’s details changed", c.full_name)),
        )?;
        rows::find(conn, id)?.ok_or(ServiceError::NotFound)
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberFormPage {
    pub member_id: Option<String>,
    pub form: MemberForm,
}

pub fn form_page(
    conn: &mut DbConnection,
    user: &User,
    id: Option<&str>,
    form: Option<MemberForm>,
) -> ServiceResult<MemberFormPage> {
    may_edit(user)?;
    let form = match (form, id) {
        (Some(f), _) => f,
        (None, Some(id)) => MemberForm::of(&rows::find(conn, id)?.ok_or(ServiceError::NotFound)?),
        (None, None) => MemberForm::default(),
    };
    Ok(MemberFormPage { member_id: id.map(str::to_string), form })
}

// ---------------------------------------------------------------------------------------------
// The list

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct MemberSearch {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub council: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberRow {
    pub id: String,
    pub name: String,
    pub party_label: String,
    /// Current memberships: "Northfield Parish Council (Chair)".
    pub current: Vec<String>,
    pub former: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct MembersPage {
    pub rows: Vec<MemberRow>,
    pub search: MemberSearch,
    pub councils: Vec<Choice>,
    pub may_edit: bool,
    pub total: usize,
}

pub fn list_page(
    conn: &mut DbConnection,
    user: &User,
    search: MemberSearch,
    today: NaiveDate,
) -> ServiceResult<MembersPage> {
    may_view(user)?;
    let councils_all = authority_rows::list_all(conn)?;
    let names: std::collections::HashMap<String, String> =
        councils_all.iter().map(|a| (a.id.clone(), a.name.clone())).collect();
    let mut by_member: std::collections::HashMap<String, Vec<Membership>> = std::collections::HashMap::new();
    for ms in rows::list_all_memberships(conn)? {
        by_member.entry(ms.member_id.clone()).or_default().push(ms);
    }
    let q = search.q.trim().to_lowercase();
    let rows_out: Vec<MemberRow> = rows::list_all(conn)?
        .into_iter()
        .filter(|m| {
            q.is_empty()
                || m.full_name.to_lowercase().contains(&q)
                || m.email.as_deref().is_some_and(|e| e.contains(&q))
        })
        .filter(|m| {
            search.council.is_empty()
                || by_member.get(&m.id).is_some_and(|v| v.iter().any(|ms| ms.authority_id == search.council))
        })
        .map(|m| {
            let ms = by_member.get(&m.id).cloned().unwrap_or_default();
            let current: Vec<String> = ms
                .iter()
                .filter(|x| x.covers(today))
                .map(|x| {
                    format!(
                        "{} ({})",
                        names.get(&x.authority_id).cloned().unwrap_or_default(),
                        rules::role_label(&x.role)
                    )
                })
                .collect();
            MemberRow {
                former: current.is_empty(),
                id: m.id,
                name: m.full_name,
                party_label: rules::party_label(m.party.as_deref()),
                current,
            }
        })
        .collect();
    Ok(MembersPage {
        total: rows_out.len(),
        rows: rows_out,
        search,
        councils: councils_all.into_iter().map(|a| Choice::new(a.id, a.name)).collect(),
        may_edit: may_edit(user).is_ok(),
    })
}

// ---------------------------------------------------------------------------------------------
// A member's page

#[derive(Debug, Clone, Serialize)]
pub struct MembershipView {
    pub id: String,
    pub council_id: String,
    pub council_name: String,
    pub ward: Option<String>,
    pub role_label: String,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub end_reason_label: Option<String>,
    pub current: bool,
    /// The end form as submitted, with its errors, when it was refused for this membership.
    pub end: Option<EndState>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseLink {
    pub reference: String,
    pub status: String,
    pub received_on: NaiveDate,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct MembershipForm {
    #[serde(default)]
    pub council: String,
    #[serde(default)]
    pub ward: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub started_day: String,
    #[serde(default)]
    pub started_month: String,
    #[serde(default)]
    pub started_year: String,
    #[serde(default)]
    pub ended_day: String,
    #[serde(default)]
    pub ended_month: String,
    #[serde(default)]
    pub ended_year: String,
    #[serde(default)]
    pub end_reason: String,
    /// Why a membership recorded wrongly is being corrected (the correction form only).
    #[serde(default)]
    pub correction_reason: String,
}

impl MembershipForm {
    fn of(ms: &Membership) -> Self {
        let part = |d: Option<NaiveDate>, f: &str| d.map(|d| d.format(f).to_string()).unwrap_or_default();
        MembershipForm {
            council: ms.authority_id.clone(),
            ward: ms.ward.clone().unwrap_or_default(),
            role: ms.role.clone(),
            started_day: part(Some(ms.started_on), "%-d"),
            started_month: part(Some(ms.started_on), "%-m"),
            started_year: part(Some(ms.started_on), "%Y"),
            ended_day: part(ms.ended_on, "%-d"),
            ended_month: part(ms.ended_on, "%-m"),
            ended_year: part(ms.ended_on, "%Y"),
            end_reason: ms.end_reason.clone().unwrap_or_default(),
            correction_reason: String::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct EndMembershipForm {
    #[serde(default)]
    pub end_day: String,
    #[serde(default)]
    pub end_month: String,
    #[serde(default)]
    pub end_year: String,
    #[serde(default)]
    pub end_reason: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct MemberPageForms {
    pub membership: MembershipForm,
    pub account: AccountForm,
    /// The "end this membership" form as submitted, with the membership it was for.
    pub end: Option<EndState>,
}

/// A refused "end this membership" form, shown again on its row.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EndState {
    pub membership_id: String,
    pub form: EndMembershipForm,
    pub date_error: String,
    pub reason_error: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberPage {
    pub id: String,
    pub name: String,
    pub title: Option<String>,
    pub party_label: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub postal_address: Option<String>,
    pub memberships: Vec<MembershipView>,
    pub accounts: Vec<AccountView>,
    /// Officers only: `None` for roles that do not work cases.
    pub cases: Option<Vec<CaseLink>>,
    pub may_edit: bool,
    pub forms: MemberPageForms,
    pub councils: Vec<Choice>,
    pub presents: Vec<Choice>,
    pub roles: Vec<Choice>,
    pub end_reasons: Vec<Choice>,
    pub platforms: Vec<Choice>,
    pub declared: Vec<Choice>,
}

pub fn page(
    conn: &mut DbConnection,
    user: &User,
    id: &str,
    today: NaiveDate,
    forms: MemberPageForms,
) -> ServiceResult<MemberPage> {
    may_view(user)?;
    let m = rows::find(conn, id)?.ok_or(ServiceError::NotFound)?;
    let councils = authority_rows::list_all(conn)?;
    let name_of = |aid: &str| councils.iter().find(|a| a.id == aid).map(|a| a.name.clone()).unwrap_or_default();
    let memberships = rows::list_memberships_for_member(conn, id)?
        .into_iter()
        .map(|ms| MembershipView {
            end: forms.end.clone().filter(|e| e.membership_id == ms.id),
            council_name: name_of(&ms.authority_id),
            current: ms.covers(today),
            id: ms.id,
            council_id: ms.authority_id,
            ward: ms.ward,
            role_label: rules::role_label(&ms.role).to_string(),
            started_on: ms.started_on,
            ended_on: ms.ended_on,
            end_reason_label: ms.end_reason.as_deref().map(|r| vocab::label(&END_REASONS, r).to_string()),
        })
        .collect();
    let accounts = accounts::views(conn, id, &councils)?;
    let cases = if can(user, Permission::ViewAllCases) {
        let list: Vec<(String, String, NaiveDate)> = cases::table
            .filter(visible_cases(user))
            .filter(
                cases::id.eq_any(allegations::table.filter(allegations::member_id.eq(id)).select(allegations::case_id)),
            )
            .order(cases::received_on.desc())
            .select((cases::reference, cases::status, cases::received_on))
            .load(conn)?;
        Some(
            list.into_iter()
                .map(|(reference, status, received_on)| CaseLink {
                    reference,
                    status: crate::models::enums::CaseStatus::parse(&status)
                        .map(|s| s.label())
                        .unwrap_or("Unknown")
                        .to_string(),
                    received_on,
                })
                .collect(),
        )
    } else {
        None
    };
    let active: Vec<&Authority> = councils.iter().filter(|a| a.active).collect();
    let presents = accounts::presents_choices(&councils, None);
    Ok(MemberPage {
        id: m.id.clone(),
        name: m.full_name.clone(),
        title: m.title.clone(),
        party_label: rules::party_label(m.party.as_deref()),
        email: m.email.clone(),
        phone: m.phone.clone(),
        postal_address: m.postal_address.clone(),
        memberships,
        accounts,
        cases,
        may_edit: may_edit(user).is_ok(),
        forms,
        councils: active.iter().map(|a| Choice::new(a.id.clone(), a.name.clone())).collect(),
        presents,
        roles: Choice::list(&MEMBERSHIP_ROLES),
        end_reasons: Choice::list(&END_REASONS),
        platforms: Choice::list(&vocab::PLATFORMS),
        declared: accounts::declared_choices(),
    })
}

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
    let ended = optional_date("ended", &form.ended_day, &form.ended_month, &form.ended_year, &mut e);
    let end_reason = clean(&form.end_reason);
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
    let ended = optional_date("ended", &form.ended_day, &form.ended_month, &form.ended_year, &mut e);
    let end_reason = clean(&form.end_reason);
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
