//! A signed-in user's own account: their sessions (and ending any of them) and their two-factor
//! sign-in.

use crate::error::{AppError, AppResult};
use crate::services::{sessions, two_factor, FieldErrors, ServiceError};
use crate::web::context::{removal_cookie, Flash, RequestContext, SESSION_COOKIE};
use crate::web::forms::insert_errors;
use crate::web::forms::redirect_with;
use crate::web::render;
use crate::web::respond::FormOutcome;
use crate::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

pub async fn show(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let current = ctx.auth.as_ref().map(|a| a.session.id.clone()).unwrap_or_default();
    let (list, status) = state
        .db(move |conn| Ok((sessions::list_own(conn, &user, &current)?, two_factor::status(conn, &user)?)))
        .await?;
    let mut c = tera::Context::new();
    c.insert("sessions", &list);
    c.insert("two_factor", &status);
    render::page(&ctx, "account/show.html", c)
}

/// Ends one of the user's sessions; ending the current one signs this browser out.
pub async fn end_session(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let current = ctx.auth.as_ref().map(|a| a.session.id.clone()).unwrap_or_default();
    let (actor, id) = (ctx.actor(), id.into_inner());
    let was_current = state.db(move |conn| Ok(sessions::end_own(conn, &actor, &user, &id, &current)?)).await?;
    if was_current {
        let mut res = redirect_with(&ctx, "/login", Flash::success("You have signed out"));
        res.add_removal_cookie(&removal_cookie(SESSION_COOKIE, ctx.secure_cookies)).map_err(AppError::internal)?;
        return Ok(res);
    }
    Ok(redirect_with(&ctx, "/account", Flash::success("That session has ended: the browser using it is signed out")))
}

async fn setup_page(
    ctx: &RequestContext,
    state: &AppState,
    status: StatusCode,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let enrolment = match state.db(move |conn| Ok(two_factor::enrolment(conn, &user))).await? {
        Ok(e) => e,
        Err(ServiceError::Refused(m)) => return Ok(redirect_with(ctx, "/account", Flash::important(m))),
        Err(e) => return Err(e.into()),
    };
    let mut c = tera::Context::new();
    c.insert("enrolment", &enrolment);
    c.insert("action", "/account/two-factor");
    c.insert("next", "");
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "auth/two_factor_setup.html", c)
}

pub async fn two_factor_form(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    setup_page(&ctx, &state, StatusCode::OK, &FieldErrors::default()).await
}

#[derive(Debug, serde::Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// Turns two-factor sign-in on with the first code of the app, and shows the recovery codes once.
pub async fn enrol_two_factor(
    ctx: RequestContext,
    state: web::Data<AppState>,
    form: web::Form<CodeForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (actor, code) = (ctx.actor(), form.into_inner().code);
    match state.db(move |conn| Ok(two_factor::enrol(conn, &actor, &user, &code))).await?.or_back(&ctx, "/account")? {
        Ok(codes) => {
            let mut c = tera::Context::new();
            c.insert("codes", &codes);
            c.insert("next", "/account");
            render::page(&ctx, "auth/recovery_codes.html", c)
        }
        Err(errors) => setup_page(&ctx, &state, StatusCode::UNPROCESSABLE_ENTITY, &errors).await,
    }
}

/// Turns off two-factor sign-in (where it is not required), with a code.
pub async fn turn_off_two_factor(
    ctx: RequestContext,
    state: web::Data<AppState>,
    form: web::Form<CodeForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (actor, code) = (ctx.actor(), form.into_inner().code);
    state
        .db(move |conn| Ok(two_factor::turn_off(conn, &actor, &user, &code)))
        .await?
        .or_back_with_message(&ctx, "/account")?;
    Ok(redirect_with(&ctx, "/account", Flash::success("Two-factor sign-in is off")))
}
