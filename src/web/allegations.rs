//! Amending a case's allegations (`services::cases::allegations`): the page, adding one, and
//! rewording, withdrawing or re-attaching one.

use crate::error::{AppError, AppResult};
use crate::services::cases::allegations::{self, AddInput, AmendInput};
use crate::services::FieldErrors;
use crate::web::context::{Flash, RequestContext};
use crate::web::forms::{insert_errors, redirect_with};
use crate::web::render;
use crate::web::respond::FormOutcome;
use crate::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

fn allegations_path(reference: &str) -> String {
    format!("/cases/{reference}/allegations")
}

async fn allegations_page(
    ctx: &RequestContext,
    state: &AppState,
    reference: String,
    status: StatusCode,
    errors: &FieldErrors,
    add: AddInput,
    typed_for: Option<(String, AmendInput)>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let page = state
        .db(move |conn| allegations::page(conn, &user, &reference, add, typed_for).map_err(AppError::from))
        .await?;
    let mut c = tera::Context::new();
    c.insert("page", &page);
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "cases/allegations.html", c)
}

pub async fn show(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    let none = FieldErrors::default();
    allegations_page(&ctx, &state, reference.into_inner(), StatusCode::OK, &none, AddInput::default(), None).await
}

pub async fn add(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<AddInput>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let reference = reference.into_inner();
    let input = form.into_inner();
    let (actor, r, i) = (ctx.actor(), reference.clone(), input.clone());
    let back = allegations_path(&reference);
    match state.db(move |conn| Ok(allegations::add(conn, &actor, &user, &r, &i))).await?.or_back(&ctx, &back)? {
        Ok(()) => Ok(redirect_with(&ctx, &back, Flash::success("Allegation added"))),
        Err(errors) => {
            allegations_page(&ctx, &state, reference, StatusCode::UNPROCESSABLE_ENTITY, &errors, input, None).await
        }
    }
}

pub async fn amend(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (reference, id) = path.into_inner();
    let input = AmendInput::from_pairs(&form.into_inner(), &id);
    let (actor, r, d, i) = (ctx.actor(), reference.clone(), id.clone(), input.clone());
    let back = allegations_path(&reference);
    match state.db(move |conn| Ok(allegations::amend(conn, &actor, &user, &r, &d, &i))).await?.or_back(&ctx, &back)? {
        Ok(message) => Ok(redirect_with(&ctx, &back, Flash::success(message))),
        Err(errors) => {
            let typed = Some((id, input));
            allegations_page(
                &ctx,
                &state,
                reference,
                StatusCode::UNPROCESSABLE_ENTITY,
                &errors,
                AddInput::default(),
                typed,
            )
            .await
        }
    }
}
