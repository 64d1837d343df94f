//! The complaint form, for the public (no sign-in) and for officers logging a complaint received by
//! email, post or phone. Whatever was typed or uploaded is kept in a draft, so a form shown again
//! with errors loses nothing.

use crate::error::{AppError, AppResult};
use crate::models::case::Case;
use crate::models::file::{self as file_rows, DraftFile};
use crate::services::access::Permission;
use crate::services::files::COMPLAINT_KINDS;
use crate::services::intake::{self, Channel, ComplaintForm, Logged};
use crate::services::vocab;
use crate::services::{rate_limit, FieldError, FieldErrors, ServiceError};
use crate::web::context::{Flash, RequestContext};
use crate::web::forms::{insert_errors, today};
use crate::web::multipart::{self, ParsedForm};
use crate::web::render;
use crate::AppState;
use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

struct FormPage<'a> {
    status: StatusCode,
    form: &'a ComplaintForm,
    errors: &'a FieldErrors,
    draft_id: Option<&'a str>,
    files: &'a [DraftFile],
    channel: Channel,
    matches: &'a [Case],
}

async fn render_form(ctx: &RequestContext, state: &AppState, page: FormPage<'_>) -> AppResult<HttpResponse> {
    let (councillors, councils, provisions) = state
        .db(|conn| {
            let t = today();
            Ok((
                intake::register_choices(conn, t)?,
                intake::authority_choices(conn)?,
                intake::provision_choices(conn, t)?,
            ))
        })
        .await?;
    let choices = |list: &[(&str, &str)]| -> Vec<serde_json::Value> {
        list.iter().map(|(v, l)| serde_json::json!({ "value": v, "label": l })).collect()
    };
    let mut c = tera::Context::new();
    c.insert("form", page.form);
    insert_errors(&mut c, page.errors);
    c.insert("draft_id", &page.draft_id.unwrap_or(""));
    c.insert("files", page.files);
    c.insert("staff", &(page.channel == Channel::Staff));
    c.insert(
        "complainant_legend",
        if page.channel == Channel::Staff { "Who is the complainant?" } else { "Are you complaining as" },
    );
    c.insert("councillors", &councillors);
    c.insert("councils", &councils);
    c.insert("provisions", &provisions);
    c.insert("platforms", &choices(&vocab::PLATFORMS));
    c.insert("complainant_types", &choices(&vocab::COMPLAINANT_TYPES));
    c.insert("sources", &choices(&vocab::COMPLAINT_SOURCES[1..]));
    c.insert(
        "matches",
        &page
            .matches
            .iter()
            .map(|m| serde_json::json!({ "value": m.id, "reference": m.reference, "summary": m.summary }))
            .collect::<Vec<_>>(),
    );
    c.insert("max_upload_mb", &(state.config.max_upload_bytes / (1024 * 1024)));
    c.insert("confidential_options", &choices(&[("yes", "Yes"), ("no", "No")]));
    let template = match page.channel {
        Channel::Public => "complaints/new.html",
        Channel::Staff => "cases/new.html",
    };
    render::page_with_status(ctx, page.status, template, c)
}

#[derive(Debug, Deserialize)]
pub struct DraftQuery {
    draft: Option<String>,
}

/// The draft, if it is this browser's and not yet submitted.
async fn load_draft(
    state: &AppState,
    ctx: &RequestContext,
    id: Option<String>,
) -> AppResult<Option<(String, ComplaintForm, Vec<DraftFile>)>> {
    let Some(id) = id.filter(|i| !i.is_empty()) else { return Ok(None) };
    let owner = intake::owner_hash(&ctx.csrf_token);
    state
        .db(move |conn| {
            Ok(match intake::find_draft(conn, &id, &owner)? {
                Some((d, form)) if d.submitted_at.is_none() => {
                    let files = file_rows::list_draft_files(conn, &d.id)?;
                    Some((d.id, form, files))
                }
                _ => None,
            })
        })
        .await
}

