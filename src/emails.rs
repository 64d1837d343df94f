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

/// What every letter may use besides its own fields, as `letterhead` in its templates: the
/// service's address (links to pages are `{{ letterhead.base_url }}/cases/...`), and the council
/// the case belongs to with its reply address (`services::letters` finds them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Letterhead {
    /// `BASE_URL`, without a trailing slash.
    pub base_url: String,
    /// The council's name, for the letter's heading.
    pub council: Option<String>,
    /// Where a recipient replies or sends more: the council's reply address, if one is set.
    pub reply_to: Option<String>,
    /// The council's postal address, as its letters are headed (several lines), if set.
    pub address: Option<String>,
    /// The Monitoring Officer's signature block (name, title, contact), if set.
    pub signature: Option<String>,
    /// The council whose letters these are: its own versions of letters apply.
    #[serde(skip)]
    pub authority_id: Option<String>,
}

/// An email with its template.
pub trait Email: Serialize {
    /// The folder under `templates/emails/`.
    const TEMPLATE: &'static str;

    /// Renders the subject, the plain text and its HTML alternative (the text laid out by
    /// `emails/_layout.html`, unless the email has a `body.html` of its own).
    fn render(&self, letterhead: &Letterhead) -> Result<RenderedEmail, ServiceError> {
        let name = Self::TEMPLATE;
        let mut context = tera::Context::from_serialize(self).map_err(|e| ServiceError::template(name, e))?;
        context.insert("letterhead", letterhead);
        let render = |part: &str| {
            TEMPLATES.render(&format!("emails/{name}/{part}"), &context).map_err(|e| ServiceError::template(name, e))
        };
        let subject = render("subject.txt")?.trim().replace(['\r', '\n'], " ");
        let body_text = render("body.txt")?;
        let body_html = if TEMPLATES.contains_template(&format!("emails/{name}/body.html")) {
            render("body.html")?
        } else {
            html_body(&subject, &body_text, letterhead).map_err(|e| ServiceError::template(name, e))?
        };
        Ok(RenderedEmail { subject, body_text, body_html: Some(body_html) })
    }
}

/// A block of a letter's HTML version: a paragraph (its lines) or a bulleted list (its items).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Block {
    /// "heading", "paragraph" or "list".
    pub kind: &'static str,
    pub lines: Vec<Vec<Segment>>,
}

/// Part of a line: text, or a link (`href` set) whose text is the address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub text: String,
    pub href: Option<String>,
}

/// A line's text with its web addresses (http and https only) as links. A full stop, comma or
/// closing bracket that ends an address belongs to the sentence, not the address.
pub fn segments(line: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(start) = ["https://", "http://"].iter().filter_map(|p| rest.find(p)).min() {
        if start > 0 {
            out.push(Segment { text: rest[..start].to_string(), href: None });
        }
        let tail = &rest[start..];
        let mut end = tail.find(char::is_whitespace).unwrap_or(tail.len());
        while end > 0 && tail[..end].ends_with(['.', ',', ';', ':', ')', ']', '!', '?', '"', '\'']) {
            end -= 1;
        }
        let url = &tail[..end];
        if url.len() <= "https://".len() {
            out.push(Segment { text: url.to_string(), href: None });
        } else {
            out.push(Segment { text: url.to_string(), href: Some(url.to_string()) });
        }
        rest = &tail[end.max(1)..];
    }
    if !rest.is_empty() {
        out.push(Segment { text: rest.to_string(), href: None });
    }
    out
}

/// The plain text as blocks: paragraphs are separated by blank lines; a paragraph whose lines
/// all start with "- " is a list; a paragraph's first line that reads as a title, with more text
/// after it, is a heading ("What happens next").
pub fn blocks(text: &str) -> Vec<Block> {
    let normalised = text.replace("\r\n", "\n");
    let paragraphs: Vec<Vec<&str>> = normalised
        .split("\n\n")
        .map(|p| p.lines().map(str::trim_end).filter(|l| !l.trim().is_empty()).collect::<Vec<_>>())
        .filter(|p| !p.is_empty())
        .collect();
    let count = paragraphs.len();
    let mut out = Vec::new();
    for (i, p) in paragraphs.into_iter().enumerate() {
        if p.iter().all(|l| l.trim_start().starts_with("- ")) {
            let lines = p.iter().map(|l| segments(l.trim_start().trim_start_matches("- "))).collect();
            out.push(Block { kind: "list", lines });
            continue;
        }
        let first = p[0].trim();
        if is_title(first) && (p.len() > 1 || i + 1 < count) {
            out.push(Block { kind: "heading", lines: vec![segments(first)] });
            if p.len() > 1 {
                out.push(Block { kind: "paragraph", lines: p[1..].iter().map(|l| segments(l)).collect() });
            }
        } else {
            out.push(Block { kind: "paragraph", lines: p.iter().map(|l| segments(l)).collect() });
        }
    }
    out
}

