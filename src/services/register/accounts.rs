//! Members' social media accounts: platform, handle, profile URL (kept with its canonical form,
//! the rules used for grouping complaints), the council and role the account presents or
//! "personal", whether the member declared it official, and the dates it was in use.

use super::rules::may_edit;
use crate::db::DbConnection;
use crate::models::authority::{self as authority_rows, Authority};
use crate::models::member::{self as rows, AccountChanges, Member, MemberAccount};
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::urls;
use crate::services::vocab::{self, Choice, PLATFORMS};
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDate;
use diesel::QueryResult;
use serde::{Deserialize, Serialize};

/// A handle as matched: without a leading "@", in lower case.
pub fn normalise_handle(raw: &str) -> String {
    raw.trim().trim_start_matches('@').to_lowercase()
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AccountForm {
    #[serde(default)]
    pub platform: String,
    #[serde(default)]
    pub handle: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub profile_url: String,
    /// A council id, or "personal".
    #[serde(default)]
    pub presents: String,
    #[serde(default)]
    pub presents_role: String,
    /// "official" or "personal".
    #[serde(default)]
    pub declared: String,
    #[serde(default)]
    pub in_use_from_day: String,
    #[serde(default)]
    pub in_use_from_month: String,
    #[serde(default)]
    pub in_use_from_year: String,
    #[serde(default)]
    pub in_use_to_day: String,
    #[serde(default)]
    pub in_use_to_month: String,
    #[serde(default)]
    pub in_use_to_year: String,
}

impl AccountForm {
    /// The form filled with an account's stored values, for changing it.
    pub fn of(a: &MemberAccount) -> Self {
        let part = |d: Option<NaiveDate>, f: &str| d.map(|d| d.format(f).to_string()).unwrap_or_default();
        AccountForm {
            platform: a.platform.clone(),
            handle: a.handle.clone(),
            display_name: a.display_name.clone().unwrap_or_default(),
            profile_url: a.profile_url.clone().unwrap_or_default(),
            presents: a.authority_id.clone().unwrap_or_else(|| "personal".into()),
            presents_role: a.presents_role.clone().unwrap_or_default(),
            declared: if a.declared_official { "official" } else { "personal" }.into(),
            in_use_from_day: part(a.in_use_from, "%-d"),
            in_use_from_month: part(a.in_use_from, "%-m"),
            in_use_from_year: part(a.in_use_from, "%Y"),
            in_use_to_day: part(a.in_use_to, "%-d"),
            in_use_to_month: part(a.in_use_to, "%-m"),
            in_use_to_year: part(a.in_use_to, "%Y"),
        }
    }
}

/// The councils an account may present: "personal", every active council, and the council it
/// presents now even if that council has since been retired.
pub fn presents_choices(councils: &[Authority], current: Option<&str>) -> Vec<Choice> {
    let mut out = vec![Choice::new("personal", "Personal: no council")];
    out.extend(
        councils
            .iter()
            .filter(|a| a.active || current == Some(a.id.as_str()))
            .map(|a| Choice::new(a.id.clone(), a.name.clone())),
    );
    out
}

pub fn declared_choices() -> Vec<Choice> {
    vec![
        Choice::new("official", "Official: the member says they use it as a councillor"),
        Choice::new("personal", "Personal"),
    ]
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountView {
    pub id: String,
    pub platform_label: String,
    pub handle: String,
    pub display_name: Option<String>,
    pub profile_url: Option<String>,
    /// The council presented, or "Personal".
    pub presents: String,
    pub presents_role: Option<String>,
    pub declared_label: String,
    pub in_use_from: Option<NaiveDate>,
    pub in_use_to: Option<NaiveDate>,
}

pub fn views(conn: &mut DbConnection, member_id: &str, councils: &[Authority]) -> QueryResult<Vec<AccountView>> {
    Ok(rows::list_accounts_for_member(conn, member_id)?
        .into_iter()
        .map(|a| AccountView {
            platform_label: vocab::label(&PLATFORMS, &a.platform).to_string(),
            presents: a
                .authority_id
                .as_ref()
                .and_then(|id| councils.iter().find(|c| &c.id == id))
                .map(|c| c.name.clone())
                .unwrap_or_else(|| "Personal".into()),
            declared_label: if a.declared_official { "Official" } else { "Personal" }.into(),
            id: a.id,
            handle: a.handle,
            display_name: a.display_name,
            profile_url: a.profile_url,
            presents_role: a.presents_role,
            in_use_from: a.in_use_from,
            in_use_to: a.in_use_to,
        })
        .collect())
}

/// The checked values of an account (shared with the import).
pub struct CheckedAccount {
    pub platform: String,
    pub handle: String,
    pub changes: AccountChanges,
}

fn date_of(field: &str, d: &str, m: &str, y: &str, e: &mut FieldErrors) -> Option<NaiveDate> {
    if d.trim().is_empty() && m.trim().is_empty() && y.trim().is_empty() {
        return None;
    }
    vocab::parse_date(d, m, y).map_err(|msg| e.add(field, msg)).ok()
}

pub fn check(conn: &mut DbConnection, form: &AccountForm) -> ServiceResult<CheckedAccount> {
    let mut e = FieldErrors::default();
    if !vocab::is_code(&PLATFORMS, &form.platform) {
        e.add("platform", "Select the platform");
    }
    let handle = form.handle.trim().to_string();
    if handle.is_empty() {
        e.add("handle", "Enter the account’s handle or name, like @cllr_archer");
    }
    let profile_url = clean(&form.profile_url);
    let canonical_url = match &profile_url {
        Some(u) => match urls::canonicalize(u) {
            Some(c) => Some(c),
            None => {
                e.add("profile_url", "Enter the profile’s web address, like https://x.com/cllr_archer");
                None
            }
        },
        None => None,
    };
    let authority_id = match form.presents.as_str() {
        "personal" => None,
        "" => {
            e.add("presents", "Select the council the account presents, or personal");
            None
        }
        id => match authority_rows::find(conn, id)? {
            Some(a) => Some(a.id),
            None => {
                e.add("presents", "Select the council the account presents, or personal");
                None
            }
        },
    };
    let declared_official = match form.declared.as_str() {
        "official" => true,
        "personal" => false,
        _ => {
            e.add("declared", "Select whether the member declared it official or personal");
            false
        }
    };
    let from = date_of("in_use_from", &form.in_use_from_day, &form.in_use_from_month, &form.in_use_from_year, &mut e);
    let to = date_of("in_use_to", &form.in_use_to_day, &form.in_use_to_month, &form.in_use_to_year, &mut e);
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            e.add("in_use_to", "The date it stopped being used must be the same as or after the date it started");
        }
    }
    e.into_result()?;
    Ok(CheckedAccount {
        platform: form.platform.clone(),
        handle,
        changes: AccountChanges {
            display_name: clean(&form.display_name),
            profile_url,
            canonical_url,
            declared_official,
            authority_id,
            presents_role: clean(&form.presents_role),
            in_use_from: from,
            in_use_to: to,
            updated_at: now(),
        },
    })
}

