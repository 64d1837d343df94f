//! What letters carry for each council: its reply address (administrators only; the service
//! decides who may).

use crate::error::AppResult;
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
