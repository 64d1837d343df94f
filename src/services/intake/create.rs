//! Creating a case from a checked complaint (or adding the complaint to an open case about the
//! same conduct): the complainant, links, files, allegations per member per code provision, and
//! the files as evidence items.

use crate::db::DbConnection;
use crate::models::case::{self as case_rows, Case, CaseStatus};
use crate::models::complaint::{self as rows, Allegation, Complainant, Complaint, ComplaintFile, ComplaintLink};
use crate::models::file::DraftFile;
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::calendar::Calendar;
use crate::services::cases;
use crate::services::clean;
use crate::services::evidence;
use crate::services::files::StoredUpload;
use crate::services::intake::form::Checked;
use crate::services::notices;
use crate::services::settings;
use crate::services::vocab;
use chrono::Datelike;
use diesel::QueryResult;

/// Open cases about the same conduct: a link to the same post (canonical URL) and, where the
/// form names councillors, an allegation against one of them.
pub fn matching_cases(conn: &mut DbConnection, checked: &Checked, excluding: Option<&str>) -> QueryResult<Vec<Case>> {
    let ids = rows::cases_matching(conn, &checked.canonical_urls(), &checked.member_ids(), excluding)?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(c) = case_rows::find(conn, &id)? {
            out.push(c);
        }
    }
    out.sort_by(|a, b| a.reference.cmp(&b.reference));
    Ok(out)
}

