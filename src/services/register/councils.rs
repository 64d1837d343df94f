//! Councils: the principal council and the parish, town, community and city councils it handles
//! complaints for. Added, changed and retired, never deleted (cases refer to them); wards and
//! divisions; "end all memberships of this council on a date" after an election.

use super::rules::{self, form_date, may_edit, may_view};
use crate::db::DbConnection;
use crate::models::authority::{self as rows, is_local_tier, Authority, AuthorityChanges, NATIONS, TIERS};
use crate::models::member::{self as member_rows, MembershipChanges};
use crate::models::register::{self as reg_rows, Ward};
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::vocab::{self, Choice, END_REASONS};
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use validator::ValidateEmail;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct CouncilForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub short_name: String,
    #[serde(default)]
    pub tier: String,
    #[serde(default)]
    pub nation: String,
    #[serde(default)]
    pub principal: String,
    #[serde(default)]
    pub clerk_name: String,
    #[serde(default)]
    pub clerk_email: String,
}

impl CouncilForm {
    fn of(a: &Authority) -> Self {
        CouncilForm {
            name: a.name.clone(),
            short_name: a.short_name.clone().unwrap_or_default(),
            tier: a.tier.clone(),
            nation: a.nation.clone(),
            principal: a.principal_authority_id.clone().unwrap_or_default(),
            clerk_name: a.clerk_name.clone().unwrap_or_default(),
            clerk_email: a.clerk_email.clone().unwrap_or_default(),
        }
    }
}

/// A council in lists.
#[derive(Debug, Clone, Serialize)]
pub struct CouncilRow {
    pub id: String,
    pub name: String,
    pub short_name: Option<String>,
    pub tier_label: String,
    pub nation_label: String,
    pub principal_name: Option<String>,
    pub is_principal: bool,
    pub current_members: i64,
    pub retired_on: Option<NaiveDate>,
}

