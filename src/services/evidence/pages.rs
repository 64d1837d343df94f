//! What the evidence pages, and the case page's evidence section, show: typed views whose
//! `actions` flags come from the rules the services refuse by. Words, never codes.

use super::drafts;
use super::form::EvidenceForm;
use super::items::{self, find, view, ItemView};
use super::rules;
use super::verify::VerifyReport;
use crate::db::DbConnection;
use crate::models::case::Case;
use crate::models::evidence::{
    self as rows, CustodyEntry, EvidenceKind, EvidenceSource, EvidenceStatus, EvidenceVersion,
};
use crate::models::file::DraftFile;
use crate::models::now;
use crate::models::user::User;
use crate::services::files::Kind;
use crate::services::{access, cases, vocab, ServiceError, ServiceResult};
use chrono::NaiveDateTime;
use diesel::QueryResult;
use serde::Serialize;

pub use crate::services::vocab::Choice;

/// A vocabulary list as options.
pub fn choices(list: &[(&str, &str)]) -> Vec<Choice> {
    list.iter().map(|(v, l)| Choice::new(*v, *l)).collect()
}

/// A GOV.UK tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Tag {
    pub text: &'static str,
    pub colour: &'static str,
}

/// Who captured an item, as the item's page says it.
fn source_tag(source: EvidenceSource) -> Tag {
    match source {
        EvidenceSource::Officer => Tag { text: "Captured by an officer", colour: "blue" },
        EvidenceSource::Complainant => Tag { text: "From the complainant: not verified", colour: "orange" },
    }
}

/// Who captured an item, in a list of items.
fn source_short_tag(source: EvidenceSource) -> Tag {
    match source {
        EvidenceSource::Officer => Tag { text: "Officer capture", colour: "blue" },
        EvidenceSource::Complainant => Tag { text: "Complainant, unverified", colour: "orange" },
    }
}

/// Whether the post was online when last checked.
pub fn status_tag(status: EvidenceStatus) -> Tag {
    match status {
        EvidenceStatus::Live => Tag { text: "Live", colour: "green" },
        EvidenceStatus::Removed => Tag { text: "Removed", colour: "grey" },
        EvidenceStatus::Unknown => Tag { text: "Status unknown", colour: "yellow" },
    }
}

fn platform_label(platform: Option<&str>) -> Option<&'static str> {
    platform.map(|p| vocab::label(&vocab::PLATFORMS, p))
}

/// The allegations of a case, as evidence can be linked to them ("Alex Archer: 1. Respect").
fn allegation_choices(conn: &mut DbConnection, case: &Case) -> QueryResult<Vec<Choice>> {
    Ok(rows::allegation_options(conn, &case.id)?
        .into_iter()
        .map(|a| Choice::new(a.id, format!("{}: {}. {}", a.member_name, a.provision_number, a.provision_heading)))
        .collect())
}

/// The "add evidence" form.
#[derive(Debug, Serialize)]
pub struct NewEvidencePage {
    pub reference: String,
    pub form: EvidenceForm,
    /// The draft keeping what was typed and uploaded ("" before the first submission).
    pub draft_id: String,
    /// Files uploaded with an earlier submission of the form.
    pub files: Vec<DraftFile>,
    pub kinds: Vec<Choice>,
    pub sources: Vec<Choice>,
    pub platforms: Vec<Choice>,
    pub allegations: Vec<Choice>,
}

/// The form as it was submitted, to show again with its problems.
pub struct Resubmitted<'a> {
    pub form: EvidenceForm,
    pub draft_id: &'a str,
    /// The draft's owner: [`drafts::owner_of`] the browser session.
    pub owner: &'a str,
}

/// The "add evidence" form for an open case: blank (an officer's capture, made now), or as
/// submitted, with the files its draft keeps.
pub fn new_page(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    resubmitted: Option<Resubmitted>,
) -> ServiceResult<NewEvidencePage> {
    let case = cases::find_visible(conn, user, reference)?;
    rules::may_change(user, &case)?;
    let (form, draft_id, files) = match resubmitted {
        Some(r) => {
            let files = drafts::files(conn, r.draft_id, r.owner)?;
            (r.form, r.draft_id.to_string(), files)
        }
        None => (blank_form(now()), String::new(), Vec::new()),
    };
    Ok(NewEvidencePage {
        reference: case.reference.clone(),
        form,
        draft_id,
        files,
        kinds: EvidenceKind::ALL.iter().map(|k| Choice::new(k.as_str(), k.label())).collect(),
        sources: EvidenceSource::ALL.iter().map(|s| Choice::new(s.as_str(), s.label())).collect(),
        platforms: choices(&vocab::PLATFORMS),
        allegations: allegation_choices(conn, &case)?,
    })
}