pub async fn new_form(
    ctx: RequestContext,
    state: web::Data<AppState>,
    query: web::Query<DraftQuery>,
) -> AppResult<HttpResponse> {
    let draft = load_draft(&state, &ctx, query.into_inner().draft).await?;
    let (id, form, files) = match &draft {
        Some((id, form, files)) => (Some(id.as_str()), form.clone(), files.clone()),
        None => (None, ComplaintForm::default(), Vec::new()),
    };
    let page = FormPage {
        status: StatusCode::OK,
        form: &form,
        errors: &FieldErrors::default(),
        draft_id: id,
        files: &files,
        channel: Channel::Public,
        matches: &[],
    };
    render_form(&ctx, &state, page).await
}

fn file_error_list(parsed: &ParsedForm) -> Vec<FieldError> {
    parsed.file_errors.iter().map(|e| FieldError { field: "files".into(), message: e.to_string() }).collect()
}

/// Stores the received files and saves the draft (creating it if needed).
async fn save(
    state: &AppState,
    ctx: &RequestContext,
    parsed: &mut ParsedForm,
    form: &ComplaintForm,
) -> AppResult<(String, Vec<DraftFile>)> {
    let received = std::mem::take(&mut parsed.files);
    let store = state.files.clone();
    let owner = intake::owner_hash(&ctx.csrf_token);
    let draft_id = parsed.get("draft").map(str::to_string).filter(|d| !d.is_empty());
    let removals: Vec<String> = parsed.all("remove_file").into_iter().map(str::to_string).collect();
    let form = form.clone();
    state
        .db(move |conn| {
            let mut stored = Vec::new();
            for r in &received {
                let row = store.commit(conn, r).map_err(AppError::internal)?;
                stored.push((row.sha256, r.original_name.clone(), row.size_bytes, row.media_type));
            }
            let (draft, _) = intake::save_draft(conn, draft_id.as_deref(), &owner, &form, &stored)?;
            for id in &removals {
                file_rows::delete_draft_file(conn, &draft.id, id)?;
            }
            let files = file_rows::list_draft_files(conn, &draft.id)?;
            Ok((draft.id, files))
        })
        .await
}

pub async fn create(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let mut parsed =
        multipart::read(&req, payload, &state.files, state.config.max_upload_bytes, COMPLAINT_KINDS).await?;
    let form = ComplaintForm::from_pairs(&parsed.fields);
    let draft_id = parsed.get("draft").map(str::to_string);

    // Abuse protection first: a refused post stores nothing.
    let ip = ctx.ip.clone();
    let allowed = state
        .db(move |conn| {
            let ok = rate_limit::allows(conn, rate_limit::COMPLAINT_FORM_POSTS, &ip)?;
            rate_limit::record(conn, rate_limit::COMPLAINT_FORM_POSTS, &ip)?;
            Ok(ok)
        })
        .await?;
    let honeypot = parsed.get("website").is_some_and(|v| !v.trim().is_empty());
    if !allowed || honeypot {
        parsed.discard_files();
        let draft = load_draft(&state, &ctx, draft_id).await?;
        let files = draft.as_ref().map(|(_, _, f)| f.clone()).unwrap_or_default();
        let (status, errors) = if honeypot {
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                FieldErrors::single(
                    "website",
                    "Your complaint was not sent: the field 'Leave this field empty' must be empty. Clear it and send the form again",
                ),
            )
        } else {
            (
                StatusCode::TOO_MANY_REQUESTS,
                FieldErrors::single(
                    "complainant_name",
                    "This form has been sent too many times from your connection in the last hour. Nothing new was saved. Wait an hour and send it again, or phone the council",
                ),
            )
        };
        let page = FormPage {
            status,
            form: &form,
            errors: &errors,
            draft_id: draft.as_ref().map(|(id, _, _)| id.as_str()),
            files: &files,
            channel: Channel::Public,
            matches: &[],
        };
        return render_form(&ctx, &state, page).await;
    }

    let file_errors = file_error_list(&parsed);
    let (draft_id, files) = save(&state, &ctx, &mut parsed, &form).await?;
    let checked_form = form.clone();
    let count = files.len();
    let check = state.db(move |conn| Ok(intake::check(conn, &checked_form, Channel::Public, count, today()))).await?;
    let mut errors = match check {
        Ok(_) => FieldErrors::default(),
        Err(ServiceError::Invalid(e)) => e,
        Err(e) => return Err(AppError::from(e)),
    };
    if !file_errors.is_empty() {
        errors.0.retain(|e| e.field != "files");
        errors.0.extend(file_errors);
    }
    if errors.is_empty() {
        return Ok(render::see_other(&format!("/complaints/check/{draft_id}")));
    }
    let page = FormPage {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        form: &form,
        errors: &errors,
        draft_id: Some(&draft_id),
        files: &files,
        channel: Channel::Public,
        matches: &[],
    };
    render_form(&ctx, &state, page).await
}

