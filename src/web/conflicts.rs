//! Conflict declarations on a case (`services::conflicts`): the page with the declare form (for
//! anyone who sees the case) and the declarations with the Monitoring Officer's clearance forms.

use crate::error::{AppError, AppResult};
use crate::services::conflicts::{self, ClearInput, ConflictForms, DeclareInput};
use crate::services::FieldErrors;
use crate::web::context::{Flash, RequestContext};
use crate::web::forms::{insert_errors, redirect_with};
use crate::web::render;
use crate::web::respond::FormOutcome;
use crate::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

fn conflicts_path(reference: &str) -> String {
    format!("/cases/{reference}/conflicts")
}

async fn conflicts_page(
    ctx: &RequestContext,
    state: &AppState,
    reference: String,
    status: StatusCode,
    errors: &FieldErrors,
    form: ConflictForms,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let page = state.db(move |conn| conflicts::page(conn, &user, &reference, form).map_err(AppError::from)).await?;
    let mut c = tera::Context::new();
    c.insert("page", &page);
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "cases/conflicts.html", c)
}

pub async fn show(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    let none = FieldErrors::default();
    conflicts_page(&ctx, &state, reference.into_inner(), StatusCode::OK, &none, ConflictForms::default()).await
}

pub async fn declare(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<DeclareInput>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let reference = reference.into_inner();
    let input = form.into_inner();
    let (actor, r, i) = (ctx.actor(), reference.clone(), input.clone());
    match state
        .db(move |conn| Ok(conflicts::declare(conn, &actor, &user, &r, &i)))
        .await?
        .or_back(&ctx, &conflicts_path(&reference))?
    {
        Ok(r) => Ok(redirect_with(
            &ctx,
            "/dashboard",
            Flash::success(format!("Conflict of interest declared: you no longer have access to case {r}")),
        )),
        Err(errors) => {
            let form = ConflictForms { reason: input.reason, ..Default::default() };
            conflicts_page(&ctx, &state, reference, StatusCode::UNPROCESSABLE_ENTITY, &errors, form).await
        }
    }
}

pub async fn clear(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (reference, id) = path.into_inner();
    let input = ClearInput::from_pairs(&form.into_inner(), &id);
    let (actor, r, d, i) = (ctx.actor(), reference.clone(), id.clone(), input.clone());
    match state
        .db(move |conn| Ok(conflicts::clear(conn, &actor, &user, &r, &d, &i)))
        .await?
        .or_back(&ctx, &conflicts_path(&reference))?
    {
        Ok(who) => Ok(redirect_with(
            &ctx,
            &conflicts_path(&reference),
            Flash::success(format!("Recorded as not disqualifying: {who} has access to the case again")),
        )),
        Err(errors) => {
            let form = ConflictForms { clear_id: id, clear_reason: input.clear_reason, ..Default::default() };
            conflicts_page(&ctx, &state, reference, StatusCode::UNPROCESSABLE_ENTITY, &errors, form).await
        }
    }
}
