//! Letters each council can edit (issue 17). The shipped templates (`templates/emails/<name>/`)
//! stay the default; an administrator can give a council its own subject and body for a letter,
//! previewed with a real case, and refused if it does not render. Each save is a new version,
//! kept; going back to the shipped letter is a version too. Each queued letter records the
//! version it was written from (`outbox.letter_template_id`, empty for the shipped one).
//!
//! A council's template is rendered by a Tera instance of its own holding only that template:
//! it cannot include, extend or import another template, Tera has no function that reads files
//! or the environment, `range` is taken away and loops may not nest more than two deep, so a
//! template cannot make the server loop for long. Only the plain text is templated: the HTML
//! alternative is that text laid out, escaped, by the shipped email layout.

use crate::db::DbConnection;
use crate::emails::{html_body, Letterhead, RenderedEmail};
use crate::models::authority as authority_rows;
use crate::models::letter_template::{self as rows, LetterTemplate};
use crate::models::user::User;
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::letters;
use crate::services::settings::may_administer;
use crate::services::{FieldErrors, ServiceError, ServiceResult};
use crate::templates::TEMPLATES;
use diesel::QueryResult;
use serde::{Deserialize, Serialize};

/// The letters a council may edit: (template, name, who receives it). Decision notices (of the
/// Monitoring Officer and of a hearing panel) are not here: their text is written from the
/// decision record and reviewed by an officer before each is sent.
pub const EDITABLE: [(&str, &str, &str); 7] = [
    ("acknowledgement", "Acknowledgement of a complaint", "The complainant"),
    ("member_notification", "Notification of a complaint", "The councillor complained about"),
    ("takedown_request", "Request to remove posts", "The councillor, their group leader or the platform"),
    ("takedown_reminder", "Reminder: a removal request is overdue", "The officer on the case"),
    ("ip_request", "Request for an Independent Person's view", "The Independent Person"),
    ("investigator_appointed", "Appointment of an investigator", "The investigator"),
    ("hearing_notice", "Notice of a hearing", "The parties, the panel and the Independent Person"),
];

/// Longest subject and body a council may save.
pub const MAX_SUBJECT: usize = 300;
pub const MAX_BODY: usize = 20_000;
/// How deep loops may nest in a council's template.
const MAX_LOOP_DEPTH: usize = 2;

/// What the shipped templates include for "how to reply", given to a council's template as a
/// value (`{{ how_to_reply }}`), since it may include nothing.
const REPLY_INCLUDE: &str = "{% include \"emails/_reply.txt\" %}";

pub fn is_editable(template: &str) -> bool {
    EDITABLE.iter().any(|(t, _, _)| *t == template)
}

fn describe(template: &str) -> ServiceResult<(&'static str, &'static str, &'static str)> {
    EDITABLE.iter().find(|(t, _, _)| *t == template).copied().ok_or(ServiceError::NotFound)
}

/// The version of a council's letter in use, if it has its own.
pub fn in_use(conn: &mut DbConnection, authority_id: &str, template: &str) -> QueryResult<Option<LetterTemplate>> {
    if !is_editable(template) {
        return Ok(None);
    }
    Ok(rows::latest(conn, authority_id, template)?.filter(|t| t.in_use))
}

/// The values a letter is written with: its own fields, `letterhead` and `how_to_reply`.
pub fn context(fields: &serde_json::Value, head: &Letterhead) -> tera::TeraResult<tera::Context> {
    let mut context = tera::Context::from_serialize(fields)?;
    context.insert("letterhead", head);
    let reply = TEMPLATES.render("emails/_reply.txt", &context).unwrap_or_default();
    context.insert("how_to_reply", reply.trim());
    Ok(context)
}

/// Why a council's template cannot be used, in words for the administrator.
fn problem(e: &tera::Error) -> String {
    let text = e.to_string();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::services::vocab::excerpt(&flat, 400)
}

