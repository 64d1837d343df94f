//! The privacy notice (issue 18): each council's text is a setting (`privacy_notice.<council id>`),
//! else its principal council's, else a default naming the lawful basis, who sees the data and
//! how long it is kept (from the retention schedule). It is linked from the public form, shown on
//! the check-answers page and sent with the acknowledgement.

use crate::db::DbConnection;
use crate::models::authority::{self as authority_rows, Authority};
use crate::models::now;
use crate::models::setting as settings_rows;
use crate::models::user::User;
use crate::services::access::{can, Permission};
use crate::services::audit::{self, Actor, Event};
use crate::services::{FieldErrors, ServiceError, ServiceResult};
use diesel::QueryResult;
use serde::Serialize;

/// The longest notice accepted (characters).
pub const MAX_LEN: usize = 20_000;

static SITE_URL: std::sync::RwLock<Option<String>> = std::sync::RwLock::new(None);

/// The public address of the service (`BASE_URL`), for the link sent with the acknowledgement.
/// Set when the application state is built.
pub fn set_site_url(base_url: &str) {
    if let Ok(mut url) = SITE_URL.write() {
        *url = Some(base_url.trim_end_matches('/').to_string());
    }
}

fn site_url() -> Option<String> {
    SITE_URL.read().ok().and_then(|u| u.clone())
}

fn key(authority_id: &str) -> String {
    format!("privacy_notice.{authority_id}")
}

/// One block of the notice: a heading (a line starting "## ") or a paragraph.
#[derive(Debug, Clone, Serialize)]
pub struct Block {
    pub heading: bool,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PrivacyNotice {
    pub council: String,
    pub slug: String,
    /// `/privacy/<slug>`.
    pub path: String,
    /// The full address, when the service knows its own (`BASE_URL`).
    pub url: Option<String>,
    pub text: String,
    pub blocks: Vec<Block>,
    /// Set by the council (else the default).
    pub custom: bool,
}

impl PrivacyNotice {
    /// The notice as plain text (headings on their own lines), for emails and exports.
    pub fn plain_text(&self) -> String {
        self.blocks.iter().map(|b| b.text.clone()).collect::<Vec<_>>().join("\n\n")
    }
}

fn blocks(text: &str) -> Vec<Block> {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.strip_prefix("## ") {
            Some(h) => Block { heading: true, text: h.trim().to_string() },
            None => Block { heading: false, text: p.to_string() },
        })
        .collect()
}

/// The default notice for a council (the controller is its principal council, whose Monitoring
/// Officer handles complaints about parish and town councillors).
pub fn default_text(conn: &mut DbConnection, council: &Authority) -> QueryResult<String> {
    let principal = match &council.principal_authority_id {
        Some(id) => authority_rows::find(conn, id)?,
        None => None,
    };
    let controller = principal.as_ref().map(|p| p.name.as_str()).unwrap_or(&council.name);
    let handled = if principal.is_some() {
        format!("The Monitoring Officer of {controller} handles complaints about members of {}.", council.name)
    } else {
        format!("The Monitoring Officer of {controller} handles complaints about its councillors.")
    };
    let schedule = crate::services::retention::schedule(conn)?
        .into_iter()
        .map(|(_, _, label, years)| format!("{label}: {years} year{}", if years == 1 { "" } else { "s" }))
        .collect::<Vec<_>>()
        .join("; ");
    Ok(format!(
        "## Who we are\n\n\
         {controller} is the data controller for the information you give us when you complain that a councillor \
         has broken the Code of Conduct. {handled}\n\n\
         ## Why we use your information\n\n\
         We use it to perform a task in the public interest (UK GDPR Article 6(1)(e)): the council's duty under \
         section 28 of the Localism Act 2011 to have arrangements for investigating and deciding complaints that a \
         councillor has not complied with the Code of Conduct. Where a complaint contains special category \
         information (for example about health, religion or political opinions), we use it for reasons of \
         substantial public interest (UK GDPR Article 9(2)(g) and the Data Protection Act 2018, Schedule 1, \
         paragraph 6).\n\n\
         ## Who sees it\n\n\
         The Monitoring Officer and their team; the Independent Person consulted on the complaint; the councillor \
         complained about (who is normally told your name, unless you ask for it to be withheld and the Monitoring \
         Officer agrees); an investigator, if the complaint is investigated; the hearing panel of the Standards \
         Committee, if there is a hearing; and, where the law requires it, the police or the Local Government and \
         Social Care Ombudsman. Decisions are published without complainants' names.\n\n\
         ## How long we keep it\n\n\
         We keep a complaint for a set time after the case is closed, by its outcome: {schedule}. A case can be \
         kept longer while it is needed for legal proceedings. Then it is destroyed: names, contact details, what \
         was written and the evidence are deleted; anonymous figures (dates, council, platform, outcome) are kept \
         for reports to the Standards Committee.\n\n\
         ## Your rights\n\n\
         You can ask for a copy of the information we hold about you (a subject access request), ask us to correct \
         it, or object to how we use it, by writing to the Monitoring Officer. If you are unhappy with how we have \
         used your information, you can complain to the Information Commissioner's Office (ico.org.uk, telephone \
         0303 123 1113)."
    ))
}