fn blank_form(now: NaiveDateTime) -> EvidenceForm {
    EvidenceForm {
        kind: EvidenceKind::Post.as_str().into(),
        source: EvidenceSource::Officer.as_str().into(),
        captured_day: now.format("%-d").to_string(),
        captured_month: now.format("%-m").to_string(),
        captured_year: now.format("%Y").to_string(),
        captured_time: now.format("%H:%M").to_string(),
        ..Default::default()
    }
}

/// A file of an item, as its page lists it.
#[derive(Debug, Serialize)]
pub struct FileView {
    pub id: String,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub added_at: NaiveDateTime,
    pub added_by: String,
    pub is_image: bool,
    /// What kind of file it is ("Screenshot", "Web archive (WACZ)").
    pub label: &'static str,
    /// Shown in the browser (screenshots, saved pages in a sandbox) as well as downloaded.
    pub viewable: bool,
}

/// What the user may do on an item's page.
#[derive(Debug, Serialize)]
pub struct ItemActions {
    pub can_add_files: bool,
    pub can_correct: bool,
    pub can_set_status: bool,
}

/// An evidence item's page: its files, details, versions and custody log.
#[derive(Debug, Serialize)]
pub struct ItemPage {
    pub case_reference: String,
    pub view: ItemView,
    pub files: Vec<FileView>,
    pub versions: Vec<EvidenceVersion>,
    pub custody: Vec<CustodyEntry>,
    /// The allegations the item is evidence for.
    pub linked: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub kind_label: &'static str,
    pub source_label: &'static str,
    pub platform_label: Option<&'static str>,
    pub source_tag: Tag,
    pub status_tag: Tag,
    /// The result of a verification just made, if any.
    pub verification: Option<VerifyReport>,
    pub actions: ItemActions,
    /// The registered account the item was captured from, in plain words.
    pub registered_account: Option<String>,
}

/// An item's page, for a user who may see its case.
pub fn item_page(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    number: &str,
    verification: Option<VerifyReport>,
) -> ServiceResult<ItemPage> {
    let (case, item) = find(conn, user, reference, number)?;
    crate::services::retention::access_log::record(
        conn,
        user,
        crate::services::retention::access_log::Opened::Evidence,
        &format!("{}/E{}", case.reference, item.number),
        Some(&case.id),
    )?;
    let may_change = rules::may_change(user, &case).is_ok();
    let links = rows::allegations_of(conn, &item.id)?;
    let linked = allegation_choices(conn, &case)?.into_iter().filter(|a| links.contains(&a.value)).collect();
    let versions = rows::versions(conn, &item.id)?;
    let custody = custody_shown(conn, user, &item.id)?;
    let registered_account = match &item.member_account_id {
        Some(id) => super::account_link::describe(conn, id)?,
        None => None,
    };
    let view = view(conn, &case, item)?;
    let files = view
        .files
        .iter()
        .map(|f| {
            let kind = Kind::from_media_type(&f.media_type);
            FileView {
                id: f.id.clone(),
                name: f.original_name.clone(),
                media_type: f.media_type.clone(),
                size: f.size_bytes,
                sha256: f.sha256.clone(),
                added_at: f.added_at,
                added_by: f.added_by_label.clone(),
                is_image: kind.is_some_and(Kind::is_image),
                label: kind.map(Kind::label).unwrap_or("File"),
                viewable: items::shown_inline(&f.media_type),
            }
        })
        .collect();
    Ok(ItemPage {
        registered_account,
        case_reference: case.reference.clone(),
        files,
        versions,
        custody,
        linked,
        statuses: EvidenceStatus::ALL.iter().map(|s| Choice::new(s.as_str(), s.label())).collect(),
        kind_label: view.item.kind.label(),
        source_label: view.item.source.label(),
        platform_label: platform_label(view.current.platform.as_deref()),
        source_tag: source_tag(view.item.source),
        status_tag: status_tag(view.item.status),
        verification,
        actions: ItemActions { can_add_files: may_change, can_correct: may_change, can_set_status: may_change },
        view,
    })
}

