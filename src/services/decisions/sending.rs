//! Sending a decision's notices (whatever the stage: initial assessment, after investigation,
//! hearing): the officer reviews and edits the drafts, then sends them by email through the
//! outbox (each with the notice as a PDF attached), or records them as posted or approved for
//! publication.

use crate::db::DbConnection;
use crate::models::assessment::{self as rows, DecisionNotice};
use crate::models::now;
use crate::models::user::User;
use crate::services::access::Permission;
use crate::services::assessment::rules;
use crate::services::audit::{self, Actor, Event};
use crate::services::cases;
use crate::services::documents;
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
    /// May approve the publication version (the Monitoring Officer or a deputy, while it is a
    /// draft).
    pub can_approve_publication: bool,
}

/// A decision's notices: the drafts to review and those already sent.
#[derive(Debug, Clone, Serialize)]
pub struct NoticesPage {
    pub reference: String,
    pub decision_id: String,
    pub drafts: Vec<NoticeView>,
    pub sent: Vec<NoticeView>,
    /// The publication version while it awaits the Monitoring Officer's approval.
    pub publication: Option<NoticeView>,
    /// No breach was found: the councillor is named only if the council's policy says so or
    /// they ask.
    pub no_breach: bool,
    pub names_without_breach: bool,
    /// The approval form as typed (after a refusal).
    pub publication_form: PublicationInput,
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

/// A notice to send (the publication version is approved, not sent: [`approve_publication`]).
fn is_draft(n: &DecisionNotice) -> bool {
    n.status == "draft" && n.recipient_kind != "publication"
}

fn is_publication_draft(n: &DecisionNotice) -> bool {
    n.status == "draft" && n.recipient_kind == "publication"
}

/// Approving the publication version: the Monitoring Officer or a deputy.
pub fn may_approve_publication(user: &User) -> Result<(), String> {
    if !crate::services::access::can(user, Permission::SignOffDecisions) {
        return Err("Only the Monitoring Officer or a deputy approves the publication version".into());
    }
    Ok(())
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
    let all = rows::notices(conn, &decision.id)?;
    let publication = all.iter().find(|n| is_publication_draft(n)).cloned();
    let (drafts, sent): (Vec<_>, Vec<_>) = all.into_iter().filter(|n| !is_publication_draft(n)).partition(is_draft);
    Ok(NoticesPage {
        reference: case.reference,
        no_breach: decision.outcome != "breach",
        names_without_breach: crate::services::settings::names_members_without_breach(conn)?,
        decision_id: decision.id,
        actions: NoticesActions {
            can_send: rules::may_send_notices(user, drafts.len()).is_ok(),
            can_approve_publication: publication.is_some() && may_approve_publication(user).is_ok(),
        },
        drafts: drafts.into_iter().map(NoticeView::of).collect(),
        sent: sent.into_iter().map(NoticeView::of).collect(),
        publication_form: PublicationInput {
            body: publication.as_ref().map(|n| n.body.clone()).unwrap_or_default(),
            member_asked: String::new(),
        },
        publication: publication.map(NoticeView::of),
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
                Some(address) => {
                    let to = To::new(address, &n.recipient_name);
                    let message = outbox::queue_text(conn, Some(&case.id), "decision_notice", to, &subject, &body)?;
                    // The notice goes with its PDF, as sent.
                    let as_sent = DecisionNotice {
                        subject: subject.clone(),
                        body: body.clone(),
                        sent_at: Some(now()),
                        ..n.clone()
                    };
                    let head = crate::services::letters::letterhead(conn, Some(&case.id))?;
                    let pdf = documents::notice_pdf(&as_sent, &case.reference, &head)?;
                    outbox::attach(
                        conn,
                        &message,
                        &documents::notice_filename(&case.reference, &n),
                        documents::PDF,
                        pdf,
                    )?;
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

/// The publication version as approved: its text (as edited) and whether the councillor asked
/// to be named.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct PublicationInput {
    pub body: String,
    pub member_asked: String,
}

/// The Monitoring Officer approves the publication version of a decision, as the public will
/// read it: it is published only now. Where no breach was found, a text naming the councillor is
/// refused unless the council's policy names them or they asked to be named.
pub fn approve_publication(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    decision_id: &str,
    input: &PublicationInput,
) -> ServiceResult<()> {
    rules::require(user, Permission::WorkCases)?;
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        let decision = rows::find_decision(conn, &case.id, decision_id)?.ok_or(ServiceError::NotFound)?;
        may_approve_publication(user).map_err(ServiceError::Refused)?;
        let notice = rows::notices(conn, &decision.id)?
            .into_iter()
            .find(is_publication_draft)
            .ok_or_else(|| ServiceError::refused("There is no publication version awaiting approval"))?;
        let mut e = FieldErrors::default();
        let body = input.body.replace("\r\n", "\n");
        if body.trim().is_empty() {
            e.add("body", "The publication version needs a text");
        } else if body.chars().count() > 100_000 {
            e.add("body", "Keep the publication version to 100000 characters or fewer");
        }
        let member_asked = input.member_asked == "yes";
        if decision.outcome != "breach"
            && !member_asked
            && !crate::services::settings::names_members_without_breach(conn)?
        {
            let lower = body.to_lowercase();
            let named: Vec<String> = crate::models::member::list_for_case(conn, &case.id)?
                .into_iter()
                .map(|m| m.full_name)
                .filter(|n| !n.trim().is_empty() && lower.contains(&n.trim().to_lowercase()))
                .collect();
            if !named.is_empty() {
                e.add(
                    "body",
                    format!(
                        "No breach was found, so the publication version may not name {}: the council's policy does \
                         not name councillors cleared of a breach unless they ask (tick the box if they have)",
                        named.join(" or ")
                    ),
                );
            }
        }
        e.into_result()?;
        rows::update_notice_text(conn, &notice.id, &notice.subject, &body)?;
        rows::mark_notice_sent(conn, &notice.id, "published", None, &user.id, now())?;
        audit::record(
            conn,
            actor,
            Event::new("decision.publication_approved", "decision", &decision.id).case(&case.id).summary(
                if member_asked {
                    "Publication version approved and published (the councillor asked to be named)"
                } else {
                    "Publication version approved and published"
                },
            ),
        )?;
        Ok(())
    })
}
