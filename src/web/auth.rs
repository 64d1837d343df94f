use crate::error::{AppError, AppResult};
use crate::services::auth::{self, LoginError};
use crate::services::signed_out::Ended;
use crate::services::FieldErrors;
use crate::web::context::{
    app_cookie, cookie_name, removal_cookie, Flash, RequestContext, BROWSER_COOKIE, SESSION_COOKIE,
};
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
    state: &AppState,
    status: StatusCode,
    form: &LoginForm,
    errors: &FieldErrors,
    notice: Option<&str>,
) -> AppResult<HttpResponse> {
    let mut c = tera::Context::new();
    c.insert("form", form);
    c.insert("next", &safe_next(form.next.as_deref()));
    c.insert("notice", &notice);
    c.insert("sso_name", &state.config.oidc.as_ref().map(|o| o.provider_name.as_str()));
    c.insert("staff_passwords", &state.config.password_sign_in);
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
    login_page(&ctx, &state, StatusCode::OK, &form, &FieldErrors::default(), notice.as_deref())
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
    let client = client_of(&ctx, &req);
    let base_url = state.config.base_url.clone();
    let policy = state.session_policy;
    let passwords = state.config.password_sign_in;
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
                .db(move |conn| {
                    Ok(auth::finish_login(conn, &attempt, &password, &client, policy, &base_url, passwords))
                })
                .await?
        }
        Err(refusal) => Err(refusal),
    };
    let refusal = match outcome {
        Ok(auth::PasswordPassed::SignedIn(new)) => {
            return Ok(signed_in(&ctx, &state, *new, &safe_next(form.next.as_deref())))
        }
        Ok(auth::PasswordPassed::SecondFactor { token }) => {
            let cookie = app_cookie(SESSION_COOKIE, token, ctx.secure_cookies)
                .max_age(time::Duration::minutes(auth::SECOND_FACTOR_MINUTES))
                .finish();
            let next = safe_next(form.next.as_deref());
            let to = format!("/login/two-factor?next={}", crate::web::render::url_encode(&next));
            return Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, to)).cookie(cookie).finish());
        }
        Err(LoginError::Db(e)) => return Err(AppError::from(e)),
        Err(LoginError::Failed(e)) => return Err(AppError::from(e)),
        Err(refusal) => refusal,
    };
    let status = match refusal {
        LoginError::Deactivated | LoginError::PasswordsOff => StatusCode::FORBIDDEN,
        LoginError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    login_page(&ctx, &state, status, &form, &refusal.errors(), None)
}

/// Where a sign-in comes from: address, browser and the browser's `sd_browser` token.
fn client_of(ctx: &RequestContext, req: &HttpRequest) -> auth::Client {
    let user_agent = req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string);
    let browser = req
        .cookie(cookie_name(BROWSER_COOKIE, ctx.secure_cookies))
        .map(|c| c.value().to_string())
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()));
    auth::Client { ip: ctx.ip.clone(), user_agent, browser }
}

/// The session and browser cookies of a completed sign-in.
fn session_cookies(
    ctx: &RequestContext,
    state: &AppState,
    new: auth::NewSession,
) -> (actix_web::cookie::Cookie<'static>, actix_web::cookie::Cookie<'static>) {
    let cookie = app_cookie(SESSION_COOKIE, new.token, ctx.secure_cookies)
        .max_age(time::Duration::hours(state.config.session_absolute_hours))
        .finish();
    let browser =
        app_cookie(BROWSER_COOKIE, new.browser_token, ctx.secure_cookies).max_age(time::Duration::days(400)).finish();
    (cookie, browser)
}

/// The response to a completed sign-in: the session and browser cookies, and on to `next`.
fn signed_in(ctx: &RequestContext, state: &AppState, new: auth::NewSession, next: &str) -> HttpResponse {
    let flash = Flash::success(format!("Signed in as {}", new.user.name));
    signed_in_with(ctx, state, new, next, flash)
}

fn signed_in_with(
    ctx: &RequestContext,
    state: &AppState,
    new: auth::NewSession,
    next: &str,
    flash: Flash,
) -> HttpResponse {
    let (cookie, browser) = session_cookies(ctx, state, new);
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, crate::web::render::location_header(next)))
        .cookie(cookie)
        .cookie(browser)
        .cookie(flash.cookie(ctx.secure_cookies))
        .finish()
}