/// An item's custody log as `user` may see it: a public submitter's IP address only for an
/// administrator (`access::may_see_client_ip`).
pub fn custody_shown(conn: &mut DbConnection, user: &User, item_id: &str) -> QueryResult<Vec<CustodyEntry>> {
    let mut entries = rows::custody(conn, item_id)?;
    if !access::may_see_client_ip(user) {
        for e in &mut entries {
            e.ip_address = None;
        }
    }
    Ok(entries)
}

/// The correction form: a new version of an item's details.
#[derive(Debug, Serialize)]
pub struct CorrectionPage {
    pub reference: String,
    /// The item as named in the address ("E2").
    pub number: String,
    pub form: EvidenceForm,
    pub platforms: Vec<Choice>,
    pub allegations: Vec<Choice>,
}

/// The correction form, filled in from the current version, or as submitted.
pub fn correction_page(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    number: &str,
    submitted: Option<EvidenceForm>,
) -> ServiceResult<CorrectionPage> {
    let (case, item) = find(conn, user, reference, number)?;
    rules::may_change(user, &case)?;
    let form = match submitted {
        Some(f) => f,
        None => {
            let v = rows::current_version(conn, &item)?;
            EvidenceForm::from_version(&item, &v, rows::allegations_of(conn, &item.id)?)
        }
    };
    Ok(CorrectionPage {
        reference: reference.to_string(),
        number: number.to_string(),
        form,
        platforms: choices(&vocab::PLATFORMS),
        allegations: allegation_choices(conn, &case)?,
    })
}

/// A file of an item in the case page's list.
#[derive(Debug, Serialize)]
pub struct RowFile {
    pub id: String,
    pub name: String,
    pub sha256: String,
    pub size: i64,
    pub is_image: bool,
    pub media_type: String,
}

/// An item in the case page's list.
#[derive(Debug, Serialize)]
pub struct EvidenceRow {
    pub number: i32,
    pub title: String,
    pub kind_label: &'static str,
    /// "Officer capture" or "Complainant, unverified".
    pub source_tag: Tag,
    /// "Live", "Removed" or "Status unknown".
    pub status_label: &'static str,
    /// The complaint the item came with (a complainant's file).
    pub complaint_id: Option<String>,
    pub captured_at: NaiveDateTime,
    pub platform: Option<&'static str>,
    pub files: Vec<RowFile>,
    pub version: i32,
}

/// What the user may do from the case page's evidence section.
#[derive(Debug, Serialize)]
pub struct EvidenceActions {
    pub can_add_evidence: bool,
    pub can_export: bool,
}

/// The case page's evidence section.
#[derive(Debug, Serialize)]
pub struct EvidenceSection {
    pub items: Vec<EvidenceRow>,
    pub actions: EvidenceActions,
}

/// The evidence section of the case page, for a user who may see the case.
pub fn case_section(conn: &mut DbConnection, user: &User, case: &Case) -> ServiceResult<EvidenceSection> {
    if !access::can_view_case(conn, user, &case.id)? {
        return Err(ServiceError::NotFound);
    }
    let items = items::list_for_case(conn, case)?
        .into_iter()
        .map(|v| EvidenceRow {
            number: v.item.number,
            title: v.current.title.clone(),
            kind_label: v.item.kind.label(),
            source_tag: source_short_tag(v.item.source),
            status_label: status_tag(v.item.status).text,
            complaint_id: v.item.complaint_id.clone(),
            captured_at: v.current.captured_at,
            platform: platform_label(v.current.platform.as_deref()),
            files: v
                .files
                .iter()
                .map(|f| RowFile {
                    id: f.id.clone(),
                    name: f.original_name.clone(),
                    sha256: f.sha256.clone(),
                    size: f.size_bytes,
                    is_image: f.media_type.starts_with("image/"),
                    media_type: f.media_type.clone(),
                })
                .collect(),
            version: v.item.current_version,
        })
        .collect();
    Ok(EvidenceSection {
        items,
        actions: EvidenceActions {
            can_add_evidence: rules::may_change(user, case).is_ok(),
            can_export: rules::may_export(user).is_ok(),
        },
    })
}
