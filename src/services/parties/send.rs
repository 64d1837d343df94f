//! What a party sends from their page: a message (with attachments), further evidence (kept
//! waiting until an officer accepts it), the member's response with documents, the member's
//! comments on a draft investigation report, and a complainant's withdrawal. Each is written
//! with its audit entry and the party's visit in one transaction, and the officers are emailed a
//! notification without its content. A message whose sender's session ended is kept as a draft.

use super::{record_visit, resolve, Party, Resolved};
use crate::db::DbConnection;
use crate::emails;
use crate::models::hearing as hearing_rows;
use crate::models::party::{self as rows, PartyDraft, PartyFile, PartyItem};
use crate::models::user::{self as user_rows, Role};
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::evidence::Uploads;
use crate::services::files::{commit_all, FileStore};
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use diesel::QueryResult;
use serde::{Deserialize, Serialize};

pub const MAX_TEXT: usize = 20_000;

/// What a party is sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sending {
    Message,
    Evidence,
    Response,
    ReportComment,
    Withdrawal,
}

impl Sending {
    pub fn code(self) -> &'static str {
        match self {
            Sending::Message => "message",
            Sending::Evidence => "evidence",
            Sending::Response => "response",
            Sending::ReportComment => "report-comment",
            Sending::Withdrawal => "withdrawal",
        }
    }

    pub fn of_code(code: &str) -> Option<Self> {
        [Sending::Message, Sending::Evidence, Sending::Response, Sending::ReportComment, Sending::Withdrawal]
            .into_iter()
            .find(|s| s.code() == code)
    }

    /// The form field the text is typed into.
    pub fn field(self) -> &'static str {
        match self {
            Sending::Message => "message",
            Sending::Evidence => "description",
            Sending::Response => "response",
            Sending::ReportComment => "comments",
            Sending::Withdrawal => "reason",
        }
    }

    /// The file input's id (one page has several upload forms).
    pub fn files_field(self) -> &'static str {
        match self {
            Sending::Message => "message_files",
            Sending::Evidence => "files",
            Sending::Response => "response_files",
            Sending::ReportComment | Sending::Withdrawal => "files",
        }
    }

    fn missing(self) -> &'static str {
        match self {
            Sending::Message => "Enter your message",
            Sending::Evidence => "Describe what the files show",
            Sending::Response => "Enter your response",
            Sending::ReportComment => "Enter your comments on the draft report",
            Sending::Withdrawal => "Enter why you want to withdraw the complaint",
        }
    }

    /// Who may send it, and when.
    fn allowed(self, who: &Resolved) -> ServiceResult<()> {
        let open = who.case.status.is_open();
        match self {
            Sending::Evidence | Sending::Withdrawal if !who.party.is_complainant() => Err(ServiceError::NotFound),
            Sending::Response | Sending::ReportComment if who.party.is_complainant() => Err(ServiceError::NotFound),
            _ if !open => {
                Err(ServiceError::refused("The complaint is closed: nothing more can be sent from this page"))
            }
            _ => Ok(()),
        }
    }

    fn status(self) -> &'static str {
        match self {
            Sending::Evidence => "pending",
            _ => "sent",
        }
    }
}

/// The text of a form a party sends (the files come separately).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct PartyForm {
    #[serde(default)]
    pub text: String,
    /// A withdrawal must be confirmed.
    #[serde(default)]
    pub confirm: String,
}

fn check(what: Sending, form: &PartyForm, uploads: &Uploads) -> ServiceResult<String> {
    let mut e = FieldErrors::default();
    let text = clean(&form.text);
    match &text {
        None => e.add(what.field(), what.missing()),
        Some(t) if t.chars().count() > MAX_TEXT => e.add(what.field(), "Use 20,000 characters or fewer"),
        Some(t) if t.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) => {
            e.add(what.field(), "Remove the special characters that cannot be typed (control characters)")
        }
        _ => {}
    }
    if what == Sending::Evidence && uploads.received.is_empty() && uploads.refused.is_empty() {
        e.add(what.files_field(), "Attach at least one file: a screenshot, PDF or saved page");
    }
    if what == Sending::Withdrawal && form.confirm != "yes" {
        e.add("confirm", "Confirm that you want to withdraw the complaint");
    }
    e.0.extend(uploads.refusals(what.files_field()));
    e.into_result()?;
    Ok(text.unwrap_or_default())
}

/// The officers told when a party sends something: the case's officer, or, when no one is
/// assigned, the Monitoring Officers.
fn officers(conn: &mut DbConnection, who: &Resolved) -> QueryResult<Vec<(String, String)>> {
    if let Some(id) = &who.case.assigned_user_id {
        if let Some(u) = user_rows::find(conn, id)?.filter(|u| u.active) {
            return Ok(vec![(u.email, u.name)]);
        }
    }
    Ok(user_rows::list_for_role(conn, Role::MonitoringOfficer)?.into_iter().map(|u| (u.email, u.name)).collect())
}

/// Whose upload quota a party's files count against.
pub fn upload_subject(party: &Party) -> String {
    format!("party:{}:{}", party.kind, party.id)
}

