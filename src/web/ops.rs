//! Monitoring endpoints: `/readyz` (can this instance take work) and `/metrics` (Prometheus).

use crate::services::health::{self, Readiness};
use crate::AppState;
use actix_web::{web, HttpRequest, HttpResponse};

/// 200 when the database answers and the evidence store takes a write (and the instance is not
/// shutting down); 503 otherwise, naming what failed.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = state.db(|conn| Ok(health::database_answers(conn)?)).await.is_ok();
    let store = state.files.clone();
    let store = web::block(move || health::store_answers(&store)).await.map(|r| r.is_ok()).unwrap_or(false);
    let readiness = Readiness { database, store, stopping: crate::ops::stopping() };
    if !readiness.ready() {
        tracing::warn!(database, store, stopping = readiness.stopping, "not ready");
    }
    let mut res = if readiness.ready() { HttpResponse::Ok() } else { HttpResponse::ServiceUnavailable() };
    res.content_type("text/plain; charset=utf-8").body(readiness.describe())
}

/// Prometheus metrics, for a scraper that sends `Authorization: Bearer $METRICS_TOKEN`. Without
/// `METRICS_TOKEN` set the page does not exist (404); a wrong or missing token gets 401.
pub async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let Some(expected) = state.config.metrics_token.clone() else {
        return HttpResponse::NotFound().content_type("text/plain; charset=utf-8").body("not found");
    };
    let presented = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !crate::ops::token_matches(expected.expose(), presented.trim()) {
        return HttpResponse::Unauthorized()
            .insert_header(("WWW-Authenticate", "Bearer realm=\"metrics\""))
            .content_type("text/plain; charset=utf-8")
            .body("a metrics token is required");
    }
    let pool = state.pool.clone();
    let gauges = state.db(move |conn| Ok(health::gauges(conn, &pool)?)).await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "metrics: the database did not answer");
        let s = state.pool.state();
        crate::ops::Gauges {
            pool_size: s.connections,
            pool_idle: s.idle_connections,
            pool_max: state.pool.max_size(),
            ..Default::default()
        }
    });
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(crate::ops::render(&gauges))
}