pub async fn check_answers(
    ctx: RequestContext,
    state: web::Data<AppState>,
    draft: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (id, form, files) = load_draft(&state, &ctx, Some(draft.into_inner())).await?.ok_or(AppError::NotFound)?;
    let check_form = form.clone();
    let count = files.len();
    let checked = state.db(move |conn| Ok(intake::check(conn, &check_form, Channel::Public, count, today()))).await?;
    let checked = match checked {
        Ok(c) => c,
        // Something changed since (a councillor left the register): back to the form.
        Err(_) => return Ok(render::see_other(&format!("/complaints/new?draft={id}"))),
    };
    let mut c = tera::Context::new();
    c.insert("draft_id", &id);
    c.insert("form", &form);
    c.insert("files", &files);
    c.insert("complainant_type", vocab::label(&vocab::COMPLAINANT_TYPES, &form.complainant_type));
    c.insert("platform", vocab::label(&vocab::PLATFORMS, &form.platform));
    c.insert("councillors", &checked.members.iter().map(|(m, _)| m.full_name.clone()).collect::<Vec<_>>());
    c.insert("council", &checked.authority.name);
    c.insert("conduct_on", &checked.conduct_on);
    c.insert("links", &checked.links.iter().map(|(u, _, _)| u.clone()).collect::<Vec<_>>());
    c.insert(
        "provisions",
        &checked.provisions.iter().map(|p| format!("{}. {}", p.number, p.heading)).collect::<Vec<_>>(),
    );
    render::page(&ctx, "complaints/check.html", c)
}

pub async fn submit(
    ctx: RequestContext,
    state: web::Data<AppState>,
    draft: web::Path<String>,
) -> AppResult<HttpResponse> {
    let draft_id = draft.into_inner();
    let owner = intake::owner_hash(&ctx.csrf_token);
    let (ip, actor) = (ctx.ip.clone(), ctx.actor());
    let id = draft_id.clone();
    let result = state
        .db(move |conn| {
            if !rate_limit::allows(conn, rate_limit::COMPLAINT_SUBMISSIONS, &ip)? {
                return Ok(Err(None));
            }
            match intake::submit_public(conn, &actor, &id, &owner, today()) {
                Ok(case) => {
                    rate_limit::record(conn, rate_limit::COMPLAINT_SUBMISSIONS, &ip)?;
                    Ok(Ok(case))
                }
                Err(e) => Ok(Err(Some(e))),
            }
        })
        .await?;
    match result {
        Ok(_) => Ok(render::see_other(&format!("/complaints/confirmation/{draft_id}"))),
        Err(None) => Err(AppError::TooManyRequests(
            "Too many complaints have been sent from your connection in the last hour. Your answers are saved: wait an hour and send them again from the same browser.".into(),
        )),
        Err(Some(ServiceError::Invalid(_))) => Ok(render::see_other(&format!("/complaints/new?draft={draft_id}"))),
        Err(Some(e)) => Err(AppError::from(e)),
    }
}