/// Sends it: checked, files stored, the item with its files, the party's visit, the audit entry
/// and the officers' notification in one transaction. The uploads are consumed.
#[allow(clippy::too_many_arguments)]
pub fn send(
    conn: &mut DbConnection,
    store: &FileStore,
    actor: &Actor,
    party: &Party,
    what: Sending,
    form: &PartyForm,
    mut uploads: Uploads,
    base_url: &str,
) -> ServiceResult<PartyItem> {
    let who = resolve(conn, party)?;
    what.allowed(&who)?;
    let text = check(what, form, &uploads)?;
    let received = std::mem::take(&mut uploads.received);
    crate::db::write(conn, |conn| {
        // The same daily quota as the public form, per party: a session cannot park unlimited
        // files. Counted in the transaction that keeps them.
        let bytes: i64 = received.iter().map(|r| r.size as i64).sum();
        if let Some(refusal) =
            crate::services::rate_limit::take_upload_quota(conn, &upload_subject(party), received.len() as i64, bytes)?
        {
            return Err(ServiceError::invalid(what.files_field(), refusal));
        }
        let stored = commit_all(conn, store, &received)?;
        let (complaint_id, member_id) = party.columns();
        let item = PartyItem {
            id: new_id(),
            case_id: party.case_id.clone(),
            party: party.kind.clone(),
            complaint_id,
            member_id,
            kind: what.code().into(),
            from_party: true,
            author_user_id: None,
            body: text.clone(),
            status: what.status().into(),
            evidence_item_id: None,
            decided_by_user_id: None,
            decided_at: None,
            read_at: None,
            created_at: now(),
        };
        rows::insert_item(conn, &item)?;
        for f in &stored {
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
        if what == Sending::ReportComment {
            if let Some(inv) = hearing_rows::investigation_for_case(conn, &party.case_id)? {
                hearing_rows::insert_entry(
                    conn,
                    &crate::models::hearing::InvestigationEntry {
                        id: new_id(),
                        investigation_id: inv.id,
                        kind: "member-comments".into(),
                        title: format!("Comments from {} (sent from their page)", who.name()),
                        body: text.clone(),
                        occurred_on: now().date(),
                        sha256: None,
                        file_name: None,
                        created_by_user_id: None,
                        created_at: now(),
                    },
                )?;
            }
        }
        rows::delete_drafts(conn, &party.case_id, &party.kind, &party.id, what.code())?;
        record_visit(conn, party, "sent", actor.ip.as_deref())?;
        let kind_label = crate::services::vocab::label(&crate::services::vocab::PARTY_ITEM_KINDS, what.code());
        audit::record(
            conn,
            actor,
            Event::new(&format!("party.{}", what.code().replace('-', "_")), "party_item", &item.id)
                .case(&party.case_id)
                .summary(format!(
                    "{} sent from their page: {kind_label} ({} file{})",
                    party.label(),
                    stored.len(),
                    if stored.len() == 1 { "" } else { "s" }
                )),
        )?;
        let link = format!("{}/cases/{}#parties", base_url.trim_end_matches('/'), who.case.reference);
        for (email, name) in officers(conn, &who)? {
            let letter = emails::PartyMessage {
                name: name.clone(),
                reference: who.case.reference.clone(),
                link: link.clone(),
                to_party: false,
                link_days: None,
            };
            crate::services::outbox::queue(
                conn,
                Some(&party.case_id),
                crate::services::outbox::To::new(&email, &name),
                &letter,
            )?;
        }
        Ok(item)
    })
}

/// What a party typed into one of their forms (`what`) when their session had ended as they
/// sent it: kept, to be given back in the same box on their page after they sign in again
/// (replacing an older draft of that form). Nothing else is done with it.
pub fn keep_draft(
    conn: &mut DbConnection,
    party: &Party,
    what: Sending,
    text: &str,
    ip: Option<&str>,
) -> ServiceResult<bool> {
    let Some(text) = clean(text) else { return Ok(false) };
    let text: String = text.chars().take(MAX_TEXT).collect();
    if resolve(conn, party).is_err() {
        return Ok(false);
    }
    crate::db::write(conn, |conn| {
        let (complaint_id, member_id) = party.columns();
        rows::delete_drafts(conn, &party.case_id, &party.kind, &party.id, what.code())?;
        rows::insert_draft(
            conn,
            &PartyDraft {
                id: new_id(),
                case_id: party.case_id.clone(),
                party: party.kind.clone(),
                complaint_id,
                member_id,
                body: text,
                saved_at: now(),
                kind: what.code().into(),
            },
        )?;
        record_visit(conn, party, "draft-kept", ip)?;
        Ok(true)
    })
}

/// A party's kept drafts, by the form field each is given back into.
pub fn kept_drafts(
    conn: &mut DbConnection,
    party: &Party,
) -> QueryResult<std::collections::BTreeMap<&'static str, String>> {
    let mut out = std::collections::BTreeMap::new();
    for d in rows::drafts(conn, &party.case_id, &party.kind, &party.id)? {
        if let Some(what) = Sending::of_code(&d.kind) {
            // Newest first: an older draft of the same form never replaces a newer one.
            out.entry(what.field()).or_insert(d.body);
        }
    }
    Ok(out)
}
