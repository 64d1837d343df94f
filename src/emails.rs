//! Every email Standards Desk writes, as a typed struct: the fields are exactly what its template
//! (`templates/emails/<TEMPLATE>/subject.txt`, `body.txt`, optionally `body.html`) may use, so a
//! letter cannot be queued with a value missing. Services build these; `services::outbox` renders
//! and queues them.

use crate::services::ServiceError;
use crate::templates::TEMPLATES;
use serde::Serialize;

/// A rendered message, ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
}

/// An email with its template.
pub trait Email: Serialize {
    /// The folder under `templates/emails/`.
    const TEMPLATE: &'static str;

    fn render(&self) -> Result<RenderedEmail, ServiceError> {
        let name = Self::TEMPLATE;
        let context = tera::Context::from_serialize(self).map_err(|e| ServiceError::template(name, e))?;
        let render = |part: &str| {
            TEMPLATES.render(&format!("emails/{name}/{part}"), &context).map_err(|e| ServiceError::template(name, e))
        };
        let subject = render("subject.txt")?.trim().replace(['\r', '\n'], " ");
        let body_text = render("body.txt")?;
        let body_html = if TEMPLATES.contains_template(&format!("emails/{name}/body.html")) {
            Some(render("body.html")?)
        } else {
            None
        };
        Ok(RenderedEmail { subject, body_text, body_html })
    }
}

/// "18 December 2025", as letters write dates.
pub fn long_date(d: chrono::NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// To a complainant: the complaint has been received.
#[derive(Debug, Serialize)]
pub struct Acknowledgement {
    pub name: String,
    pub reference: String,
    pub received_on: String,
    pub assessment_due_on: String,
    pub confidential: bool,
}

impl Email for Acknowledgement {
    const TEMPLATE: &'static str = "acknowledgement";
}

/// To a member: a complaint has been made about them.
#[derive(Debug, Serialize)]
pub struct MemberNotification {
    pub member_name: String,
    pub reference: String,
    /// Complainants' names, or a phrase where one asked not to be named.
    pub complainants: Vec<String>,
    pub summary: String,
}

impl Email for MemberNotification {
    const TEMPLATE: &'static str = "member_notification";
}

/// To an investigator on their appointment.
#[derive(Debug, Serialize)]
pub struct InvestigatorAppointed {
    pub name: String,
    pub reference: String,
    pub terms: String,
    pub target_on: String,
}

impl Email for InvestigatorAppointed {
    const TEMPLATE: &'static str = "investigator_appointed";
}

/// To an Independent Person: their view is asked.
#[derive(Debug, Serialize)]
pub struct IpRequest {
    pub name: String,
    pub reference: String,
    pub question: String,
    pub requested_by: String,
}

impl Email for IpRequest {
    const TEMPLATE: &'static str = "ip_request";
}

/// Notice of a hearing, to each party (`part`: member, complainant, panel, independent-person,
/// investigator).
#[derive(Debug, Serialize)]
pub struct HearingNotice {
    pub name: String,
    pub part: &'static str,
    pub reference: String,
    pub when: String,
    #[serde(rename = "where")]
    pub place: String,
    pub private_paragraph: Option<String>,
}

impl Email for HearingNotice {
    const TEMPLATE: &'static str = "hearing_notice";
}

/// To the officer on the case (or the Monitoring Officers): a takedown request is overdue.
#[derive(Debug, Serialize)]
pub struct TakedownReminder {
    pub name: String,
    pub reference: String,
    pub number: i32,
    pub addressee: String,
    pub due_on: String,
}

impl Email for TakedownReminder {
    const TEMPLATE: &'static str = "takedown_reminder";
}

/// The proposed text of a removal request, which the officer edits before it is sent.
#[derive(Debug, Serialize)]
pub struct TakedownRequest {
    pub reference: String,
    pub member: String,
}

impl Email for TakedownRequest {
    const TEMPLATE: &'static str = "takedown_request";
}

/// A decision notice after the initial assessment or the investigation, drafted per recipient
/// (`recipient`: complainant, member, independent-person, parish-clerk).
#[derive(Debug, Clone, Serialize)]
pub struct DecisionNotice {
    pub name: String,
    pub recipient: &'static str,
    pub reference: String,
    pub decided_on: String,
    /// "initial-assessment" or "post-investigation".
    pub stage: &'static str,
    pub decision: String,
    pub outcome: String,
    pub reasons: String,
}

impl Email for DecisionNotice {
    const TEMPLATE: &'static str = "decision_notice";
}

/// The decision notice after a hearing, per recipient, and its publication version
/// (`recipient`: "publication", with no name).
#[derive(Debug, Clone, Serialize)]
pub struct HearingDecision {
    pub name: String,
    pub recipient: &'static str,
    pub reference: String,
    pub decided_on: String,
    pub held_on: String,
    pub breach: bool,
    pub findings: Vec<FindingLine>,
    pub sanctions: Vec<SanctionLine>,
    pub ip: Option<String>,
    pub authority: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingLine {
    pub member: Option<String>,
    pub provision: Option<String>,
    pub breach: bool,
    pub reasons: String,
    pub article10: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SanctionLine {
    pub member: String,
    pub kind: String,
    pub detail: String,
    pub recommended_to: Option<String>,
    pub follow_up_on: String,
}

impl Email for HearingDecision {
    const TEMPLATE: &'static str = "hearing_decision";
}

/// To a staff user: a link to choose a new password (asked for on the sign-in page, or sent by an
/// administrator, `sent_by`).
#[derive(Debug, Serialize)]
pub struct PasswordReset {
    pub name: String,
    pub link: String,
    pub minutes: i64,
    pub sent_by: Option<String>,
}

impl Email for PasswordReset {
    const TEMPLATE: &'static str = "password_reset";
}

/// To a staff user: their account was signed in to from a browser it had not been used from.
#[derive(Debug, Serialize)]
pub struct NewSignIn {
    pub name: String,
    pub when: String,
    pub device: String,
    pub address: String,
    pub sessions_link: String,
}

impl Email for NewSignIn {
    const TEMPLATE: &'static str = "new_sign_in";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_email_renders_its_fields() {
        let r = IpRequest {
            name: "Pat Independent".into(),
            reference: "SD-2026-0001".into(),
            question: "Is the post official?".into(),
            requested_by: "Morgan Officer".into(),
        }
        .render()
        .expect("renders");
        assert!(r.subject.contains("SD-2026-0001"), "{}", r.subject);
        assert!(r.body_text.contains("Pat Independent") && r.body_text.contains("Is the post official?"));
    }
}