pub async fn confirmation(
    ctx: RequestContext,
    state: web::Data<AppState>,
    draft: web::Path<String>,
) -> AppResult<HttpResponse> {
    let owner = intake::owner_hash(&ctx.csrf_token);
    let id = draft.into_inner();
    let found = state.db(move |conn| Ok(intake::find_draft(conn, &id, &owner)?)).await?;
    let (draft, form) = found.ok_or(AppError::NotFound)?;
    let reference = draft.case_reference.ok_or(AppError::NotFound)?;
    let mut c = tera::Context::new();
    c.insert("reference", &reference);
    c.insert("email", &form.complainant_email.trim());
    render::page(&ctx, "complaints/confirmation.html", c)
}

/// Staff: the form to log a complaint received by email, post or phone.
pub async fn staff_form(
    ctx: RequestContext,
    state: web::Data<AppState>,
    query: web::Query<DraftQuery>,
) -> AppResult<HttpResponse> {
    ctx.require(Permission::WorkCases)?;
    let draft = load_draft(&state, &ctx, query.into_inner().draft).await?;
    let today = today();
    let (id, form, files) = match &draft {
        Some((id, form, files)) => (Some(id.as_str()), form.clone(), files.clone()),
        None => (
            None,
            ComplaintForm {
                received_day: today.format("%-d").to_string(),
                received_month: today.format("%-m").to_string(),
                received_year: today.format("%Y").to_string(),
                ..Default::default()
            },
            Vec::new(),
        ),
    };
    let page = FormPage {
        status: StatusCode::OK,
        form: &form,
        errors: &FieldErrors::default(),
        draft_id: id,
        files: &files,
        channel: Channel::Staff,
        matches: &[],
    };
    render_form(&ctx, &state, page).await
}

pub async fn staff_create(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    ctx.require(Permission::WorkCases)?;
    let mut parsed =
        multipart::read(&req, payload, &state.files, state.config.max_upload_bytes, COMPLAINT_KINDS).await?;
    let form = ComplaintForm::from_pairs(&parsed.fields);
    let file_errors = file_error_list(&parsed);
    let (draft_id, files) = save(&state, &ctx, &mut parsed, &form).await?;
    let actor = ctx.actor();
    let (f, fs, d) = (form.clone(), files.clone(), draft_id.clone());
    let result = state
        .db(move |conn| {
            if !file_errors.is_empty() {
                // Check the rest too, so every problem is shown at once.
                let errors = match intake::check(conn, &f, Channel::Staff, fs.len(), today()) {
                    Err(ServiceError::Invalid(e)) => e,
                    _ => FieldErrors::default(),
                };
                let mut all = errors;
                all.0.extend(file_errors);
                return Ok(Err(ServiceError::Invalid(all)));
            }
            let logged = intake::log_by_staff(conn, &actor, &f, &fs, today());
            if let Ok(Logged::Created(case)) = &logged {
                file_rows::mark_draft_submitted(conn, &d, &case.reference, crate::models::now())?;
            }
            Ok(logged)
        })
        .await?;
    match result {
        Ok(Logged::Created(case)) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/cases/{}", case.reference)))
            .cookie(Flash::success(format!("Complaint logged on case {}", case.reference)).cookie(ctx.secure_cookies))
            .finish()),
        Ok(Logged::ChooseCase(matches)) => {
            let page = FormPage {
                status: StatusCode::OK,
                form: &form,
                errors: &FieldErrors::default(),
                draft_id: Some(&draft_id),
                files: &files,
                channel: Channel::Staff,
                matches: &matches,
            };
            render_form(&ctx, &state, page).await
        }
        Err(ServiceError::Invalid(errors)) => {
            let page = FormPage {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                form: &form,
                errors: &errors,
                draft_id: Some(&draft_id),
                files: &files,
                channel: Channel::Staff,
                matches: &[],
            };
            render_form(&ctx, &state, page).await
        }
        Err(e) => Err(AppError::from(e)),
    }
}
