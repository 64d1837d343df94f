//! Admin pages: users, council closure days, deadlines and outgoing mail. The services decide who may use them.

use crate::error::{AppError, AppResult};
use crate::services::calendar::{self, ClosureForm};
use crate::services::outbox;
use crate::services::settings::{self, DeadlinesForm};
use crate::services::users::{self, UserInput, UserUpdate};
use crate::services::FieldErrors;
use crate::web::context::{Flash, RequestContext};
use crate::web::forms::{insert_errors, redirect_with, today};
use crate::web::render;
use crate::web::respond::FormOutcome;
use crate::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::Serialize;

/// Renders a form page from its view, with the errors (422 when there are any).
fn form_page<V: Serialize>(
    ctx: &RequestContext,
    template: &str,
    view: &V,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut c = tera::Context::from_serialize(view)?;
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, template, c)
}

pub async fn index(ctx: RequestContext) -> AppResult<HttpResponse> {
    settings::may_administer(ctx.require_user()?)?;
    render::page(&ctx, "admin/index.html", tera::Context::new())
}

pub async fn users(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let list = state.db(move |conn| Ok(users::list(conn, &admin)?)).await?;
    let mut c = tera::Context::new();
    c.insert("users", &list);
    render::page(&ctx, "admin/users/index.html", c)
}

fn new_user_page(ctx: &RequestContext, form: UserInput, errors: &FieldErrors) -> AppResult<HttpResponse> {
    let view = users::new_user_page(ctx.require_user()?, form)?;
    form_page(ctx, "admin/users/new.html", &view, errors)
}

pub async fn new_user_form(ctx: RequestContext) -> AppResult<HttpResponse> {
    new_user_page(&ctx, UserInput::default(), &FieldErrors::default())
}

pub async fn create_user(
    ctx: RequestContext,
    state: web::Data<AppState>,
    form: web::Form<UserInput>,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let input = form.into_inner();
    let (actor, submitted) = (ctx.actor(), input.clone());
    match state.db(move |conn| Ok(users::add(conn, &actor, &admin, &submitted))).await?.or_back(&ctx, "/admin/users")? {
        Ok(user) => Ok(redirect_with(
            &ctx,
            "/admin/users",
            Flash::success(format!("{} can now sign in as {}", user.name, user.email)),
        )),
        Err(errors) => new_user_page(&ctx, input, &errors),
    }
}

/// The page to change an account: stored values, or `form` as submitted with its errors.
async fn edit_page(
    ctx: &RequestContext,
    state: &AppState,
    id: String,
    form: Option<UserUpdate>,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let view = state.db(move |conn| Ok(users::edit_user_page(conn, &admin, &id, form)?)).await?;
    form_page(ctx, "admin/users/edit.html", &view, errors)
}

pub async fn edit_user_form(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    edit_page(&ctx, &state, id.into_inner(), None, &FieldErrors::default()).await
}

pub async fn update_user(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<UserUpdate>,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let (id, input) = (id.into_inner(), form.into_inner());
    let (actor, submitted, uid) = (ctx.actor(), input.clone(), id.clone());
    let back = format!("/admin/users/{id}");
    match state.db(move |conn| Ok(users::update(conn, &actor, &admin, &uid, &submitted))).await?.or_back(&ctx, &back)? {
        Ok(user) => Ok(redirect_with(&ctx, "/admin/users", Flash::success(format!("{} updated", user.name)))),
        Err(errors) => edit_page(&ctx, &state, id, Some(input), &errors).await,
    }
}

async fn set_active(ctx: RequestContext, state: &AppState, id: String, active: bool) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let (actor, uid) = (ctx.actor(), id.clone());
    let back = format!("/admin/users/{id}");
    match state.db(move |conn| Ok(users::set_active(conn, &actor, &admin, &uid, active))).await?.or_back(&ctx, &back)? {
        Ok(user) => {
            let msg = if active {
                format!("{} has been reactivated", user.name)
            } else {
                format!("{} has been deactivated and signed out", user.name)
            };
            Ok(redirect_with(&ctx, "/admin/users", Flash::success(msg)))
        }
        Err(errors) => edit_page(&ctx, state, id, None, &errors).await,
    }
}

pub async fn deactivate_user(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    set_active(ctx, &state, id.into_inner(), false).await
}

pub async fn reactivate_user(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    set_active(ctx, &state, id.into_inner(), true).await
}

async fn closure_page(
    ctx: &RequestContext,
    state: &AppState,
    form: ClosureForm,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let view = state.db(move |conn| Ok(calendar::closure_days_page(conn, &admin, today(), form)?)).await?;
    form_page(ctx, "admin/closure_days.html", &view, errors)
}

