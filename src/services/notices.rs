//! Decision notices: drafted per recipient from a typed letter, reviewed by the officer, then sent
//! or published. Shared by the initial-assessment, post-investigation and hearing decisions.

use crate::db::DbConnection;
use crate::emails::{self, Email};
use crate::models::assessment::{self as assessment_rows, Decision, DecisionNotice};
use crate::models::authority::{self as authority_rows, Authority};
use crate::models::case::Case;
use crate::models::complaint::{self as complaint_rows, Complainant, Complaint};
use crate::models::hearing as hearing_rows;
use crate::models::member::{self as member_rows, Member};
use crate::models::user as user_rows;
use crate::services::ServiceResult;
use diesel::QueryResult;

/// How the publication version of a hearing decision notice begins (`emails/hearing_decision`).
pub const PUBLICATION_HEADING: &str = "DECISION NOTICE (publication version";

/// Who a notice is for: `kind` is complainant, member, independent-person or parish-clerk.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub kind: &'static str,
    pub name: String,
    pub address: Option<String>,
}

/// The complainants and the members of the case.
pub fn parties(conn: &mut DbConnection, case: &Case) -> QueryResult<Vec<Recipient>> {
    let mut out = Vec::new();
    for (_, who) in complaint_rows::list_for_case(conn, &case.id)? {
        out.push(Recipient { kind: "complainant", name: who.name, address: who.email });
    }
    for m in member_rows::list_for_case(conn, &case.id)? {
        out.push(Recipient { kind: "member", name: m.full_name, address: m.email });
    }
    Ok(out)
}

/// The parties, the Independent Persons consulted on the case or sitting at its hearing, and the
/// clerks of the parish or town councils whose code is engaged.
pub fn parties_and_participants(conn: &mut DbConnection, case: &Case) -> QueryResult<Vec<Recipient>> {
    let mut out = parties(conn, case)?;
    let mut ips: Vec<String> =
        assessment_rows::consultations_for_case(conn, &case.id)?.into_iter().map(|c| c.ip_user_id).collect();
    if let Some(h) = hearing_rows::hearing_for_case(conn, &case.id)? {
        ips.push(h.ip_user_id);
    }
    ips.sort();
    ips.dedup();
    for id in ips {
        if let Some(ip) = user_rows::find(conn, &id)? {
            out.push(Recipient { kind: "independent-person", name: ip.name, address: Some(ip.email) });
        }
    }
    let members = member_rows::list_for_case(conn, &case.id)?;
    for authority in parish_authorities(conn, case, &members)? {
        let name = authority.clerk_name.clone().unwrap_or_else(|| format!("The Clerk, {}", authority.name));
        out.push(Recipient { kind: "parish-clerk", name, address: authority.clerk_email.clone() });
    }
    Ok(out)
}

/// Drafts the notices of an initial-assessment or post-investigation decision (`stage`), whose
/// outcome reads `label`.
pub fn draft_decision(
    conn: &mut DbConnection,
    case: &Case,
    decision: &Decision,
    recipients: Vec<Recipient>,
    stage: &'static str,
    label: &str,
) -> ServiceResult<()> {
    let decided_on = emails::long_date(decision.decided_at.date());
    let ip_views = ip_views(conn, case, Some(stage))?;
    let early_reason = crate::models::gates::for_decision(conn, &decision.id)?
        .into_iter()
        .find(|g| g.gate == crate::models::gates::MEMBER_NOTICE)
        .map(|g| g.reason);
    draft(conn, case, decision, recipients, false, |r| emails::DecisionNotice {
        early_reason: early_reason.clone(),
        ip_views: ip_views.clone(),
        name: r.name.clone(),
        recipient: r.kind,
        reference: case.reference.clone(),
        decided_on: decided_on.clone(),
        stage,
        decision: label.to_string(),
        outcome: decision.outcome.clone(),
        reasons: decision.reasons.clone(),
    })
}

