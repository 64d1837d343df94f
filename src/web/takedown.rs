//! Takedown requests and informal resolution, from the case page.

use crate::error::AppResult;
use crate::services::access::Permission;
use crate::services::files::EVIDENCE_KINDS;
use crate::services::takedown::{self, Outcome, RequestInput, RequestRef};
use crate::services::vocab;
use crate::services::FieldErrors;
use crate::web::context::{Flash, RequestContext};
use crate::web::evidence::render_view;
use crate::web::forms::{insert_errors, redirect_with, today};
use crate::web::multipart;
use crate::web::render;
use crate::web::respond::FormOutcome;
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
    submitted: Option<RequestInput>,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let page = state.db(move |conn| Ok(takedown::new_page(conn, &user, &reference, submitted)?)).await?;
    render_view(ctx, status, "takedowns/new.html", &page, errors)
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
    let back = format!("/cases/{reference}");
    match state
        .db(move |conn| Ok(takedown::request(conn, &actor, &user, &r, &i, today())))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(t) => Ok(redirect_with(
            &ctx,
            &format!("/cases/{reference}/takedowns/T{}", t.number),
            Flash::success(format!("Takedown request T{} recorded, due {}", t.number, t.due_on.format("%-d %B %Y"))),
        )),
        Err(errors) => new_page(&ctx, &state, reference, StatusCode::UNPROCESSABLE_ENTITY, Some(input), &errors).await,
    }
}

async fn show_page(
    ctx: &RequestContext,
    state: &AppState,
    (reference, number): (String, String),
    status: StatusCode,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let page = state.db(move |conn| Ok(takedown::request_page(conn, &user, &reference, &number, today())?)).await?;
    let mut c = tera::Context::new();
    c.insert("t", &page);
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "takedowns/show.html", c)
}

pub async fn show(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    show_page(&ctx, &state, path.into_inner(), StatusCode::OK, &FieldErrors::default()).await
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
    let back = format!("/cases/{reference}/takedowns/{number}");
    let mut parsed =
        multipart::read(&req, payload, &state.files, state.config.max_upload_bytes, EVIDENCE_KINDS).await?;
    let outcome = Outcome {
        status: parsed.get("status").unwrap_or_default().to_string(),
        note: parsed.get("note").unwrap_or_default().to_string(),
        verification_item: parsed.get("verification_item").unwrap_or_default().to_string(),
        recapture: parsed.take_uploads(),
    };
    let (actor, store, r, n) = (ctx.actor(), state.files.clone(), reference.clone(), number.clone());
    match state
        .db(move |conn| {
            let at = RequestRef { reference: &r, number: &n };
            Ok(takedown::record(conn, &store, &actor, &user, at, outcome, today()))
        })
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(t) => Ok(redirect_with(
            &ctx,
            &back,
            Flash::success(format!("T{} is now: {}", t.number, t.status.label().to_lowercase())),
        )),
        Err(errors) => show_page(&ctx, &state, (reference, number), StatusCode::UNPROCESSABLE_ENTITY, &errors).await,
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
    let back = format!("/cases/{reference}/takedowns/{number}");
    let still = form.result == "still-removed";
    let (actor, r, n) = (ctx.actor(), reference.clone(), number.clone());
    state
        .db(move |conn| {
            let at = RequestRef { reference: &r, number: &n };
            Ok(takedown::recheck(conn, &actor, &user, at, &id, still, today()))
        })
        .await?
        .or_back_with_message(&ctx, &back)?;
    let done = if still { "Re-check recorded: still removed" } else { "The post is back: the request is reopened" };
    Ok(redirect_with(&ctx, &back, Flash::success(done)))
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

/// Informal resolution's actions have no page of their own: done or refused, back to the case
/// page's section with a message.
fn back_to_informal(reference: &str) -> String {
    format!("/cases/{reference}#informal")
}

pub async fn add_action(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<ActionForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let back = back_to_informal(&reference);
    let f = form.into_inner();
    let due = vocab::parse_date(&f.due_day, &f.due_month, &f.due_year).ok();
    let (actor, r) = (ctx.actor(), reference.into_inner());
    state
        .db(move |conn| Ok(takedown::add_action(conn, &actor, &user, &r, &f.kind, &f.description, due)))
        .await?
        .or_back_with_message(&ctx, &back)?;
    Ok(redirect_with(&ctx, &back, Flash::success("Action recorded")))
}

pub async fn complete_action(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<ActionForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, id) = path.into_inner();
    let back = back_to_informal(&reference);
    let note = form.into_inner().note;
    let actor = ctx.actor();
    state
        .db(move |conn| Ok(takedown::complete_action(conn, &actor, &user, &reference, &id, today(), &note)))
        .await?
        .or_back_with_message(&ctx, &back)?;
    Ok(redirect_with(&ctx, &back, Flash::success("Action marked as done")))
}

pub async fn close_resolved(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let back = back_to_informal(&reference);
    let (actor, r) = (ctx.actor(), reference.into_inner());
    state
        .db(move |conn| Ok(takedown::close_resolved(conn, &actor, &user, &r)))
        .await?
        .or_back_with_message(&ctx, &back)?;
    Ok(redirect_with(&ctx, &back, Flash::success("Case closed as resolved")))
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
    let back = back_to_informal(&reference);
    let (actor, r, note) = (ctx.actor(), reference.into_inner(), form.into_inner().refusal_note);
    state
        .db(move |conn| Ok(takedown::member_refused(conn, &actor, &user, &r, &note)))
        .await?
        .or_back_with_message(&ctx, &back)?;
    Ok(redirect_with(&ctx, &back, Flash::success("Recorded: the case goes back for a decision")))
}