pub async fn closure_days(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    closure_page(&ctx, &state, ClosureForm::default(), &FieldErrors::default()).await
}

pub async fn add_closure_day(
    ctx: RequestContext,
    state: web::Data<AppState>,
    form: web::Form<ClosureForm>,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let form = form.into_inner();
    let (actor, submitted) = (ctx.actor(), form.clone());
    let back = "/admin/closure-days";
    match state
        .db(move |conn| Ok(calendar::add_closure_day(conn, &actor, &admin, &submitted)))
        .await?
        .or_back(&ctx, back)?
    {
        Ok(row) => Ok(redirect_with(
            &ctx,
            back,
            Flash::success(format!("{} added as a closure day", row.day.format("%-d %B %Y"))),
        )),
        Err(errors) => closure_page(&ctx, &state, form, &errors).await,
    }
}

pub async fn delete_closure_day(
    ctx: RequestContext,
    state: web::Data<AppState>,
    day: web::Path<String>,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let day: NaiveDate = day.parse().map_err(|_| AppError::NotFound)?;
    let actor = ctx.actor();
    state.db(move |conn| Ok(calendar::remove_closure_day(conn, &actor, &admin, day)?)).await?;
    Ok(redirect_with(
        &ctx,
        "/admin/closure-days",
        Flash::success(format!("{} is no longer a closure day", day.format("%-d %B %Y"))),
    ))
}

async fn deadlines_page(
    ctx: &RequestContext,
    state: &AppState,
    form: Option<DeadlinesForm>,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    settings_page(ctx, state, form, None, None, errors).await
}

/// The settings page; `link_days` and `party_limits` are what was typed for the parties' links
/// and sessions, shown again with its errors.
async fn settings_page(
    ctx: &RequestContext,
    state: &AppState,
    form: Option<DeadlinesForm>,
    link_days: Option<String>,
    party_limits: Option<std::collections::BTreeMap<String, String>>,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let (view, all, days, limit_fields) = state
        .db(move |conn| {
            Ok((
                settings::deadlines_page(conn, &admin, form)?,
                crate::services::two_factor::required_for_all(conn)?,
                crate::services::parties::links::link_days(conn)?,
                crate::services::parties::limits::fields(conn, party_limits.as_ref())?,
            ))
        })
        .await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut c = tera::Context::from_serialize(&view)?;
    c.insert("two_factor_value", if all { "on" } else { "off" });
    c.insert("party_link_days", &link_days.unwrap_or_else(|| days.to_string()));
    c.insert("party_limit_fields", &limit_fields);
    c.insert(
        "two_factor_choices",
        &serde_json::json!([
            {"value": "off", "label": "Administrators, Monitoring Officers and deputies"},
            {"value": "on", "label": "Every staff account",
             "hint": "Those who have not set it up will do so at their next sign-in."}
        ]),
    );
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "admin/settings.html", c)
}

#[derive(Debug, serde::Deserialize)]
pub struct TwoFactorSetting {
    #[serde(default)]
    two_factor_for_all: String,
}

#[derive(Debug, serde::Deserialize)]
pub struct PartyLinkDays {
    #[serde(default)]
    party_link_days: String,
}

/// How many days the links to the parties' own pages work.
pub async fn update_party_link_days(
    ctx: RequestContext,
    state: web::Data<AppState>,
    form: web::Form<PartyLinkDays>,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let back = "/admin/settings";
    let (actor, typed) = (ctx.actor(), form.into_inner().party_link_days);
    let value = typed.clone();
    let saved = state
        .db(move |conn| Ok(crate::services::parties::links::set_link_days(conn, &actor, &admin, &value)))
        .await?
        .or_back(&ctx, back)?;
    match saved {
        Ok(days) => Ok(redirect_with(
            &ctx,
            back,
            Flash::success(format!("Links to the parties' own pages now work for {days} days")),
        )),
        Err(errors) => settings_page(&ctx, &state, None, Some(typed), None, &errors).await,
    }
}

/// How long the parties' sessions and sign-in links last, and how many new links may be asked for.
pub async fn update_party_limits(
    ctx: RequestContext,
    state: web::Data<AppState>,
    form: web::Form<std::collections::BTreeMap<String, String>>,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let back = "/admin/settings";
    let (actor, typed) = (ctx.actor(), form.into_inner());
    let values = typed.clone();
    let saved = state
        .db(move |conn| Ok(crate::services::parties::limits::set_limits(conn, &actor, &admin, &values)))
        .await?
        .or_back(&ctx, back)?;
    match saved {
        Ok(_) => Ok(redirect_with(&ctx, back, Flash::success("The limits on the parties' pages are saved"))),
        Err(errors) => settings_page(&ctx, &state, None, None, Some(typed), &errors).await,
    }
}

