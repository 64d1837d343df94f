//! Admin pages: users and council closure days.

use crate::error::{AppError, AppResult};
use crate::models::calendar as closures;
use crate::models::user::{self as users, Role, User};
use crate::services::access::Permission;
use crate::services::users::{self as user_service, UserInput, UserUpdate};
use crate::services::vocab;
use crate::services::{calendar, FieldErrors, ServiceError};
use crate::web::context::{Flash, RequestContext};
use crate::web::forms::{form_context, insert_errors, redirect_with};
use crate::web::render;
use crate::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

fn roles() -> Vec<serde_json::Value> {
    Role::ALL.iter().map(|r| serde_json::json!({ "value": r.as_str(), "label": r.label() })).collect()
}

fn user_view(u: &User) -> serde_json::Value {
    serde_json::json!({
        "id": u.id, "email": u.email, "name": u.name, "role": u.role,
        "role_label": u.role().map(|r| r.label()).unwrap_or("Unknown role"),
        "active": u.active, "last_login_at": u.last_login_at, "created_at": u.created_at,
    })
}

pub async fn index(ctx: RequestContext) -> AppResult<HttpResponse> {
    ctx.require(Permission::Administer)?;
    render::page(&ctx, "admin/index.html", tera::Context::new())
}

pub async fn users(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    ctx.require(Permission::Administer)?;
    let list = state.db(|conn| Ok(users::list_all(conn)?)).await?;
    let mut c = tera::Context::new();
    c.insert("users", &list.iter().map(user_view).collect::<Vec<_>>());
    render::page(&ctx, "admin/users/index.html", c)
}

pub async fn new_user_form(ctx: RequestContext) -> AppResult<HttpResponse> {
    ctx.require(Permission::Administer)?;
    let mut c = form_context(&UserInput::default());
    c.insert("roles", &roles());
    render::page(&ctx, "admin/users/new.html", c)
}

pub async fn create_user(
    ctx: RequestContext,
    state: web::Data<AppState>,
    form: web::Form<UserInput>,
) -> AppResult<HttpResponse> {
    ctx.require(Permission::Administer)?;
    let input = form.into_inner();
    let actor = ctx.actor();
    let submitted = input.clone();
    let result = state.db(move |conn| Ok(user_service::create(conn, &actor, &submitted))).await?;
    match result {
        Ok(user) => Ok(redirect_with(
            &ctx,
            "/admin/users",
            Flash::success(format!("{} can now sign in as {}", user.name, user.email)),
        )),
        Err(ServiceError::Invalid(errors)) => {
            let mut c = form_context(&input);
            insert_errors(&mut c, &errors);
            c.insert("roles", &roles());
            render::page_with_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, "admin/users/new.html", c)
        }
        Err(e) => Err(AppError::from(e)),
    }
}

async fn load_user(state: &AppState, id: String) -> AppResult<User> {
    state.db(move |conn| users::find(conn, &id)?.ok_or(AppError::NotFound)).await
}

async fn edit_page(
    ctx: &RequestContext,
    state: &AppState,
    status: StatusCode,
    user: &User,
    form: &UserUpdate,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let members = state.db(|conn| Ok(crate::services::cases::member_choices(conn)?)).await?;
    let mut c = form_context(form);
    c.insert(
        "members",
        &members.into_iter().map(|(id, name)| serde_json::json!({ "value": id, "label": name })).collect::<Vec<_>>(),
    );
    insert_errors(&mut c, errors);
    c.insert("user", &user_view(user));
    c.insert("roles", &roles());
    c.insert("is_self", &(ctx.user().map(|u| &u.id) == Some(&user.id)));
    render::page_with_status(ctx, status, "admin/users/edit.html", c)
}

pub async fn edit_user_form(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    ctx.require(Permission::Administer)?;
    let user = load_user(&state, id.into_inner()).await?;
    let uid = user.id.clone();
    let member = state.db(move |conn| Ok(crate::models::hearing::member_of_user(conn, &uid)?)).await?;
    let form = UserUpdate { name: user.name.clone(), role: user.role.clone(), member: member.unwrap_or_default() };
    edit_page(&ctx, &state, StatusCode::OK, &user, &form, &FieldErrors::default()).await
}

pub async fn update_user(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<UserUpdate>,
) -> AppResult<HttpResponse> {
    ctx.require(Permission::Administer)?;
    let id = id.into_inner();
    let input = form.into_inner();
    let (actor, submitted, uid) = (ctx.actor(), input.clone(), id.clone());
    let result = state.db(move |conn| Ok(user_service::update(conn, &actor, &uid, &submitted))).await?;
    match result {
        Ok(user) => Ok(redirect_with(&ctx, "/admin/users", Flash::success(format!("{} updated", user.name)))),
        Err(ServiceError::Invalid(errors)) => {
            let user = load_user(&state, id).await?;
            edit_page(&ctx, &state, StatusCode::UNPROCESSABLE_ENTITY, &user, &input, &errors).await
        }
        Err(e) => Err(AppError::from(e)),
    }
}

async fn set_active(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: String,
    active: bool,
) -> AppResult<HttpResponse> {
    ctx.require(Permission::Administer)?;
    let actor = ctx.actor();
    let uid = id.clone();
    let result = state.db(move |conn| Ok(user_service::set_active(conn, &actor, &uid, active))).await?;
    match result {
        Ok(user) => {
            let msg = if active {
                format!("{} has been reactivated", user.name)
            } else {
                format!("{} has been deactivated and signed out", user.name)
            };
            Ok(redirect_with(&ctx, "/admin/users", Flash::success(msg)))
        }
        Err(ServiceError::Refused(message)) => {
            let user = load_user(&state, id).await?;
            let uid = user.id.clone();
            let member = state.db(move |conn| Ok(crate::models::hearing::member_of_user(conn, &uid)?)).await?;
            let form =
                UserUpdate { name: user.name.clone(), role: user.role.clone(), member: member.unwrap_or_default() };
            let errors = FieldErrors::single("active", message);
            edit_page(&ctx, &state, StatusCode::UNPROCESSABLE_ENTITY, &user, &form, &errors).await
        }
        Err(e) => Err(AppError::from(e)),
    }
}