/// How deep `{% for %}` loops nest in a template's text.
fn loop_depth(source: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for tag in source.split("{%").skip(1) {
        let word = tag.trim_start_matches(['-', '+']).split_whitespace().next().unwrap_or("");
        match word {
            "for" => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            "endfor" => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Builds the one-off engine holding only this subject and body.
fn engine(subject: &str, body: &str) -> Result<tera::Tera, String> {
    if loop_depth(subject).max(loop_depth(body)) > MAX_LOOP_DEPTH {
        return Err(format!("Loops ({{% for %}}) may not go more than {MAX_LOOP_DEPTH} deep"));
    }
    let mut tera = tera::Tera::default();
    crate::templates::register_letter_filters(&mut tera);
    tera.register_function("range", |_: tera::Kwargs, _: &tera::State| -> tera::TeraResult<Vec<i64>> {
        Err(tera::Error::message("range is not available in letters"))
    });
    tera.add_raw_template("subject.txt", subject).map_err(|e| problem(&e))?;
    tera.add_raw_template("body.txt", body).map_err(|e| problem(&e))?;
    Ok(tera)
}

/// Renders a council's subject and body with a letter's values: the text, and its HTML
/// alternative laid out (and escaped) by the shipped email layout.
pub fn render(subject: &str, body: &str, context: &tera::Context, head: &Letterhead) -> Result<RenderedEmail, String> {
    let tera = engine(subject, body)?;
    let subject = tera.render("subject.txt", context).map_err(|e| problem(&e))?;
    let subject = subject.trim().replace(['\r', '\n'], " ");
    let body_text = tera.render("body.txt", context).map_err(|e| problem(&e))?;
    if subject.is_empty() {
        return Err("The subject comes out empty".into());
    }
    if subject.chars().count() > MAX_SUBJECT * 2 || body_text.chars().count() > MAX_BODY * 5 {
        return Err("The letter comes out far too long".into());
    }
    let body_html = html_body(&subject, &body_text, head).map_err(|e| problem(&e))?;
    Ok(RenderedEmail { subject, body_text, body_html: Some(body_html) })
}

/// A shipped template's text, as a council starts editing it ("how to reply" as a value).
fn shipped(template: &str, part: &str) -> String {
    let name = format!("emails/{template}/{part}");
    crate::templates::template_sources()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| text.replace(REPLY_INCLUDE, "{{ how_to_reply }}"))
        .unwrap_or_default()
}

/// A council's letters, as its letters page lists them.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateRow {
    pub template: &'static str,
    pub name: &'static str,
    pub to: &'static str,
    /// "Shipped letter" or "Edited (version 3)".
    pub status: String,
}

pub fn list(conn: &mut DbConnection, authority_id: &str) -> QueryResult<Vec<TemplateRow>> {
    let latest = rows::latest_for_authority(conn, authority_id)?;
    Ok(EDITABLE
        .iter()
        .map(|(template, name, to)| {
            let own = latest.iter().find(|t| t.template == *template && t.in_use);
            TemplateRow {
                template,
                name,
                to,
                status: match own {
                    Some(t) => format!("Edited (version {})", t.version),
                    None => "Shipped letter".into(),
                },
            }
        })
        .collect())
}

/// The form of a letter's page, as submitted.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct TemplateForm {
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
    /// "preview" or "save".
    #[serde(default)]
    pub action: String,
}

/// A letter rendered with a real case.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub reference: String,
    pub subject: String,
    pub body_text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionRow {
    pub version: i32,
    pub what: String,
    pub by: String,
    pub at: chrono::NaiveDateTime,
}

/// A council's letter: the form, the values it may use, a preview, the versions kept.
#[derive(Debug, Clone, Serialize)]
pub struct TemplatePage {
    pub council_id: String,
    pub council_name: String,
    pub template: &'static str,
    pub name: &'static str,
    pub to: &'static str,
    pub form: TemplateForm,
    /// `{{ name }}` for each value the letter may use.
    pub variables: Vec<String>,
    pub preview: Option<Preview>,
    /// Why there is no preview.
    pub no_preview: Option<String>,
    pub versions: Vec<VersionRow>,
    /// Whether the council's own version is in use (so it can go back to the shipped one).
    pub edited: bool,
}

/// The values of the newest letter of this kind about one of the council's cases (else about
/// any case), with the case's reference.
fn sample(
    conn: &mut DbConnection,
    authority_id: &str,
    template: &str,
) -> ServiceResult<Option<(String, serde_json::Value)>> {
    let found = match rows::latest_context(conn, Some(authority_id), template)? {
        Some(f) => Some(f),
        None => rows::latest_context(conn, None, template)?,
    };
    let Some((case_id, json)) = found else { return Ok(None) };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&json) else { return Ok(None) };
    let reference = crate::models::case::find(conn, &case_id)?.map(|c| c.reference).unwrap_or_default();
    Ok(Some((reference, value)))
}