pub async fn logout(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    if let Some(auth) = ctx.auth.clone().or_else(|| ctx.pending.clone()) {
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

// ---------------------------------------------------------------------------------------------
// Password reset by email

use crate::services::password_reset::{self, NewPasswordForm, RequestForm};
use crate::services::ServiceError;
use crate::web::forms::redirect_with;
use crate::web::respond::FormOutcome;

fn reset_request_page(
    ctx: &RequestContext,
    status: StatusCode,
    form: &RequestForm,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let mut c = tera::Context::new();
    c.insert("form", form);
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "auth/reset_request.html", c)
}

pub async fn reset_form(ctx: RequestContext) -> AppResult<HttpResponse> {
    reset_request_page(&ctx, StatusCode::OK, &RequestForm::default(), &FieldErrors::default())
}

/// The same answer whether or not the address has an account.
pub async fn reset_request(
    ctx: RequestContext,
    state: web::Data<AppState>,
    form: web::Form<RequestForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let (actor, submitted, base) = (ctx.actor(), form.clone(), state.config.base_url.clone());
    let passwords = state.config.password_sign_in;
    match state
        .db(move |conn| Ok(password_reset::request(conn, &actor, &submitted, &base, passwords)))
        .await?
        .or_back(&ctx, "/password-reset")?
    {
        Ok(()) => Ok(render::see_other("/password-reset/sent")),
        Err(errors) => reset_request_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &form, &errors),
    }
}

pub async fn reset_sent(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let mut c = tera::Context::new();
    c.insert("minutes", &password_reset::RESET_MINUTES);
    c.insert("staff_passwords", &state.config.password_sign_in);
    render::page(&ctx, "auth/reset_sent.html", c)
}

fn dead_link_page(ctx: &RequestContext) -> AppResult<HttpResponse> {
    let mut c = tera::Context::new();
    c.insert("message", password_reset::LINK_DEAD);
    render::page_with_status(ctx, StatusCode::NOT_FOUND, "auth/reset_dead.html", c)
}

fn new_password_page(
    ctx: &RequestContext,
    status: StatusCode,
    token: &str,
    email: &str,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let mut c = tera::Context::new();
    c.insert("token", token);
    c.insert("email", email);
    c.insert(
        "password_hint",
        &format!(
            "At least {} characters. A few unrelated words make a good one. Commonly used passwords are refused.",
            crate::services::passwords::MIN_LENGTH
        ),
    );
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "auth/reset_new.html", c)
}

