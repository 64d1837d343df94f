//! Complaint intake: the public form (with drafts, so nothing typed or uploaded is lost), complaints
//! logged by staff, case references, matching a complaint to an existing case about the same
//! conduct, allegations per member per code provision, and the acknowledgement.

use crate::db::schema::{authorities, memberships};
use crate::db::DbConnection;
use crate::models::authority::{self as authority_rows, Authority};
use crate::models::case::CaseStatus;
use crate::models::case::{self as case_rows, Case};
use crate::models::code::{self as code_rows, CodeProvision};
use crate::models::complaint::{self as rows, Allegation, Complainant, Complaint, ComplaintFile, ComplaintLink};
use crate::models::file::{self as file_rows, ComplaintDraft, DraftFile};
use crate::models::member::{Member, Membership};
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::calendar::Calendar;
use crate::services::cases;
use crate::services::evidence;
use crate::services::files::StoredUpload;
use crate::services::settings;
use crate::services::urls;
use crate::services::vocab;
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::{Datelike, Duration, NaiveDate};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use validator::ValidateEmail;

/// Everything the complaint form asks, as typed (kept verbatim for re-display).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct ComplaintForm {
    pub complainant_name: String,
    pub complainant_email: String,
    pub complainant_phone: String,
    pub complainant_address: String,
    pub complainant_type: String,
    pub confidential: String,
    pub confidential_reason: String,
    pub councillor: String,
    pub councillor_2: String,
    pub unlisted_name: String,
    pub unlisted_council: String,
    pub conduct_day: String,
    pub conduct_month: String,
    pub conduct_year: String,
    pub platform: String,
    pub post_urls: String,
    pub what_happened: String,
    pub why_official: String,
    pub provisions: Vec<String>,
    pub witnesses: String,
    pub outcome_sought: String,
    pub declaration: String,
    // Staff logging only.
    pub source: String,
    pub received_day: String,
    pub received_month: String,
    pub received_year: String,
    pub case_choice: String,
}

const MAX_TEXT: usize = 20_000;

impl ComplaintForm {
    /// Builds the form from submitted name/value pairs (checkboxes repeat their name).
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut f = ComplaintForm::default();
        for (k, v) in pairs {
            let v = v.clone();
            match k.as_str() {
                "complainant_name" => f.complainant_name = v,
                "complainant_email" => f.complainant_email = v,
                "complainant_phone" => f.complainant_phone = v,
                "complainant_address" => f.complainant_address = v,
                "complainant_type" => f.complainant_type = v,
                "confidential" => f.confidential = v,
                "confidential_reason" => f.confidential_reason = v,
                "councillor" => f.councillor = v,
                "councillor_2" => f.councillor_2 = v,
                "unlisted_name" => f.unlisted_name = v,
                "unlisted_council" => f.unlisted_council = v,
                "conduct_day" => f.conduct_day = v,
                "conduct_month" => f.conduct_month = v,
                "conduct_year" => f.conduct_year = v,
                "platform" => f.platform = v,
                "post_urls" => f.post_urls = v,
                "what_happened" => f.what_happened = v,
                "why_official" => f.why_official = v,
                "provisions" => f.provisions.push(v),
                "witnesses" => f.witnesses = v,
                "outcome_sought" => f.outcome_sought = v,
                "declaration" => f.declaration = v,
                "source" => f.source = v,
                "received_day" => f.received_day = v,
                "received_month" => f.received_month = v,
                "received_year" => f.received_year = v,
                "case_choice" => f.case_choice = v,
                _ => {}
            }
        }
        f
    }

    pub fn urls(&self) -> Vec<String> {
        self.post_urls.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
    }
}

/// Who is filling the form in, which changes what is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// The public form: copies of the posts and the declaration are required.
    Public,
    /// An officer logging a complaint received by email, post or phone.
    Staff,
}

/// A form that passed validation, with what it refers to looked up.
#[derive(Debug, Clone)]
pub struct Checked {
    pub form: ComplaintForm,
    pub members: Vec<(Member, Membership)>,
    pub authority: Authority,
    pub conduct_on: NaiveDate,
    pub links: Vec<(String, String, Option<&'static str>)>,
    pub provisions: Vec<CodeProvision>,
    pub received_on: NaiveDate,
    pub source: String,
}

impl Checked {
    pub fn member_ids(&self) -> Vec<String> {
        self.members.iter().map(|(m, _)| m.id.clone()).collect()
    }

