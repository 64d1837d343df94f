//! The hearing bundle: index, complaints (complainants who asked for confidentiality redacted),
//! allegations, capacity and Article 10 assessments, the investigation report, the evidence list
//! with every file's SHA-256, and the member's response.

use super::allegations::{allegation_views, AllegationView};
use super::find::{find_hearing, panel_seats, PanelSeat};
use crate::db::DbConnection;
use crate::models::assessment as assessment_rows;
use crate::models::authority as authority_rows;
use crate::models::complaint as complaint_rows;
use crate::models::hearing::{self as rows, InvestigationEntry};
use crate::models::member as member_rows;
use crate::models::user::{self as user_rows, User};
use crate::services::{access, notices, vocab};
use crate::services::{ServiceError, ServiceResult};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Bundle {
    pub reference: String,
    pub authority: Option<String>,
    pub starts_at: NaiveDateTime,
    pub venue: Option<String>,
    pub remote_link: Option<String>,
    /// The Schedule 12A paragraph's words, when part of the hearing is expected in private.
    pub private_label: Option<&'static str>,
    pub panel: Vec<PanelSeat>,
    pub ip: Option<String>,
    pub investigator: Option<String>,
    pub complaints: Vec<BundleComplaint>,
    pub allegations: Vec<AllegationView>,
    pub terms_of_reference: Option<String>,
    pub assessments: Vec<BundleAssessment>,
    pub report: Vec<InvestigationEntry>,
    pub interviews: Vec<InvestigationEntry>,
    pub response: Vec<InvestigationEntry>,
    /// The member's response sent from their own page (issue 21), with its documents.
    pub member_responses: Vec<crate::services::parties::officer::MemberResponse>,
    pub evidence: Vec<BundleEvidence>,
}

#[derive(Debug, Serialize)]
pub struct BundleComplaint {
    pub received_on: NaiveDate,
    /// None when the complainant asked for confidentiality.
    pub complainant: Option<String>,
    pub platform: Option<&'static str>,
    pub conduct_on: Option<NaiveDate>,
    pub what_happened: String,
    pub why_official: String,
}

#[derive(Debug, Serialize)]
pub struct BundleAssessment {
    pub member: String,
    pub version: i32,
    /// The version of the capacity test it answered.
    pub test_version: i32,
    pub suggested: String,
    pub rule: String,
    pub concluded: Option<String>,
    pub reason: Option<String>,
    pub engaged: Option<String>,
    pub answers: Vec<BundleAnswer>,
    pub article10: Option<BundleArticle10>,
}

/// The Article 10 stage as the bundle states it: every answer in words.
#[derive(Debug, Serialize)]
pub struct BundleArticle10 {
    pub prima_facie_breach: &'static str,
    pub political_expression: &'static str,
    pub target: &'static str,
    pub fact_or_value: &'static str,
    pub knowingly_false: &'static str,
    pub gratuitous_abuse: &'static str,
    pub proportionate_to_act: &'static str,
    pub reasons: String,
}

