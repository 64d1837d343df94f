//! The complaint form, for the public (no sign-in) and for officers logging a complaint received by
//! email, post or phone. Handlers read the form (multipart, files streamed to the store's
//! temporary area) and hand it to the intake service, which keeps it in a draft, checks it and
//! sends it.

use crate::error::{AppError, AppResult};
use crate::services::access::Permission;
use crate::services::cache;
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
use chrono::NaiveDate;
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
    let template = if page.staff { "cases/new.html" } else { "complaints/new.html" };
    render::page_with_status(ctx, status, template, form_context(state, page, errors)?)
}

/// What the form's template is given besides the layout's values.
fn form_context(state: &AppState, page: &FormPage, errors: &FieldErrors) -> AppResult<tera::Context> {
    let mut c = tera::Context::from_serialize(page)?;
    insert_errors(&mut c, errors);
    c.insert("max_upload_mb", &(state.config.max_upload_bytes / (1024 * 1024)));
    Ok(c)
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

/// The public form as most people first see it (no draft, no errors, no one signed in, no
/// message), rendered once per reference generation (`services::cache`), day and upload limit,
/// with [`CSRF_PLACEHOLDER`] where the browser's CSRF token goes: the page a viral post brings
/// the public to costs a token read and a copy, not a template rendering.
static FORM_HTML: cache::Slot<(NaiveDate, u64), String> = cache::Slot::new();

/// Stands for the CSRF token in the cached form; never a token (those are 64 hex digits).
const CSRF_PLACEHOLDER: &str = "csrf-token-placeholder-not-hex";

/// The first showing of the public form: from [`FORM_HTML`], rendered and kept when the reference
/// tables changed since (or on a new day).
async fn first_form(ctx: &RequestContext, state: &AppState) -> AppResult<HttpResponse> {
    let key = (today(), state.config.max_upload_bytes / (1024 * 1024));
    let owner = sender(ctx).owner;
    let lookup_key = key;
    // The token is read before the rows the page is built from, so the page kept under it is
    // never older than the token.
    let (token, found) = state
        .db(move |conn| {
            let token = cache::token(conn)?;
            let found = match cache::get(&FORM_HTML, &token, &lookup_key) {
                Some(html) => Ok(html),
                None => Err(public::form_page(conn, &owner, None, lookup_key.0)?),
            };
            Ok((token, found))
        })
        .await?;
    let html = match found {
        Ok(html) => html,
        Err(page) => {
            let mut blank = ctx.clone();
            blank.csrf_token = CSRF_PLACEHOLDER.to_string();
            let html =
                render::html(&blank, "complaints/new.html", form_context(state, &page, &FieldErrors::default())?)?;
            cache::put(&FORM_HTML, token, key, html)
        }
    };
    let body = html.replace(CSRF_PLACEHOLDER, &ctx.csrf_token);
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(body))
}

pub async fn new_form(
    ctx: RequestContext,
    state: web::Data<AppState>,
    query: web::Query<DraftQuery>,
) -> AppResult<HttpResponse> {
    let owner = sender(&ctx).owner;
    let draft = query.into_inner().draft.filter(|d| !d.is_empty());
    if draft.is_none() && ctx.auth.is_none() && ctx.flash.is_none() && ctx.restored.is_none() {
        return first_form(&ctx, &state).await;
    }
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