pub async fn deactivate_user(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    set_active(ctx, state, id.into_inner(), false).await
}

pub async fn reactivate_user(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    set_active(ctx, state, id.into_inner(), true).await
}

#[derive(Debug, Default, Deserialize, Serialize, Clone)]
pub struct ClosureForm {
    #[serde(default)]
    closure_day: String,
    #[serde(default)]
    closure_month: String,
    #[serde(default)]
    closure_year: String,
    #[serde(default)]
    reason: String,
}

async fn closure_page(
    ctx: &RequestContext,
    state: &AppState,
    status: StatusCode,
    form: &ClosureForm,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let days = state.db(|conn| Ok(closures::list_closure_days(conn)?)).await?;
    let this_year = chrono::Utc::now().year();
    let holidays: Vec<_> = (this_year..=this_year + 1)
        .flat_map(|y| calendar::bank_holidays(y).into_iter())
        .map(|(d, name)| serde_json::json!({ "day": d, "name": name }))
        .collect();
    let mut c = form_context(form);
    insert_errors(&mut c, errors);
    c.insert("closure_days", &days);
    c.insert("bank_holidays", &holidays);
    render::page_with_status(ctx, status, "admin/closure_days.html", c)
}

pub async fn closure_days(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    ctx.require(Permission::Administer)?;
    closure_page(&ctx, &state, StatusCode::OK, &ClosureForm::default(), &FieldErrors::default()).await
}

pub async fn add_closure_day(
    ctx: RequestContext,
    state: web::Data<AppState>,
    form: web::Form<ClosureForm>,
) -> AppResult<HttpResponse> {
    ctx.require(Permission::Administer)?;
    let form = form.into_inner();
    let parsed = vocab::parse_date(&form.closure_day, &form.closure_month, &form.closure_year);
    let (actor, reason, day) = (ctx.actor(), form.reason.clone(), parsed.ok());
    let result = state.db(move |conn| Ok(calendar::add_closure_day(conn, &actor, day, &reason))).await?;
    match result {
        Ok(row) => Ok(redirect_with(
            &ctx,
            "/admin/closure-days",
            Flash::success(format!("{} added as a closure day", row.day.format("%-d %B %Y"))),
        )),
        Err(ServiceError::Invalid(mut errors)) => {
            if let Err(message) = parsed {
                // The date input's own message is more precise than "enter the date".
                errors.0.retain(|e| e.field != "closure");
                errors.0.insert(0, crate::services::FieldError { field: "closure".into(), message: message.into() });
            }
            closure_page(&ctx, &state, StatusCode::UNPROCESSABLE_ENTITY, &form, &errors).await
        }
        Err(e) => Err(AppError::from(e)),
    }
}

pub async fn delete_closure_day(
    ctx: RequestContext,
    state: web::Data<AppState>,
    day: web::Path<String>,
) -> AppResult<HttpResponse> {
    ctx.require(Permission::Administer)?;
    let day: NaiveDate = day.parse().map_err(|_| AppError::NotFound)?;
    let actor = ctx.actor();
    state.db(move |conn| calendar::remove_closure_day(conn, &actor, day).map_err(AppError::from)).await?;
    Ok(redirect_with(
        &ctx,
        "/admin/closure-days",
        Flash::success(format!("{} is no longer a closure day", day.format("%-d %B %Y"))),
    ))
}

fn deadline_fields(values: &[(String, String)]) -> Vec<serde_json::Value> {
    crate::services::settings::DEADLINES
        .iter()
        .map(|(key, label, _)| {
            let value = values.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default();
            serde_json::json!({ "key": key, "label": label, "value": value })
        })
        .collect()
}

pub async fn settings(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    ctx.require(Permission::Administer)?;
    let d = state.db(|conn| Ok(crate::services::settings::deadlines(conn)?)).await?;
    let values: Vec<(String, String)> = crate::services::settings::DEADLINES
        .iter()
        .zip([d.acknowledge, d.assessment, d.member_response, d.takedown])
        .map(|((k, _, _), v)| (k.to_string(), v.to_string()))
        .collect();
    let mut c = tera::Context::new();
    c.insert("fields", &deadline_fields(&values));
    insert_errors(&mut c, &FieldErrors::default());
    render::page(&ctx, "admin/settings.html", c)
}

pub async fn update_settings(
    ctx: RequestContext,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    ctx.require(Permission::Administer)?;
    let values = form.into_inner();
    let (actor, submitted) = (ctx.actor(), values.clone());
    let result = state.db(move |conn| Ok(crate::services::settings::set_deadlines(conn, &actor, &submitted))).await?;
    match result {
        Ok(_) => Ok(redirect_with(&ctx, "/admin/settings", Flash::success("Deadlines saved"))),
        Err(ServiceError::Invalid(errors)) => {
            let mut c = tera::Context::new();
            c.insert("fields", &deadline_fields(&values));
            insert_errors(&mut c, &errors);
            render::page_with_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, "admin/settings.html", c)
        }
        Err(e) => Err(AppError::from(e)),
    }
}
