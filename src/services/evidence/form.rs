//! The evidence form: what an officer types about a captured post or profile, and its checks.

use crate::models::evidence::{EvidenceItem, EvidenceKind, EvidenceSource, EvidenceVersion};
use crate::models::{new_id, now};
use crate::services::audit::Actor;
use crate::services::vocab;
use crate::services::{clean, urls, FieldErrors, ServiceError, ServiceResult};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

/// The evidence form, as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct EvidenceForm {
    pub kind: String,
    pub source: String,
    pub title: String,
    pub platform: String,
    pub url: String,
    pub account_handle: String,
    pub display_name: String,
    pub account_bio: String,
    pub post_text: String,
    pub posted_day: String,
    pub posted_month: String,
    pub posted_year: String,
    pub posted_time: String,
    pub captured_day: String,
    pub captured_month: String,
    pub captured_year: String,
    pub captured_time: String,
    pub notes: String,
    pub allegations: Vec<String>,
    pub change_reason: String,
}

impl EvidenceForm {
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut f = EvidenceForm::default();
        for (k, v) in pairs {
            let v = v.clone();
            match k.as_str() {
                "kind" => f.kind = v,
                "source" => f.source = v,
                "title" => f.title = v,
                "platform" => f.platform = v,
                "url" => f.url = v,
                "account_handle" => f.account_handle = v,
                "display_name" => f.display_name = v,
                "account_bio" => f.account_bio = v,
                "post_text" => f.post_text = v,
                "posted_day" => f.posted_day = v,
                "posted_month" => f.posted_month = v,
                "posted_year" => f.posted_year = v,
                "posted_time" => f.posted_time = v,
                "captured_day" => f.captured_day = v,
                "captured_month" => f.captured_month = v,
                "captured_year" => f.captured_year = v,
                "captured_time" => f.captured_time = v,
                "notes" => f.notes = v,
                "allegations" => f.allegations.push(v),
                "change_reason" => f.change_reason = v,
                _ => {}
            }
        }
        f
    }

    /// The form filled in from a version (for corrections).
    pub fn from_version(item: &EvidenceItem, v: &EvidenceVersion, allegations: Vec<String>) -> Self {
        let date_parts = |t: Option<NaiveDateTime>| match t {
            Some(t) => (
                t.format("%-d").to_string(),
                t.format("%-m").to_string(),
                t.format("%Y").to_string(),
                t.format("%H:%M").to_string(),
            ),
            None => Default::default(),
        };
        let (pd, pm, py, pt) = date_parts(v.posted_at);
        let (cd, cm, cy, ct) = date_parts(Some(v.captured_at));
        EvidenceForm {
            kind: item.kind.as_str().to_string(),
            source: item.source.as_str().to_string(),
            title: v.title.clone(),
            platform: v.platform.clone().unwrap_or_default(),
            url: v.url.clone().unwrap_or_default(),
            account_handle: v.account_handle.clone().unwrap_or_default(),
            display_name: v.display_name.clone().unwrap_or_default(),
            account_bio: v.account_bio.clone().unwrap_or_default(),
            post_text: v.post_text.clone().unwrap_or_default(),
            posted_day: pd,
            posted_month: pm,
            posted_year: py,
            posted_time: pt,
            captured_day: cd,
            captured_month: cm,
            captured_year: cy,
            captured_time: ct,
            notes: v.notes.clone().unwrap_or_default(),
            allegations,
            change_reason: String::new(),
        }
    }
}

fn parse_time(raw: &str) -> Result<NaiveTime, &'static str> {
    let t = raw.trim().to_ascii_lowercase().replace('.', ":");
    if t.is_empty() {
        return Ok(NaiveTime::from_hms_opt(0, 0, 0).expect("midnight"));
    }
    for f in ["%H:%M", "%H:%M:%S", "%I:%M%p", "%I%p", "%I:%M %p", "%I %p"] {
        if let Ok(parsed) = NaiveTime::parse_from_str(&t, f) {
            return Ok(parsed);
        }
    }
    Err("Enter the time like 14:05 or 2:05pm")
}

/// A checked form: the version to save, and what the item is.
pub(super) struct Checked {
    pub version: EvidenceVersion,
    pub kind: EvidenceKind,
    pub source: EvidenceSource,
    pub allegations: Vec<String>,
}

