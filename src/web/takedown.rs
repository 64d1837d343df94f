//! Takedown requests and informal resolution, from the case page.

use crate::error::{AppError, AppResult};
use crate::models::takedown as rows;
use crate::models::takedown::TakedownStatus;
use crate::services::access::Permission;
use crate::services::files::StoredUpload;
use crate::services::files::EVIDENCE_KINDS;
use crate::services::takedown::{self, RequestInput, Verification};
use crate::services::vocab;
use crate::services::{cases, FieldErrors, ServiceError};
use crate::web::context::{Flash, RequestContext};
use crate::web::forms::{choices, insert_errors, redirect_with, today};
use crate::web::multipart;
use crate::web::render;
use crate::AppState;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

async fn new_page(
    ctx: &RequestContext,
    state: &AppState,
    reference: String,
    status: StatusCode,
    form: Option<RequestInput>,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let r = reference.clone();
    let (items, default_text, member_email, member_name) = state
        .db(move |conn| {
            let case = cases::find_workable(conn, &user, &r)?;
            let items: Vec<_> = crate::services::evidence::list_for_case(conn, &case)?
                .into_iter()
                .filter(|v| v.item.kind == "post" && v.item.status != "removed")
                .map(|v| serde_json::json!({ "value": v.item.id, "label": format!("E{}: {}", v.item.number, v.current.title) }))
                .collect();
            let member = crate::models::member::list_for_case(conn, &case.id)?.into_iter().next();
            let text = takedown::default_text(&case, member.as_ref().map(|m| m.full_name.as_str()));
            Ok((items, text, member.as_ref().and_then(|m| m.email.clone()), member.map(|m| m.full_name)))
        })
        .await?;
    let form = form.unwrap_or(RequestInput {
        addressee_kind: "member".into(),
        addressee_name: member_name.unwrap_or_default(),
        channel: "email".into(),
        to_address: member_email.unwrap_or_default(),
        request_text: default_text,
        ..Default::default()
    });
    let mut c = tera::Context::new();
    c.insert("reference", &reference);
    c.insert("form", &form);
    c.insert("items", &items);
    c.insert("addressees", &choices(&vocab::TAKEDOWN_ADDRESSEES));
    c.insert("channels", &choices(&vocab::TAKEDOWN_CHANNELS));
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "takedowns/new.html", c)
}

pub async fn new_form(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    new_page(&ctx, &state, reference.into_inner(), StatusCode::OK, None, &FieldErrors::default()).await
}

pub async fn create(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let reference = reference.into_inner();
    let input = RequestInput::from_pairs(&form.into_inner());
    let (actor, r, i) = (ctx.actor(), reference.clone(), input.clone());
    let result = state.db(move |conn| Ok(takedown::request(conn, &actor, &user, &r, &i, today()))).await?;
    match result {
        Ok(t) => Ok(redirect_with(
            &ctx,
            &format!("/cases/{reference}/takedowns/T{}", t.number),
            Flash::success(format!("Takedown request T{} recorded, due {}", t.number, t.due_on.format("%-d %B %Y"))),
        )),
        Err(ServiceError::Invalid(errors)) => {
            new_page(&ctx, &state, reference, StatusCode::UNPROCESSABLE_ENTITY, Some(input), &errors).await
        }
        Err(e) => Err(AppError::from(e)),
    }
}

