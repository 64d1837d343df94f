use crate::error::{AppError, AppResult};
use crate::services::{dashboard, health};
use crate::web::context::RequestContext;
use crate::web::forms::today;
use crate::web::render;
use crate::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

pub async fn home(ctx: RequestContext) -> AppResult<HttpResponse> {
    render::page(&ctx, "home.html", tera::Context::new())
}

/// 200 `ok` when the database answers, 503 otherwise.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let ok = state.db(|conn| Ok(health::database_answers(conn)?)).await;
    match ok {
        Ok(()) => HttpResponse::Ok().content_type("text/plain").body("ok"),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable().content_type("text/plain").body("database unavailable")
        }
    }
}

pub async fn dashboard(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let view = state.db(move |conn| Ok(dashboard::show(conn, &user, today())?)).await?;
    render::page(&ctx, "dashboard.html", tera::Context::from_serialize(&view)?)
}

pub async fn not_found(ctx: Option<RequestContext>) -> AppResult<HttpResponse> {
    let ctx = ctx.ok_or(AppError::NotFound)?;
    let mut c = tera::Context::new();
    c.insert("status", &404);
    c.insert("message", &serde_json::Value::Null);
    render::page_with_status(&ctx, StatusCode::NOT_FOUND, "errors/404.html", c)
}
