//! What a party sees on their own page. The complainant: their complaint as they sent it, its
//! status in plain words with the next step and its date, their thread with the officers, and a
//! member's response only if an officer has shared it (never internal notes). The member: the
//! allegations and the complaint summary with complainants who asked for confidentiality withheld
//! (the one rule in `access`, through [`access::MEMBER_PAGE`]), their response deadline, their
//! response, the draft investigation report to comment on, and the hearing arrangements.

use super::{record_visit, resolve, Party, Resolved};
use crate::db::DbConnection;
use crate::emails;
use crate::models::case::Case;
use crate::models::complaint as complaint_rows;
use crate::models::enums::CaseStatus;
use crate::models::hearing as hearing_rows;
use crate::models::now;
use crate::models::party::{self as rows, PartyFile, PartyItem};
use crate::services::access;
use crate::services::cases::actions::allegation_lines;
use crate::services::cases::deadlines::member_response_due;
use crate::services::vocab::{self, label};
use crate::services::ServiceResult;
use chrono::NaiveDate;
use diesel::QueryResult;
use serde::Serialize;
use std::collections::BTreeMap;

/// The status of a case as a party reads it: what is happening, what comes next, and by when.
#[derive(Debug, Clone, Serialize)]
pub struct PlainStatus {
    pub now: &'static str,
    pub next: &'static str,
    pub by: Option<String>,
}

pub fn plain_status(case: &Case, hearing_on: Option<NaiveDate>) -> PlainStatus {
    use CaseStatus::*;
    let assess_by = (case.assessed_on.is_none()).then(|| emails::long_date(case.assessment_due_on));
    match case.status {
        Received | Acknowledged => PlainStatus {
            now: "We have received the complaint.",
            next: "The Monitoring Officer will decide whether the complaint should be taken further (the initial assessment).",
            by: assess_by,
        },
        InitialAssessment => PlainStatus {
            now: "The Monitoring Officer is assessing the complaint.",
            next: "You will be told whether the complaint will be taken further, and why.",
            by: assess_by,
        },
        InformalResolution => PlainStatus {
            now: "The Monitoring Officer is trying to resolve the complaint informally, for example with an apology or by removing a post.",
            next: "You will be told when this has been done, or if it does not work.",
            by: None,
        },
        Investigation => PlainStatus {
            now: "An investigator is looking into the complaint.",
            next: "The investigator will write a report for the Monitoring Officer.",
            by: None,
        },
        PostInvestigation => PlainStatus {
            now: "The Monitoring Officer is considering the investigator's report.",
            next: "You will be told whether the complaint will go to a hearing.",
            by: None,
        },
        Hearing => PlainStatus {
            now: "The complaint will be decided at a hearing of the standards committee.",
            next: "The hearing.",
            by: hearing_on.map(emails::long_date),
        },
        DecisionNotice | Sanctions => PlainStatus {
            now: "A decision has been made on the complaint.",
            next: "You will be sent the decision notice, which says what was decided and why.",
            by: None,
        },
        Referred => PlainStatus {
            now: "The complaint has been passed to another organisation.",
            next: "The Monitoring Officer's team will tell you who to contact.",
            by: None,
        },
        Closed | Destroyed => PlainStatus {
            now: "The complaint is closed.",
            next: "Nothing more will happen unless you ask for a review where one is offered.",
            by: None,
        },
    }
}

/// One entry of a party's thread, as the party (or an officer) reads it.
#[derive(Debug, Clone, Serialize)]
pub struct ThreadEntry {
    pub id: String,
    pub kind: String,
    pub kind_label: &'static str,
    pub status: String,
    pub status_label: &'static str,
    pub from_party: bool,
    pub who: String,
    pub body: String,
    pub at: chrono::NaiveDateTime,
    pub unread: bool,
    pub files: Vec<PartyFile>,
}

/// The party's own thread: what they sent and the officers' replies, oldest first.
pub fn thread(conn: &mut DbConnection, party: &Party, officer_names: bool) -> QueryResult<Vec<ThreadEntry>> {
    let items: Vec<PartyItem> = rows::items_for_case(conn, &party.case_id)?
        .into_iter()
        .filter(|i| {
            i.party == party.kind
                && if party.is_complainant() {
                    i.complaint_id.as_deref() == Some(&party.id)
                } else {
                    i.member_id.as_deref() == Some(&party.id)
                }
        })
        .collect();
    entries(conn, items, officer_names, party.label())
}