async fn show_page(
    ctx: &RequestContext,
    state: &AppState,
    reference: String,
    number: String,
    status: StatusCode,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let data = state
        .db(move |conn| {
            let (case, r) = takedown::find(conn, &user, &reference, &number)?;
            let all = crate::services::evidence::list_for_case(conn, &case)?;
            let linked = rows::items_of(conn, &r.id)?;
            let items: Vec<_> = all
                .iter()
                .filter(|v| linked.contains(&v.item.id))
                .map(|v| serde_json::json!({ "number": v.item.number, "title": v.current.title, "status": v.item.status }))
                .collect();
            let captures: Vec<_> = all
                .iter()
                .filter(|v| v.item.source == "officer" && v.current.captured_at.date() >= r.requested_on)
                .map(|v| serde_json::json!({ "value": v.item.id, "label": format!("E{}: {} (captured {})", v.item.number, v.current.title, v.current.captured_at.format("%-d %B %Y")) }))
                .collect();
            let events: Vec<_> = rows::events(conn, &r.id)?
                .into_iter()
                .map(|e| {
                    let verification = e.verification_item_id.as_ref().and_then(|id| all.iter().find(|v| &v.item.id == id)).map(|v| v.item.number);
                    serde_json::json!({
                        "from": e.from_status.label(), "to": e.to_status.label(),
                        "note": e.note, "by": e.actor_label, "on": e.occurred_on, "verification": verification,
                    })
                })
                .collect();
            Ok(serde_json::json!({
                "case_reference": case.reference, "request": r, "items": items, "events": events, "captures": captures,
                "rechecks": rows::rechecks(conn, &r.id)?,
                "status_label": r.status.label(),
                "channel_label": vocab::label(&vocab::TAKEDOWN_CHANNELS, &r.channel),
                "addressee_label": vocab::label(&vocab::TAKEDOWN_ADDRESSEES, &r.addressee_kind),
                "overdue": r.status.is_open() && r.due_on < today(),
            }))
        })
        .await?;
    let mut c = tera::Context::new();
    c.insert("t", &data);
    c.insert(
        "statuses",
        &TakedownStatus::ALL[1..]
            .iter()
            .map(|s| serde_json::json!({ "value": s.as_str(), "label": s.label() }))
            .collect::<Vec<_>>(),
    );
    c.insert("can_work", &crate::services::access::can(ctx.require_user()?, Permission::WorkCases));
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "takedowns/show.html", c)
}

pub async fn show(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (reference, number) = path.into_inner();
    show_page(&ctx, &state, reference, number, StatusCode::OK, &FieldErrors::default()).await
}

/// Moves a request on; a removal comes with a re-capture (uploaded here) or an existing capture.
pub async fn update(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, number) = path.into_inner();
    let mut parsed =
        multipart::read(&req, payload, &state.files, state.config.max_upload_bytes, EVIDENCE_KINDS).await?;
    if !parsed.file_errors.is_empty() {
        parsed.discard_files();
        let errors = FieldErrors(
            parsed
                .file_errors
                .iter()
                .map(|e| crate::services::FieldError { field: "verification".into(), message: e.to_string() })
                .collect(),
        );
        return show_page(&ctx, &state, reference, number, StatusCode::UNPROCESSABLE_ENTITY, &errors).await;
    }
    let status = parsed.get("status").unwrap_or_default().to_string();
    let note = parsed.get("note").unwrap_or_default().to_string();
    let existing = parsed.get("verification_item").unwrap_or_default().to_string();
    let received = std::mem::take(&mut parsed.files);
    let (actor, store, r, n) = (ctx.actor(), state.files.clone(), reference.clone(), number.clone());
    let result = state
        .db(move |conn| {
            let mut uploads = Vec::new();
            for f in &received {
                let row = store.commit(conn, f).map_err(AppError::internal)?;
                uploads.push(StoredUpload {
                    sha256: row.sha256,
                    original_name: f.original_name.clone(),
                    media_type: row.media_type,
                    size_bytes: row.size_bytes,
                });
            }
            let verification = if !uploads.is_empty() {
                Verification::Recapture { files: uploads, note: note.clone() }
            } else if !existing.is_empty() {
                Verification::Existing(existing)
            } else {
                Verification::None
            };
            let at = takedown::RequestRef { reference: &r, number: &n };
            let change = takedown::Change { to: &status, note: &note, verification };
            Ok(takedown::update(conn, &actor, &user, at, change, today()))
        })
        .await?;
    match result {
        Ok(t) => Ok(redirect_with(
            &ctx,
            &format!("/cases/{reference}/takedowns/{number}"),
            Flash::success(format!("T{} is now: {}", t.number, t.status.label().to_lowercase())),
        )),
        Err(ServiceError::Invalid(errors)) => {
            show_page(&ctx, &state, reference, number, StatusCode::UNPROCESSABLE_ENTITY, &errors).await
        }
        Err(ServiceError::Refused(m)) => {
            Ok(redirect_with(&ctx, &format!("/cases/{reference}/takedowns/{number}"), Flash::important(m)))
        }
        Err(e) => Err(AppError::from(e)),
    }
}