    pub fn canonical_urls(&self) -> Vec<String> {
        self.links.iter().map(|(_, c, _)| c.clone()).collect()
    }
}

/// A choice in the form's lists.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// The councillors to choose from: each membership (a member can sit on two councils), current
/// or ended within the last year.
pub fn register_choices(conn: &mut DbConnection, today: NaiveDate) -> QueryResult<Vec<Choice>> {
    use crate::db::schema::members;
    let since = today - Duration::days(366);
    let rows: Vec<(Member, Membership, String)> = members::table
        .inner_join(memberships::table.inner_join(authorities::table))
        .filter(memberships::ended_on.is_null().or(memberships::ended_on.ge(since)))
        .filter(authorities::active.eq(true))
        .order((members::full_name.asc(), authorities::name.asc()))
        .select((Member::as_select(), Membership::as_select(), authorities::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(m, ms, council)| {
            let ward = ms.ward.as_deref().map(|w| format!(", {w}")).unwrap_or_default();
            let ended = ms.ended_on.map(|d| format!(" (until {})", d.format("%-d %B %Y"))).unwrap_or_default();
            Choice { value: ms.id, label: format!("{} – {}{}{}", m.full_name, council, ward, ended) }
        })
        .collect())
}

pub fn authority_choices(conn: &mut DbConnection) -> QueryResult<Vec<Choice>> {
    Ok(authority_rows::list_all(conn)?
        .into_iter()
        .filter(|a| a.active)
        .map(|a| Choice { value: a.id, label: a.name })
        .collect())
}

/// The code provisions to choose from: those of every code version in force today, by number.
pub fn provision_choices(conn: &mut DbConnection, today: NaiveDate) -> QueryResult<Vec<Choice>> {
    let mut seen = std::collections::BTreeMap::new();
    for a in authority_rows::list_all(conn)? {
        if let Some(v) = code_rows::version_in_force(conn, &a.id, today)? {
            for p in code_rows::list_provisions(conn, &v.id)? {
                seen.entry((p.position, p.number.clone())).or_insert(p.heading);
            }
        }
    }
    Ok(seen.into_iter().map(|((_, n), h)| Choice { label: format!("{n}. {h}"), value: n }).collect())
}

/// Checks the form. `file_count` is the number of files already attached.
pub fn check(
    conn: &mut DbConnection,
    form: &ComplaintForm,
    channel: Channel,
    file_count: usize,
    today: NaiveDate,
) -> ServiceResult<Checked> {
    let mut e = FieldErrors::default();
    let f = form;
    if clean(&f.complainant_name).is_none() {
        e.add("complainant_name", "Enter your full name");
    }
    let email = f.complainant_email.trim();
    if !email.is_empty() && !email.validate_email() {
        e.add("complainant_email", "Enter an email address in the correct format, like name@example.com");
    }
    if email.is_empty() && f.complainant_address.trim().is_empty() {
        e.add("complainant_email", "Enter an email address or a postal address so that the council can reply");
    }
    if !vocab::COMPLAINANT_TYPES.iter().any(|(v, _)| *v == f.complainant_type) {
        e.add("complainant_type", "Select who is making the complaint");
    }
    match f.confidential.as_str() {
        "yes" if clean(&f.confidential_reason).is_none() => {
            e.add("confidential_reason", "Explain why your name should not be shared with the councillor")
        }
        "yes" | "no" => {}
        _ => e.add("confidential", "Select yes if you want your name kept from the councillor"),
    }

    let mut members = Vec::new();
    for (field, value) in [("councillor", &f.councillor), ("councillor_2", &f.councillor_2)] {
        if value.trim().is_empty() {
            continue;
        }
        let found: Option<(Member, Membership)> = memberships::table
            .inner_join(crate::db::schema::members::table)
            .filter(memberships::id.eq(value.trim()))
            .select((Member::as_select(), Membership::as_select()))
            .first(conn)
            .optional()?;
        match found {
            Some(pair) if members.iter().any(|(m, _): &(Member, Membership)| m.id == pair.0.id) => {
                e.add(field, "You have chosen the same councillor twice")
            }
            Some(pair) => members.push(pair),
            None => e.add(field, "Select a councillor from the list"),
        }
    }
    let unlisted = clean(&f.unlisted_name);
    if members.is_empty() && unlisted.is_none() {
        e.add("councillor", "Select the councillor, or give their name if they are not listed");
    }
    let mut authority = None;
    if let Some((_, ms)) = members.first() {
        authority = authority_rows::find(conn, &ms.authority_id)?;
    } else if unlisted.is_some() {
        authority = match f.unlisted_council.trim() {
            "" => None,
            id => authority_rows::find(conn, id)?,
        };
        if authority.is_none() {
            e.add("unlisted_council", "Select the councillor's council");
        }
    }

    let conduct_on = match vocab::parse_date(&f.conduct_day, &f.conduct_month, &f.conduct_year) {
        Ok(d) if d > today => {
            e.add("conduct", "The date of the conduct must be today or in the past");
            None
        }
        Ok(d) => Some(d),
        Err(m) => {
            e.add("conduct", if m == "Enter a date" { "Enter the date of the post or conduct" } else { m });
            None
        }
    };
    if !vocab::PLATFORMS.iter().any(|(v, _)| *v == f.platform) {
        e.add("platform", "Select where the councillor posted");
    }
    let mut links = Vec::new();
    for u in f.urls() {
        match urls::canonicalize(&u) {
            Some(c) => links.push((u.clone(), c, urls::platform_of(&u))),
            None => e.add(
                "post_urls",
                format!("{u} is not a web address: enter each link on its own line, starting https://"),
            ),
        }
    }
    if links.len() > 20 {
        e.add("post_urls", "Enter 20 links or fewer");
    }
    if channel == Channel::Public && file_count == 0 {
        e.add(
            "files",
            "Upload at least one screenshot or copy of the post: council officers may not be able to see social media",
        );
    }
    if clean(&f.what_happened).is_none() {
        e.add("what_happened", "Describe what the councillor said or did");
    }
    if clean(&f.why_official).is_none() {
        e.add("why_official", "Explain why you think the councillor was acting as a councillor");
    }
    for (field, value) in [
        ("what_happened", &f.what_happened),
        ("why_official", &f.why_official),
        ("witnesses", &f.witnesses),
        ("outcome_sought", &f.outcome_sought),
    ] {
        if value.chars().count() > MAX_TEXT {
            e.add(field, format!("Use {MAX_TEXT} characters or fewer"));
        }
    }
    if f.provisions.is_empty() {
        e.add("provisions", "Select which parts of the Code of Conduct you think the councillor broke");
    }
    if channel == Channel::Public && f.declaration != "yes" {
        e.add("declaration", "Confirm that the information you have given is true");
    }

    let (received_on, source) = match channel {
        Channel::Public => (today, "web".to_string()),
        Channel::Staff => {
            if !vocab::COMPLAINT_SOURCES.iter().any(|(v, _)| *v == f.source) {
                e.add("source", "Select how the complaint was received");
            }
            let received = match vocab::parse_date(&f.received_day, &f.received_month, &f.received_year) {
                Ok(d) if d > today => {
                    e.add("received", "The date received must be today or in the past");
                    None
                }
                Ok(d) => Some(d),
                Err(m) => {
                    e.add(
                        "received",
                        if m == "Enter a date" { "Enter the date the complaint was received" } else { m },
                    );
                    None
                }
            };
            (received.unwrap_or(today), f.source.clone())
        }
    };

    // The provisions of the code the council had in force on the date of the conduct.
    let mut provisions = Vec::new();
    if let (Some(a), Some(day)) = (&authority, conduct_on) {
        let version = match code_rows::version_in_force(conn, &a.id, day)? {
            Some(v) => Some(v),
            None => code_rows::version_in_force(conn, &a.id, today)?,
        };
        if let Some(version) = version {
            let all = code_rows::list_provisions(conn, &version.id)?;
            for n in &f.provisions {
                match all.iter().find(|p| &p.number == n) {
                    Some(p) => provisions.push(p.clone()),
                    None => e.add(
                        "provisions",
                        format!("{} had no paragraph {n} in its code on that date: select from its code", a.name),
                    ),
                }
            }
        }
    }

    e.into_result()?;
    Ok(Checked {
        form: form.clone(),
        members,
        authority: authority.expect("checked above"),
        conduct_on: conduct_on.expect("checked above"),
        links,
        provisions,
        received_on,
        source,
    })
}

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
fn create(
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
            let what: String = f.what_happened.trim().chars().take(120).collect();
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

/// The browser that owns a draft (hash of its CSRF cookie token).
pub fn owner_hash(browser_token: &str) -> String {
    crate::services::auth::sha256_hex(format!("complaint-draft:{browser_token}").as_bytes())
}

/// Finds a draft of this browser's (never another's: `None` then).
pub fn find_draft(
    conn: &mut DbConnection,
    id: &str,
    owner: &str,
) -> QueryResult<Option<(ComplaintDraft, ComplaintForm)>> {
    Ok(file_rows::find_draft(conn, id)?.filter(|d| d.owner_hash == owner).map(|d| {
        let form = serde_json::from_str(&d.data).unwrap_or_default();
        (d, form)
    }))
}

/// Saves what was typed (creating the draft if needed) and attaches newly stored files.
pub fn save_draft(
    conn: &mut DbConnection,
    draft_id: Option<&str>,
    owner: &str,
    form: &ComplaintForm,
    new_files: &[(String, String, i64, String)],
) -> QueryResult<(ComplaintDraft, Vec<DraftFile>)> {
    save_draft_data(conn, draft_id, owner, &serde_json::to_string(form).expect("form serialises"), new_files)
}

/// Saves any form's values (as JSON) and files in a draft owned by this browser.
pub fn save_draft_data(
    conn: &mut DbConnection,
    draft_id: Option<&str>,
    owner: &str,
    data: &str,
    new_files: &[(String, String, i64, String)],
) -> QueryResult<(ComplaintDraft, Vec<DraftFile>)> {
    let t = now();
    let data = data.to_string();
    conn.transaction(|conn| {
        let existing = match draft_id {
            Some(id) => file_rows::find_draft(conn, id)?.filter(|d| d.owner_hash == owner && d.submitted_at.is_none()),
            None => None,
        };
        let draft = match existing {
            Some(d) => {
                file_rows::update_draft_data(conn, &d.id, &data, t)?;
                d
            }
            None => {
                let d = ComplaintDraft {
                    id: crate::services::auth::random_token()[..40].to_string(),
                    owner_hash: owner.to_string(),
                    data: data.clone(),
                    created_at: t,
                    updated_at: t,
                    submitted_at: None,
                    case_reference: None,
                };
                file_rows::insert_draft(conn, &d)?;
                d
            }
        };
        for (sha256, name, size, media_type) in new_files {
            file_rows::insert_draft_file(
                conn,
                &DraftFile {
                    id: new_id(),
                    draft_id: draft.id.clone(),
                    sha256: sha256.clone(),
                    original_name: name.clone(),
                    media_type: media_type.clone(),
                    size_bytes: *size,
                    uploaded_at: t,
                },
            )?;
        }
        let files = file_rows::list_draft_files(conn, &draft.id)?;
        Ok((draft, files))
    })
}

/// Submits a checked draft from the public form: opens the case, records the complaint and
/// queues the acknowledgement, in one transaction.
pub fn submit_public(
    conn: &mut DbConnection,
    actor: &Actor,
    draft_id: &str,
    owner: &str,
    today: NaiveDate,
) -> ServiceResult<Case> {
    conn.transaction(|conn| {
        let (draft, form) = find_draft(conn, draft_id, owner)?.ok_or(ServiceError::NotFound)?;
        if let Some(reference) = draft.case_reference {
            return case_rows::find_by_reference(conn, &reference)?.ok_or(ServiceError::NotFound);
        }
        let files = file_rows::list_draft_files(conn, &draft.id)?;
        let checked = check(conn, &form, Channel::Public, files.len(), today)?;
        let (case, complaint, complainant) = create(conn, actor, &checked, None, &files)?;
        if complainant.email.is_some() {
            cases::acknowledge(conn, &Actor::system("acknowledgement"), &case, &complaint, &complainant, false)?;
        }
        file_rows::mark_draft_submitted(conn, &draft.id, &case.reference, now())?;
        case_rows::find(conn, &case.id)?.ok_or(ServiceError::NotFound)
    })
}

/// What an officer logging a complaint is asked when the complaint may be about conduct that
/// an open case already covers.
#[derive(Debug)]
pub enum Logged {
    Created(Box<Case>),
    /// Choose: add to one of these cases, or open a new one (`case_choice` = case id or "new").
    ChooseCase(Vec<Case>),
}

/// Logs a complaint received by email, post or phone. Its deadlines run from the date it was
/// actually received. Files are stored already (`files` names them).
pub fn log_by_staff(
    conn: &mut DbConnection,
    actor: &Actor,
    form: &ComplaintForm,
    files: &[DraftFile],
    today: NaiveDate,
) -> ServiceResult<Logged> {
    conn.transaction(|conn| {
        let checked = check(conn, form, Channel::Staff, files.len(), today)?;
        let matches = matching_cases(conn, &checked, None)?;
        let into = match form.case_choice.as_str() {
            "new" => None,
            "" if matches.is_empty() => None,
            "" => return Ok(Logged::ChooseCase(matches)),
            id => {
                let chosen = matches.iter().find(|c| c.id == id).cloned();
                match chosen {
                    Some(c) => Some(c),
                    None => {
                        return Err(ServiceError::Invalid(FieldErrors::single(
                            "case_choice",
                            "Choose one of the cases listed, or to open a new case",
                        )))
                    }
                }
            }
        };
        let adding = into.is_some();
        let (case, _, _) = create(conn, actor, &checked, into, files)?;
        if adding {
            audit::record(
                conn,
                actor,
                Event::new("case.complaint_added", "case", &case.id)
                    .case(&case.id)
                    .summary(format!("A further complaint about the same conduct added to {}", case.reference)),
            )?;
        }
        Ok(Logged::Created(Box::new(case)))
    })
}

/// Unsubmitted drafts older than a week are removed.
pub fn purge_stale_drafts(conn: &mut DbConnection) -> QueryResult<usize> {
    file_rows::delete_stale_drafts(conn, now() - Duration::days(7))
}