/// Requires two-factor sign-in of every staff account, or of the roles that always need it only.
pub async fn update_two_factor_setting(
    ctx: RequestContext,
    state: web::Data<AppState>,
    form: web::Form<TwoFactorSetting>,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let back = "/admin/settings";
    let on = match form.two_factor_for_all.as_str() {
        "on" => true,
        "off" => false,
        _ => {
            return deadlines_page(
                &ctx,
                &state,
                None,
                &FieldErrors::single("two_factor_for_all", "Select who must use two-factor sign-in"),
            )
            .await
        }
    };
    let actor = ctx.actor();
    state
        .db(move |conn| Ok(crate::services::two_factor::set_required_for_all(conn, &actor, &admin, on)))
        .await?
        .or_back_with_message(&ctx, back)?;
    let message = if on {
        "Every staff account now needs two-factor sign-in: those without it set it up at their next sign-in"
    } else {
        "Two-factor sign-in is required for administrators, Monitoring Officers and deputies, and optional for others"
    };
    Ok(redirect_with(&ctx, back, Flash::success(message)))
}

pub async fn settings(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    deadlines_page(&ctx, &state, None, &FieldErrors::default()).await
}

pub async fn update_settings(
    ctx: RequestContext,
    state: web::Data<AppState>,
    form: web::Form<DeadlinesForm>,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let form = form.into_inner();
    let (actor, submitted) = (ctx.actor(), form.clone());
    let back = "/admin/settings";
    match state
        .db(move |conn| Ok(settings::set_deadlines(conn, &actor, &admin, &submitted)))
        .await?
        .or_back(&ctx, back)?
    {
        Ok(_) => Ok(redirect_with(&ctx, back, Flash::success("Deadlines saved"))),
        Err(errors) => deadlines_page(&ctx, &state, Some(form), &errors).await,
    }
}

/// Outgoing mail: counts by status, failed and waiting messages.
pub async fn mail(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let view = state.db(move |conn| Ok(outbox::admin_page(conn, &admin)?)).await?;
    render::page(&ctx, "admin/mail.html", tera::Context::from_serialize(&view)?)
}

/// "Send again" for a failed message.
pub async fn send_mail_again(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let (actor, id) = (ctx.actor(), id.into_inner());
    let back = "/admin/mail";
    let message = state
        .db(move |conn| Ok(outbox::send_again(conn, &actor, &admin, &id)))
        .await?
        .or_back_with_message(&ctx, back)?;
    Ok(redirect_with(&ctx, back, Flash::success(format!("The email to {} will be sent again", message.to_address))))
}

/// Sends the user a link to set their password (instead of an administrator choosing one).
pub async fn send_password_link(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let id = id.into_inner();
    let back = format!("/admin/users/{id}");
    let (actor, base) = (ctx.actor(), state.config.base_url.clone());
    let user = state
        .db(move |conn| Ok(crate::services::password_reset::send_by_admin(conn, &actor, &admin, &id, &base)))
        .await?
        .or_back_with_message(&ctx, &back)?;
    Ok(redirect_with(&ctx, &back, Flash::success(format!("A link to set a password has been sent to {}", user.email))))
}

/// Ends every session of the user.
pub async fn end_sessions(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let id = id.into_inner();
    let back = format!("/admin/users/{id}");
    let actor = ctx.actor();
    let (user, ended) = state
        .db(move |conn| Ok(crate::services::sessions::end_all_for_user(conn, &actor, &admin, &id)))
        .await?
        .or_back_with_message(&ctx, &back)?;
    let plural = if ended == 1 { "" } else { "s" };
    Ok(redirect_with(&ctx, &back, Flash::success(format!("{ended} session{plural} of {} ended", user.name))))
}

/// Resets a user's two-factor sign-in (a lost phone): they set it up again at their next sign-in.
pub async fn reset_two_factor(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_user()?.clone();
    let id = id.into_inner();
    let back = format!("/admin/users/{id}");
    let actor = ctx.actor();
    let user = state
        .db(move |conn| Ok(crate::services::two_factor::admin_reset(conn, &actor, &admin, &id)))
        .await?
        .or_back_with_message(&ctx, &back)?;
    Ok(redirect_with(
        &ctx,
        &back,
        Flash::success(format!(
            "{}'s two-factor sign-in has been reset and they have been signed out: they set it up again when they next sign in",
            user.name
        )),
    ))
}
