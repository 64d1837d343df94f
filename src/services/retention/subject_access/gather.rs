//! Gathering what is held about a person: every case the officer may see with a record about
//! them, the records, the other people to redact and the files they sent.

use super::*;

/// One record about the person, as it will be disclosed (before redaction).
#[derive(Debug, Clone)]
pub(super) struct Record {
    pub(super) kind: &'static str,
    pub(super) title: String,
    pub(super) body: String,
}

/// Everything found on one case.
#[derive(Debug, Clone)]
pub(super) struct Found {
    pub(super) case: Case,
    pub(super) records: Vec<Record>,
    /// Other people on the case (complainants, witnesses, members' contact details).
    pub(super) redactions: Vec<(String, &'static str)>,
    /// The files the person sent from their own page: (name, SHA-256).
    pub(super) files: Vec<(String, String)>,
}

pub(super) fn opt(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}

/// Every case the user may see with a record about the person.
pub(super) fn gather(conn: &mut DbConnection, user: &User, n: &Needles) -> ServiceResult<Vec<Found>> {
    let mut by_case: BTreeMap<String, Vec<Record>> = BTreeMap::new();

    // Complaints: made by the person, or mentioning them.
    type ComplaintRow = (
        String,
        String,
        chrono::NaiveDate,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<ComplaintRow> = complaints::table
        .inner_join(complainants::table)
        .select((
            complaints::case_id,
            complaints::id,
            complaints::received_on,
            complaints::what_happened,
            complaints::why_official,
            complaints::outcome_sought,
            complaints::witnesses,
            complainants::name,
            complainants::email,
            complainants::phone,
            complainants::address,
        ))
        .load(conn)?;
    for (case_id, _, received, what, why, sought, witnesses, name, email, phone, address) in rows {
        let theirs = n.in_any(&[Some(&name), email.as_deref(), phone.as_deref(), address.as_deref()]);
        let mentions = n.in_any(&[Some(&what), Some(&why), sought.as_deref(), witnesses.as_deref()]);
        if theirs || mentions {
            by_case.entry(case_id).or_default().push(Record {
                kind: "Complaint",
                title: format!(
                    "Complaint received on {}{}",
                    received.format("%-d %B %Y"),
                    if theirs { " (made by you)" } else { " (mentioning you)" }
                ),
                body: format!(
                    "Complainant: {name}\nEmail: {}\nTelephone: {}\nAddress: {}\n\nWhat happened:\n{what}\n\nWhy they were acting as a councillor:\n{why}\n\nOutcome sought:\n{}\n\nWitnesses:\n{}",
                    opt(&email),
                    opt(&phone),
                    opt(&address),
                    opt(&sought),
                    opt(&witnesses)
                ),
            });
        }
    }

    // Evidence details (the current and earlier versions).
    type VersionRow =
        (String, i32, i32, String, Option<String>, Option<String>, Option<String>, Option<String>, Option<String>);
    let versions: Vec<VersionRow> = evidence_versions::table
        .inner_join(evidence_items::table)
        .select((
            evidence_items::case_id,
            evidence_items::number,
            evidence_versions::version,
            evidence_versions::title,
            evidence_versions::account_handle,
            evidence_versions::display_name,
            evidence_versions::account_bio,
            evidence_versions::post_text,
            evidence_versions::notes,
        ))
        .load(conn)?;
    for (case_id, number, version, title, handle, display, bio, text, notes) in versions {
        if n.in_any(&[
            Some(&title),
            handle.as_deref(),
            display.as_deref(),
            bio.as_deref(),
            text.as_deref(),
            notes.as_deref(),
        ]) {
            by_case.entry(case_id).or_default().push(Record {
                kind: "Evidence",
                title: format!("Evidence E{number}, version {version}: {title}"),
                body: format!(
                    "Account: {} ({})\nAccount description: {}\nPost text:\n{}\n\nNotes:\n{}",
                    opt(&display),
                    opt(&handle),
                    opt(&bio),
                    opt(&text),
                    opt(&notes)
                ),
            });
        }
    }

    // Officers' notes.
    let notes: Vec<(String, String, chrono::NaiveDateTime)> =
        case_notes::table.select((case_notes::case_id, case_notes::body, case_notes::created_at)).load(conn)?;
    for (case_id, body, at) in notes {
        if n.in_text(&body) {
            by_case.entry(case_id).or_default().push(Record {
                kind: "Note",
                title: format!("Case note of {}", at.format("%-d %B %Y %H:%M")),
                body,
            });
        }
    }

    // Emails sent from the case.
    type MailRow = (Option<String>, String, Option<String>, String, String, chrono::NaiveDateTime);
    let mails: Vec<MailRow> = outbox::table
        .filter(outbox::case_id.is_not_null())
        .select((
            outbox::case_id,
            outbox::to_address,
            outbox::to_name,
            outbox::subject,
            outbox::body_text,
            outbox::created_at,
        ))
        .load(conn)?;
    for (case_id, to, to_name, subject, body, at) in mails {
        let Some(case_id) = case_id else { continue };
        if n.in_any(&[Some(&to), to_name.as_deref(), Some(&subject), Some(&body)]) {
            by_case.entry(case_id).or_default().push(Record {
                kind: "Email",
                title: format!(
                    "Email of {} to {}: {subject}",
                    at.format("%-d %B %Y"),
                    to_name.as_deref().unwrap_or(&to)
                ),
                body: format!("To: {} <{to}>\nSubject: {subject}\n\n{body}", opt(&to_name)),
            });
        }
    }

    // Letters (decision notices).
    type LetterRow = (String, String, Option<String>, String, String);
    let letters: Vec<LetterRow> = decision_notices::table
        .inner_join(decisions::table)
        .select((
            decisions::case_id,
            decision_notices::recipient_name,
            decision_notices::to_address,
            decision_notices::subject,
            decision_notices::body,
        ))
        .load(conn)?;
    for (case_id, recipient, to, subject, body) in letters {
        if n.in_any(&[Some(&recipient), to.as_deref(), Some(&subject), Some(&body)]) {
            by_case.entry(case_id).or_default().push(Record {
                kind: "Letter",
                title: format!("Letter to {recipient}: {subject}"),
                body: format!("To: {recipient} {}\nSubject: {subject}\n\n{body}", opt(&to)),
            });
        }
    }

    // The register: a councillor the complaint is about.
    type MemberRow = (String, String, Option<String>, Option<String>, Option<String>);
    let named: Vec<MemberRow> = allegations::table
        .inner_join(members::table)
        .select((allegations::case_id, members::full_name, members::email, members::phone, members::postal_address))
        .distinct()
        .load(conn)?;
    for (case_id, name, email, phone, address) in named {
        if n.in_any(&[Some(&name), email.as_deref(), phone.as_deref(), address.as_deref()]) {
            by_case.entry(case_id).or_default().push(Record {
                kind: "Councillor",
                title: format!("{name}: the councillor complained about"),
                body: format!(
                    "Name: {name}\nEmail: {}\nTelephone: {}\nAddress: {}",
                    opt(&email),
                    opt(&phone),
                    opt(&address)
                ),
            });
        }
    }

    // Their own page (issue 21): what they sent and the officers' messages to them, and what
    // others sent that mentions them; the files they sent go into the export as they are.
    let mut files_by_case: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    type Person = (Option<String>, Option<String>, Option<String>, Option<String>);
    let complainant_of: BTreeMap<String, Person> = complaints::table
        .inner_join(complainants::table)
        .select((
            complaints::id,
            complainants::name.nullable(),
            complainants::email,
            complainants::phone,
            complainants::address,
        ))
        .load::<(String, Option<String>, Option<String>, Option<String>, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, a, b, c, d)| (id, (a, b, c, d)))
        .collect();
    type ItemRow =
        (String, String, String, Option<String>, Option<String>, String, bool, String, chrono::NaiveDateTime);
    let items: Vec<ItemRow> = party_items::table
        .order(party_items::created_at.asc())
        .select((
            party_items::id,
            party_items::case_id,
            party_items::party,
            party_items::complaint_id,
            party_items::member_id,
            party_items::kind,
            party_items::from_party,
            party_items::body,
            party_items::created_at,
        ))
        .load(conn)?;
    let mut member_of: BTreeMap<String, Person> = BTreeMap::new();
    for (id, case_id, party, complaint_id, member_id, kind, from_party, body, at) in items {
        let who: Option<Person> = match (party.as_str(), complaint_id, member_id) {
            (crate::models::party::COMPLAINANT, Some(c), _) => complainant_of.get(&c).cloned(),
            (crate::models::party::MEMBER, _, Some(m)) => {
                if !member_of.contains_key(&m) {
                    let found: Option<Person> = members::table
                        .find(&m)
                        .select((
                            members::full_name.nullable(),
                            members::email,
                            members::phone,
                            members::postal_address,
                        ))
                        .first(conn)
                        .optional()?;
                    member_of.insert(m.clone(), found.unwrap_or_default());
                }
                member_of.get(&m).cloned()
            }
            _ => None,
        };
        let theirs =
            who.is_some_and(|(a, b, c, d)| n.in_any(&[a.as_deref(), b.as_deref(), c.as_deref(), d.as_deref()]));
        if !theirs && !n.in_text(&body) {
            continue;
        }
        let what = crate::services::vocab::label(&crate::services::vocab::PARTY_ITEM_KINDS, &kind);
        let title = match (theirs, from_party) {
            (true, true) => format!("{what} you sent from your page on {}", at.format("%-d %B %Y %H:%M")),
            (true, false) => format!("Message to you on your page of {}", at.format("%-d %B %Y %H:%M")),
            (false, _) => format!("{what} on a party's page of {} (mentioning you)", at.format("%-d %B %Y %H:%M")),
        };
        let mut body = body;
        if theirs && from_party {
            let files: Vec<(String, String)> = party_files::table
                .filter(party_files::party_item_id.eq(&id))
                .select((party_files::original_name, party_files::sha256))
                .load(conn)?;
            for (name, sha) in &files {
                body.push_str(&format!("\nFile: {name} (SHA-256 {sha})"));
            }
            files_by_case.entry(case_id.clone()).or_default().extend(files);
        }
        by_case.entry(case_id).or_default().push(Record { kind: "Your page", title, body });
    }

    let mut out = Vec::new();
    for (case_id, mut records) in by_case {
        if !can_view_case(conn, user, &case_id)? {
            continue;
        }
        let Some(case) = case_rows::find(conn, &case_id)? else { continue };
        records.dedup_by(|a, b| a.title == b.title && a.body == b.body);
        let redactions = others_on(conn, &case_id, n)?;
        let files = files_by_case.remove(&case_id).unwrap_or_default();
        out.push(Found { case, records, redactions, files });
    }
    out.sort_by(|a, b| a.case.received_on.cmp(&b.case.received_on).then(a.case.reference.cmp(&b.case.reference)));
    Ok(out)
}

/// Other people on a case, to redact: complainants (names and contact details) who are not the
/// person, witnesses they named, and councillors' contact details.
pub(super) fn others_on(
    conn: &mut DbConnection,
    case_id: &str,
    n: &Needles,
) -> QueryResult<Vec<(String, &'static str)>> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    type Who = (String, Option<String>, Option<String>, Option<String>, Option<String>);
    let people: Vec<Who> = complaints::table
        .inner_join(complainants::table)
        .filter(complaints::case_id.eq(case_id))
        .select((
            complainants::name,
            complainants::email,
            complainants::phone,
            complainants::address,
            complaints::witnesses,
        ))
        .load(conn)?;
    for (name, email, phone, address, witnesses) in people {
        let is_them = n.in_any(&[Some(&name), email.as_deref(), phone.as_deref(), address.as_deref()]);
        if !is_them {
            for (text, _) in complainant_redactions(&name, &[email.as_deref(), phone.as_deref(), address.as_deref()]) {
                out.push((text, "[another person]"));
            }
        }
        for w in witnesses.iter().flat_map(|w| w.split(['\n', ',', ';'])) {
            let w = w.trim();
            if w.chars().count() >= 2 && !n.in_text(w) {
                out.push((w.to_string(), "[a witness]"));
            }
        }
    }
    type Contact = (String, Option<String>, Option<String>, Option<String>);
    let contacts: Vec<Contact> = allegations::table
        .inner_join(members::table)
        .filter(allegations::case_id.eq(case_id))
        .select((members::full_name, members::email, members::phone, members::postal_address))
        .distinct()
        .load(conn)?;
    for (name, email, phone, address) in contacts {
        if n.in_any(&[Some(&name), email.as_deref(), phone.as_deref(), address.as_deref()]) {
            continue;
        }
        for d in [email, phone, address].into_iter().flatten() {
            if d.trim().chars().count() >= 2 {
                out.push((d, "[contact details removed]"));
            }
        }
    }
    Ok(out)
}