/// Checks the form. `case_allegations` are the allegation ids the item may link to.
pub(super) fn check(
    form: &EvidenceForm,
    case_allegations: &[String],
    actor: &Actor,
    correction: bool,
    today: NaiveDate,
) -> ServiceResult<Checked> {
    let mut e = FieldErrors::default();
    for (field, value, what) in [
        ("title", &form.title, "the title"),
        ("url", &form.url, "the web address"),
        ("account_handle", &form.account_handle, "the account handle"),
        ("display_name", &form.display_name, "the display name"),
    ] {
        crate::services::text::check_one_line(&mut e, field, value, what);
    }
    let kind = EvidenceKind::parse(&form.kind);
    if kind.is_none() {
        e.add("kind", "Select whether this is a post or an account profile");
    }
    let source = EvidenceSource::parse(&form.source);
    if source.is_none() {
        e.add("source", "Select who captured it");
    }
    if !form.platform.is_empty() && !vocab::PLATFORMS.iter().any(|(v, _)| *v == form.platform) {
        e.add("platform", "Select the platform from the list");
    }
    let url = clean(&form.url);
    let canonical = match &url {
        Some(u) => match urls::canonicalize(u) {
            Some(c) => Some(c),
            None => {
                e.add("url", "Enter a web address starting https://");
                None
            }
        },
        None => None,
    };
    let posted_at = if [&form.posted_day, &form.posted_month, &form.posted_year].iter().all(|s| s.trim().is_empty()) {
        None
    } else {
        match (
            vocab::parse_date(&form.posted_day, &form.posted_month, &form.posted_year),
            parse_time(&form.posted_time),
        ) {
            (Ok(d), Ok(t)) if d <= today => Some(d.and_time(t)),
            (Ok(_), Ok(_)) => {
                e.add("posted", "The date posted must be today or in the past");
                None
            }
            (Err(m), _) | (_, Err(m)) => {
                e.add("posted", m);
                None
            }
        }
    };
    let captured_at = match (
        vocab::parse_date(&form.captured_day, &form.captured_month, &form.captured_year),
        parse_time(&form.captured_time),
    ) {
        (Ok(d), Ok(t)) if d <= today => Some(d.and_time(t)),
        (Ok(_), Ok(_)) => {
            e.add("captured", "The date captured must be today or in the past");
            None
        }
        (Err(m), _) | (_, Err(m)) => {
            e.add("captured", if m == "Enter a date" { "Enter the date it was captured" } else { m });
            None
        }
    };
    if let (Some(p), Some(c)) = (posted_at, captured_at) {
        if p.date() > c.date() {
            e.add("posted", "The date posted must be on or before the date captured");
        }
    }
    let title = clean(&form.title);
    if title.is_none() {
        e.add("title", "Enter a short title, like 'Facebook post calling an officer a liar'");
    }
    for a in &form.allegations {
        if !case_allegations.contains(a) {
            e.add("allegations", "Select allegations from this case");
        }
    }
    if correction && clean(&form.change_reason).is_none() {
        e.add("change_reason", "Explain what is being corrected and why");
    }
    for (field, value) in [("account_bio", &form.account_bio), ("post_text", &form.post_text), ("notes", &form.notes)] {
        if value.chars().count() > 50_000 {
            e.add(field, "Use 50,000 characters or fewer");
        }
    }
    e.into_result()?;
    let (Some(kind), Some(source)) = (kind, source) else {
        return Err(ServiceError::invalid("kind", "Select what it is and who captured it"));
    };
    let t = now();
    Ok(Checked {
        kind,
        source,
        allegations: form.allegations.clone(),
        version: EvidenceVersion {
            id: new_id(),
            item_id: String::new(),
            version: 1,
            title: title.unwrap_or_default(),
            platform: clean(&form.platform),
            url,
            canonical_url: canonical,
            account_handle: clean(&form.account_handle),
            display_name: clean(&form.display_name),
            account_bio: clean(&form.account_bio),
            post_text: clean(&form.post_text),
            posted_at,
            captured_at: captured_at.unwrap_or(t),
            captured_by: actor.label.clone(),
            notes: clean(&form.notes),
            change_reason: if correction { clean(&form.change_reason) } else { None },
            created_by_user_id: actor.user_id.clone(),
            created_by_label: actor.label.clone(),
            created_at: t,
        },
    })
}