#[derive(Debug, Deserialize)]
pub struct RecheckForm {
    #[serde(default)]
    result: String,
}

pub async fn recheck(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    form: web::Form<RecheckForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, number, id) = path.into_inner();
    let still = form.result == "still-removed";
    let (actor, r, n) = (ctx.actor(), reference.clone(), number.clone());
    let result = state
        .db(move |conn| {
            let at = takedown::RequestRef { reference: &r, number: &n };
            Ok(takedown::recheck(conn, &actor, &user, at, &id, still, today()))
        })
        .await?;
    match result {
        Ok(()) => Ok(redirect_with(
            &ctx,
            &format!("/cases/{reference}/takedowns/{number}"),
            Flash::success(if still {
                "Re-check recorded: still removed"
            } else {
                "The post is back: the request is reopened"
            }),
        )),
        Err(ServiceError::Refused(m)) => {
            Ok(redirect_with(&ctx, &format!("/cases/{reference}/takedowns/{number}"), Flash::important(m)))
        }
        Err(e) => Err(AppError::from(e)),
    }
}

#[derive(Debug, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    due_day: String,
    #[serde(default)]
    due_month: String,
    #[serde(default)]
    due_year: String,
    #[serde(default)]
    note: String,
}

async fn informal_result(
    ctx: &RequestContext,
    reference: &str,
    result: Result<(), ServiceError>,
    done: &str,
) -> AppResult<HttpResponse> {
    match result {
        Ok(()) => Ok(redirect_with(ctx, &format!("/cases/{reference}#informal"), Flash::success(done))),
        Err(ServiceError::Invalid(errors)) => Ok(redirect_with(
            ctx,
            &format!("/cases/{reference}#informal"),
            Flash::important(errors.0.into_iter().map(|e| e.message).collect::<Vec<_>>().join(". ")),
        )),
        Err(ServiceError::Refused(m)) => {
            Ok(redirect_with(ctx, &format!("/cases/{reference}#informal"), Flash::important(m)))
        }
        Err(e) => Err(AppError::from(e)),
    }
}

pub async fn add_action(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<ActionForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let reference = reference.into_inner();
    let f = form.into_inner();
    let due = vocab::parse_date(&f.due_day, &f.due_month, &f.due_year).ok();
    let (actor, r) = (ctx.actor(), reference.clone());
    let result = state
        .db(move |conn| Ok(takedown::add_action(conn, &actor, &user, &r, &f.kind, &f.description, due).map(|_| ())))
        .await?;
    informal_result(&ctx, &reference, result, "Action recorded").await
}

pub async fn complete_action(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<ActionForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, id) = path.into_inner();
    let note = form.into_inner().note;
    let (actor, r) = (ctx.actor(), reference.clone());
    let result =
        state.db(move |conn| Ok(takedown::complete_action(conn, &actor, &user, &r, &id, today(), &note))).await?;
    informal_result(&ctx, &reference, result, "Action marked as done").await
}

pub async fn close_resolved(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let reference = reference.into_inner();
    let (actor, r) = (ctx.actor(), reference.clone());
    let result = state.db(move |conn| Ok(takedown::close_resolved(conn, &actor, &user, &r))).await?;
    informal_result(&ctx, &reference, result, "Case closed as resolved").await
}

#[derive(Debug, Deserialize)]
pub struct RefusedForm {
    #[serde(default)]
    refusal_note: String,
}

pub async fn member_refused(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<RefusedForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let reference = reference.into_inner();
    let (actor, r, note) = (ctx.actor(), reference.clone(), form.into_inner().refusal_note);
    let result = state.db(move |conn| Ok(takedown::member_refused(conn, &actor, &user, &r, &note))).await?;
    informal_result(&ctx, &reference, result, "Recorded: the case goes back for a decision").await
}