/// Tries the subject and body: with a real case's values when there is one (the preview),
/// else only for mistakes in their wording. Errors are for the form.
fn check(
    conn: &mut DbConnection,
    authority_id: &str,
    template: &str,
    form: &TemplateForm,
) -> ServiceResult<(Option<Preview>, FieldErrors)> {
    let mut e = FieldErrors::default();
    let (subject, body) = (form.subject.trim(), form.body.as_str());
    if subject.is_empty() {
        e.add("subject", "Enter the subject");
    } else if subject.chars().count() > MAX_SUBJECT {
        e.add("subject", format!("The subject must be {MAX_SUBJECT} characters or fewer"));
    }
    crate::services::text::check_one_line(&mut e, "subject", subject, "the subject");
    if body.trim().is_empty() {
        e.add("body", "Enter the letter");
    } else if body.chars().count() > MAX_BODY {
        e.add("body", format!("The letter must be {MAX_BODY} characters or fewer"));
    } else if body.contains('\0') {
        e.add("body", "The letter must not contain special control characters");
    }
    if !e.is_empty() {
        return Ok((None, e));
    }
    let council = authority_rows::find(conn, authority_id)?.ok_or(ServiceError::NotFound)?;
    let head = letters::letterhead_for(conn, Some(council))?;
    let mut preview = None;
    match sample(conn, authority_id, template)? {
        Some((reference, values)) => {
            let context = context(&values, &head).map_err(|err| ServiceError::template(template, err))?;
            match render(subject, body, &context, &head) {
                Ok(r) => preview = Some(Preview { reference, subject: r.subject, body_text: r.body_text }),
                Err(why) => e.add("body", format!("The letter cannot be written with case {reference}: {why}")),
            }
        }
        None => {
            if let Err(why) = engine(subject, body) {
                e.add("body", format!("The letter does not work: {why}"));
            }
        }
    }
    Ok((preview, e))
}

/// A council's letter page: its own version in use (else the shipped text), or `form` as
/// submitted with its preview.
pub fn page(
    conn: &mut DbConnection,
    admin: &User,
    authority_id: &str,
    template: &str,
    form: Option<TemplateForm>,
) -> ServiceResult<(TemplatePage, FieldErrors)> {
    may_administer(admin)?;
    let (template, name, to) = describe(template)?;
    let council = authority_rows::find(conn, authority_id)?.ok_or(ServiceError::NotFound)?;
    let own = in_use(conn, &council.id, template)?;
    let submitted = form.is_some();
    let form = match (form, &own) {
        (Some(f), _) => f,
        (None, Some(t)) => TemplateForm { subject: t.subject.clone(), body: t.body.clone(), action: String::new() },
        (None, None) => TemplateForm {
            subject: shipped(template, "subject.txt").trim().to_string(),
            body: shipped(template, "body.txt"),
            action: String::new(),
        },
    };
    let (preview, errors) = check(conn, &council.id, template, &form)?;
    let errors = if submitted { errors } else { FieldErrors::default() };
    let no_preview = preview.is_none().then(|| {
        "No letter of this kind has been sent about a case yet, so there is no case to preview it with.".to_string()
    });
    let mut variables: std::collections::BTreeSet<String> =
        ["letterhead.council", "letterhead.reply_to", "how_to_reply"].into_iter().map(String::from).collect();
    variables.extend(["letterhead.address", "letterhead.signature", "letterhead.base_url"].map(String::from));
    for part in ["subject.txt", "body.txt"] {
        if let Ok(vars) = TEMPLATES.get_template_variables(&format!("emails/{template}/{part}")) {
            variables.extend(vars.into_iter().filter(|v| *v != "letterhead").map(String::from));
        }
    }
    if let Some((_, serde_json::Value::Object(values))) = sample(conn, &council.id, template)? {
        variables.extend(values.keys().cloned());
    }
    let mut versions = Vec::new();
    for v in rows::versions(conn, &council.id, template)? {
        let by = match &v.created_by_user_id {
            Some(id) => crate::models::user::find(conn, id)?.map(|u| u.name).unwrap_or_default(),
            None => String::new(),
        };
        let what = if v.in_use { "The council's letter".to_string() } else { "Back to the shipped letter".to_string() };
        versions.push(VersionRow { version: v.version, what, by, at: v.created_at });
    }
    Ok((
        TemplatePage {
            council_id: council.id,
            council_name: council.name,
            template,
            name,
            to,
            form,
            variables: variables.into_iter().map(|v| format!("{{{{ {v} }}}}")).collect(),
            preview,
            no_preview,
            versions,
            edited: own.is_some(),
        },
        errors,
    ))
}

