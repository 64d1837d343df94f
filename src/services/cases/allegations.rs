//! Amending a case's allegations (issue 16): the Monitoring Officer (or a deputy) rewords an
//! allegation, withdraws one with a reason, attaches one to the right member, or adds one. The
//! complainant's own words stay on their complaint and are shown beside each allegation; each
//! change is written to the audit log in the same transaction, and the page shows that history.
//!
//! An allegation a hearing has decided (a finding recorded) is not amended, nor one on a closed
//! case; the last allegation a case goes forward on is not withdrawn (a decision closes a case).

use crate::db::DbConnection;
use crate::models::audit as audit_rows;
use crate::models::case::Case;
use crate::models::code::{self as code_rows, CodeProvision};
use crate::models::complaint::{self as complaint_rows, Allegation, AllegationChanges, WITHDRAWN};
use crate::models::member as member_rows;
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::access::{self, Permission};
use crate::services::audit::{self, Actor, Event};
use crate::services::cases::find::find_visible;
use crate::services::cases::list::refresh_search_text;
use crate::services::vocab::Choice;
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The longest wording or reason kept.
const TEXT_MAX: usize = 5_000;

/// One change in an allegation's history (from the audit log).
#[derive(Debug, Clone, Serialize)]
pub struct AmendmentLine {
    pub at: NaiveDateTime,
    pub by: String,
    pub summary: String,
}

/// An allegation as the amendments page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AllegationRow {
    pub id: String,
    pub member: String,
    pub member_id: String,
    /// "3. Respect"
    pub provision: String,
    /// The complainant's own words (their complaint's "what happened"), always kept.
    pub complainant_words: String,
    /// Which complaint it came with ("Complaint from Ann Smith, received 1 December 2026").
    pub complaint: String,
    /// The Monitoring Officer's wording, if reworded or added by them.
    pub wording: Option<String>,
    pub added_by_officer: bool,
    pub withdrawn: bool,
    pub withdrawn_reason: Option<String>,
    /// The words shown for its status ("Open", "Withdrawn", "Breach found", "No breach found").
    pub status: String,
    pub history: Vec<AmendmentLine>,
    pub can_amend: bool,
    /// What was typed for it (after a refusal).
    pub typed: AmendInput,
}

/// The allegations page of a case.
#[derive(Debug, Clone, Serialize)]
pub struct AllegationsPage {
    pub reference: String,
    pub can_amend: bool,
    pub allegations: Vec<AllegationRow>,
    pub complaints: Vec<Choice>,
    pub members: Vec<Choice>,
    pub provisions: Vec<Choice>,
    pub add: AddInput,
}

/// The form that adds an allegation.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AddInput {
    pub complaint_id: String,
    pub member_id: String,
    pub provision_id: String,
    pub wording: String,
}

/// An amendment of one allegation; its fields are named `<field>_<allegation id>` on the page (one
/// form per allegation and action), and `action` says which: `reword`, `withdraw` or `attach`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AmendInput {
    pub action: String,
    pub wording: String,
    pub reason: String,
    pub member_id: String,
}

impl AmendInput {
    pub fn from_pairs(pairs: &[(String, String)], allegation_id: &str) -> Self {
        let get = |name: &str| {
            let key = format!("{name}_{allegation_id}");
            pairs.iter().find(|(k, _)| *k == key || k == name).map(|(_, v)| v.clone()).unwrap_or_default()
        };
        AmendInput {
            action: get("action"),
            wording: get("wording"),
            reason: get("reason"),
            member_id: get("member_id"),
        }
    }
}

/// Amending allegations: the Monitoring Officer or a deputy, on an open case.
pub fn may_amend(user: &User, case: &Case) -> ServiceResult<()> {
    if !access::can(user, Permission::SignOffDecisions) {
        return Err(ServiceError::Forbidden);
    }
    if !case.status.is_open() {
        return Err(ServiceError::refused(format!(
            "Case {} is closed: its allegations are not amended",
            case.reference
        )));
    }
    Ok(())
}

