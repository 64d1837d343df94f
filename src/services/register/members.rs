//! The register of members: people (name, title, party or Independent, contact details for
//! notices) and their memberships of councils over time. A member's page shows their
//! memberships, accounts and, to officers, every case about them.

use super::accounts::{self, AccountForm, AccountView};
use super::rules::{self, may_edit, may_view};
use crate::db::schema::{allegations, cases};
use crate::db::DbConnection;
use crate::models::authority::{self as authority_rows, Authority};
use crate::models::member::{self as rows, Member, MemberChanges, Membership};
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
    pub(super) fn of(ms: &Membership) -> Self {
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