/// Inserts an account with its audit entry (inside the caller's transaction).
pub fn insert(
    conn: &mut DbConnection,
    actor: &Actor,
    member: &Member,
    a: CheckedAccount,
) -> QueryResult<MemberAccount> {
    let c = a.changes;
    let row = MemberAccount {
        id: new_id(),
        member_id: member.id.clone(),
        platform: a.platform,
        handle: a.handle,
        display_name: c.display_name,
        profile_url: c.profile_url,
        canonical_url: c.canonical_url,
        declared_official: c.declared_official,
        notes: None,
        created_at: c.updated_at,
        authority_id: c.authority_id,
        presents_role: c.presents_role,
        in_use_from: c.in_use_from,
        in_use_to: c.in_use_to,
        updated_at: c.updated_at,
    };
    rows::insert_account(conn, &row)?;
    audit::record(
        conn,
        actor,
        Event::new("account.added", "member", &member.id).summary(format!(
            "{}: {} account {} added",
            member.full_name,
            vocab::label(&PLATFORMS, &row.platform),
            row.handle
        )),
    )?;
    Ok(row)
}

pub fn add(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    member_id: &str,
    form: &AccountForm,
) -> ServiceResult<MemberAccount> {
    may_edit(user)?;
    crate::db::write(conn, |conn| {
        let member = rows::find(conn, member_id)?.ok_or(ServiceError::NotFound)?;
        let checked = check(conn, form)?;
        let wanted = normalise_handle(&checked.handle);
        let dup = rows::list_all_accounts(conn)?
            .into_iter()
            .any(|a| a.platform == checked.platform && normalise_handle(&a.handle) == wanted);
        if dup {
            return Err(ServiceError::invalid("handle", "That account is already on the register"));
        }
        Ok(insert(conn, actor, &member, checked)?)
    })
}

