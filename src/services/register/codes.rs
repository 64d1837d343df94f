//! The codes a council adopts: a national model code (the LGA model code 2020 is seeded) from a
//! date, the model code with local amendments (its provisions copied into a council-owned code
//! that can then be edited), the council's own code, and a social media protocol adopted beside
//! the code whose paragraphs can be cited in allegations. `models::code::version_in_force` picks
//! the code (never a protocol) in force on the date of the conduct.

use super::rules::{may_edit, may_view};
use crate::db::DbConnection;
use crate::models::authority::{self as authority_rows, Authority};
use crate::models::code::{
    self as rows, AuthorityCode, CodeOfConduct, CodeProvision, CodeVersion, KIND_CODE, KIND_PROTOCOL,
};
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::vocab::{self, Choice, CODE_KINDS};
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AdoptForm {
    /// `model:<version id>`, `amend:<version id>`, `own` or `protocol`.
    #[serde(default)]
    pub adopt: String,
    #[serde(default)]
    pub adopt_title: String,
    #[serde(default, rename = "adopted_day")]
    pub day: String,
    #[serde(default, rename = "adopted_month")]
    pub month: String,
    #[serde(default, rename = "adopted_year")]
    pub year: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AdoptionRow {
    pub title: String,
    pub version_label: String,
    pub kind_label: String,
    pub adopted_on: NaiveDate,
    pub superseded_on: Option<NaiveDate>,
    pub in_force: bool,
    /// The council's own version, whose provisions may be edited.
    pub editable_version_id: Option<String>,
    pub version_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CouncilCodes {
    pub adoptions: Vec<AdoptionRow>,
    pub choices: Vec<Choice>,
}

pub fn council_codes(conn: &mut DbConnection, council: &Authority, today: NaiveDate) -> ServiceResult<CouncilCodes> {
    let code_now = rows::version_in_force(conn, &council.id, today)?.map(|v| v.id);
    let protocol_now = rows::protocol_in_force(conn, &council.id, today)?.map(|v| v.id);
    let adoptions = rows::list_adoptions(conn, &council.id)?
        .into_iter()
        .map(|(ac, v, c)| AdoptionRow {
            in_force: Some(&v.id) == code_now.as_ref() || Some(&v.id) == protocol_now.as_ref(),
            editable_version_id: (c.authority_id.as_deref() == Some(council.id.as_str())).then(|| v.id.clone()),
            title: c.title,
            version_label: v.version_label,
            kind_label: vocab::label(&CODE_KINDS, &c.kind).to_string(),
            adopted_on: ac.adopted_on,
            superseded_on: ac.superseded_on,
            version_id: v.id,
        })
        .collect();
    let mut choices = Vec::new();
    for (v, c) in rows::list_national_versions(conn)? {
        if c.kind != KIND_CODE {
            continue;
        }
        choices.push(Choice::new(format!("model:{}", v.id), format!("{} ({}) as published", c.title, v.version_label)));
        choices.push(Choice::new(
            format!("amend:{}", v.id),
            format!("{} ({}) with local amendments (copied, then edit its paragraphs)", c.title, v.version_label),
        ));
    }
    choices.push(Choice::new("own", "The council’s own code (enter its paragraphs)"));
    choices.push(Choice::new("protocol", "A social media protocol, beside the code (enter its paragraphs)"));
    Ok(CouncilCodes { adoptions, choices })
}

/// A new council-owned code (or protocol) with one version, its provisions copied from `from`.
fn new_local_code(
    conn: &mut DbConnection,
    council: &Authority,
    kind: &str,
    title: String,
    on: NaiveDate,
    source: String,
    from: Option<&str>,
) -> ServiceResult<CodeVersion> {
    let code = CodeOfConduct {
        id: new_id(),
        slug: format!("{}-{}-{}", council.slug, kind, &new_id()[..8]),
        title,
        description: format!("Adopted by {}", council.name),
        created_at: now(),
        authority_id: Some(council.id.clone()),
        kind: kind.to_string(),
    };
    rows::insert_code(conn, &code)?;
    let version = CodeVersion {
        id: new_id(),
        code_id: code.id.clone(),
        version_label: on.format("%Y-%m-%d").to_string(),
        published_on: on,
        source,
        created_at: now(),
    };
    rows::insert_version(conn, &version)?;
    if let Some(from) = from {
        for p in rows::list_provisions(conn, from)? {
            rows::insert_provision(conn, &CodeProvision { id: new_id(), code_version_id: version.id.clone(), ..p })?;
        }
    }
    Ok(version)
}

/// Adopts a code or protocol from a date; the council's earlier adoption of that kind ends then.
pub fn adopt(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    council_id: &str,
    form: &AdoptForm,
) -> ServiceResult<CodeVersion> {
    may_edit(user)?;
    let mut e = FieldErrors::default();
    let on = match super::rules::form_date("adopted", "the code applies from", &form.day, &form.month, &form.year) {
        Ok(d) => Some(d),
        Err(errs) => {
            e.0.extend(errs.0);
            None
        }
    };
    let title = clean(&form.adopt_title);
    if form.adopt.is_empty() {
        e.add("adopt", "Select the code to adopt");
    } else if (form.adopt == "own" || form.adopt == "protocol") && title.is_none() {
        e.add("adopt_title", "Enter the title of the council’s code or protocol");
    }
    e.into_result()?;
    let on = on.unwrap_or_default();
    crate::db::write(conn, |conn| {
        let council = authority_rows::find(conn, council_id)?.ok_or(ServiceError::NotFound)?;
        if !council.active {
            return Err(ServiceError::refused(format!("{} has been retired", council.name)));
        }
        let national = |conn: &mut DbConnection, id: &str| -> ServiceResult<(CodeVersion, CodeOfConduct)> {
            match rows::find_version_by_id(conn, id)? {
                Some((v, c)) if c.authority_id.is_none() && c.kind == KIND_CODE => Ok((v, c)),
                _ => Err(ServiceError::invalid("adopt", "Select the code to adopt")),
            }
        };
        let (version, kind, what) = if let Some(id) = form.adopt.strip_prefix("model:") {
            let (v, c) = national(conn, id)?;
            let what = format!("{} ({})", c.title, v.version_label);
            (v, KIND_CODE, what)
        } else if let Some(id) = form.adopt.strip_prefix("amend:") {
            let (v, c) = national(conn, id)?;
            let title = title.clone().unwrap_or_else(|| format!("{} Code of Conduct", council.name));
            let source = format!("{} ({}) with local amendments", c.title, v.version_label);
            let local = new_local_code(conn, &council, KIND_CODE, title.clone(), on, source, Some(&v.id))?;
            (local, KIND_CODE, format!("{title} (local amendments to {})", c.title))
        } else if form.adopt == "own" || form.adopt == "protocol" {
            let kind = if form.adopt == "own" { KIND_CODE } else { KIND_PROTOCOL };
            let title = title.clone().unwrap_or_default();
            let local = new_local_code(conn, &council, kind, title.clone(), on, council.name.clone(), None)?;
            (local, kind, title)
        } else {
            return Err(ServiceError::invalid("adopt", "Select the code to adopt"));
        };
        rows::supersede_open(conn, &council.id, kind, on)?;
        rows::insert_adoption(
            conn,
            &AuthorityCode {
                id: new_id(),
                authority_id: council.id.clone(),
                code_version_id: version.id.clone(),
                adopted_on: on,
                superseded_on: None,
                created_at: now(),
            },
        )?;
        audit::record(
            conn,
            actor,
            Event::new("council.code_adopted", "authority", &council.id).summary(format!(
                "{} adopted {} from {}",
                council.name,
                what,
                on.format("%-d %B %Y")
            )),
        )?;
        Ok(version)
    })
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ProvisionForm {
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub heading: String,
    #[serde(default)]
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CodePage {
    pub version_id: String,
    pub title: String,
    pub kind_label: String,
    pub version_label: String,
    pub council_id: Option<String>,
    pub council_name: Option<String>,
    pub provisions: Vec<CodeProvision>,
    pub may_edit: bool,
    pub form: ProvisionForm,
    /// The provision being changed, when the form changes one.
    pub editing: Option<String>,
}

pub fn code_page(
    conn: &mut DbConnection,
    user: &User,
    version_id: &str,
    editing: Option<&str>,
    form: Option<ProvisionForm>,
) -> ServiceResult<CodePage> {
    may_view(user)?;
    let (v, c) = rows::find_version_by_id(conn, version_id)?.ok_or(ServiceError::NotFound)?;
    let council = match &c.authority_id {
        Some(id) => authority_rows::find(conn, id)?,
        None => None,
    };
    let provisions = rows::list_provisions(conn, &v.id)?;
    let form = match (form, editing) {
        (Some(f), _) => f,
        (None, Some(pid)) => {
            let p = provisions.iter().find(|p| p.id == pid).ok_or(ServiceError::NotFound)?;
            ProvisionForm { number: p.number.clone(), heading: p.heading.clone(), summary: p.summary.clone() }
        }
        (None, None) => ProvisionForm::default(),
    };
    Ok(CodePage {
        version_id: v.id.clone(),
        title: c.title.clone(),
        kind_label: vocab::label(&CODE_KINDS, &c.kind).to_string(),
        version_label: v.version_label.clone(),
        council_id: council.as_ref().map(|a| a.id.clone()),
        council_name: council.as_ref().map(|a| a.name.clone()),
        provisions,
        may_edit: may_edit(user).is_ok() && c.authority_id.is_some(),
        form,
        editing: editing.map(str::to_string),
    })
}

/// Adds a paragraph to a council-owned code or protocol, or changes one (`provision_id`).
pub fn save_provision(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    version_id: &str,
    provision_id: Option<&str>,
    form: &ProvisionForm,
) -> ServiceResult<CodeProvision> {
    may_edit(user)?;
    let mut e = FieldErrors::default();
    let number = clean(&form.number);
    let heading = clean(&form.heading);
    let summary = clean(&form.summary);
    if number.is_none() {
        e.add("number", "Enter the paragraph number, like 3.1");
    }
    if heading.is_none() {
        e.add("heading", "Enter the paragraph’s heading");
    }
    if summary.is_none() {
        e.add("summary", "Enter what the paragraph says");
    }
    e.into_result()?;
    let (number, heading, summary) =
        (number.unwrap_or_default(), heading.unwrap_or_default(), summary.unwrap_or_default());
    crate::db::write(conn, |conn| {
        let (v, c) = rows::find_version_by_id(conn, version_id)?.ok_or(ServiceError::NotFound)?;
        if c.authority_id.is_none() {
            return Err(ServiceError::refused(
                "A national model code is not changed here: adopt it with local amendments",
            ));
        }
        let existing = rows::list_provisions(conn, &v.id)?;
        if existing.iter().any(|p| p.number == number && Some(p.id.as_str()) != provision_id) {
            return Err(ServiceError::invalid("number", format!("There is already a paragraph {number}")));
        }
        let p = match provision_id {
            Some(pid) => {
                let old = existing.iter().find(|p| p.id == pid).ok_or(ServiceError::NotFound)?;
                rows::update_provision(conn, pid, &number, &heading, &summary)?;
                CodeProvision {
                    number: number.clone(),
                    heading: heading.clone(),
                    summary: summary.clone(),
                    ..old.clone()
                }
            }
            None => {
                let p = CodeProvision {
                    id: new_id(),
                    code_version_id: v.id.clone(),
                    number: number.clone(),
                    heading: heading.clone(),
                    summary: summary.clone(),
                    position: existing.iter().map(|p| p.position).max().unwrap_or(0) + 1,
                };
                rows::insert_provision(conn, &p)?;
                p
            }
        };
        audit::record(
            conn,
            actor,
            Event::new("code.paragraph_saved", "code_version", &v.id)
                .summary(format!("{}: paragraph {number} ({heading}) saved", c.title)),
        )?;
        Ok(p)
    })
}