/// A short line that reads as a title ("What happens next"): capitalised, at most six words,
/// no punctuation that a sentence or a "Label: value" line would have.
fn is_title(line: &str) -> bool {
    line.chars().next().is_some_and(char::is_uppercase)
        && !line.ends_with(['.', ',', ';', '!', '?'])
        && !line.contains([':', '(', '"'])
        && line.split_whitespace().count() <= 6
}

/// The HTML alternative of a letter: its text laid out by the GOV.UK-styled email layout
/// (`emails/_layout.html`), every address a link. The text is escaped; nothing in it is markup.
pub fn html_body(subject: &str, text: &str, letterhead: &Letterhead) -> tera::TeraResult<String> {
    let mut context = tera::Context::new();
    context.insert("subject", subject);
    context.insert("blocks", &blocks(text));
    context.insert("letterhead", letterhead);
    TEMPLATES.render("emails/_layout.html", &context)
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
    /// The council's privacy notice, as plain text, and where it is online.
    pub privacy_council: String,
    pub privacy_notice: String,
    pub privacy_url: Option<String>,
    /// The complainant's invitation to their own page, and how many days it works.
    pub page_link: Option<String>,
    pub link_days: i64,
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
    /// The case summary, with the names of complainants who asked not to be named taken out.
    pub summary: String,
    /// What the member is alleged to have breached.
    pub allegations: Vec<AllegationLine>,
    /// When the member's response is due ("18 December 2025").
    pub response_due_on: String,
    /// The Independent Persons the member may consult (through the Monitoring Officer's team).
    pub independent_persons: Vec<String>,
    /// The member's invitation to their own page, and how many days it works.
    pub page_link: Option<String>,
    pub link_days: i64,
}

/// An allegation as letters state it: the code paragraph, its heading and what it says.
#[derive(Debug, Clone, Serialize)]
pub struct AllegationLine {
    pub paragraph: String,
    pub heading: String,
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

/// To the officer on the case (or the Monitoring Officers): a re-check of posts reported removed
/// has fallen due.
#[derive(Debug, Serialize)]
pub struct RecheckReminder {
    pub name: String,
    pub reference: String,
    pub number: i32,
    pub addressee: String,
    pub due_on: String,
}

impl Email for RecheckReminder {
    const TEMPLATE: &'static str = "recheck_reminder";
}

/// The proposed words of a removal request, worded for the case's stage, which the officer edits
/// (`templates/emails/takedown_request/draft.txt`). The posts and the due date are not part of
/// it: [`TakedownRequest`] adds them from the record.
#[derive(Debug, Serialize)]
pub struct TakedownDraft {
    pub reference: String,
    pub member: String,
    /// The case's status (`CaseStatus::as_str`): the request is worded for it.
    pub stage: &'static str,
    /// The takedown target, in working days (a setting).
    pub days: u32,
}

impl TakedownDraft {
    pub fn render(&self, letterhead: &Letterhead) -> Result<String, ServiceError> {
        const NAME: &str = "takedown_request";
        let mut context = tera::Context::from_serialize(self).map_err(|e| ServiceError::template(NAME, e))?;
        context.insert("letterhead", letterhead);
        TEMPLATES.render("emails/takedown_request/draft.txt", &context).map_err(|e| ServiceError::template(NAME, e))
    }
}

/// A removal request as sent: the officer's words, then each post named (from the evidence
/// record) and the due date, and how to reply.
#[derive(Debug, Serialize)]
pub struct TakedownRequest {
    pub reference: String,
    pub number: i32,
    /// The officer's words.
    pub text: String,
    pub posts: Vec<PostLine>,
    pub due_on: String,
}

/// A captured post as a letter lists it.
#[derive(Debug, Clone, Serialize)]
pub struct PostLine {
    /// E1, E2…, as on the case.
    pub number: i32,
    pub platform: String,
    pub url: Option<String>,
    pub posted_on: Option<String>,
    /// The start of the post's text, cut at a word.
    pub excerpt: Option<String>,
    pub captured_on: String,
    pub files: Vec<FileLine>,
}

/// A file of a capture: its name and SHA-256.
#[derive(Debug, Clone, Serialize)]
pub struct FileLine {
    pub name: String,
    pub sha256: String,
}

impl Email for TakedownRequest {
    const TEMPLATE: &'static str = "takedown_request";
}

/// To a user who asked for it: what waits for them and is due, once a day.
#[derive(Debug, Serialize)]
pub struct Digest {
    pub name: String,
    pub on: String,
    pub items: Vec<DigestLine>,
}

/// One thing waiting, as the digest lists it; `href` is the page's path.
#[derive(Debug, Clone, Serialize)]
pub struct DigestLine {
    pub reference: String,
    pub what: String,
    pub when: String,
    pub href: String,
}

impl Email for Digest {
    const TEMPLATE: &'static str = "digest";
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
    /// The Independent Persons whose view is recorded for this stage (none: none is named).
    pub ip_views: Vec<String>,
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
    /// The Independent Persons whose view is recorded on the case (none: none is named).
    pub ip_views: Vec<String>,
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
    /// Why it is proportionate.
    pub proportionality: String,
    /// Who the panel recommends it to when it cannot order it (a parish council; the Leader or
    /// the member's group leader).
    pub recommended_to: Option<String>,
    /// None when there is nothing to follow up (censure).
    pub follow_up_on: Option<String>,
}

/// To whoever asked for a review (complainant or councillor): it was not upheld.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewNotUpheld {
    pub name: String,
    pub reference: String,
    pub requested_on: String,
    /// The decision reviewed, in words.
    pub decision: String,
    pub reasons: String,
}