pub fn entries(
    conn: &mut DbConnection,
    items: Vec<PartyItem>,
    officer_names: bool,
    party_label: &str,
) -> QueryResult<Vec<ThreadEntry>> {
    let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
    let files = rows::files_for_items(conn, &ids)?;
    let mut out = Vec::with_capacity(items.len());
    for i in items {
        let who = if i.from_party {
            party_label.to_string()
        } else if officer_names {
            match &i.author_user_id {
                Some(id) => crate::models::user::find(conn, id)?.map(|u| u.name).unwrap_or_default(),
                None => String::new(),
            }
        } else {
            "The Monitoring Officer's team".to_string()
        };
        out.push(ThreadEntry {
            kind_label: label(&vocab::PARTY_ITEM_KINDS, &i.kind),
            status_label: label(&vocab::PARTY_ITEM_STATUSES, &i.status),
            unread: i.read_at.is_none(),
            files: files.iter().filter(|f| f.party_item_id == i.id).cloned().collect(),
            id: i.id,
            kind: i.kind,
            status: i.status,
            from_party: i.from_party,
            who,
            body: i.body,
            at: i.created_at,
        });
    }
    Ok(out)
}

/// The complaint as the complainant sent it.
#[derive(Debug, Clone, Serialize)]
pub struct AsSent {
    pub received_on: NaiveDate,
    pub conduct_on: Option<NaiveDate>,
    pub conduct_period: Option<String>,
    pub platform: &'static str,
    pub links: Vec<String>,
    pub what_happened: String,
    pub why_official: String,
    pub outcome_sought: Option<String>,
    pub confidential: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComplainantPage {
    pub reference: String,
    pub name: String,
    pub complaint: AsSent,
    pub status: PlainStatus,
    pub thread: Vec<ThreadEntry>,
    /// The member's responses an officer has shared with the complainant.
    pub shared: Vec<ThreadEntry>,
    pub withdrawn: bool,
    pub open: bool,
    /// Kept drafts, by the field they go back into.
    pub drafts: BTreeMap<&'static str, String>,
}

fn hearing_on(conn: &mut DbConnection, case_id: &str) -> QueryResult<Option<NaiveDate>> {
    Ok(hearing_rows::hearing_for_case(conn, case_id)?.filter(|h| h.fixed_at.is_some()).map(|h| h.starts_at.date()))
}

fn take_drafts(conn: &mut DbConnection, party: &Party) -> QueryResult<BTreeMap<&'static str, String>> {
    super::send::kept_drafts(conn, party)
}

/// The complainant's page (their visit is recorded, and the officers' replies marked read).
pub fn complainant(conn: &mut DbConnection, party: &Party, ip: Option<&str>) -> ServiceResult<ComplainantPage> {
    let who = resolve(conn, party)?;
    let Resolved { case, complaint: Some((c, person)), .. } = &who else {
        return Err(crate::services::ServiceError::NotFound);
    };
    crate::db::write(conn, |conn| {
        record_visit(conn, party, "page", ip)?;
        rows::mark_read_by_party(conn, &party.case_id, &party.kind, &party.id, now())
    })?;
    let thread = thread(conn, party, false)?;
    let withdrawn = thread.iter().any(|e| e.kind == "withdrawal");
    let shared_items: Vec<PartyItem> = rows::items_for_case(conn, &case.id)?
        .into_iter()
        .filter(|i| i.kind == "response" && i.status == "shared")
        .collect();
    let shared = entries(conn, shared_items, false, "The councillor")?;
    Ok(ComplainantPage {
        reference: case.reference.clone(),
        name: person.name.clone(),
        complaint: AsSent {
            received_on: c.received_on,
            conduct_on: c.conduct_on,
            conduct_period: c.conduct_period.clone(),
            platform: vocab::platform_label(c.platform.as_deref()),
            links: c.post_urls.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect(),
            what_happened: c.what_happened.clone(),
            why_official: c.why_official.clone(),
            outcome_sought: c.outcome_sought.clone(),
            confidential: c.confidentiality_requested,
        },
        status: plain_status(case, hearing_on(conn, &case.id)?),
        thread,
        shared,
        withdrawn,
        open: case.status.is_open(),
        drafts: take_drafts(conn, party)?,
    })
}

/// A complaint on the member's page: who made it (or "withheld") and when.
#[derive(Debug, Clone, Serialize)]
pub struct ComplaintLine {
    pub complainant: String,
    pub received_on: NaiveDate,
}

/// The file of the draft investigation report the member is asked to comment on: the latest
/// draft of their case's investigation while it is open, for the member only. (SHA-256, name.)
pub fn draft_report_file(
    conn: &mut DbConnection,
    party: &Party,
    ip: Option<&str>,
) -> crate::services::ServiceResult<(String, Option<String>)> {
    use crate::services::ServiceError;
    let who = resolve(conn, party)?;
    if party.is_complainant() {
        return Err(ServiceError::NotFound);
    }
    let inv = hearing_rows::investigation_for_case(conn, &who.case.id)?
        .filter(|i| i.completed_on.is_none())
        .ok_or(ServiceError::NotFound)?;
    let entry = hearing_rows::entries(conn, &inv.id)?
        .into_iter()
        .filter(|e| e.kind == "draft-report")
        .max_by_key(|e| e.created_at)
        .ok_or(ServiceError::NotFound)?;
    let sha = entry.sha256.ok_or(ServiceError::NotFound)?;
    crate::db::write(conn, |conn| record_visit(conn, party, "file", ip))?;
    Ok((sha, entry.file_name))
}

