//! The complaint form: what it asks, the choices it offers, and its checks (which differ for the
//! public and for officers logging a complaint received by email, post or phone).

use crate::db::DbConnection;
use crate::models::authority::{self as authority_rows, Authority};
use crate::models::code::{self as code_rows, CodeProvision};
use crate::models::member::{self as member_rows, Member, Membership};
pub use crate::services::cases::Choice;
use crate::services::text;
use crate::services::urls;
use crate::services::vocab;
use crate::services::{clean, FieldErrors, ServiceResult};
use chrono::{Duration, NaiveDate};
use diesel::QueryResult;
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

    /// An empty form for an officer, received today.
    pub fn received_on(day: NaiveDate) -> Self {
        ComplaintForm {
            received_day: day.format("%-d").to_string(),
            received_month: day.format("%-m").to_string(),
            received_year: day.format("%Y").to_string(),
            ..Default::default()
        }
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

/// The councillors to choose from: each membership (a member can sit on two councils), current
/// or ended within the last year.
pub fn register_choices(conn: &mut DbConnection, today: NaiveDate) -> QueryResult<Vec<Choice>> {
    let since = today - Duration::days(366);
    Ok(member_rows::list_register(conn, since)?
        .into_iter()
        .map(|(m, ms, council)| {
            let ward = ms.ward.as_deref().map(|w| format!(", {w}")).unwrap_or_default();
            let ended = ms.ended_on.map(|d| format!(" (until {})", d.format("%-d %B %Y"))).unwrap_or_default();
            Choice { value: ms.id, label: format!("{} – {}{}{}", m.full_name, council, ward, ended) }
        })
        .collect())
}

/// A council and its councillors, for an `<optgroup>` of the councillor list.
#[derive(Debug, Clone, Serialize)]
pub struct ChoiceGroup {
    pub label: String,
    pub options: Vec<Choice>,
}

/// Whether the public may name this membership: current today, on a council not retired.
fn offered_publicly(ms: &Membership, council: &crate::models::authority::Authority, today: NaiveDate) -> bool {
    ms.ended_on.is_none_or(|end| end >= today) && ms.started_on <= today && council.retired_on.is_none_or(|r| r > today)
}

/// The councillor list grouped by council (a member on two councils appears under both): on the
/// public form the current members of councils not retired; on the officers' form former members
/// too, marked "former".
pub fn register_groups(conn: &mut DbConnection, channel: Channel, today: NaiveDate) -> QueryResult<Vec<ChoiceGroup>> {
    let since = match channel {
        Channel::Public => today,
        // Every membership ever held (a date PostgreSQL can store).
        Channel::Staff => NaiveDate::from_ymd_opt(1900, 1, 1).expect("a valid date"),
    };
    let councils = authority_rows::list_all(conn)?;
    let mut groups: Vec<ChoiceGroup> = Vec::new();
    let mut rows = member_rows::list_register(conn, since)?;
    rows.sort_by(|a, b| (&a.2, &a.0.full_name).cmp(&(&b.2, &b.0.full_name)));
    for (m, ms, council_name) in rows {
        let Some(council) = councils.iter().find(|c| c.id == ms.authority_id) else { continue };
        let current = offered_publicly(&ms, council, today);
        if channel == Channel::Public && !current {
            continue;
        }
        let ward = ms.ward.as_deref().map(|w| format!(", {w}")).unwrap_or_default();
        let former = match ms.ended_on {
            Some(end) if !current => format!(" (former, until {})", end.format("%-d %B %Y")),
            _ if !current => " (former)".to_string(),
            _ => String::new(),
        };
        let option = Choice { value: ms.id, label: format!("{}{}{}", m.full_name, ward, former) };
        match groups.iter_mut().find(|g| g.label == council_name) {
            Some(g) => g.options.push(option),
            None => groups.push(ChoiceGroup { label: council_name, options: vec![option] }),
        }
    }
    Ok(groups)
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
        // A social media protocol adopted beside the code: its paragraphs can be cited too.
        if let Some(v) = code_rows::protocol_in_force(conn, &a.id, today)? {
            for p in code_rows::list_provisions(conn, &v.id)? {
                seen.entry((10_000 + p.position, p.number.clone()))
                    .or_insert(format!("{} (social media protocol)", p.heading));
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
    for (field, value, what) in [
        ("complainant_name", &f.complainant_name, "the name"),
        ("complainant_email", &f.complainant_email, "the email address"),
        ("complainant_phone", &f.complainant_phone, "the telephone number"),
        ("unlisted_name", &f.unlisted_name, "the councillor's name"),
    ] {
        text::check_one_line(&mut e, field, value, what);
    }
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
        let mut found = member_rows::find_membership(conn, value.trim())?;
        if channel == Channel::Public {
            if let Some((_, ms)) = &found {
                let council = authority_rows::find(conn, &ms.authority_id)?;
                if !council.is_some_and(|c| offered_publicly(ms, &c, today)) {
                    found = None;
                }
            }
        }
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
            let mut all = code_rows::list_provisions(conn, &version.id)?;
            // Then the paragraphs of a social media protocol adopted beside the code.
            let protocol = match code_rows::protocol_in_force(conn, &a.id, day)? {
                Some(v) => Some(v),
                None => code_rows::protocol_in_force(conn, &a.id, today)?,
            };
            if let Some(p) = protocol {
                all.extend(code_rows::list_provisions(conn, &p.id)?);
            }
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
