//! What letters carry for each council: its reply address (administrators only; the service
//! decides who may).

use crate::error::AppResult;
use crate::services::letter_templates::{self, TemplateForm};
use crate::services::letters::{self, LettersForm};
use crate::services::FieldErrors;
use crate::web::context::{Flash, RequestContext};
use crate::web::forms::{insert_errors, redirect_with};
use crate::web::render;
use crate::web::respond::FormOutcome;
use crate::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

async fn council_page(
    ctx: &RequestContext,
    state: &AppState,
    id: String,
    form: Option<LettersForm>,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let view = state.db(move |conn| Ok(letters::letters_page(conn, &admin, &id, form)?)).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut c = tera::Context::from_serialize(&view)?;
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "letters/council.html", c)
}

/// A council's letters settings.
pub async fn council(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    council_page(&ctx, &state, id.into_inner(), None, &FieldErrors::default()).await
}

/// Sets a council's reply address.
pub async fn update_council(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<LettersForm>,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let (id, form) = (id.into_inner(), form.into_inner());
    let (actor, submitted, cid) = (ctx.actor(), form.clone(), id.clone());
    let back = format!("/admin/councils/{id}/letters");
    match state
        .db(move |conn| Ok(letters::set_reply_address(conn, &actor, &admin, &cid, &submitted)))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(council) => Ok(redirect_with(
            &ctx,
            &format!("/admin/councils/{id}"),
            Flash::success(format!("Letters about {}'s cases saved", council.name)),
        )),
        Err(errors) => council_page(&ctx, &state, id, Some(form), &errors).await,
    }
}

async fn template_page(
    ctx: &RequestContext,
    state: &AppState,
    id: String,
    template: String,
    form: Option<TemplateForm>,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let (view, errors) = state.db(move |conn| Ok(letter_templates::page(conn, &admin, &id, &template, form)?)).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut c = tera::Context::from_serialize(&view)?;
    insert_errors(&mut c, &errors);
    render::page_with_status(ctx, status, "letters/template.html", c)
}

/// A council's version of a letter: the form, the values it may use, a preview, the versions.
pub async fn template(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, template) = path.into_inner();
    template_page(&ctx, &state, id, template, None).await
}

/// Previews (`action=preview`) or saves a council's version of a letter.
pub async fn update_template(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<TemplateForm>,
) -> AppResult<HttpResponse> {
    let (id, template) = path.into_inner();
    let form = form.into_inner();
    if form.action != "save" {
        return template_page(&ctx, &state, id, template, Some(form)).await;
    }
    let admin = ctx.require_user()?.clone();
    let (actor, submitted, cid, name) = (ctx.actor(), form.clone(), id.clone(), template.clone());
    let back = format!("/admin/councils/{id}/letters/{template}");
    match state
        .db(move |conn| Ok(letter_templates::save(conn, &actor, &admin, &cid, &name, &submitted)))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(saved) => Ok(redirect_with(
            &ctx,
            &format!("/admin/councils/{id}/letters"),
            Flash::success(format!("Letter saved as version {}: it is used from now on", saved.version)),
        )),
        Err(_) => template_page(&ctx, &state, id, template, Some(form)).await,
    }
}

/// Puts the shipped letter back for a council.
pub async fn use_shipped(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let (id, template) = path.into_inner();
    let (actor, cid) = (ctx.actor(), id.clone());
    let back = format!("/admin/councils/{id}/letters/{template}");
    let saved = state
        .db(move |conn| Ok(letter_templates::use_shipped(conn, &actor, &admin, &cid, &template)))
        .await?
        .or_back_with_message(&ctx, &back)?;
    Ok(redirect_with(
        &ctx,
        &format!("/admin/councils/{id}/letters"),
        Flash::success(format!("The shipped letter is used again (version {})", saved.version)),
    ))
}