/// An allegation is amended while no hearing has decided it.
fn may_amend_allegation(a: &Allegation) -> ServiceResult<()> {
    match a.status.as_str() {
        "open" => Ok(()),
        WITHDRAWN => Err(ServiceError::refused("This allegation has been withdrawn")),
        _ => Err(ServiceError::refused("A hearing has decided this allegation: it is not amended")),
    }
}

fn status_label(status: &str) -> &'static str {
    match status {
        "open" => "Open",
        WITHDRAWN => "Withdrawn",
        "breach" => "Breach found",
        "no-breach" => "No breach found",
        _ => "Decided",
    }
}

fn check_text(e: &mut FieldErrors, field: &str, value: &str, missing: &str) -> Option<String> {
    let v = clean(value);
    match &v {
        None => e.add(field, missing),
        Some(t) if t.chars().count() > TEXT_MAX => e.add(field, format!("Keep it to {TEXT_MAX} characters or fewer")),
        Some(t) if t.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) => {
            e.add(field, "Remove the control characters")
        }
        _ => {}
    }
    v
}

fn provision_label(p: &CodeProvision) -> String {
    format!("{}. {}", p.number, p.heading)
}

/// The paragraphs an allegation on this case may cite: those of the code versions its allegations
/// cite, in the code's order.
fn provisions_for_case(conn: &mut DbConnection, case_id: &str) -> ServiceResult<Vec<CodeProvision>> {
    let ids: Vec<String> = complaint_rows::list_all_allegations_for_case(conn, case_id)?
        .into_iter()
        .map(|a| a.code_provision_id)
        .collect();
    let mut versions: Vec<String> =
        code_rows::find_provisions(conn, &ids)?.into_iter().map(|p| p.code_version_id).collect();
    versions.sort();
    versions.dedup();
    let mut out = Vec::new();
    for v in versions {
        out.extend(code_rows::list_provisions(conn, &v)?);
    }
    Ok(out)
}

fn member_name(conn: &mut DbConnection, id: &str) -> ServiceResult<String> {
    Ok(member_rows::find(conn, id)?.map(|m| m.full_name).unwrap_or_default())
}

fn describe(conn: &mut DbConnection, a: &Allegation) -> ServiceResult<String> {
    let member = member_name(conn, &a.member_id)?;
    let provision =
        code_rows::find_provisions(conn, std::slice::from_ref(&a.code_provision_id))?.first().map(provision_label);
    Ok(format!("{member}, {}", provision.unwrap_or_default()))
}

/// The allegations page: every allegation (withdrawn ones too) with the complainant's words, the
/// officer's wording and the history of changes, and the forms for the Monitoring Officer.
pub fn page(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    add: AddInput,
    typed_for: Option<(String, AmendInput)>,
) -> ServiceResult<AllegationsPage> {
    let case = find_visible(conn, user, reference)?;
    if !access::can(user, Permission::WorkCases) {
        return Err(ServiceError::NotFound);
    }
    let can_amend = may_amend(user, &case).is_ok();
    let complaints = complaint_rows::list_for_case(conn, &case.id)?;
    let provisions = provisions_for_case(conn, &case.id)?;
    let labels: HashMap<String, String> = provisions.iter().map(|p| (p.id.clone(), provision_label(p))).collect();
    let mut rows = Vec::new();
    for a in complaint_rows::list_all_allegations_for_case(conn, &case.id)? {
        let complaint = complaints.iter().find(|(c, _)| c.id == a.complaint_id);
        let history = audit_rows::list_for_entity(conn, "allegation", &a.id)?
            .into_iter()
            .map(|e| AmendmentLine { at: e.occurred_at, by: e.actor_label, summary: e.summary })
            .collect();
        let typed = match &typed_for {
            Some((id, t)) if *id == a.id => t.clone(),
            _ => AmendInput {
                member_id: a.member_id.clone(),
                wording: a.wording.clone().unwrap_or_default(),
                ..Default::default()
            },
        };
        rows.push(AllegationRow {
            member: member_name(conn, &a.member_id)?,
            provision: labels.get(&a.code_provision_id).cloned().unwrap_or_default(),
            complainant_words: complaint.map(|(c, _)| c.what_happened.clone()).unwrap_or_default(),
            complaint: complaint
                .map(|(c, who)| format!("Complaint from {}, received {}", who.name, c.received_on.format("%-d %B %Y")))
                .unwrap_or_default(),
            added_by_officer: a.added_by_user_id.is_some(),
            withdrawn: a.status == WITHDRAWN,
            status: status_label(&a.status).to_string(),
            can_amend: can_amend && may_amend_allegation(&a).is_ok(),
            history,
            typed,
            id: a.id,
            member_id: a.member_id,
            wording: a.wording,
            withdrawn_reason: a.withdrawn_reason,
        });
    }
    let members = member_rows::list_names(conn)?.into_iter().map(|(id, name)| Choice::new(id, name)).collect();
    Ok(AllegationsPage {
        reference: case.reference,
        can_amend,
        allegations: rows,
        complaints: complaints
            .iter()
            .map(|(c, who)| {
                Choice::new(
                    c.id.clone(),
                    format!("Complaint from {}, received {}", who.name, c.received_on.format("%-d %B %Y")),
                )
            })
            .collect(),
        members,
        provisions: provisions.iter().map(|p| Choice::new(p.id.clone(), provision_label(p))).collect(),
        add,
    })
}