impl Email for ReviewNotUpheld {
    const TEMPLATE: &'static str = "review_not_upheld";
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

/// To a complainant or member: a link to sign in to their own page about a case.
#[derive(Debug, Serialize)]
pub struct PartySignIn {
    pub name: String,
    pub reference: String,
    pub link: String,
    pub minutes: i64,
}

impl Email for PartySignIn {
    const TEMPLATE: &'static str = "party_sign_in";
}

/// "You have a new message about SD-…": to a party (with a new link to their page) or to the
/// officers (with a link to the case page). Never what the message says.
#[derive(Debug, Serialize)]
pub struct PartyMessage {
    pub name: String,
    pub reference: String,
    pub link: String,
    pub to_party: bool,
    pub link_days: Option<i64>,
}

impl Email for PartyMessage {
    const TEMPLATE: &'static str = "party_message";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_become_links_without_the_sentence_punctuation_after_them() {
        let s = segments("See https://example.org/a?b=1. Or (http://x.test/y), or javascript:alert(1)");
        let links: Vec<_> = s.iter().filter_map(|s| s.href.clone()).collect();
        assert_eq!(links, vec!["https://example.org/a?b=1", "http://x.test/y"]);
        let text: String = s.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(text, "See https://example.org/a?b=1. Or (http://x.test/y), or javascript:alert(1)");
    }

    #[test]
    fn the_text_is_laid_out_as_headings_paragraphs_and_lists() {
        let b =
            blocks("Dear Jo,\n\nWhat happens next\nWe will decide by 1 May.\n\n- one\n- two\n\nThe Monitoring Officer");
        let kinds: Vec<_> = b.iter().map(|b| b.kind).collect();
        assert_eq!(kinds, vec!["paragraph", "heading", "paragraph", "list", "paragraph"]);
        assert_eq!(b[3].lines.len(), 2);
    }

    #[test]
    fn the_html_version_escapes_everything_the_text_holds() {
        let head = Letterhead {
            base_url: "https://sd.example".into(),
            council: Some("A & B <Council>".into()),
            address: Some("1 <High> Street".into()),
            ..Default::default()
        };
        let html = html_body("Hi", "Dear <script>alert(1)</script>,\n\nhttps://x.test/\"onmouseover=\"alert(1)", &head)
            .unwrap();
        assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("\"onmouseover"), "{html}");
        assert!(html.contains("A &amp; B &lt;Council&gt;"), "{html}");
    }

    #[test]
    fn a_typed_email_renders_its_fields() {
        let r = IpRequest {
            name: "Pat Independent".into(),
            reference: "SD-2026-0001".into(),
            question: "Is the post official?".into(),
            requested_by: "Morgan Officer".into(),
        }
        .render(&Letterhead { base_url: "https://standards.example".into(), ..Default::default() })
        .expect("renders");
        assert!(r.subject.contains("SD-2026-0001"), "{}", r.subject);
        assert!(r.body_text.contains("Pat Independent") && r.body_text.contains("Is the post official?"));
    }
}