fn row_of(a: &Authority, all: &[Authority], counts: &std::collections::HashMap<String, i64>) -> CouncilRow {
    CouncilRow {
        id: a.id.clone(),
        name: a.name.clone(),
        short_name: a.short_name.clone(),
        tier_label: vocab::label(&TIERS, &a.tier).to_string(),
        nation_label: vocab::label(&NATIONS, &a.nation).to_string(),
        principal_name: a
            .principal_authority_id
            .as_ref()
            .and_then(|p| all.iter().find(|x| &x.id == p))
            .map(|p| p.name.clone()),
        is_principal: !is_local_tier(&a.tier),
        current_members: counts.get(&a.id).copied().unwrap_or(0),
        retired_on: a.retired_on.or(if a.active { None } else { Some(a.created_at.date()) }),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CouncilsPage {
    pub councils: Vec<CouncilRow>,
    pub may_edit: bool,
}

/// Every council: principal councils first, then parish, town and community councils, each by name.
pub fn list_page(conn: &mut DbConnection, user: &User, today: NaiveDate) -> ServiceResult<CouncilsPage> {
    may_view(user)?;
    let all = rows::list_all(conn)?;
    let counts = rows::current_member_counts(conn, today)?;
    let mut councils: Vec<CouncilRow> = all.iter().map(|a| row_of(a, &all, &counts)).collect();
    councils.sort_by(|a, b| {
        (!a.is_principal, a.retired_on.is_some(), &a.name).cmp(&(!b.is_principal, b.retired_on.is_some(), &b.name))
    });
    Ok(CouncilsPage { councils, may_edit: may_edit(user).is_ok() })
}

#[derive(Debug, Clone, Serialize)]
pub struct CouncilFormPage {
    pub council_id: Option<String>,
    pub form: CouncilForm,
    pub tiers: Vec<Choice>,
    pub nations: Vec<Choice>,
    pub principals: Vec<Choice>,
}

fn principal_choices(conn: &mut DbConnection, except: Option<&str>) -> ServiceResult<Vec<Choice>> {
    Ok(rows::list_all(conn)?
        .into_iter()
        .filter(|a| a.active && !is_local_tier(&a.tier) && Some(a.id.as_str()) != except)
        .map(|a| Choice::new(a.id, a.name))
        .collect())
}

pub fn form_page(
    conn: &mut DbConnection,
    user: &User,
    council_id: Option<&str>,
    form: Option<CouncilForm>,
) -> ServiceResult<CouncilFormPage> {
    may_edit(user)?;
    let form = match (form, council_id) {
        (Some(f), _) => f,
        (None, Some(id)) => CouncilForm::of(&rows::find(conn, id)?.ok_or(ServiceError::NotFound)?),
        (None, None) => CouncilForm { nation: "england".into(), ..Default::default() },
    };
    Ok(CouncilFormPage {
        council_id: council_id.map(str::to_string),
        form,
        tiers: Choice::list(&TIERS),
        nations: Choice::list(&NATIONS),
        principals: principal_choices(conn, council_id)?,
    })
}

/// Checks the form; the changes to store.
fn check(conn: &mut DbConnection, form: &CouncilForm, council_id: Option<&str>) -> ServiceResult<AuthorityChanges> {
    let mut e = FieldErrors::default();
    let name = clean(&form.name);
    match &name {
        None => e.add("name", "Enter the council’s name"),
        Some(n) if n.chars().count() > 200 => e.add("name", "The name must be 200 characters or fewer"),
        Some(n) => {
            if let Some(other) = rows::find_by_name(conn, n)? {
                if Some(other.id.as_str()) != council_id {
                    e.add("name", format!("There is already a council called {n}"));
                }
            }
        }
    }
    if !vocab::is_code(&TIERS, &form.tier) {
        e.add("tier", "Select the kind of council");
    }
    if !vocab::is_code(&NATIONS, &form.nation) {
        e.add("nation", "Select England or Wales");
    }
    let principal = clean(&form.principal);
    if is_local_tier(&form.tier) {
        match &principal {
            None => e.add("principal", "Select the principal council that handles its complaints"),
            Some(p) => match rows::find(conn, p)? {
                Some(a) if a.active && !is_local_tier(&a.tier) && Some(a.id.as_str()) != council_id => {}
                _ => e.add("principal", "Select the principal council that handles its complaints"),
            },
        }
    }
    let clerk_email = clean(&form.clerk_email).map(|s| s.to_lowercase());
    if let Some(addr) = &clerk_email {
        if !addr.validate_email() {
            e.add("clerk_email", "Enter the clerk’s email address in the correct format, like clerk@parish.example");
        }
    }
    e.into_result()?;
    Ok(AuthorityChanges {
        name: name.unwrap_or_default(),
        short_name: clean(&form.short_name),
        tier: form.tier.clone(),
        nation: form.nation.clone(),
        principal_authority_id: if is_local_tier(&form.tier) { principal } else { None },
        clerk_name: clean(&form.clerk_name),
        clerk_email,
    })
}

pub fn add(conn: &mut DbConnection, actor: &Actor, user: &User, form: &CouncilForm) -> ServiceResult<Authority> {
    may_edit(user)?;
    crate::db::write(conn, |conn| {
        let c = check(conn, form, None)?;
        let a = create(conn, actor, c)?;
        Ok(a)
    })
}

/// Inserts a council with its audit entry (inside the caller's transaction). Used by the admin
/// form and the demo loader.
pub fn create(conn: &mut DbConnection, actor: &Actor, c: AuthorityChanges) -> ServiceResult<Authority> {
    let slug = rules::slug_for(&c.name, conn)?;
    create_with_slug(conn, actor, c, slug)
}

pub fn create_with_slug(
    conn: &mut DbConnection,
    actor: &Actor,
    c: AuthorityChanges,
    slug: String,
) -> ServiceResult<Authority> {
    let a = Authority {
        id: new_id(),
        name: c.name,
        slug,
        tier: c.tier,
        nation: c.nation,
        principal_authority_id: c.principal_authority_id,
        clerk_name: c.clerk_name,
        clerk_email: c.clerk_email,
        active: true,
        created_at: now(),
        short_name: c.short_name,
        retired_on: None,
    };
    rows::insert(conn, &a)?;
    audit::record(
        conn,
        actor,
        Event::new("council.added", "authority", &a.id).summary(format!(
            "{} added ({})",
            a.name,
            vocab::label(&TIERS, &a.tier)
        )),
    )?;
    Ok(a)
}

pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    id: &str,
    form: &CouncilForm,
) -> ServiceResult<Authority> {
    may_edit(user)?;
    crate::db::write(conn, |conn| {
        let before = rows::find(conn, id)?.ok_or(ServiceError::NotFound)?;
        let c = check(conn, form, Some(id))?;
        rows::update(conn, id, &c)?;
        let after = rows::find(conn, id)?.ok_or(ServiceError::NotFound)?;
        audit::record(
            conn,
            actor,
            Event::new("council.changed", "authority", id).summary(if before.name == after.name {
                format!("{} changed", after.name)
            } else {
                format!("{} renamed {}", before.name, after.name)
            }),
        )?;
        Ok(after)
    })
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RetireForm {
    #[serde(default)]
    pub retired_day: String,
    #[serde(default)]
    pub retired_month: String,
    #[serde(default)]
    pub retired_year: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct EndAllForm {
    #[serde(default)]
    pub end_all_day: String,
    #[serde(default)]
    pub end_all_month: String,
    #[serde(default)]
    pub end_all_year: String,
    #[serde(default)]
    pub end_all_reason: String,
    /// "yes" once the preview has been confirmed.
    #[serde(default)]
    pub confirm: String,
}

/// Retires a council from a date. Its cases, memberships and history stay as they are; it is no
/// longer offered on the complaint form or for new memberships.
pub fn retire(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    id: &str,
    form: &RetireForm,
) -> ServiceResult<Authority> {
    may_edit(user)?;
    let on =
        form_date("retired", "the council was retired", &form.retired_day, &form.retired_month, &form.retired_year)
            .map_err(ServiceError::Invalid)?;
    crate::db::write(conn, |conn| {
        let a = rows::find(conn, id)?.ok_or(ServiceError::NotFound)?;
        if a.retired_on.is_some() || !a.active {
            return Err(ServiceError::refused(format!("{} has already been retired", a.name)));
        }
        let parishes = rows::list_all(conn)?
            .into_iter()
            .filter(|p| p.active && p.principal_authority_id.as_deref() == Some(id))
            .count();
        if parishes > 0 {
            return Err(ServiceError::refused(format!(
                "{} still handles complaints for {parishes} council(s): move or retire them first",
                a.name
            )));
        }
        rows::retire(conn, id, on)?;
        audit::record(
            conn,
            actor,
            Event::new("council.retired", "authority", id).summary(format!(
                "{} retired from {}",
                a.name,
                on.format("%-d %B %Y")
            )),
        )?;
        rows::find(conn, id)?.ok_or(ServiceError::NotFound)
    })
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct WardForm {
    #[serde(default)]
    pub ward_name: String,
}

pub fn add_ward(conn: &mut DbConnection, actor: &Actor, user: &User, id: &str, form: &WardForm) -> ServiceResult<Ward> {
    may_edit(user)?;
    crate::db::write(conn, |conn| {
        let a = rows::find(conn, id)?.ok_or(ServiceError::NotFound)?;
        let Some(name) = clean(&form.ward_name) else {
            return Err(ServiceError::invalid("ward_name", "Enter the name of the ward or division"));
        };
        if reg_rows::list_wards(conn, id)?.iter().any(|w| w.name.eq_ignore_ascii_case(&name)) {
            return Err(ServiceError::invalid("ward_name", format!("{} already has a ward called {name}", a.name)));
        }
        let w = Ward { id: new_id(), authority_id: id.to_string(), name, retired_on: None, created_at: now() };
        reg_rows::insert_ward(conn, &w)?;
        audit::record(
            conn,
            actor,
            Event::new("council.ward_added", "authority", id).summary(format!("Ward {} added to {}", w.name, a.name)),
        )?;
        Ok(w)
    })
}

pub fn retire_ward(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    id: &str,
    ward_id: &str,
    today: NaiveDate,
) -> ServiceResult<Ward> {
    may_edit(user)?;
    crate::db::write(conn, |conn| {
        let w = reg_rows::find_ward(conn, ward_id)?.filter(|w| w.authority_id == id).ok_or(ServiceError::NotFound)?;
        if w.retired_on.is_some() {
            return Err(ServiceError::refused(format!("{} has already been retired", w.name)));
        }
        reg_rows::retire_ward(conn, ward_id, today)?;
        audit::record(
            conn,
            actor,
            Event::new("council.ward_retired", "authority", id).summary(format!("Ward {} retired", w.name)),
        )?;
        Ok(w)
    })
}

/// A membership of the council, on its page.
#[derive(Debug, Clone, Serialize)]
pub struct CouncilMembership {
    pub member_id: String,
    pub member_name: String,
    pub party_label: String,
    pub ward: Option<String>,
    pub role_label: String,
    pub started_on: NaiveDate,
}

#[derive(Debug, Clone, Serialize)]
pub struct WardRow {
    pub id: String,
    pub name: String,
    pub retired_on: Option<NaiveDate>,
}

/// The forms of the council page, as submitted when one comes back with errors.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CouncilPageForms {
    pub ward: WardForm,
    pub end_all: EndAllForm,
    pub retire: RetireForm,
    pub adopt: super::codes::AdoptForm,
}

#[derive(Debug, Clone, Serialize)]
pub struct CouncilPage {
    pub council: CouncilRow,
    pub clerk_name: Option<String>,
    pub clerk_email: Option<String>,
    pub is_retired: bool,
    pub wards: Vec<WardRow>,
    pub members: Vec<CouncilMembership>,
    pub codes: super::codes::CouncilCodes,
    pub may_edit: bool,
    pub forms: CouncilPageForms,
    pub end_reasons: Vec<Choice>,
}

pub fn page(
    conn: &mut DbConnection,
    user: &User,
    id: &str,
    today: NaiveDate,
    forms: CouncilPageForms,
) -> ServiceResult<CouncilPage> {
    may_view(user)?;
    let a = rows::find(conn, id)?.ok_or(ServiceError::NotFound)?;
    let all = rows::list_all(conn)?;
    let counts = rows::current_member_counts(conn, today)?;
    let wards = reg_rows::list_wards(conn, id)?
        .into_iter()
        .map(|w| WardRow { id: w.id, name: w.name, retired_on: w.retired_on })
        .collect();
    let members = member_rows::list_memberships_for_authority(conn, id)?
        .into_iter()
        .filter(|(_, ms)| ms.covers(today))
        .map(|(m, ms)| CouncilMembership {
            member_id: m.id,
            member_name: m.full_name,
            party_label: rules::party_label(m.party.as_deref()),
            ward: ms.ward,
            role_label: rules::role_label(&ms.role).to_string(),
            started_on: ms.started_on,
        })
        .collect();
    let codes = super::codes::council_codes(conn, &a, today)?;
    let mut forms = forms;
    if forms.adopt.day.is_empty() && forms.adopt.month.is_empty() && forms.adopt.year.is_empty() {
        forms.adopt.day = today.day().to_string();
        forms.adopt.month = today.month().to_string();
        forms.adopt.year = today.year().to_string();
    }
    Ok(CouncilPage {
        council: row_of(&a, &all, &counts),
        clerk_name: a.clerk_name.clone(),
        clerk_email: a.clerk_email.clone(),
        is_retired: !a.active || a.retired_on.is_some(),
        wards,
        members,
        codes,
        may_edit: may_edit(user).is_ok(),
        forms,
        end_reasons: Choice::list(&END_REASONS),
    })
}

/// What "end all memberships" would do, for its confirm step.
#[derive(Debug, Clone, Serialize)]
pub struct EndAllPreview {
    pub council_id: String,
    pub council_name: String,
    pub ended_on: NaiveDate,
    pub reason: String,
    pub reason_label: String,
    pub members: Vec<CouncilMembership>,
    pub form: EndAllForm,
}

pub enum EndAll {
    /// Asked to confirm.
    Confirm(Box<EndAllPreview>),
    /// Done: this many memberships ended.
    Done(usize),
}

/// Ends every membership of the council current on the date (the day after an election, say),
/// on that date with that reason: first a preview to confirm, then in one transaction.
pub fn end_all(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    id: &str,
    form: &EndAllForm,
) -> ServiceResult<EndAll> {
    may_edit(user)?;
    let mut e = FieldErrors::default();
    let on =
        match form_date("end_all", "the memberships end", &form.end_all_day, &form.end_all_month, &form.end_all_year) {
            Ok(d) => Some(d),
            Err(errs) => {
                e.0.extend(errs.0);
                None
            }
        };
    if !vocab::is_code(&END_REASONS, &form.end_all_reason) {
        e.add("end_all_reason", "Select why the memberships end");
    }
    e.into_result()?;
    let on = on.unwrap_or_default();
    crate::db::write(conn, |conn| {
        let a = rows::find(conn, id)?.ok_or(ServiceError::NotFound)?;
        let current: Vec<_> = member_rows::list_memberships_for_authority(conn, id)?
            .into_iter()
            .filter(|(_, ms)| ms.started_on <= on && ms.ended_on.is_none_or(|end| end > on))
            .collect();
        if form.confirm != "yes" {
            return Ok(EndAll::Confirm(Box::new(EndAllPreview {
                council_id: a.id.clone(),
                council_name: a.name.clone(),
                ended_on: on,
                reason: form.end_all_reason.clone(),
                reason_label: vocab::label(&END_REASONS, &form.end_all_reason).to_string(),
                members: current
                    .into_iter()
                    .map(|(m, ms)| CouncilMembership {
                        member_id: m.id,
                        member_name: m.full_name,
                        party_label: rules::party_label(m.party.as_deref()),
                        ward: ms.ward,
                        role_label: rules::role_label(&ms.role).to_string(),
                        started_on: ms.started_on,
                    })
                    .collect(),
                form: form.clone(),
            })));
        }
        if current.is_empty() {
            return Err(ServiceError::refused(format!("{} had no current memberships on that date", a.name)));
        }
        let t = now();
        for (_, ms) in &current {
            member_rows::update_membership(
                conn,
                &ms.id,
                &MembershipChanges {
                    ward: ms.ward.clone(),
                    ended_on: Some(on),
                    end_reason: Some(form.end_all_reason.clone()),
                    updated_at: t,
                },
            )?;
        }
        audit::record(
            conn,
            actor,
            Event::new("council.memberships_ended", "authority", id).summary(format!(
                "{} memberships of {} ended on {} ({})",
                current.len(),
                a.name,
                on.format("%-d %B %Y"),
                vocab::label(&END_REASONS, &form.end_all_reason).to_lowercase()
            )),
        )?;
        Ok(EndAll::Done(current.len()))
    })
}