/// The Independent Persons whose view is recorded on the case (at `stage` or one not tied to a
/// stage, when given): a notice names an Independent Person as consulted only then.
pub fn ip_views(conn: &mut DbConnection, case: &Case, stage: Option<&str>) -> QueryResult<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for c in assessment_rows::consultations_for_case(conn, &case.id)? {
        if c.view_text.as_deref().is_none_or(|v| v.trim().is_empty()) {
            continue;
        }
        if stage.is_some_and(|s| c.stage != s && c.stage != "other") {
            continue;
        }
        if let Some(ip) = user_rows::find(conn, &c.ip_user_id)? {
            if !names.contains(&ip.name) {
                names.push(ip.name);
            }
        }
    }
    Ok(names)
}

/// Drafts a notice per recipient from `letter` (given the recipient) and, when asked, the
/// anonymised publication version (`letter` given a recipient of kind "publication").
pub fn draft<E: Email>(
    conn: &mut DbConnection,
    case: &Case,
    decision: &Decision,
    recipients: Vec<Recipient>,
    publication: bool,
    letter: impl Fn(&Recipient) -> E,
) -> ServiceResult<()> {
    let complaints = complaint_rows::list_for_case(conn, &case.id)?;
    let head = crate::services::letters::letterhead(conn, Some(&case.id))?;
    for r in &recipients {
        let rendered = letter(r).render(&head)?;
        // No recipient reads a confidential complainant's identity, but that complainant.
        let hidden = redactions(&withheld_from(&complaints, r));
        let notice = DecisionNotice::draft(
            &decision.id,
            r.kind,
            r.name.clone(),
            r.address.clone(),
            anonymise(&rendered.subject, &hidden),
            anonymise(&rendered.body_text, &hidden),
        );
        assessment_rows::insert_notice(conn, &notice)?;
    }
    if publication {
        let public = Recipient { kind: "publication", name: String::new(), address: None };
        let rendered = letter(&public).render(&head)?;
        let mut hidden = redactions(&complaint_rows::list_for_case(conn, &case.id)?);
        // Where no breach was found the councillor is not named, unless the council's policy
        // says so (or they ask: the Monitoring Officer names them when approving the version).
        if decision.outcome != "breach" && !crate::services::settings::names_members_without_breach(conn)? {
            for m in member_rows::list_for_case(conn, &case.id)? {
                hidden.push((m.full_name, "[the councillor]"));
            }
        }
        let mut body = anonymise(&rendered.body_text, &hidden);
        // The notice says it was anonymised only when something was.
        let anonymised = body != rendered.body_text;
        if anonymised {
            let heading = format!("{PUBLICATION_HEADING}: complainants and witnesses anonymised");
            body = body.replacen(PUBLICATION_HEADING, &heading, 1);
        }
        let name = if anonymised { "Publication version (anonymised)" } else { "Publication version" };
        let notice = DecisionNotice::draft(
            &decision.id,
            "publication",
            name.into(),
            None,
            anonymise(&rendered.subject, &hidden),
            body,
        );
        assessment_rows::insert_notice(conn, &notice)?;
    }
    Ok(())
}

/// What a viewer who sees `sections` of a case must not read of its complainants (names, email,
/// phone, address and witnesses of those whose identity is withheld from them), to take out of
/// any text shown to them: complaint text, emails, timeline, officers' questions and reasons.
pub fn withheld_from_viewer(
    conn: &mut DbConnection,
    case_id: &str,
    sections: &crate::services::access::Sections,
) -> QueryResult<Vec<(String, &'static str)>> {
    let hidden: Vec<_> = complaint_rows::list_for_case(conn, case_id)?
        .into_iter()
        .filter(|(c, _)| !sections.complainant_identity(c.confidentiality_requested))
        .collect();
    Ok(redactions(&hidden))
}

/// The complaints whose complainant asked for confidentiality, less the recipient's own: whose
/// identity a notice to `r` must not carry (only officers see them: `access::Sections`).
fn withheld_from(complaints: &[(Complaint, Complainant)], r: &Recipient) -> Vec<(Complaint, Complainant)> {
    complaints
        .iter()
        .filter(|(c, _)| c.confidentiality_requested)
        .filter(|(_, who)| !(r.kind == "complainant" && who.name == r.name && who.email == r.address))
        .cloned()
        .collect()
}

