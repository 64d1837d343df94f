//! Sending a decision's notices (whatever the stage: initial assessment, after investigation,
//! hearing): the officer reviews and edits the drafts, then sends them by email through the
//! outbox, or records them as posted or approved for publication.

use crate::db::DbConnection;
use crate::models::assessment::{self as rows, DecisionNotice};
use crate::models::now;
use crate::models::user::User;
use crate::services::access::Permission;
use crate::services::assessment::rules;
use crate::services::audit::{self, Actor, Event};
use crate::services::cases;
use crate::services::outbox::{self, To};
use crate::services::{FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDateTime;
use serde::Serialize;

/// An edited notice as submitted (`subject_<id>`, `body_<id>`).
#[derive(Debug, Clone, Serialize)]
pub struct NoticeEdit {
    pub id: String,
    pub subject: String,
    pub body: String,
}

impl NoticeEdit {
    /// The edits in a submitted form: each `subject_<id>` with its `body_<id>`.
    pub fn from_pairs(pairs: &[(String, String)]) -> Vec<NoticeEdit> {
        pairs
            .iter()
            .filter_map(|(k, v)| {
                let id = k.strip_prefix("subject_")?;
                let body = pairs.iter().find(|(k2, _)| k2 == &format!("body_{id}")).map(|(_, b)| b.clone());
                Some(NoticeEdit { id: id.to_string(), subject: v.clone(), body: body.unwrap_or_default() })
            })
            .collect()
    }
}

/// A notice, drafted or sent.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeView {
    pub id: String,
    pub recipient_name: String,
    /// Who the notice is for: complainant, member, independent-person, parish-clerk or
    /// publication (the page shows it as stored; the hearing tests read it).
    pub recipient_kind: String,
    /// Who the notice is for, in words ("Independent Person").
    pub recipient_label: &'static str,
    pub to_address: Option<String>,
    pub subject: String,
    pub body: String,
    /// How it went: "sent by email", "approved for publication" or "recorded as posted".
    pub sent_how: &'static str,
    pub sent_at: Option<NaiveDateTime>,
}

impl NoticeView {
    fn of(n: DecisionNotice) -> Self {
        NoticeView {
            sent_how: match n.status.as_str() {
                "sent" => "sent by email",
                "published" => "approved for publication",
                _ => "recorded as posted",
            },
            recipient_label: crate::services::vocab::label(
                &crate::services::vocab::NOTICE_RECIPIENTS,
                &n.recipient_kind,
            ),
            id: n.id,
            recipient_name: n.recipient_name,
            recipient_kind: n.recipient_kind,
            to_address: n.to_address,
            subject: n.subject,
            body: n.body,
            sent_at: n.sent_at,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NoticesActions {
    pub can_send: bool,
}

/// A decision's notices: the drafts to review and those already sent.
#[derive(Debug, Clone, Serialize)]
pub struct NoticesPage {
    pub reference: String,
    pub decision_id: String,
    pub drafts: Vec<NoticeView>,
    pub sent: Vec<NoticeView>,
    pub actions: NoticesActions,
}

impl NoticesPage {
    /// Shows the texts as submitted (after invalid input) instead of the stored drafts.
    pub fn fill(&mut self, edits: &[NoticeEdit]) {
        for n in &mut self.drafts {
            if let Some(e) = edits.iter().find(|e| e.id == n.id) {
                n.subject = e.subject.clone();
                n.body = e.body.clone();
            }
        }
    }
}

fn is_draft(n: &DecisionNotice) -> bool {
    n.status == "draft"
}

/// A decision's notices, for officers who may see the case.
pub fn notices_page(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    decision_id: &str,
) -> ServiceResult<NoticesPage> {
    rules::require(user, Permission::WorkCases)?;
    let case = cases::find_visible(conn, user, reference)?;
    let decision = rows::find_decision(conn, &case.id, decision_id)?.ok_or(ServiceError::NotFound)?;
    let (drafts, sent): (Vec<_>, Vec<_>) = rows::notices(conn, &decision.id)?.into_iter().partition(is_draft);
    Ok(NoticesPage {
        reference: case.reference,
        decision_id: decision.id,
        actions: NoticesActions { can_send: rules::may_send_notices(user, drafts.len()).is_ok() },
        drafts: drafts.into_iter().map(NoticeView::of).collect(),
        sent: sent.into_iter().map(NoticeView::of).collect(),
    })
}

/// Saves the officer's edits to draft notices and sends them: by email through the outbox, or
/// recorded as posted where there is no email address (a publication version is recorded as
/// approved). Kept on the case as sent. Then the hearing module moves a case whose hearing
/// decision this was.
pub fn send_notices(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    decision_id: &str,
    edits: &[NoticeEdit],
) -> ServiceResult<usize> {
    rules::require(user, Permission::WorkCases)?;
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        let decision = rows::find_decision(conn, &case.id, decision_id)?.ok_or(ServiceError::NotFound)?;
        let drafts: Vec<_> = rows::notices(conn, &decision.id)?.into_iter().filter(is_draft).collect();
        rules::may_send_notices(user, drafts.len()).map_err(ServiceError::Refused)?;
        let mut e = FieldErrors::default();
        for edit in edits {
            if drafts.iter().any(|n| n.id == edit.id) && (edit.subject.trim().is_empty() || edit.body.trim().is_empty())
            {
                e.add(&format!("body_{}", edit.id), "A notice needs a subject and a text");
            }
            if drafts.iter().any(|n| n.id == edit.id) {
                crate::services::text::check_one_line(
                    &mut e,
                    &format!("subject_{}", edit.id),
                    &edit.subject,
                    "the subject",
                );
            }
        }
        e.into_result()?;
        let mut sent = 0;
        for n in drafts {
            let (subject, body) = edits
                .iter()
                .find(|e| e.id == n.id)
                .map(|e| (e.subject.trim().to_string(), e.body.replace("\r\n", "\n")))
                .unwrap_or((n.subject.clone(), n.body.clone()));
            rows::update_notice_text(conn, &n.id, &subject, &body)?;
            match &n.to_address {
                _ if n.recipient_kind == "publication" => {
                    rows::mark_notice_sent(conn, &n.id, "published", None, &user.id, now())?;
                }
                Some(address) => {
                    let to = To::new(address, &n.recipient_name);
                    let message = outbox::queue_text(conn, Some(&case.id), "decision_notice", to, &subject, &body)?;
                    rows::mark_notice_sent(conn, &n.id, "sent", Some(&message.id), &user.id, now())?;
                }
                None => {
                    rows::mark_notice_sent(conn, &n.id, "posted", None, &user.id, now())?;
                }
            }
            sent += 1;
        }
        audit::record(
            conn,
            actor,
            Event::new("decision.notices_sent", "decision", &decision.id)
                .case(&case.id)
                .summary(format!("{sent} decision notice(s) sent")),
        )?;
        crate::services::hearing::after_notices_sent(conn, actor, &case, &decision)?;
        Ok(sent)
    })
}