/// A council's notice: its own, else its principal council's, else the default.
pub fn notice(conn: &mut DbConnection, council: &Authority) -> QueryResult<PrivacyNotice> {
    let mut text = settings_rows::get(conn, &key(&council.id))?;
    if text.is_none() {
        if let Some(p) = &council.principal_authority_id {
            text = settings_rows::get(conn, &key(p))?;
        }
    }
    let custom = text.is_some();
    let text = match text {
        Some(t) => t,
        None => default_text(conn, council)?,
    };
    let path = format!("/privacy/{}", council.slug);
    Ok(PrivacyNotice {
        council: council.name.clone(),
        slug: council.slug.clone(),
        url: site_url().map(|base| format!("{base}{path}")),
        path,
        blocks: blocks(&text),
        text,
        custom,
    })
}

/// The notice of the council with this id (a case's), if it exists.
pub fn notice_for(conn: &mut DbConnection, authority_id: &str) -> QueryResult<Option<PrivacyNotice>> {
    match authority_rows::find(conn, authority_id)? {
        Some(a) => Ok(Some(notice(conn, &a)?)),
        None => Ok(None),
    }
}

/// A council's notice page (public), by slug.
pub fn page(conn: &mut DbConnection, slug: &str) -> ServiceResult<PrivacyNotice> {
    let council = authority_rows::find_by_slug(conn, slug)?.ok_or(ServiceError::NotFound)?;
    Ok(notice(conn, &council)?)
}

#[derive(Debug, Clone, Serialize)]
pub struct IndexEntry {
    pub name: String,
    pub path: String,
}

/// Every active council's notice (the page the public form links to).
pub fn index(conn: &mut DbConnection) -> QueryResult<Vec<IndexEntry>> {
    let mut out: Vec<IndexEntry> = authority_rows::list_all(conn)?
        .into_iter()
        .filter(|a| a.active)
        .map(|a| IndexEntry { path: format!("/privacy/{}", a.slug), name: a.name })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Setting a council's notice (those who edit the register)

#[derive(Debug, Clone, Serialize)]
pub struct EditPage {
    pub council_id: String,
    pub council: String,
    pub text: String,
    pub custom: bool,
    pub default_text: String,
}

fn may_edit(user: &User) -> ServiceResult<()> {
    if can(user, Permission::EditRegister) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

pub fn edit_page(
    conn: &mut DbConnection,
    user: &User,
    authority_id: &str,
    submitted: Option<String>,
) -> ServiceResult<EditPage> {
    may_edit(user)?;
    let council = authority_rows::find(conn, authority_id)?.ok_or(ServiceError::NotFound)?;
    let own = settings_rows::get(conn, &key(&council.id))?;
    let default_text = default_text(conn, &council)?;
    Ok(EditPage {
        council_id: council.id,
        council: council.name,
        custom: own.is_some(),
        text: submitted.or(own).unwrap_or_else(|| default_text.clone()),
        default_text,
    })
}

/// Sets a council's notice; text equal to the default (or empty) goes back to the default.
pub fn set(conn: &mut DbConnection, actor: &Actor, user: &User, authority_id: &str, text: &str) -> ServiceResult<()> {
    may_edit(user)?;
    let council = authority_rows::find(conn, authority_id)?.ok_or(ServiceError::NotFound)?;
    let text = text.replace("\r\n", "\n").trim().to_string();
    if text.chars().count() > MAX_LEN {
        let mut e = FieldErrors::default();
        e.add("text", format!("The notice must be {MAX_LEN} characters or fewer"));
        return Err(ServiceError::Invalid(e));
    }
    let default = default_text(conn, &council)?;
    crate::db::write(conn, |conn| {
        let summary = if text.is_empty() || text == default.trim() {
            settings_rows::delete(conn, &key(&council.id))?;
            format!("Privacy notice of {} set back to the default", council.name)
        } else {
            settings_rows::put(conn, &key(&council.id), &text, now(), actor.user_id.as_deref())?;
            format!("Privacy notice of {} changed", council.name)
        };
        audit::record(
            conn,
            actor,
            Event::new("settings.privacy_notice_changed", "authority", &council.id).summary(summary),
        )?;
        Ok(())
    })
}