/// Creates the complaint (and its case, unless `into` names an open case to add it to), its
/// complainant, links, files and allegations, all in the caller's transaction.
pub(super) fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    checked: &Checked,
    into: Option<Case>,
    files: &[DraftFile],
) -> QueryResult<(Case, Complaint, Complainant)> {
    let t = now();
    let f = &checked.form;
    let calendar = Calendar::load(conn)?;
    let deadlines = settings::deadlines(conn)?;
    let case = match into {
        Some(c) => c,
        None => {
            let year = checked.received_on.year();
            let n = case_rows::next_in_sequence(conn, &format!("case-reference-{year}"))?;
            let names: Vec<&str> = checked.members.iter().map(|(m, _)| m.full_name.as_str()).collect();
            let who = if names.is_empty() { f.unlisted_name.trim().to_string() } else { names.join(" and ") };
            // Everyone who sees the case sees its summary: a confidential complainant's words
            // are quoted without their identity.
            let what = if f.confidential == "yes" {
                let details = [f.complainant_email.trim(), f.complainant_phone.trim(), f.complainant_address.trim()];
                let details: Vec<Option<&str>> = details.iter().map(|d| Some(*d).filter(|d| !d.is_empty())).collect();
                notices::anonymise(
                    &f.what_happened,
                    &notices::complainant_redactions(f.complainant_name.trim(), &details),
                )
            } else {
                f.what_happened.clone()
            };
            let what = vocab::excerpt(&what, 120);
            let case = Case {
                id: new_id(),
                reference: format!("SD-{year}-{n:04}"),
                status: CaseStatus::Received,
                summary: format!("{who} ({}): {what}", vocab::label(&vocab::PLATFORMS, &f.platform)),
                authority_id: checked.authority.id.clone(),
                assigned_user_id: None,
                received_on: checked.received_on,
                ack_due_on: calendar.add_working_days(checked.received_on, deadlines.acknowledge),
                acknowledged_on: None,
                assessment_due_on: calendar.add_working_days(checked.received_on, deadlines.assessment),
                assessed_on: None,
                closed_at: None,
                closure_reason: None,
                retain_until: None,
                destroyed_at: None,
                created_at: t,
                updated_at: t,
                search_text: String::new(),
            };
            case_rows::insert(conn, &case)?;
            audit::record(
                conn,
                actor,
                Event::new("case.opened", "case", &case.id)
                    .case(&case.id)
                    .summary(format!("Case {} opened", case.reference)),
            )?;
            case
        }
    };
    let complainant = Complainant {
        id: new_id(),
        name: f.complainant_name.trim().to_string(),
        email: clean(&f.complainant_email).map(|e| e.to_lowercase()),
        phone: clean(&f.complainant_phone),
        address: clean(&f.complainant_address),
        complainant_type: f.complainant_type.clone(),
        created_at: t,
    };
    rows::insert_complainant(conn, &complainant)?;
    let complaint = Complaint {
        id: new_id(),
        case_id: case.id.clone(),
        complainant_id: complainant.id.clone(),
        authority_id: checked.authority.id.clone(),
        source: checked.source.clone(),
        received_on: checked.received_on,
        logged_by_user_id: actor.user_id.clone(),
        conduct_on: Some(checked.conduct_on),
        conduct_period: None,
        platform: Some(f.platform.clone()),
        post_urls: checked.links.iter().map(|(u, _, _)| u.as_str()).collect::<Vec<_>>().join("\n"),
        what_happened: f.what_happened.trim().to_string(),
        why_official: f.why_official.trim().to_string(),
        outcome_sought: clean(&f.outcome_sought),
        witnesses: clean(&f.witnesses),
        unlisted_member_name: if checked.members.is_empty() { clean(&f.unlisted_name) } else { None },
        confidentiality_requested: f.confidential == "yes",
        confidentiality_reason: if f.confidential == "yes" { clean(&f.confidential_reason) } else { None },
        acknowledged_at: None,
        declared_at: t,
        created_at: t,
    };
    rows::insert(conn, &complaint)?;
    for (url, canonical, platform) in &checked.links {
        rows::insert_link(
            conn,
            &ComplaintLink {
                id: new_id(),
                complaint_id: complaint.id.clone(),
                url: url.clone(),
                canonical_url: canonical.clone(),
                platform: platform.map(str::to_string),
            },
        )?;
    }
    for file in files {
        rows::insert_file(
            conn,
            &ComplaintFile {
                id: new_id(),
                complaint_id: complaint.id.clone(),
                sha256: file.sha256.clone(),
                original_name: file.original_name.clone(),
                media_type: file.media_type.clone(),
                size_bytes: file.size_bytes,
                uploaded_at: file.uploaded_at,
            },
        )?;
    }
    for (member, _) in &checked.members {
        for p in &checked.provisions {
            rows::insert_allegation(
                conn,
                &Allegation {
                    id: new_id(),
                    case_id: case.id.clone(),
                    complaint_id: complaint.id.clone(),
                    member_id: member.id.clone(),
                    code_provision_id: p.id.clone(),
                    status: "open".into(),
                    created_at: t,
                    wording: None,
                    added_by_user_id: None,
                    withdrawn_reason: None,
                    withdrawn_at: None,
                },
            )?;
        }
    }
    // Files sent with the complaint become evidence items (complainant-supplied, unverified).
    let uploads: Vec<StoredUpload> = files
        .iter()
        .map(|f| StoredUpload {
            sha256: f.sha256.clone(),
            original_name: f.original_name.clone(),
            media_type: f.media_type.clone(),
            size_bytes: f.size_bytes,
        })
        .collect();
    evidence::from_complaint(conn, actor, &case, &complaint, &uploads)?;
    let source = vocab::label(&vocab::COMPLAINT_SOURCES, &checked.source).to_lowercase();
    audit::record(
        conn,
        actor,
        Event::new("complaint.received", "complaint", &complaint.id).case(&case.id).summary(format!(
            "Complaint received ({source}, {} file{}, {} allegation{})",
            files.len(),
            if files.len() == 1 { "" } else { "s" },
            checked.members.len() * checked.provisions.len(),
            if checked.members.len() * checked.provisions.len() == 1 { "" } else { "s" },
        )),
    )?;
    cases::refresh_search_text(conn, &case.id)?;
    let case = case_rows::find(conn, &case.id)?.ok_or(diesel::result::Error::NotFound)?;
    Ok((case, complaint, complainant))
}
