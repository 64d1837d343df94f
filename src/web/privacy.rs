//! The privacy notice: public pages, and setting a council's notice.

use crate::error::AppResult;
use crate::services::{privacy, FieldErrors};
use crate::web::context::{Flash, RequestContext};
use crate::web::forms::{insert_errors, redirect_with};
use crate::web::render;
use crate::web::respond::FormOutcome;
use crate::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

/// Every council's notice (the public form links here).
pub async fn index(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let councils = state.db(|conn| Ok(privacy::index(conn)?)).await?;
    let mut c = tera::Context::new();
    c.insert("councils", &councils);
    render::page(&ctx, "privacy/index.html", c)
}

pub async fn show(ctx: RequestContext, state: web::Data<AppState>, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let slug = slug.into_inner();
    let notice = state.db(move |conn| Ok(privacy::page(conn, &slug)?)).await?;
    let mut c = tera::Context::new();
    c.insert("notice", &notice);
    render::page(&ctx, "privacy/show.html", c)
}

async fn edit_page(
    ctx: &RequestContext,
    state: &AppState,
    id: String,
    submitted: Option<String>,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let view = state.db(move |conn| Ok(privacy::edit_page(conn, &user, &id, submitted)?)).await?;
    let mut c = tera::Context::from_serialize(&view)?;
    insert_errors(&mut c, errors);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render::page_with_status(ctx, status, "privacy/edit.html", c)
}

pub async fn edit(ctx: RequestContext, state: web::Data<AppState>, id: web::Path<String>) -> AppResult<HttpResponse> {
    edit_page(&ctx, &state, id.into_inner(), None, &FieldErrors::default()).await
}

#[derive(Debug, Deserialize)]
pub struct NoticeForm {
    #[serde(default)]
    text: String,
}

pub async fn update(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<NoticeForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (id, text) = (id.into_inner(), form.into_inner().text);
    let (actor, i, t) = (ctx.actor(), id.clone(), text.clone());
    let back = format!("/admin/councils/{id}/privacy");
    match state.db(move |conn| Ok(privacy::set(conn, &actor, &user, &i, &t))).await?.or_back(&ctx, &back)? {
        Ok(()) => Ok(redirect_with(&ctx, &back, Flash::success("Privacy notice saved"))),
        Err(errors) => edit_page(&ctx, &state, id, Some(text), &errors).await,
    }
}
