//! The parties on the officer's case page: for each complainant and each member told of the
//! complaint, their last visit, whether their link works, what they sent (unread marked), the
//! thread with a reply form, and accept/decline for the evidence they sent. Officers reply,
//! decide on evidence, share a member's response with the complainants, and withdraw links.

use super::pages::{entries, ThreadEntry};
use super::{links, resolve, Party};
use crate::db::DbConnection;
use crate::emails;
use crate::models::case::Case;
use crate::models::complaint as complaint_rows;
use crate::models::member as member_rows;
use crate::models::party::{self as rows, PartyFile, PartyItem};
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::access::{self, Permission};
use crate::services::audit::{self, Actor, Event};
use crate::services::cases::find_workable;
use crate::services::evidence::{items as evidence_items, StoredUpload};
use crate::services::outbox::{self, To};
use crate::services::vocab::{self, label};
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDateTime;
use diesel::QueryResult;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct PartyRow {
    pub kind: String,
    pub id: String,
    pub side: &'static str,
    pub name: String,
    pub last_visit: Option<NaiveDateTime>,
    pub last_visit_what: Option<&'static str>,
    pub live_links: usize,
    /// Sessions signed in now: "Withdraw links" ends them too.
    pub live_sessions: usize,
    pub unread: usize,
    pub thread: Vec<ThreadEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PartiesSection {
    pub parties: Vec<PartyRow>,
    pub unread: usize,
    pub pending_evidence: usize,
    pub may_act: bool,
}

fn is_for(i: &PartyItem, p: &Party) -> bool {
    i.party == p.kind
        && if p.is_complainant() {
            i.complaint_id.as_deref() == Some(&p.id)
        } else {
            i.member_id.as_deref() == Some(&p.id)
        }
}

/// The section for officers working the case (`None` for anyone else). Reading it changes
/// nothing: what a party sent stays unread until an officer marks it read or replies.
pub fn section(conn: &mut DbConnection, user: &User, case: &Case) -> ServiceResult<Option<PartiesSection>> {
    if !access::can(user, Permission::WorkCases) {
        return Ok(None);
    }
    let items = rows::items_for_case(conn, &case.id)?;
    let visits = rows::visits_for_case(conn, &case.id)?;
    let links = rows::links_for_case(conn, &case.id)?;
    let sessions = rows::open_sessions_for_case(conn, &case.id)?;
    let t = now();
    let mut parties = Vec::new();
    for (c, who) in complaint_rows::list_for_case(conn, &case.id)? {
        parties.push((Party::complainant(&case.id, &c.id), who.name.clone()));
    }
    let told: Vec<String> =
        complaint_rows::list_notifications_for_case(conn, &case.id)?.into_iter().map(|n| n.member_id).collect();
    for m in member_rows::list_for_case(conn, &case.id)? {
        if told.contains(&m.id) || items.iter().any(|i| i.member_id.as_deref() == Some(&m.id)) {
            parties.push((Party::member(&case.id, &m.id), m.full_name.clone()));
        }
    }
    let mut rows_out = Vec::new();
    for (p, name) in parties {
        let mine: Vec<PartyItem> = items.iter().filter(|i| is_for(i, &p)).cloned().collect();
        let last = visits.iter().find(|v| {
            v.party == p.kind
                && v.what != "refused"
                && v.what != "sign-in-sent"
                // A mail scanner opening a link is not the party's visit.
                && v.what != "link-viewed"
                && (v.complaint_id.as_deref() == Some(&p.id) || v.member_id.as_deref() == Some(&p.id))
        });
        let live_links = links
            .iter()
            .filter(|l| {
                l.party == p.kind
                    && (l.complaint_id.as_deref() == Some(&p.id) || l.member_id.as_deref() == Some(&p.id))
                    && l.used_at.is_none()
                    && l.revoked_at.is_none()
                    && l.expires_at > t
            })
            .count();
        let live_sessions = sessions
            .iter()
            .filter(|s| {
                s.party == p.kind
                    && (s.complaint_id.as_deref() == Some(&p.id) || s.member_id.as_deref() == Some(&p.id))
                    && s.expires_at > t
            })
            .count();
        let unread = mine.iter().filter(|i| i.from_party && i.read_at.is_none()).count();
        let side = label(&vocab::PARTIES, &p.kind);
        rows_out.push(PartyRow {
            kind: p.kind.clone(),
            id: p.id.clone(),
            side,
            name,
            last_visit: last.map(|v| v.occurred_at),
            last_visit_what: last.map(|v| label(&vocab::PARTY_VISITS, &v.what)),
            live_links,
            live_sessions,
            unread,
            thread: entries(conn, mine, true, side)?,
        });
    }
    let section = PartiesSection {
        unread: rows_out.iter().map(|r| r.unread).sum(),
        pending_evidence: items.iter().filter(|i| i.kind == "evidence" && i.status == "pending").count(),
        parties: rows_out,
        may_act: case.status.is_open(),
    };
    Ok(Some(section))
}

/// The member's responses on a case, for the capacity, hearing and bundle pages.
#[derive(Debug, Clone, Serialize)]
pub struct MemberResponse {
    pub member_id: String,
    pub member: String,
    pub body: String,
    pub at: NaiveDateTime,
    pub files: Vec<PartyFile>,
}

/// `hidden` is what the viewer may not see (`notices::withheld_from_viewer`): a member who names
/// a complainant who asked for confidentiality must not carry that name to the IP or the panel.
pub fn member_responses(
    conn: &mut DbConnection,
    case_id: &str,
    hidden: &[(String, &str)],
) -> QueryResult<Vec<MemberResponse>> {
    let items: Vec<PartyItem> =
        rows::items_for_case(conn, case_id)?.into_iter().filter(|i| i.kind == "response" && i.from_party).collect();
    let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
    let files = rows::files_for_items(conn, &ids)?;
    let mut out = Vec::new();
    for i in items {
        let member = match &i.member_id {
            Some(id) => member_rows::find(conn, id)?.map(|m| m.full_name).unwrap_or_default(),
            None => String::new(),
        };
        out.push(MemberResponse {
            member_id: i.member_id.clone().unwrap_or_default(),
            member,
            files: files.iter().filter(|f| f.party_item_id == i.id).cloned().collect(),
            body: crate::services::notices::anonymise(&i.body, hidden),
            at: i.created_at,
        });
    }
    Ok(out)
}

/// An officer's reply to a party: the party is emailed that there is a message (not what it
/// says), with a new link to their page.
#[allow(clippy::too_many_arguments)]
pub fn reply(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    kind: &str,
    id: &str,
    text: &str,
    files: &[StoredUpload],
    base_url: &str,
) -> ServiceResult<()> {
    let body = clean(text).ok_or_else(|| ServiceError::Invalid(FieldErrors::single("reply", "Enter your reply")))?;
    if body.chars().count() > super::send::MAX_TEXT {
        return Err(ServiceError::invalid("reply", "Use 20,000 characters or fewer"));
    }
    crate::db::write(conn, |conn| {
        let case = find_workable(conn, user, reference)?;
        let party = Party::of_row(&case.id, kind, Some(id), Some(id)).ok_or(ServiceError::NotFound)?;
        let who = resolve(conn, &party)?;
        let (complaint_id, member_id) = party.columns();
        let item = PartyItem {
            id: new_id(),
            case_id: case.id.clone(),
            party: party.kind.clone(),
            complaint_id,
            member_id,
            kind: "message".into(),
            from_party: false,
            author_user_id: Some(user.id.clone()),
            body,
            status: "sent".into(),
            evidence_item_id: None,
            decided_by_user_id: None,
            decided_at: None,
            read_at: None,
            created_at: now(),
        };
        rows::insert_item(conn, &item)?;
        // Replying to a party is reading what they sent.
        rows::mark_read(conn, &case.id, &party.kind, &party.id, now())?;
        for f in files {
            rows::insert_file(
                conn,
                &PartyFile {
                    id: new_id(),
                    party_item_id: item.id.clone(),
                    sha256: f.sha256.clone(),
                    original_name: f.original_name.clone(),
                    media_type: f.media_type.clone(),
                    size_bytes: f.size_bytes,
                },
            )?;
        }
        let how = match who.email() {
            Some(email) => {
                let (link, days) = links::invite(conn, &party, base_url)?;
                let letter = emails::PartyMessage {
                    name: who.name(),
                    reference: case.reference.clone(),
                    link,
                    to_party: true,
                    link_days: Some(days),
                };
                outbox::queue(conn, Some(&case.id), To::new(&email, &who.name()), &letter)?;
                "they were emailed that there is a message"
            }
            None => "they have no email address: tell them by post",
        };
        audit::record(
            conn,
            actor,
            Event::new("party.replied", "party_item", &item.id)
                .case(&case.id)
                .summary(format!("Message to {} on their page; {how}", party.label().to_lowercase())),
        )?;
        Ok(())
    })
}

/// Marks what a party sent as read (an officer's explicit act: opening the case page does not).
/// How many items it marked.
pub fn mark_read(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    kind: &str,
    id: &str,
) -> ServiceResult<usize> {
    crate::db::write(conn, |conn| {
        let case = find_for_officer(conn, user, reference)?;
        let party = Party::of_row(&case.id, kind, Some(id), Some(id)).ok_or(ServiceError::NotFound)?;
        resolve(conn, &party)?;
        let n = rows::mark_read(conn, &case.id, &party.kind, &party.id, now())?;
        if n > 0 {
            audit::record(
                conn,
                actor,
                Event::new("party.marked_read", "case", &case.id).case(&case.id).summary(format!(
                    "{} item{} from {} marked as read",
                    n,
                    if n == 1 { "" } else { "s" },
                    party.label().to_lowercase()
                )),
            )?;
        }
        Ok(n)
    })
}

/// A case an officer may manage the parties' access to and open their files on, closed or not
/// (a closed case's links still work until withdrawn).
pub(super) fn find_for_officer(conn: &mut DbConnection, user: &User, reference: &str) -> ServiceResult<Case> {
    let case = crate::services::cases::find_visible(conn, user, reference)?;
    if !access::can(user, Permission::WorkCases) {
        return Err(ServiceError::Forbidden);
    }
    Ok(case)
}

fn find_item(conn: &mut DbConnection, case: &Case, item_id: &str) -> ServiceResult<PartyItem> {
    rows::find_item(conn, item_id)?.filter(|i| i.case_id == case.id).ok_or(ServiceError::NotFound)
}

/// Accepts further evidence a complainant sent (it becomes an evidence item with its files,
/// SHA-256 and a custody entry naming who supplied it), or declines it.
pub fn decide_evidence(
    conn: &mut DbConnection,
    store: &crate::services::files::FileStore,
    actor: &Actor,
    user: &User,
    reference: &str,
    item_id: &str,
    accept: bool,
) -> ServiceResult<Option<i32>> {
    crate::db::write(conn, |conn| {
        let case = find_workable(conn, user, reference)?;
        let item = find_item(conn, &case, item_id)?;
        if item.kind != "evidence" || !item.from_party {
            return Err(ServiceError::NotFound);
        }
        if item.status != "pending" {
            return Err(ServiceError::refused("This evidence has already been accepted or declined"));
        }
        let t = now();
        if !accept {
            if rows::set_item_status(conn, &item.id, "pending", "declined", &user.id, None, t)? != 1 {
                return Err(ServiceError::refused("This evidence has already been accepted or declined"));
            }
            // Declined evidence is not kept: its files leave the store unless something else
            // holds the same bytes (the record keeps each file's name and SHA-256).
            let gone = delete_declined_files(conn, store, &item.id)?;
            audit::record(
                conn,
                actor,
                Event::new("party.evidence_declined", "party_item", &item.id).case(&case.id).summary(format!(
                    "Further evidence from the complainant's page declined; {gone} file{} deleted from the store",
                    if gone == 1 { "" } else { "s" }
                )),
            )?;
            return Ok(None);
        }
        let files: Vec<StoredUpload> = rows::files_for_items(conn, std::slice::from_ref(&item.id))?
            .into_iter()
            .map(|f| StoredUpload {
                sha256: f.sha256,
                original_name: f.original_name,
                media_type: f.media_type,
                size_bytes: f.size_bytes,
            })
            .collect();
        let supplier = match &item.complaint_id {
            Some(cid) => complaint_rows::list_for_case(conn, &case.id)?
                .into_iter()
                .find(|(c, _)| &c.id == cid)
                .map(|(c, who)| {
                    if c.confidentiality_requested {
                        "the complainant (who asked not to be named)".to_string()
                    } else {
                        format!("the complainant, {}", who.name)
                    }
                })
                .unwrap_or_else(|| "the complainant".into()),
            None => "the complainant".into(),
        };
        let evidence = evidence_items::from_party(
            conn,
            actor,
            &case,
            item.complaint_id.as_deref(),
            &supplier,
            &item.body,
            &files,
        )?;
        // Compare-and-set: an officer who accepted it a moment ago wins, and this transaction
        // (with the evidence it created) rolls back.
        if rows::set_item_status(conn, &item.id, "pending", "accepted", &user.id, Some(&evidence.id), t)? != 1 {
            return Err(ServiceError::refused("This evidence has already been accepted or declined"));
        }
        audit::record(
            conn,
            actor,
            Event::new("party.evidence_accepted", "party_item", &item.id)
                .case(&case.id)
                .summary(format!("Further evidence from the complainant's page accepted as E{}", evidence.number)),
        )?;
        Ok(Some(evidence.number))
    })
}

/// Deletes the stored files of a declined item that nothing else refers to (in the caller's
/// transaction, the file store locked exclusively): their rows now, their bytes at once (a
/// rollback after this point leaves a row without bytes, which `verify` reports). How many went.
fn delete_declined_files(
    conn: &mut DbConnection,
    store: &crate::services::files::FileStore,
    item_id: &str,
) -> QueryResult<usize> {
    crate::db::lock_file_store(conn, true)?;
    let mine: Vec<String> =
        rows::files_for_items(conn, &[item_id.to_string()])?.into_iter().map(|f| f.sha256).collect();
    let unreferenced = crate::models::file::unreferenced_stored(conn, now() + chrono::Duration::days(1), i64::MAX)?;
    let mut gone = 0;
    for sha in unreferenced.into_iter().filter(|s| mine.contains(s)) {
        crate::models::file::delete_stored(conn, &sha)?;
        if let Err(e) = store.remove(&sha) {
            tracing::warn!(error = %e, "a declined file could not be deleted");
        }
        gone += 1;
    }
    Ok(gone)
}

/// Shares a member's response with the complainants (it shows on their pages).
pub fn share_response(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    item_id: &str,
) -> ServiceResult<()> {
    crate::db::write(conn, |conn| {
        let case = find_workable(conn, user, reference)?;
        let item = find_item(conn, &case, item_id)?;
        if item.kind != "response" || !item.from_party {
            return Err(ServiceError::NotFound);
        }
        if item.status == "shared" {
            return Err(ServiceError::refused("This response is already shared with the complainant"));
        }
        if rows::set_item_status(conn, &item.id, "sent", "shared", &user.id, None, now())? != 1 {
            return Err(ServiceError::refused("This response is already shared with the complainant"));
        }
        audit::record(
            conn,
            actor,
            Event::new("party.response_shared", "party_item", &item.id)
                .case(&case.id)
                .summary("The councillor's response shared with the complainant"),
        )?;
        Ok(())
    })
}

/// A file a party sent (or an officer attached), for an officer working the case or for the
/// party it belongs to: (name, media type, sha256).
pub fn file_for_officer(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    file_id: &str,
) -> ServiceResult<PartyFile> {
    let case = find_for_officer(conn, user, reference)?;
    let f = rows::find_file(conn, file_id)?.ok_or(ServiceError::NotFound)?;
    // A declined item's files are no longer kept.
    if find_item(conn, &case, &f.party_item_id)?.status == "declined" {
        return Err(ServiceError::NotFound);
    }
    Ok(f)
}

pub fn file_for_party(
    conn: &mut DbConnection,
    party: &Party,
    file_id: &str,
    ip: Option<&str>,
) -> ServiceResult<PartyFile> {
    resolve(conn, party)?;
    let f = rows::find_file(conn, file_id)?.ok_or(ServiceError::NotFound)?;
    let item = rows::find_item(conn, &f.party_item_id)?.ok_or(ServiceError::NotFound)?;
    if item.case_id != party.case_id || !is_for(&item, party) || item.status == "declined" {
        return Err(ServiceError::NotFound);
    }
    crate::db::write(conn, |conn| super::record_visit(conn, party, "file", ip))?;
    Ok(f)
}