/// Adds an allegation (the officer's wording required): to one of the case's complaints, against a
/// member of the register, citing a paragraph of the code the case's allegations cite.
pub fn add(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    input: &AddInput,
) -> ServiceResult<()> {
    crate::db::write(conn, |conn| {
        let case = find_visible(conn, user, reference)?;
        may_amend(user, &case)?;
        let mut e = FieldErrors::default();
        let complaint = complaint_rows::find(conn, input.complaint_id.trim())?.filter(|c| c.case_id == case.id);
        if complaint.is_none() {
            e.add("complaint_id", "Select the complaint the allegation comes from");
        }
        let member = member_rows::find(conn, input.member_id.trim())?;
        if member.is_none() {
            e.add("member_id", "Select the councillor the allegation is about");
        }
        let provision = provisions_for_case(conn, &case.id)?.into_iter().find(|p| p.id == input.provision_id.trim());
        if provision.is_none() {
            e.add("provision_id", "Select the paragraph of the code the allegation cites");
        }
        let wording = check_text(&mut e, "wording", &input.wording, "Enter the allegation in your words");
        if let (Some(m), Some(p)) = (&member, &provision) {
            let dup = complaint_rows::list_allegations_for_case(conn, &case.id)?
                .into_iter()
                .any(|a| a.member_id == m.id && a.code_provision_id == p.id);
            if dup {
                e.add("provision_id", format!("{} is already alleged against {}", provision_label(p), m.full_name));
            }
        }
        e.into_result()?;
        let (complaint, member, provision) =
            (complaint.expect("checked"), member.expect("checked"), provision.expect("checked"));
        let row = Allegation {
            id: new_id(),
            case_id: case.id.clone(),
            complaint_id: complaint.id.clone(),
            member_id: member.id.clone(),
            code_provision_id: provision.id.clone(),
            status: "open".into(),
            created_at: now(),
            wording,
            added_by_user_id: Some(user.id.clone()),
            withdrawn_reason: None,
            withdrawn_at: None,
        };
        complaint_rows::insert_allegation(conn, &row)?;
        audit::record(
            conn,
            actor,
            Event::new("allegation.added", "allegation", &row.id)
                .case(&case.id)
                .summary(format!(
                    "Allegation added: {}, {}: \u{201c}{}\u{201d}",
                    member.full_name,
                    provision_label(&provision),
                    row.wording.as_deref().unwrap_or_default()
                ))
                .details(serde_json::json!({
                    "member_id": member.id,
                    "code_provision_id": provision.id,
                    "complaint_id": complaint.id,
                    "wording": row.wording,
                })),
        )?;
        refresh_search_text(conn, &case.id)?;
        Ok(())
    })
}