fn next_version(conn: &mut DbConnection, authority_id: &str, template: &str) -> QueryResult<i32> {
    Ok(rows::latest(conn, authority_id, template)?.map_or(1, |t| t.version + 1))
}

/// Saves the council's letter as a new version, if it renders, with an audit entry.
pub fn save(
    conn: &mut DbConnection,
    actor: &Actor,
    admin: &User,
    authority_id: &str,
    template: &str,
    form: &TemplateForm,
) -> ServiceResult<LetterTemplate> {
    may_administer(admin)?;
    let (template, name, _) = describe(template)?;
    let (_, errors) = check(conn, authority_id, template, form)?;
    errors.into_result()?;
    crate::db::write(conn, |conn| {
        let council = authority_rows::find(conn, authority_id)?.ok_or(ServiceError::NotFound)?;
        let version = LetterTemplate {
            id: new_id(),
            authority_id: council.id.clone(),
            template: template.to_string(),
            version: next_version(conn, &council.id, template)?,
            in_use: true,
            subject: form.subject.trim().to_string(),
            body: form.body.replace("\r\n", "\n"),
            created_by_user_id: actor.user_id.clone(),
            created_at: now(),
        };
        rows::insert(conn, &version)?;
        audit::record(
            conn,
            actor,
            Event::new("letter_template.saved", "letter_template", &version.id)
                .summary(format!("{name}: {}'s letter saved as version {}", council.name, version.version))
                .details(serde_json::json!({ "template": template, "version": version.version })),
        )?;
        Ok(version)
    })
}

/// Puts the shipped letter back for the council (a version of its own), with an audit entry.
pub fn use_shipped(
    conn: &mut DbConnection,
    actor: &Actor,
    admin: &User,
    authority_id: &str,
    template: &str,
) -> ServiceResult<LetterTemplate> {
    may_administer(admin)?;
    let (template, name, _) = describe(template)?;
    crate::db::write(conn, |conn| {
        let council = authority_rows::find(conn, authority_id)?.ok_or(ServiceError::NotFound)?;
        let version = LetterTemplate {
            id: new_id(),
            authority_id: council.id.clone(),
            template: template.to_string(),
            version: next_version(conn, &council.id, template)?,
            in_use: false,
            subject: shipped(template, "subject.txt").trim().to_string(),
            body: shipped(template, "body.txt"),
            created_by_user_id: actor.user_id.clone(),
            created_at: now(),
        };
        rows::insert(conn, &version)?;
        audit::record(
            conn,
            actor,
            Event::new("letter_template.reset", "letter_template", &version.id)
                .summary(format!(
                    "{name}: {} uses the shipped letter again (version {})",
                    council.name, version.version
                ))
                .details(serde_json::json!({ "template": template, "version": version.version })),
        )?;
        Ok(version)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> tera::Context {
        let head = Letterhead { council: Some("Southvale".into()), ..Default::default() };
        context(&serde_json::json!({ "reference": "SD-1", "name": "Jo", "posts": [1, 2] }), &head).unwrap()
    }

    #[test]
    fn a_council_template_renders_with_the_letters_values() {
        let head = Letterhead::default();
        let r = render("About {{ reference }}", "Dear {{ name }},\n\n{{ how_to_reply }}", &values(), &head).unwrap();
        assert_eq!(r.subject, "About SD-1");
        assert!(r.body_text.starts_with("Dear Jo,"));
        assert!(r.body_text.contains("quote the reference SD-1"), "{}", r.body_text);
    }

    #[test]
    fn a_council_template_cannot_include_read_or_loop_for_long() {
        let head = Letterhead::default();
        let bad = |body: &str| render("Subject", body, &values(), &head).unwrap_err();
        assert!(!bad("{% include \"emails/_reply.txt\" %}").is_empty());
        assert!(!bad("{% extends \"base.html\" %}").is_empty());
        assert!(!bad("{% for i in range(end=100000000) %}x{% endfor %}").is_empty());
        assert!(bad(
            "{% for a in posts %}{% for b in posts %}{% for c in posts %}x{% endfor %}{% endfor %}{% endfor %}"
        )
        .contains("deep"));
        assert!(!bad("{{ get_env(name=\"HOME\") }}").is_empty());
        assert!(!bad("{{ nothing.here }}").is_empty());
        assert!(!bad("{% if %}").is_empty());
    }

    #[test]
    fn markup_in_a_council_template_is_escaped_in_the_html_version() {
        let head = Letterhead::default();
        let r = render("S", "<script>alert(1)</script> {{ name }}", &values(), &head).unwrap();
        let html = r.body_html.unwrap();
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }
}