/// The "change this account" page: the form filled with the stored values, or as submitted.
#[derive(Debug, Clone, Serialize)]
pub struct AccountFormPage {
    pub member_id: String,
    pub member_name: String,
    pub account_id: String,
    pub handle: String,
    pub form: AccountForm,
    pub platforms: Vec<Choice>,
    pub presents: Vec<Choice>,
    pub declared: Vec<Choice>,
}

fn find_for_member(
    conn: &mut DbConnection,
    member_id: &str,
    account_id: &str,
) -> ServiceResult<(Member, MemberAccount)> {
    let member = rows::find(conn, member_id)?.ok_or(ServiceError::NotFound)?;
    let account =
        rows::find_account(conn, account_id)?.filter(|a| a.member_id == member.id).ok_or(ServiceError::NotFound)?;
    Ok((member, account))
}

pub fn edit_page(
    conn: &mut DbConnection,
    user: &User,
    member_id: &str,
    account_id: &str,
    submitted: Option<AccountForm>,
) -> ServiceResult<AccountFormPage> {
    may_edit(user)?;
    let (member, account) = find_for_member(conn, member_id, account_id)?;
    let councils = authority_rows::list_all(conn)?;
    Ok(AccountFormPage {
        presents: presents_choices(&councils, account.authority_id.as_deref()),
        form: submitted.unwrap_or_else(|| AccountForm::of(&account)),
        member_id: member.id,
        member_name: member.full_name,
        account_id: account.id,
        handle: account.handle,
        platforms: Choice::list(&PLATFORMS),
        declared: declared_choices(),
    })
}

/// What changed between two versions of an account, in words for the audit trail.
fn changes_in_words(before: &MemberAccount, after: &CheckedAccount) -> Vec<String> {
    let date = |d: Option<NaiveDate>| d.map(|d| d.format("%-d %B %Y").to_string()).unwrap_or_else(|| "none".into());
    let c = &after.changes;
    let mut out = Vec::new();
    if before.platform != after.platform {
        out.push(format!("platform now {}", vocab::label(&PLATFORMS, &after.platform)));
    }
    if before.handle != after.handle {
        out.push(format!("handle {} → {}", before.handle, after.handle));
    }
    if before.display_name != c.display_name {
        out.push("display name".into());
    }
    if before.profile_url != c.profile_url {
        out.push("profile web address".into());
    }
    if before.authority_id != c.authority_id || before.presents_role != c.presents_role {
        out.push("what it presents".into());
    }
    if before.declared_official != c.declared_official {
        out.push(format!("declared {}", if c.declared_official { "official" } else { "personal" }));
    }
    if before.in_use_from != c.in_use_from {
        out.push(format!("in use from {}", date(c.in_use_from)));
    }
    if before.in_use_to != c.in_use_to {
        out.push(format!("in use until {}", date(c.in_use_to)));
    }
    out
}

/// Changes an account, for example the date it stopped being used or a new handle. Evidence
/// already linked to the account stays linked; cases are not touched.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    member_id: &str,
    account_id: &str,
    form: &AccountForm,
) -> ServiceResult<MemberAccount> {
    may_edit(user)?;
    crate::db::write(conn, |conn| {
        let (member, before) = find_for_member(conn, member_id, account_id)?;
        let checked = check(conn, form)?;
        let wanted = normalise_handle(&checked.handle);
        let dup = rows::list_all_accounts(conn)?
            .into_iter()
            .any(|a| a.id != before.id && a.platform == checked.platform && normalise_handle(&a.handle) == wanted);
        if dup {
            return Err(ServiceError::invalid("handle", "Another account on the register has that handle"));
        }
        let words = changes_in_words(&before, &checked);
        if words.is_empty() {
            return Ok(before);
        }
        rows::rename_account(conn, &before.id, &checked.platform, &checked.handle)?;
        rows::update_account(conn, &before.id, &checked.changes)?;
        audit::record(
            conn,
            actor,
            Event::new("account.changed", "member", &member.id).summary(format!(
                "{}: {} account {} changed: {}",
                member.full_name,
                vocab::label(&PLATFORMS, &checked.platform),
                checked.handle,
                words.join(", ")
            )),
        )?;
        rows::find_account(conn, &before.id)?.ok_or(ServiceError::NotFound)
    })
}
