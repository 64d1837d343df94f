use crate::error::{AppError, AppResult};
use crate::services::access::{self, Permission};
use crate::services::calendar::Calendar;
use crate::services::{cases, settings};
use crate::web::context::RequestContext;
use crate::web::render;
use crate::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use diesel::RunQueryDsl;

pub async fn home(ctx: RequestContext) -> AppResult<HttpResponse> {
    render::page(&ctx, "home.html", tera::Context::new())
}

/// 200 `ok` when the database answers, 503 otherwise.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let ok = state
        .db(|conn| {
            diesel::sql_query("SELECT 1").execute(conn)?;
            Ok(())
        })
        .await;
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
    let today = chrono::Utc::now().date_naive();
    let board_user = user.clone();
    let (calendar, deadlines, board) = state
        .db(move |conn| {
            let board = if access::can(&board_user, Permission::WorkCases) {
                let mut b = serde_json::to_value(cases::dashboard(conn, &board_user, today)?)?;
                b["takedowns"] =
                    serde_json::to_value(crate::services::takedown::overdue_for(conn, &board_user, today)?)?;
                let horizon = Calendar::load(conn)?.add_working_days(today, 5);
                b["follow_ups"] =
                    serde_json::to_value(crate::services::hearing::follow_ups_due(conn, &board_user, horizon)?)?;
                Some(b)
            } else {
                None
            };
            let ytd = if access::can(&board_user, Permission::ViewReports) {
                Some(crate::services::reports::year_to_date(conn, &board_user, today)?)
            } else {
                None
            };
            Ok((Calendar::load(conn)?, settings::deadlines(conn)?, (board, ytd)))
        })
        .await?;
    let (board, ytd) = board;
    let mut c = tera::Context::new();
    c.insert("today", &today);
    c.insert("today_is_working_day", &calendar.is_working_day(today));
    c.insert("today_reason", &calendar.non_working_reason(today));
    c.insert("ack_due", &calendar.add_working_days(today, deadlines.acknowledge));
    c.insert("assessment_due", &calendar.add_working_days(today, deadlines.assessment));
    c.insert("deadlines", &deadlines);
    c.insert("board", &board);
    c.insert("ytd", &ytd);
    c.insert("can_work_cases", &access::can(&user, Permission::WorkCases));
    c.insert("can_sign_off", &access::can(&user, Permission::SignOffDecisions));
    c.insert("can_administer", &access::can(&user, Permission::Administer));
    c.insert("can_view_reports", &access::can(&user, Permission::ViewReports));
    render::page(&ctx, "dashboard.html", c)
}

pub async fn not_found(ctx: Option<RequestContext>) -> AppResult<HttpResponse> {
    let ctx = ctx.ok_or(AppError::NotFound)?;
    let mut c = tera::Context::new();
    c.insert("status", &404);
    c.insert("message", &serde_json::Value::Null);
    render::page_with_status(&ctx, StatusCode::NOT_FOUND, "errors/404.html", c)
}