/// Rewords, withdraws or re-attaches one allegation. Returns what was done, for the message.
pub fn amend(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    allegation_id: &str,
    input: &AmendInput,
) -> ServiceResult<String> {
    crate::db::write(conn, |conn| {
        let case = find_visible(conn, user, reference)?;
        may_amend(user, &case)?;
        let a = complaint_rows::find_allegation(conn, allegation_id)?
            .filter(|a| a.case_id == case.id)
            .ok_or(ServiceError::NotFound)?;
        may_amend_allegation(&a)?;
        let before = describe(conn, &a)?;
        let id = a.id.clone();
        let mut e = FieldErrors::default();
        let (changes, event, message) = match input.action.as_str() {
            "reword" => {
                let field = format!("wording_{id}");
                let wording = check_text(&mut e, &field, &input.wording, "Enter the allegation in your words");
                if wording.is_some() && wording == a.wording {
                    e.add(&field, "The wording is the same as it was: change it, or leave it");
                }
                e.into_result()?;
                let old = a.wording.clone().unwrap_or_else(|| "(the complaint's words)".into());
                let new = wording.clone().unwrap_or_default();
                (
                    AllegationChanges { wording: Some(wording.clone()), ..Default::default() },
                    Event::new("allegation.reworded", "allegation", &id)
                        .summary(format!(
                            "Allegation reworded ({before}): \u{201c}{new}\u{201d}, was \u{201c}{old}\u{201d}"
                        ))
                        .details(serde_json::json!({ "before": a.wording, "after": wording })),
                    "Allegation reworded".to_string(),
                )
            }
            "withdraw" => {
                let field = format!("reason_{id}");
                let reason = check_text(&mut e, &field, &input.reason, "Give the reason the allegation is withdrawn");
                e.into_result()?;
                let others = complaint_rows::list_allegations_for_case(conn, &case.id)?
                    .into_iter()
                    .filter(|o| o.id != id)
                    .count();
                if others == 0 {
                    return Err(ServiceError::refused(
                        "This is the case's last allegation: record a decision to close the case instead of withdrawing it",
                    ));
                }
                let reason = reason.expect("checked");
                (
                    AllegationChanges {
                        status: Some(WITHDRAWN.into()),
                        withdrawn_reason: Some(Some(reason.clone())),
                        withdrawn_at: Some(Some(now())),
                        ..Default::default()
                    },
                    Event::new("allegation.withdrawn", "allegation", &id)
                        .summary(format!("Allegation withdrawn ({before}): {reason}")),
                    "Allegation withdrawn".to_string(),
                )
            }
            "attach" => {
                let field = format!("member_id_{id}");
                let member = member_rows::find(conn, input.member_id.trim())?;
                match &member {
                    None => e.add(&field, "Select the councillor the allegation is about"),
                    Some(m) if m.id == a.member_id => {
                        e.add(&field, "The allegation is already about this councillor: select another")
                    }
                    Some(m) => {
                        let dup = complaint_rows::list_allegations_for_case(conn, &case.id)?
                            .into_iter()
                            .any(|o| o.member_id == m.id && o.code_provision_id == a.code_provision_id);
                        if dup {
                            e.add(&field, format!("{} already faces this allegation on the case", m.full_name));
                        }
                    }
                }
                e.into_result()?;
                let member = member.expect("checked");
                (
                    AllegationChanges { member_id: Some(member.id.clone()), ..Default::default() },
                    Event::new("allegation.attached", "allegation", &id)
                        .summary(format!("Allegation ({before}) attached to {}", member.full_name))
                        .details(serde_json::json!({ "before": a.member_id, "after": member.id })),
                    format!("Allegation attached to {}", member.full_name),
                )
            }
            _ => return Err(ServiceError::refused("Choose reword, withdraw or attach to another councillor")),
        };
        complaint_rows::update_allegation(conn, &id, &changes)?;
        audit::record(conn, actor, event.case(&case.id))?;
        refresh_search_text(conn, &case.id)?;
        Ok(message)
    })
}