#[derive(Debug, Serialize)]
pub struct BundleAnswer {
    pub code: String,
    pub question: String,
    pub answer: String,
    pub note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct BundleEvidence {
    pub number: i32,
    pub title: String,
    pub platform: Option<&'static str>,
    pub url: Option<String>,
    /// The account's name and handle as captured.
    pub account: Option<String>,
    pub posted_at: Option<NaiveDateTime>,
    /// The post's text as captured.
    pub post_text: Option<String>,
    pub captured_at: NaiveDateTime,
    pub from_complainant: bool,
    pub files: Vec<BundleFile>,
}

#[derive(Debug, Serialize)]
pub struct BundleFile {
    pub id: String,
    pub name: String,
    pub sha256: String,
    /// Shown in the bundle (screenshots); other files are listed with their hash.
    pub is_image: bool,
}

/// The bundle, for those who may see the hearing (officers, the panel, the IP, the investigator).
pub fn bundle(conn: &mut DbConnection, user: &User, reference: &str) -> ServiceResult<Bundle> {
    let (case, hearing) = find_hearing(conn, user, reference)?;
    let hearing = hearing.ok_or(ServiceError::NotFound)?;
    let mut complaints = Vec::new();
    let all = complaint_rows::list_for_case(conn, &case.id)?;
    let withheld: Vec<_> = all
        .iter()
        .filter(|(c, _)| !access::HEARING_BUNDLE.complainant_identity(c.confidentiality_requested))
        .cloned()
        .collect();
    // A complainant's own words may name them: withheld identities are taken out of the text.
    let hidden = notices::redactions(&withheld);
    for (c, who) in all {
        complaints.push(BundleComplaint {
            received_on: c.received_on,
            complainant: access::HEARING_BUNDLE.complainant_identity(c.confidentiality_requested).then_some(who.name),
            platform: c.platform.as_deref().map(|p| vocab::label(&vocab::PLATFORMS, p)),
            conduct_on: c.conduct_on,
            what_happened: notices::anonymise(&c.what_happened, &hidden),
            why_official: notices::anonymise(&c.why_official, &hidden),
        });
    }
    let mut assessments = Vec::new();
    for m in member_rows::list_for_case(conn, &case.id)? {
        let Some(a) = assessment_rows::latest_for_member(conn, &case.id, &m.id)? else { continue };
        let def = crate::services::assessment::definition(conn, &a.test_version_id)?;
        // In the test's question order, each answer in words.
        let position = |code: &str| def.questions.iter().position(|q| q.code == code).unwrap_or(usize::MAX);
        let mut answers: Vec<BundleAnswer> = assessment_rows::answers(conn, &a.id)?
            .into_iter()
            .map(|ans| BundleAnswer {
                question: def
                    .questions
                    .iter()
                    .find(|q| q.code == ans.question_code)
                    .map(|q| q.question.clone())
                    .unwrap_or_default(),
                answer: vocab::label(&vocab::YES_NO_UNCLEAR, &ans.answer).to_string(),
                code: ans.question_code,
                note: ans.note.map(|n| notices::anonymise(&n, &hidden)),
            })
            .collect();
        answers.sort_by_key(|ans| position(&ans.code));
        let engaged = match &a.engaged_authority_id {
            Some(id) => authority_rows::find(conn, id)?.map(|x| x.name),
            None => None,
        };
        assessments.push(BundleAssessment {
            member: m.full_name,
            version: a.version,
            test_version: def.version,
            suggested: def.outcome_label(&a.suggested_outcome),
            rule: a.suggested_rule.clone(),
            concluded: a.concluded_outcome.as_deref().map(|o| vocab::label(&vocab::CAPACITY_OUTCOMES, o).to_string()),
            reason: a.conclusion_reason.as_deref().map(|r| notices::anonymise(r, &hidden)),
            engaged,
            answers,
            article10: assessment_rows::article10_for(conn, &a.id)?.map(|x| BundleArticle10 {
                prima_facie_breach: if x.prima_facie_breach { "Yes" } else { "No" },
                political_expression: vocab::label(&vocab::YES_NO_UNCLEAR, &x.political_expression),
                target: vocab::label(&vocab::ARTICLE10_TARGETS, &x.target),
                fact_or_value: vocab::label(&vocab::FACT_OR_VALUE, &x.fact_or_value),
                knowingly_false: vocab::label(&vocab::YES_NO_UNCLEAR, &x.knowingly_false),
                gratuitous_abuse: vocab::label(&vocab::YES_NO_UNCLEAR, &x.gratuitous_abuse),
                proportionate_to_act: vocab::label(&vocab::YES_NO_UNCLEAR, &x.proportionate_to_act),
                reasons: notices::anonymise(&x.reasons, &hidden),
            }),
        });
    }
    let (mut report, mut response, mut interviews) = (Vec::new(), Vec::new(), Vec::new());
    let investigation = rows::investigation_for_case(conn, &case.id)?;
    if let Some(inv) = &investigation {
        for mut e in rows::entries(conn, &inv.id)? {
            e.title = notices::anonymise(&e.title, &hidden);
            e.body = notices::anonymise(&e.body, &hidden);
            match e.kind.as_str() {
                "final-report" => report.push(e),
                "member-comments" => response.push(e),
                "interview" => interviews.push(e),
                _ => {}
            }
        }
    }
    let mut evidence = Vec::new();
    for v in crate::services::evidence::list_for_case(conn, &case)? {
        evidence.push(BundleEvidence {
            number: v.item.number,
            title: v.current.title.clone(),
            platform: v.current.platform.as_deref().map(|p| vocab::platform_label(Some(p))),
            url: v.current.url.clone(),
            account: match (&v.current.display_name, &v.current.account_handle) {
                (Some(n), Some(h)) => Some(format!("{n} ({h})")),
                (Some(n), None) => Some(n.clone()),
                (None, Some(h)) => Some(h.clone()),
                (None, None) => None,
            },
            posted_at: v.current.posted_at,
            post_text: v.current.post_text.clone(),
            captured_at: v.current.captured_at,
            from_complainant: v.item.source.as_str() == "complainant",
            files: v
                .files
                .iter()
                .map(|f| BundleFile {
                    id: f.id.clone(),
                    name: f.original_name.clone(),
                    sha256: f.sha256.clone(),
                    is_image: f.media_type.starts_with("image/"),
                })
                .collect(),
        });
    }
    let investigator = match &investigation {
        Some(i) => match &i.investigator_user_id {
            Some(id) => user_rows::find(conn, id)?.map(|u| u.name),
            None => i.external_investigator.clone(),
        },
        None => None,
    };
    Ok(Bundle {
        reference: case.reference.clone(),
        authority: authority_rows::find(conn, &case.authority_id)?.map(|a| a.name),
        starts_at: hearing.starts_at,
        venue: hearing.venue.clone(),
        remote_link: hearing.remote_link.clone(),
        private_label: hearing.private_paragraph.as_deref().map(|p| vocab::label(&vocab::SCHEDULE_12A, p)),
        panel: panel_seats(conn, &hearing.id)?,
        ip: user_rows::find(conn, &hearing.ip_user_id)?.map(|u| u.name),
        investigator,
        complaints,
        allegations: allegation_views(conn, &case)?,
        terms_of_reference: investigation.map(|i| i.terms_of_reference),
        assessments,
        report,
        interviews,
        response,
        member_responses: crate::services::parties::officer::member_responses(conn, &case.id, &hidden)?,
        evidence,
    })
}

/// An image of a captured post as the bundle shows it, for those who may see the bundle (the
/// panel reads the evidence there, not on the evidence pages); each view is in the custody log.
pub fn bundle_image(
    conn: &mut DbConnection,
    actor: &crate::services::audit::Actor,
    user: &User,
    reference: &str,
    number: &str,
    file_id: &str,
) -> ServiceResult<crate::models::evidence::EvidenceFile> {
    let (case, hearing) = find_hearing(conn, user, reference)?;
    hearing.ok_or(ServiceError::NotFound)?;
    let n: i32 = number.trim_start_matches(['E', 'e']).parse().map_err(|_| ServiceError::NotFound)?;
    let item = crate::models::evidence::find_item_by_number(conn, &case.id, n)?.ok_or(ServiceError::NotFound)?;
    let is_image = crate::models::evidence::files(conn, &item.id)?
        .iter()
        .any(|f| f.id == file_id && f.media_type.starts_with("image/"));
    if !is_image {
        return Err(ServiceError::NotFound);
    }
    let (file, _) = crate::services::evidence::record_file_access(conn, actor, &item, file_id, false)?;
    Ok(file)
}
