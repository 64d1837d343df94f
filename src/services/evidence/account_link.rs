//! Evidence captured from a registered account is linked to it: the item's URL canonicalises to
//! the account's canonical URL (or sits under it, as a post sits under its profile), or the
//! platform and handle match.

use crate::db::DbConnection;
use crate::models::evidence::EvidenceVersion;
use crate::models::member::{self as member_rows, MemberAccount};
use crate::services::urls;
use diesel::QueryResult;

fn handle_key(h: &str) -> String {
    h.trim().trim_start_matches('@').to_lowercase()
}

/// Whether the captured version was taken from `account`.
pub fn matches(account: &MemberAccount, v: &EvidenceVersion) -> bool {
    let account_url =
        account.canonical_url.clone().or_else(|| account.profile_url.as_deref().and_then(urls::canonicalize));
    if let Some(acc) = account_url.as_deref() {
        let item_url = v.canonical_url.clone().or_else(|| v.url.as_deref().and_then(urls::canonicalize));
        if let Some(item) = item_url.as_deref() {
            if item == acc || item.starts_with(&format!("{acc}/")) {
                return true;
            }
        }
        if v.url.as_deref().and_then(urls::profile_of).as_deref() == Some(acc) {
            return true;
        }
    }
    match (&v.platform, &v.account_handle) {
        (Some(p), Some(h)) => {
            !handle_key(h).is_empty() && p == &account.platform && handle_key(h) == handle_key(&account.handle)
        }
        _ => false,
    }
}

/// The registered account the version was captured from, if any: when several match, one in use
/// on the date of the post is preferred.
pub fn registered_account(conn: &mut DbConnection, v: &EvidenceVersion) -> QueryResult<Option<MemberAccount>> {
    if v.url.is_none() && v.account_handle.is_none() {
        return Ok(None);
    }
    let found: Vec<MemberAccount> = member_rows::list_accounts(conn)?.into_iter().filter(|a| matches(a, v)).collect();
    let day = v.posted_at.map(|t| t.date());
    let in_use = |a: &MemberAccount| match day {
        Some(d) => a.in_use_from.is_none_or(|f| f <= d) && a.in_use_to.is_none_or(|t| d <= t),
        None => true,
    };
    Ok(found.iter().find(|a| in_use(a)).or(found.first()).cloned())
}

/// "@handle": the handle as people see it.
pub fn at_handle(a: &MemberAccount) -> String {
    format!("@{}", a.handle.trim_start_matches('@'))
}

/// In plain words, the registered account an item was captured from: "Captured from @x,
/// registered as the official account of Parish Council Y (member: Jane Smith)".
pub fn describe(conn: &mut DbConnection, account_id: &str) -> QueryResult<Option<String>> {
    let Some(a) = member_rows::find_account(conn, account_id)? else { return Ok(None) };
    let member = member_rows::find(conn, &a.member_id)?.map(|m| m.full_name).unwrap_or_default();
    let platform = crate::services::vocab::label(&crate::services::vocab::PLATFORMS, &a.platform);
    let what = match &a.authority_id {
        Some(id) => {
            let council = crate::models::authority::find(conn, id)?.map(|c| c.name).unwrap_or_default();
            let kind = if a.declared_official { "the official account" } else { "an account" };
            format!("{kind} of {council}")
        }
        None => "a personal account".to_string(),
    };
    Ok(Some(format!("Captured from {} ({platform}), registered as {what} (member: {member})", at_handle(&a))))
}
