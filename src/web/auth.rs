use crate::error::{AppError, AppResult};
use crate::services::auth::{self, LoginError};
use crate::services::signed_out::Ended;
use crate::services::FieldErrors;
use crate::web::context::{app_cookie, removal_cookie, Flash, RequestContext, SESSION_COOKIE};
use crate::web::forms::{insert_errors, safe_next};
use crate::web::render;
use crate::AppState;
use actix_web::cookie::time;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default, skip_serializing)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    /// "idle" or "absolute" (which limit ended the session), or any other value for "expired".
    expired: Option<String>,
    /// Present when the form sent after the session expired was kept.
    kept: Option<String>,
    /// Present when it had files, and was not kept.
    lost: Option<String>,
}

fn login_page(
    ctx: &RequestContext,
    status: StatusCode,
    form: &LoginForm,
    errors: &FieldErrors,
    notice: Option<&str>,
) -> AppResult<HttpResponse> {
    let mut c = tera::Context::new();
    c.insert("form", form);
    c.insert("next", &safe_next(form.next.as_deref()));
    c.insert("notice", &notice);
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "auth/login.html", c)
}

pub async fn login_form(
    ctx: RequestContext,
    state: web::Data<AppState>,
    query: web::Query<LoginQuery>,
) -> AppResult<HttpResponse> {
    if ctx.user().is_some() {
        return Ok(render::see_other(&safe_next(query.next.as_deref())));
    }
    let ended = query.expired.as_deref().and_then(Ended::parse).or(ctx.session_ended);
    let expired = query.expired.is_some() || ctx.session_expired;
    let notice = match (ended, query.kept.is_some()) {
        (Some(why), true) => Some(format!(
            "{} What you sent has not been saved yet. Sign in again to go back to the form, with your answers filled in.",
            why.message(state.session_policy)
        )),
        (Some(why), false) if query.lost.is_some() => Some(format!(
            "{} The form you sent had files, so it could not be kept. Sign in again, then send it again.",
            why.message(state.session_policy)
        )),
        (Some(why), false) => Some(format!("{} Sign in again to continue.", why.message(state.session_policy))),
        (None, _) if expired => Some("Your session has expired. Sign in again to continue.".to_string()),
        (None, _) => None,
    };
    let form = LoginForm { next: query.next.clone(), ..Default::default() };
    login_page(&ctx, StatusCode::OK, &form, &FieldErrors::default(), notice.as_deref())
}

/// The session timeout warning's "Stay signed in": renews the session now; the answer says for
/// how long it lasts (an expired session is refused before this, by the CSRF check).
pub async fn keep_alive(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let signed_in = ctx.auth.clone().ok_or(AppError::Forbidden)?;
    let policy = state.session_policy;
    let expires = state.db(move |conn| Ok(auth::renew(conn, &signed_in.session, policy)?)).await?;
    let left = (expires - crate::models::now()).num_seconds().max(0);
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(serde_json::json!({ "expires_in_seconds": left }).to_string()))
}

pub async fn login(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let (email, password, ip) = (form.email.clone(), form.password.clone(), ctx.ip.clone());
    let user_agent = req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string);
    let policy = state.session_policy;
    let throttle = auth::ThrottlePolicy::new(state.config.login_delay_max);
    let admitted = {
        let password = password.clone();
        state.db(move |conn| Ok(auth::begin_login(conn, &email, &password, &ip, throttle))).await?
    };
    let outcome = match admitted {
        Ok(attempt) => {
            // An account under attack: wait here (holding no thread or connection), then check.
            if !attempt.delay.is_zero() {
                actix_web::rt::time::sleep(attempt.delay).await;
            }
            state
                .db(move |conn| Ok(auth::finish_login(conn, &attempt, &password, user_agent.as_deref(), policy)))
                .await?
        }
        Err(refusal) => Err(refusal),
    };
    let refusal = match outcome {
        Ok(new) => {
            let cookie = app_cookie(SESSION_COOKIE, new.token, ctx.secure_cookies)
                .max_age(time::Duration::hours(state.config.session_absolute_hours))
                .finish();
            let flash = Flash::success(format!("Signed in as {}", new.user.name));
            return Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, safe_next(form.next.as_deref())))
                .cookie(cookie)
                .cookie(flash.cookie(ctx.secure_cookies))
                .finish());
        }
        Err(LoginError::Db(e)) => return Err(AppError::from(e)),
        Err(refusal) => refusal,
    };
    let status = match refusal {
        LoginError::Deactivated => StatusCode::FORBIDDEN,
        LoginError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    login_page(&ctx, status, &form, &refusal.errors(), None)
}

pub async fn logout(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    if let Some(auth) = ctx.auth.clone() {
        let ip = Some(ctx.ip.clone());
        state.db(move |conn| Ok(auth::logout(conn, &auth.session, &auth.user, ip)?)).await?;
    }
    let mut res = HttpResponse::SeeOther();
    res.insert_header((header::LOCATION, "/login"));
    res.cookie(Flash::success("You have signed out").cookie(ctx.secure_cookies));
    let mut res = res.finish();
    res.add_removal_cookie(&removal_cookie(SESSION_COOKIE, ctx.secure_cookies)).map_err(AppError::internal)?;
    Ok(res)
}