/// What the publication version hides: each complainant's name (in full, or as title and
/// surname: "Ms Public"), their email, phone and address, and the witnesses they named.
pub fn redactions(complaints: &[(Complaint, Complainant)]) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    for (c, who) in complaints {
        let details = [who.email.as_deref(), who.phone.as_deref(), who.address.as_deref()];
        out.extend(complainant_redactions(&who.name, &details));
        for w in c.witnesses.iter().flat_map(|w| w.split(['\n', ',', ';'])) {
            out.push((w.trim().to_string(), "[a witness]"));
        }
    }
    out.retain(|(n, _)| n.trim().chars().count() >= 2);
    out
}

/// What hides one complainant: their name (in full, or as title and surname) and their contact
/// details.
pub fn complainant_redactions(name: &str, details: &[Option<&str>]) -> Vec<(String, &'static str)> {
    let mut out = vec![(name.to_string(), "[the complainant]")];
    if let Some(last) = name.split_whitespace().last().filter(|_| name.split_whitespace().count() > 1) {
        for title in ["Mr", "Mrs", "Ms", "Miss", "Mx", "Dr"] {
            out.push((format!("{title} {last}"), "[the complainant]"));
            out.push((format!("{title}. {last}"), "[the complainant]"));
        }
    }
    for detail in details.iter().flatten() {
        out.push((detail.to_string(), "[the complainant]"));
    }
    out.retain(|(n, _)| n.trim().chars().count() >= 2);
    out
}

/// Replaces every whole-word occurrence of each text (ignoring case), longest first.
pub fn anonymise(text: &str, redactions: &[(String, &str)]) -> String {
    let mut list: Vec<&(String, &str)> = redactions.iter().collect();
    list.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
    let mut out = text.to_string();
    for (needle, replacement) in list {
        let needle = needle.trim().to_lowercase();
        let lower = out.to_lowercase();
        if lower.len() != out.len() {
            // Case folding changed byte offsets: fall back to an exact match.
            out = out.replace(needle.as_str(), replacement);
            continue;
        }
        let mut result = String::with_capacity(out.len());
        let mut last = 0;
        for (at, _) in lower.match_indices(needle.as_str()) {
            if at < last {
                continue;
            }
            let before_ok = out[..at].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
            let after_ok = out[at + needle.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric());
            if before_ok && after_ok {
                result.push_str(&out[last..at]);
                result.push_str(replacement);
                last = at + needle.len();
            }
        }
        result.push_str(&out[last..]);
        out = result;
    }
    out
}

/// The parish or town councils whose code is engaged for the case's members (from the concluded
/// capacity assessments; else the case's authority when that is a local council).
fn parish_authorities(conn: &mut DbConnection, case: &Case, members: &[Member]) -> QueryResult<Vec<Authority>> {
    let mut ids = Vec::new();
    for m in members {
        if let Some(id) = engaged_authority_id(conn, case, &m.id)? {
            ids.push(id);
        }
    }
    ids.sort();
    ids.dedup();
    let mut out = Vec::new();
    for id in ids {
        if let Some(a) = authority_rows::find(conn, &id)? {
            if authority_rows::is_local_tier(&a.tier) {
                out.push(a);
            }
        }
    }
    Ok(out)
}

pub fn engaged_authority_id(conn: &mut DbConnection, case: &Case, member_id: &str) -> QueryResult<Option<String>> {
    let concluded = assessment_rows::latest_for_member(conn, &case.id, member_id)?.and_then(|a| a.engaged_authority_id);
    Ok(Some(concluded.unwrap_or_else(|| case.authority_id.clone())))
}

#[cfg(test)]
mod tests {
    use super::anonymise;

    #[test]
    fn names_are_replaced_as_whole_words_ignoring_case() {
        let hidden = vec![
            ("Jo Public".to_string(), "[the complainant]"),
            ("Ms Public".to_string(), "[the complainant]"),
            ("Sam Neighbour".to_string(), "[a witness]"),
        ];
        let text = "JO PUBLIC complained; Ms Public and Sam Neighbour saw it. The public interest favours publication. Jo Publican is someone else.";
        assert_eq!(
            anonymise(text, &hidden),
            "[the complainant] complained; [the complainant] and [a witness] saw it. The public interest favours publication. Jo Publican is someone else."
        );
    }
}