#[derive(Debug, Clone, Serialize)]
pub struct DraftReport {
    /// Whether the report has a file the member can open (`/my-case/report`).
    pub has_file: bool,
    pub title: String,
    pub body: String,
    pub occurred_on: NaiveDate,
}

#[derive(Debug, Clone, Serialize)]
pub struct HearingArrangements {
    pub starts_at: chrono::NaiveDateTime,
    pub venue: Option<String>,
    pub remote_link: Option<String>,
    pub representative: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberPage {
    pub reference: String,
    pub name: String,
    pub summary: String,
    pub complaints: Vec<ComplaintLine>,
    pub allegations: Vec<emails::AllegationLine>,
    pub status: PlainStatus,
    pub response_due_on: Option<NaiveDate>,
    pub overdue: bool,
    pub responses: Vec<ThreadEntry>,
    pub draft_report: Option<DraftReport>,
    pub hearing: Option<HearingArrangements>,
    pub thread: Vec<ThreadEntry>,
    pub open: bool,
    /// Kept drafts, by the field they go back into.
    pub drafts: BTreeMap<&'static str, String>,
}

/// The member's page. What is shown of the complainants is decided by [`access::MEMBER_PAGE`]:
/// a complainant who asked for confidentiality is never named, and their name and contact
/// details are taken out of the summary.
pub fn member(conn: &mut DbConnection, party: &Party, ip: Option<&str>, today: NaiveDate) -> ServiceResult<MemberPage> {
    let who = resolve(conn, party)?;
    let Resolved { case, member: Some(m), .. } = &who else { return Err(crate::services::ServiceError::NotFound) };
    crate::db::write(conn, |conn| {
        record_visit(conn, party, "page", ip)?;
        rows::mark_read_by_party(conn, &party.case_id, &party.kind, &party.id, now())
    })?;
    let sections = access::MEMBER_PAGE;
    let complaints = complaint_rows::list_for_case(conn, &case.id)?;
    let hidden = crate::services::notices::withheld_from_viewer(conn, &case.id, &sections)?;
    let lines = complaints
        .iter()
        .map(|(c, p)| ComplaintLine {
            complainant: if sections.complainant_identity(c.confidentiality_requested) {
                p.name.clone()
            } else {
                "A complainant who asked not to be named".to_string()
            },
            received_on: c.received_on,
        })
        .collect();
    let notified = complaint_rows::list_notifications_for_case(conn, &case.id)?
        .into_iter()
        .find(|n| n.member_id == m.id)
        .map(|n| n.notified_at.date());
    let response_due_on = match notified {
        Some(d) => Some(member_response_due(conn, d)?),
        None => None,
    };
    let thread = thread(conn, party, false)?;
    let responses = thread.iter().filter(|e| e.kind == "response").cloned().collect();
    let draft_report = match hearing_rows::investigation_for_case(conn, &case.id)? {
        Some(inv) if inv.completed_on.is_none() => hearing_rows::entries(conn, &inv.id)?
            .into_iter()
            .filter(|e| e.kind == "draft-report")
            .max_by_key(|e| e.created_at)
            .map(|e| DraftReport {
                has_file: e.sha256.is_some(),
                title: crate::services::notices::anonymise(&e.title, &hidden),
                body: crate::services::notices::anonymise(&e.body, &hidden),
                occurred_on: e.occurred_on,
            }),
        _ => None,
    };
    let hearing =
        hearing_rows::hearing_for_case(conn, &case.id)?.filter(|h| h.fixed_at.is_some()).map(|h| HearingArrangements {
            starts_at: h.starts_at,
            venue: h.venue,
            remote_link: h.remote_link,
            representative: h.member_representative,
        });
    Ok(MemberPage {
        reference: case.reference.clone(),
        name: m.full_name.clone(),
        summary: crate::services::notices::anonymise(&case.summary, &hidden),
        complaints: lines,
        allegations: allegation_lines(conn, &case.id, &m.id)?,
        status: plain_status(case, hearing.as_ref().map(|h| h.starts_at.date())),
        overdue: response_due_on.is_some_and(|d| d < today) && responses_empty(&thread),
        response_due_on,
        responses,
        draft_report,
        hearing,
        thread,
        open: case.status.is_open(),
        drafts: take_drafts(conn, party)?,
    })
}

fn responses_empty(thread: &[ThreadEntry]) -> bool {
    !thread.iter().any(|e| e.kind == "response")
}
