//! Data protection pages: the "due for destruction" list and its approval, legal holds on a case,
//! the retention schedule (admin) and the access log.

use crate::error::AppResult;
use crate::services::retention::subject_access::{self, SubjectQuery};
use crate::services::retention::{self, access_log, HoldInput};
use crate::services::{case_page, FieldErrors};
use crate::web::context::{Flash, RequestContext};
use crate::web::forms::{insert_errors, redirect_with};
use crate::web::render;
use crate::web::respond::FormOutcome;
use crate::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};

async fn due_page(ctx: &RequestContext, state: &AppState, errors: &FieldErrors) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let today = state.config.today();
    let page = state.db(move |conn| Ok(retention::due_page(conn, &user, today)?)).await?;
    let mut c = tera::Context::from_serialize(&page)?;
    insert_errors(&mut c, errors);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render::page_with_status(ctx, status, "retention/due.html", c)
}

pub async fn due(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    due_page(&ctx, &state, &FieldErrors::default()).await
}

pub async fn approve(
    ctx: RequestContext,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let references: Vec<String> = form.into_inner().into_iter().filter(|(k, _)| k == "cases").map(|(_, v)| v).collect();
    let (actor, today) = (ctx.actor(), state.config.today());
    let back = "/retention";
    match state
        .db(move |conn| Ok(retention::approve(conn, &actor, &user, &references, today)))
        .await?
        .or_back(&ctx, back)?
    {
        Ok(n) => Ok(redirect_with(
            &ctx,
            back,
            Flash::success(format!(
                "{n} case(s) approved for destruction: the retention worker destroys them within the hour"
            )),
        )),
        Err(errors) => due_page(&ctx, &state, &errors).await,
    }
}

/// The case page again, with the legal hold form's errors and reason as typed (422).
async fn case_again(
    ctx: &RequestContext,
    state: &AppState,
    reference: String,
    errors: &FieldErrors,
    reason: &str,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let today = state.config.today();
    let page = state.db(move |conn| Ok(case_page::show(conn, &user, &reference, today)?)).await?;
    let mut c = tera::Context::from_serialize(&page)?;
    c.insert("note", "");
    c.insert("hold_reason", reason);
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, StatusCode::UNPROCESSABLE_ENTITY, "cases/show.html", c)
}

pub async fn hold(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<HoldInput>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (reference, input) = (reference.into_inner(), form.into_inner());
    let (actor, r, i) = (ctx.actor(), reference.clone(), input.clone());
    let back = format!("/cases/{reference}");
    match state.db(move |conn| Ok(retention::hold(conn, &actor, &user, &r, &i))).await?.or_back(&ctx, &back)? {
        Ok(()) => Ok(redirect_with(
            &ctx,
            &back,
            Flash::success("Legal hold placed: the case will not be destroyed while it is held"),
        )),
        Err(errors) => case_again(&ctx, &state, reference, &errors, &input.reason).await,
    }
}

pub async fn release(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let reference = reference.into_inner();
    let (actor, r) = (ctx.actor(), reference.clone());
    let back = format!("/cases/{reference}");
    state.db(move |conn| Ok(retention::release(conn, &actor, &user, &r))).await?.or_back_with_message(&ctx, &back)?;
    Ok(redirect_with(&ctx, &back, Flash::success("Legal hold lifted")))
}

async fn schedule_page(
    ctx: &RequestContext,
    state: &AppState,
    form: Option<Vec<(String, String)>>,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let view = state.db(move |conn| Ok(retention::schedule_page(conn, &admin, form.as_deref())?)).await?;
    let mut c = tera::Context::from_serialize(&view)?;
    insert_errors(&mut c, errors);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render::page_with_status(ctx, status, "admin/retention.html", c)
}

pub async fn schedule(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    schedule_page(&ctx, &state, None, &FieldErrors::default()).await
}

pub async fn set_schedule(
    ctx: RequestContext,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let pairs = form.into_inner();
    let (actor, submitted) = (ctx.actor(), pairs.clone());
    let back = "/admin/retention";
    match state
        .db(move |conn| Ok(retention::set_schedule(conn, &actor, &admin, &submitted)))
        .await?
        .or_back(&ctx, back)?
    {
        Ok(()) => Ok(redirect_with(&ctx, back, Flash::success("Retention schedule saved"))),
        Err(errors) => schedule_page(&ctx, &state, Some(pairs), &errors).await,
    }
}

pub async fn access(
    ctx: RequestContext,
    state: web::Data<AppState>,
    query: web::Query<access_log::AccessQuery>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let q = query.into_inner();
    let today = state.config.today();
    let asked = q.clone();
    match state.db(move |conn| Ok(access_log::page(conn, &user, q, today))).await?.or_back(&ctx, "/access-log")? {
        Ok(view) => {
            let mut c = tera::Context::from_serialize(&view)?;
            insert_errors(&mut c, &FieldErrors::default());
            render::page(&ctx, "retention/access_log.html", c)
        }
        Err(errors) => {
            let mut c = tera::Context::new();
            c.insert("query", &asked);
            c.insert("rows", &Vec::<access_log::AccessRow>::new());
            c.insert("from", &false);
            insert_errors(&mut c, &errors);
            render::page_with_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, "retention/access_log.html", c)
        }
    }
}

pub async fn access_csv(
    ctx: RequestContext,
    state: web::Data<AppState>,
    query: web::Query<access_log::AccessQuery>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let q = query.into_inner();
    let today = state.config.today();
    let file = state.db(move |conn| Ok(access_log::csv(conn, &user, &q, today)?)).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", file.name)))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(file.body))
}

async fn subject_page(
    ctx: &RequestContext,
    state: &AppState,
    query: SubjectQuery,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let asked = query.clone();
    let view = state.db(move |conn| Ok(subject_access::search(conn, &user, query))).await?;
    let (view, errors) = match view.or_back(ctx, "/subject-access")? {
        Ok(v) => (v, errors.clone()),
        Err(e) => (subject_access::SearchPage { query: asked, searched: false, hits: Vec::new() }, e),
    };
    let mut c = tera::Context::from_serialize(&view)?;
    insert_errors(&mut c, &errors);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render::page_with_status(ctx, status, "retention/subject_access.html", c)
}

/// The search for a person's records.
pub async fn subject(
    ctx: RequestContext,
    state: web::Data<AppState>,
    query: web::Query<SubjectQuery>,
) -> AppResult<HttpResponse> {
    subject_page(&ctx, &state, query.into_inner(), &FieldErrors::default()).await
}

/// The zip for one person (recorded as a disclosure).
pub async fn subject_export(
    ctx: RequestContext,
    state: web::Data<AppState>,
    form: web::Form<SubjectQuery>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let query = form.into_inner();
    let (actor, q, store) = (ctx.actor(), query.clone(), state.files.clone());
    match state
        .db(move |conn| Ok(subject_access::export(conn, &store, &actor, &user, &q)))
        .await?
        .or_back(&ctx, "/subject-access")?
    {
        Ok(export) => Ok(HttpResponse::Ok()
            .content_type("application/zip")
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", export.file_name)))
            .insert_header((header::CACHE_CONTROL, "private, no-store"))
            .body(export.bytes)),
        Err(errors) => subject_page(&ctx, &state, query, &errors).await,
    }
}
