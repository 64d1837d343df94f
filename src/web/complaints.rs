//! The complaint form, for the public (no sign-in) and for officers logging a complaint received by
//! email, post or phone. Handlers read the form (multipart, files streamed to the store's
//! temporary area) and hand it to the intake service, which keeps it in a draft, checks it and
//! sends it.

use crate::error::{AppError, AppResult};
use crate::services::access::Permission;
use crate::services::files::COMPLAINT_KINDS;
use crate::services::intake::public::{self, Again, CheckAnswers, Posted, Sent};
use crate::services::intake::{self, staff, Attachments, ComplaintForm, FormPage, FormPost, Sender};
use crate::services::FieldErrors;
use crate::web::context::{Flash, RequestContext};
use crate::web::forms::{insert_errors, redirect_with, today};
use crate::web::multipart::{self, ParsedForm};
use crate::web::render;
use crate::AppState;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// Renders the form page (the public form or the officer's) with the answers as typed and the
/// errors.
fn render_form(
    ctx: &RequestContext,
    state: &AppState,
    status: StatusCode,
    page: &FormPage,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let mut c = tera::Context::from_serialize(page)?;
    insert_errors(&mut c, errors);
    c.insert("max_upload_mb", &(state.config.max_upload_bytes / (1024 * 1024)));
    let template = if page.staff { "cases/new.html" } else { "complaints/new.html" };
    render::page_with_status(ctx, status, template, c)
}

#[derive(Debug, Deserialize)]
pub struct DraftQuery {
    draft: Option<String>,
}

fn sender(ctx: &RequestContext) -> Sender {
    Sender { ip: ctx.ip.clone(), owner: intake::owner_hash(&ctx.csrf_token) }
}

/// What the multipart form carried, for the intake service.
fn form_post(mut parsed: ParsedForm) -> FormPost {
    let form = ComplaintForm::from_pairs(&parsed.fields);
    FormPost {
        form,
        honeypot: parsed.get("website").unwrap_or_default().to_string(),
        attachments: Attachments {
            draft_id: parsed.get("draft").map(str::to_string).filter(|d| !d.is_empty()),
            received: std::mem::take(&mut parsed.files),
            remove: parsed.all("remove_file").into_iter().map(str::to_string).collect(),
        },
        file_errors: parsed.file_errors.iter().map(|e| e.to_string()).collect(),
    }
}

pub async fn new_form(
    ctx: RequestContext,
    state: web::Data<AppState>,
    query: web::Query<DraftQuery>,
) -> AppResult<HttpResponse> {
    let owner = sender(&ctx).owner;
    let draft = query.into_inner().draft;
    let page = state.db(move |conn| Ok(public::form_page(conn, &owner, draft.as_deref(), today())?)).await?;
    render_form(&ctx, &state, StatusCode::OK, &page, &FieldErrors::default())
}

pub async fn create(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let parsed = multipart::read(&req, payload, &state.files, state.config.max_upload_bytes, COMPLAINT_KINDS).await?;
    let post = form_post(parsed);
    let (store, sender) = (state.files.clone(), sender(&ctx));
    match state.db(move |conn| Ok(public::receive(conn, &store, &sender, post, today())?)).await? {
        Posted::Ready { draft_id } => Ok(render::see_other(&format!("/complaints/check/{draft_id}"))),
        Posted::Again { why, page, errors } => {
            let status = match why {
                Again::Invalid | Again::Honeypot => StatusCode::UNPROCESSABLE_ENTITY,
                Again::TooMany => StatusCode::TOO_MANY_REQUESTS,
            };
            render_form(&ctx, &state, status, &page, &errors)
        }
    }
}

pub async fn check_answers(
    ctx: RequestContext,
    state: web::Data<AppState>,
    draft: web::Path<String>,
) -> AppResult<HttpResponse> {
    let owner = sender(&ctx).owner;
    let id = draft.into_inner();
    match state.db(move |conn| Ok(public::check_answers(conn, &owner, &id, today())?)).await? {
        CheckAnswers::Ready(view) => render::page(&ctx, "complaints/check.html", tera::Context::from_serialize(&view)?),
        CheckAnswers::BackToForm { draft_id } => Ok(render::see_other(&format!("/complaints/new?draft={draft_id}"))),
    }
}

pub async fn submit(
    ctx: RequestContext,
    state: web::Data<AppState>,
    draft: web::Path<String>,
) -> AppResult<HttpResponse> {
    let draft_id = draft.into_inner();
    let (actor, sender, id) = (ctx.actor(), sender(&ctx), draft_id.clone());
    match state.db(move |conn| Ok(public::send(conn, &actor, &sender, &id, today())?)).await? {
        Sent::Sent(_) => Ok(render::see_other(&format!("/complaints/confirmation/{draft_id}"))),
        Sent::TooMany(message) => Err(AppError::TooManyRequests(message.into())),
        Sent::BackToForm => Ok(render::see_other(&format!("/complaints/new?draft={draft_id}"))),
    }
}

pub async fn confirmation(
    ctx: RequestContext,
    state: web::Data<AppState>,
    draft: web::Path<String>,
) -> AppResult<HttpResponse> {
    let owner = sender(&ctx).owner;
    let id = draft.into_inner();
    let sent = state.db(move |conn| Ok(public::confirmation(conn, &owner, &id)?)).await?;
    render::page(&ctx, "complaints/confirmation.html", tera::Context::from_serialize(&sent)?)
}

/// Staff: the form to log a complaint received by email, post or phone.
pub async fn staff_form(
    ctx: RequestContext,
    state: web::Data<AppState>,
    query: web::Query<DraftQuery>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let owner = sender(&ctx).owner;
    let draft = query.into_inner().draft;
    let page = state.db(move |conn| Ok(staff::form_page(conn, &user, &owner, draft.as_deref(), today())?)).await?;
    render_form(&ctx, &state, StatusCode::OK, &page, &FieldErrors::default())
}

pub async fn staff_create(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let parsed = multipart::read(&req, payload, &state.files, state.config.max_upload_bytes, COMPLAINT_KINDS).await?;
    let post = form_post(parsed);
    let (store, actor, owner) = (state.files.clone(), ctx.actor(), sender(&ctx).owner);
    let posted = state.db(move |conn| Ok(staff::receive(conn, &store, &user, &actor, &owner, post, today())?)).await?;
    match posted {
        staff::Posted::Logged(case) => Ok(redirect_with(
            &ctx,
            &format!("/cases/{}", case.reference),
            Flash::success(format!("Complaint logged on case {}", case.reference)),
        )),
        staff::Posted::ChooseCase(page) => render_form(&ctx, &state, StatusCode::OK, &page, &FieldErrors::default()),
        staff::Posted::Invalid(page, errors) => {
            render_form(&ctx, &state, StatusCode::UNPROCESSABLE_ENTITY, &page, &errors)
        }
    }
}
