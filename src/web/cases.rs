//! The case list, the case page and what officers do from it.

use crate::db::DbConnection;
use crate::error::AppResult;
use crate::models::user::User;
use crate::services::access::Permission;
use crate::services::audit::Actor;
use crate::services::cases::member_notice::{self, ResponseInput};
use crate::services::cases::{self, CaseQuery};
use crate::services::{case_page, FieldErrors, ServiceError};
use crate::web::context::{Flash, RequestContext};
use crate::web::forms::{insert_errors, today};
use crate::web::render;
use crate::web::respond::FormOutcome;
use crate::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

pub async fn index(
    ctx: RequestContext,
    state: web::Data<AppState>,
    query: web::Query<CaseQuery>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let q = query.into_inner();
    let page = state.db(move |conn| Ok(cases::list_page(conn, &user, q, today())?)).await?;
    render::page(&ctx, "cases/index.html", tera::Context::from_serialize(&page)?)
}

/// The case page; after an invalid action, with its errors and the note as typed (422).
async fn show_page(
    ctx: &RequestContext,
    state: &AppState,
    reference: String,
    status: StatusCode,
    errors: &FieldErrors,
    note: &str,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let page = state.db(move |conn| Ok(case_page::show(conn, &user, &reference, today())?)).await?;
    let mut c = tera::Context::from_serialize(&page)?;
    c.insert("note", note);
    c.insert("review_outcomes", &crate::web::forms::choices(&crate::services::vocab::REVIEW_OUTCOMES));
    c.insert("review_typed", &serde_json::json!({"id": "", "outcome": "", "reasons": ""}));
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "cases/show.html", c)
}

/// The case page after an invalid review outcome (422): the errors, and what was typed kept in
/// that review's form.
pub(crate) async fn show_with_review_errors(
    ctx: &RequestContext,
    state: &AppState,
    reference: String,
    errors: &FieldErrors,
    review_id: &str,
    typed: &crate::services::decisions::ReviewOutcomeInput,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let page = state.db(move |conn| Ok(case_page::show(conn, &user, &reference, today())?)).await?;
    let mut c = tera::Context::from_serialize(&page)?;
    c.insert("note", "");
    c.insert("review_outcomes", &crate::web::forms::choices(&crate::services::vocab::REVIEW_OUTCOMES));
    c.insert("review_typed", &serde_json::json!({"id": review_id, "outcome": typed.outcome, "reasons": typed.reasons}));
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, StatusCode::UNPROCESSABLE_ENTITY, "cases/show.html", c)
}

pub async fn show(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    show_page(&ctx, &state, reference.into_inner(), StatusCode::OK, &FieldErrors::default(), "").await
}

fn back_to_case(ctx: &RequestContext, reference: &str, flash: Flash) -> HttpResponse {
    crate::web::forms::redirect_with(ctx, &format!("/cases/{reference}"), flash)
}

/// Runs an action from the case page: success and refusals come back as a message on the case
/// page; invalid input re-renders it with the error summary.
async fn act<F>(
    ctx: RequestContext,
    state: &AppState,
    reference: String,
    done: &str,
    note: &str,
    f: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut DbConnection, &Actor, &User) -> Result<(), ServiceError> + Send + 'static,
{
    let user = ctx.require(Permission::WorkCases)?.clone();
    let actor = ctx.actor();
    let back = format!("/cases/{reference}");
    match state.db(move |conn| Ok(f(conn, &actor, &user))).await?.or_back(&ctx, &back)? {
        Ok(()) => Ok(back_to_case(&ctx, &reference, Flash::success(done))),
        Err(errors) => show_page(&ctx, state, reference, StatusCode::UNPROCESSABLE_ENTITY, &errors, note).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    assignee: String,
}

pub async fn assign(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<AssignForm>,
) -> AppResult<HttpResponse> {
    let reference = reference.into_inner();
    let r = reference.clone();
    act(ctx, &state, reference, "Assignment saved", "", move |conn, actor, user| {
        cases::assign(conn, actor, user, &r, &form.assignee).map(|_| ())
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    note: String,
}

pub async fn add_note(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<NoteForm>,
) -> AppResult<HttpResponse> {
    let reference = reference.into_inner();
    let (r, note) = (reference.clone(), form.note.clone());
    act(ctx, &state, reference, "Note added", &form.note, move |conn, actor, user| {
        cases::add_note(conn, actor, user, &r, &note).map(|_| ())
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct AckForm {
    #[serde(default)]
    method: String,
}

pub async fn acknowledge(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<AckForm>,
) -> AppResult<HttpResponse> {
    let (reference, complaint_id) = path.into_inner();
    let by_post = form.method == "post";
    let r = reference.clone();
    let done = if by_post { "Acknowledgement by post recorded" } else { "Acknowledgement email queued" };
    act(ctx, &state, reference, done, "", move |conn, actor, user| {
        cases::acknowledge_complaint(conn, actor, user, &r, &complaint_id, by_post)
    })
    .await
}

pub async fn notify_member(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (reference, member_id) = path.into_inner();
    let r = reference.clone();
    act(ctx, &state, reference, "The member's notification email is queued", "", move |conn, actor, user| {
        cases::notify_member(conn, actor, user, &r, &member_id)
    })
    .await
}

/// The form for recording a member's response; after invalid input, with what was typed.
async fn response_page(
    ctx: &RequestContext,
    state: &AppState,
    path: (String, String),
    status: StatusCode,
    form: &ResponseInput,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, member_id) = path;
    let back = format!("/cases/{reference}");
    let page = state
        .db(move |conn| Ok(member_notice::response_page(conn, &user, &reference, &member_id, today())))
        .await?
        .or_back_with_message(ctx, &back)?;
    let mut c = tera::Context::new();
    c.insert("page", &page);
    c.insert("form", form);
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "cases/member_response.html", c)
}

pub async fn response_form(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    response_page(&ctx, &state, path.into_inner(), StatusCode::OK, &ResponseInput::default(), &FieldErrors::default())
        .await
}

pub async fn record_response(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<ResponseInput>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, member_id) = path.into_inner();
    let form = form.into_inner();
    let (actor, r, m, f) = (ctx.actor(), reference.clone(), member_id.clone(), form.clone());
    let back = format!("/cases/{reference}");
    match state
        .db(move |conn| Ok(member_notice::record_response(conn, &actor, &user, &r, &m, &f, today())))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(()) => Ok(back_to_case(&ctx, &reference, Flash::success("The member's response is recorded"))),
        Err(errors) => {
            response_page(&ctx, &state, (reference, member_id), StatusCode::UNPROCESSABLE_ENTITY, &form, &errors).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    target: String,
}

pub async fn move_complaint(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<MoveForm>,
) -> AppResult<HttpResponse> {
    let (reference, complaint_id) = path.into_inner();
    let user = ctx.require(Permission::WorkCases)?.clone();
    let actor = ctx.actor();
    let target = form.target.clone();
    let r = reference.clone();
    let back = format!("/cases/{reference}");
    let case = state
        .db(move |conn| Ok(cases::move_complaint(conn, &actor, &user, &r, &complaint_id, &target)))
        .await?
        .or_back_with_message(&ctx, &back)?;
    Ok(back_to_case(&ctx, &case.reference, Flash::success(format!("Complaint moved here from {reference}"))))
}