fn token_shape(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

pub async fn reset_link(
    ctx: RequestContext,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    if !token_shape(&token) {
        return dead_link_page(&ctx);
    }
    let (t, passwords) = (token.clone(), state.config.password_sign_in);
    match state.db(move |conn| Ok(password_reset::find_live(conn, &t, passwords))).await? {
        Ok((_, user)) => new_password_page(&ctx, StatusCode::OK, &token, &user.email, &FieldErrors::default()),
        Err(ServiceError::NotFound) => dead_link_page(&ctx),
        Err(e) => Err(e.into()),
    }
}

pub async fn reset_set(
    ctx: RequestContext,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: web::Form<NewPasswordForm>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    if !token_shape(&token) {
        return dead_link_page(&ctx);
    }
    let (actor, t, form) = (ctx.actor(), token.clone(), form.into_inner());
    let passwords = state.config.password_sign_in;
    match state.db(move |conn| Ok(password_reset::complete(conn, &actor, &t, &form, passwords))).await? {
        Ok(_) => {
            let mut res = redirect_with(
                &ctx,
                "/login",
                Flash::success(
                    "Your new password is set, and your account has been signed out everywhere. Sign in with it",
                ),
            );
            res.add_removal_cookie(&removal_cookie(SESSION_COOKIE, ctx.secure_cookies)).map_err(AppError::internal)?;
            Ok(res)
        }
        Err(ServiceError::Invalid(errors)) => {
            let t = token.clone();
            match state.db(move |conn| Ok(password_reset::find_live(conn, &t, passwords))).await? {
                Ok((_, user)) => {
                    new_password_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &token, &user.email, &errors)
                }
                Err(_) => dead_link_page(&ctx),
            }
        }
        Err(ServiceError::NotFound) => dead_link_page(&ctx),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The second factor

use crate::services::two_factor;

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct CodeForm {
    #[serde(default, skip_serializing)]
    code: String,
    #[serde(default)]
    next: Option<String>,
}

/// The two-factor page of a waiting session: the code form, or (for a user who has not set it up
/// and must) the set-up with the QR code.
async fn second_factor_page(
    ctx: &RequestContext,
    state: &AppState,
    status: StatusCode,
    next: &str,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let Some(pending) = ctx.pending.clone() else { return Ok(render::see_other("/login")) };
    let mut c = tera::Context::new();
    c.insert("next", next);
    insert_errors(&mut c, errors);
    if pending.user.two_factor_enabled() {
        return render::page_with_status(ctx, status, "auth/two_factor.html", c);
    }
    let user = pending.user.clone();
    let enrolment = state.db(move |conn| Ok(two_factor::enrolment(conn, &user)?)).await?;
    c.insert("enrolment", &enrolment);
    c.insert("action", "/login/two-factor");
    render::page_with_status(ctx, status, "auth/two_factor_setup.html", c)
}

pub async fn two_factor_form(
    ctx: RequestContext,
    state: web::Data<AppState>,
    query: web::Query<LoginQuery>,
) -> AppResult<HttpResponse> {
    let next = safe_next(query.next.as_deref());
    if ctx.user().is_some() {
        return Ok(render::see_other(&next));
    }
    second_factor_page(&ctx, &state, StatusCode::OK, &next, &FieldErrors::default()).await
}

pub async fn two_factor(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<CodeForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    if ctx.user().is_some() {
        return Ok(render::see_other(&next));
    }
    let Some(pending) = ctx.pending.clone() else {
        return Ok(redirect_with(&ctx, "/login", Flash::important("Your sign-in timed out. Sign in again")));
    };
    let client = client_of(&ctx, &req);
    let (policy, base_url, code) = (state.session_policy, state.config.base_url.clone(), form.code.clone());
    let session = pending.session.clone();
    let outcome =
        state.db(move |conn| Ok(auth::finish_second_factor(conn, &session, &code, &client, policy, &base_url))).await?;
    match outcome {
        Ok(auth::SecondFactorOutcome::SignedIn { new, recovery_codes, recovery_left }) => {
            if !recovery_codes.is_empty() {
                let (cookie, browser) = session_cookies(&ctx, &state, *new);
                let mut c = tera::Context::new();
                c.insert("codes", &recovery_codes);
                c.insert("next", &next);
                let mut res = render::page(&ctx, "auth/recovery_codes.html", c)?;
                res.add_cookie(&cookie).map_err(AppError::internal)?;
                res.add_cookie(&browser).map_err(AppError::internal)?;
                return Ok(res);
            }
            let flash = match recovery_left {
                Some(left) => Flash::important(format!(
                    "You signed in with a recovery code, which cannot be used again. You have {left} left: if you have lost your phone, ask an administrator to reset your two-factor sign-in"
                )),
                None => Flash::success(format!("Signed in as {}", new.user.name)),
            };
            Ok(signed_in_with(&ctx, &state, *new, &next, flash))
        }
        Ok(auth::SecondFactorOutcome::Wrong(errors)) => {
            second_factor_page(&ctx, &state, StatusCode::UNPROCESSABLE_ENTITY, &next, &errors).await
        }
        Ok(auth::SecondFactorOutcome::Throttled { minutes }) => {
            let mut res = login_page(
                &ctx,
                &state,
                StatusCode::TOO_MANY_REQUESTS,
                &LoginForm { next: Some(next), ..Default::default() },
                &LoginError::Throttled { minutes }.errors(),
                None,
            )?;
            res.add_removal_cookie(&removal_cookie(SESSION_COOKIE, ctx.secure_cookies)).map_err(AppError::internal)?;
            Ok(res)
        }
        Err(LoginError::Db(e)) => Err(AppError::from(e)),
        Err(LoginError::Failed(ServiceError::NotFound)) => {
            Ok(redirect_with(&ctx, "/login", Flash::important("Your sign-in timed out. Sign in again")))
        }
        Err(LoginError::Failed(e)) => Err(AppError::from(e)),
        Err(other) => {
            login_page(&ctx, &state, StatusCode::UNPROCESSABLE_ENTITY, &LoginForm::default(), &other.errors(), None)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Single sign-on (OpenID Connect)

use crate::services::sso::{self, SsoError};

/// The browser's handle on its sign-in waiting at the provider (the row keeps state, nonce and
/// PKCE verifier; the cookie only a random token whose hash names it).
const OIDC_COOKIE: &str = "sd_oidc";

#[derive(Debug, Deserialize)]
pub struct SsoStartQuery {
    next: Option<String>,
}

/// "Sign in with …": a pre-session, and on to the provider.
pub async fn sso_start(
    ctx: RequestContext,
    state: web::Data<AppState>,
    query: web::Query<SsoStartQuery>,
) -> AppResult<HttpResponse> {
    let Some(provider) = state.sso.clone() else { return Err(AppError::NotFound) };
    let next = safe_next(query.next.as_deref());
    if ctx.user().is_some() {
        return Ok(render::see_other(&next));
    }
    let started = match web::block(move || provider.begin()).await.map_err(AppError::internal)? {
        Ok(started) => started,
        Err(e) => return sso_refused(&ctx, e),
    };
    let url = started.url.clone();
    let token = state.db(move |conn| Ok(sso::save_pending(conn, &started, &next)?)).await?;
    let cookie = app_cookie(OIDC_COOKIE, token, ctx.secure_cookies)
        .max_age(time::Duration::minutes(sso::PENDING_MINUTES))
        .finish();
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, url)).cookie(cookie).finish())
}

#[derive(Debug, Deserialize)]
pub struct SsoCallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The provider sends the browser back here with a code (or an error).
pub async fn sso_callback(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<SsoCallbackQuery>,
) -> AppResult<HttpResponse> {
    let Some(provider) = state.sso.clone() else { return Err(AppError::NotFound) };
    let query = query.into_inner();
    let token = req.cookie(cookie_name(OIDC_COOKIE, ctx.secure_cookies)).map(|c| c.value().to_string());
    let outcome = sso_complete(&ctx, &state, &req, provider, token, query).await?;
    let mut res = match outcome {
        Ok((new, next)) => signed_in(&ctx, &state, *new, &next),
        Err(e) => sso_refused(&ctx, e)?,
    };
    res.add_removal_cookie(&removal_cookie(OIDC_COOKIE, ctx.secure_cookies)).map_err(AppError::internal)?;
    Ok(res)
}

async fn sso_complete(
    ctx: &RequestContext,
    state: &AppState,
    req: &HttpRequest,
    provider: std::sync::Arc<sso::Sso>,
    token: Option<String>,
    query: SsoCallbackQuery,
) -> AppResult<Result<(Box<auth::NewSession>, String), SsoError>> {
    let (Some(token), Some(returned_state)) = (token, query.state) else { return Ok(Err(SsoError::Stale)) };
    let pending = match state.db(move |conn| Ok(sso::take_pending(conn, &token, &returned_state))).await? {
        Ok(p) => p,
        Err(SsoError::Db(e)) => return Err(e.into()),
        Err(e) => return Ok(Err(e)),
    };
    if let Some(error) = query.error {
        return Ok(Err(SsoError::Denied(error.chars().take(100).collect())));
    }
    let Some(code) = query.code else { return Ok(Err(SsoError::Stale)) };
    let next = pending.next_path.clone();
    let identity = match web::block(move || provider.identify(&pending, &code)).await.map_err(AppError::internal)? {
        Ok(identity) => identity,
        Err(e) => return Ok(Err(e)),
    };
    let client = client_of(ctx, req);
    let (policy, base_url) = (state.session_policy, state.config.base_url.clone());
    let config = state.config.oidc.clone().ok_or(AppError::NotFound)?;
    match state.db(move |conn| Ok(sso::sign_in(conn, &config, &identity, &client, policy, &base_url))).await? {
        Ok(new) => Ok(Ok((Box::new(new), next))),
        Err(SsoError::Db(e)) => Err(e.into()),
        Err(SsoError::Internal(e)) => Err(AppError::internal(e)),
        Err(e) => Ok(Err(e)),
    }
}

/// The page that says why single sign-on did not sign anyone in.
fn sso_refused(ctx: &RequestContext, e: SsoError) -> AppResult<HttpResponse> {
    tracing::warn!(error = %e, "single sign-on refused");
    let (status, message) = match &e {
        SsoError::Unknown(email) => (
            StatusCode::FORBIDDEN,
            format!("There is no Standards Desk account for {email}. Ask your administrator to add you with this email address, then sign in again."),
        ),
        SsoError::NoRole(email) => (
            StatusCode::FORBIDDEN,
            format!("The account for {email} has no role yet. An administrator must give it one before you can use Standards Desk."),
        ),
        SsoError::Deactivated(email) => (
            StatusCode::FORBIDDEN,
            format!("The account for {email} has been deactivated. Ask your administrator if you need access."),
        ),
        SsoError::Stale => (
            StatusCode::BAD_REQUEST,
            "This sign-in has expired, or was started in another browser or tab. Start again from the sign-in page.".into(),
        ),
        SsoError::Denied(_) => (
            StatusCode::FORBIDDEN,
            "The sign-in service did not sign you in. If you cancelled, you can start again from the sign-in page.".into(),
        ),
        SsoError::NoEmail(_) => (
            StatusCode::FORBIDDEN,
            "The sign-in service did not give your email address, so we cannot tell which account is yours. Ask your IT service desk to check how Standards Desk is set up in it.".into(),
        ),
        SsoError::Token(_) => (
            StatusCode::FORBIDDEN,
            "The answer from the sign-in service could not be checked, so you have not been signed in. Try again; if it happens again, tell your IT service desk.".into(),
        ),
        SsoError::Provider(_) => (
            StatusCode::BAD_GATEWAY,
            "The sign-in service could not be reached. Try again in a few minutes; if it happens again, tell your IT service desk.".into(),
        ),
        SsoError::Db(_) | SsoError::Internal(_) => return Err(AppError::internal(e.to_string())),
    };
    let mut c = tera::Context::new();
    c.insert("message", &message);
    render::page_with_status(ctx, status, "auth/sso_refused.html", c)
}
