//! Committee reports: the report page, its CSV files, and snapshots presented to a meeting.

use crate::error::AppResult;
use crate::services::reports::{self, CsvFile, ReportQuery, SnapshotCsv, SnapshotInput};
use crate::services::FieldErrors;
use crate::web::context::{Flash, RequestContext};
use crate::web::forms::{insert_errors, redirect_with, today};
use crate::web::render;
use crate::web::respond::FormOutcome;
use crate::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

fn query_of(req: &HttpRequest) -> ReportQuery {
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(req.query_string().as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    ReportQuery::from_pairs(&pairs)
}

/// The reports page for a query, with the snapshot form's values and errors (422 when there are
/// any, including an invalid period).
async fn page(
    ctx: &RequestContext,
    state: &AppState,
    query: ReportQuery,
    snapshot: SnapshotInput,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let view = state.db(move |conn| Ok(reports::page(conn, &user, today(), query, snapshot, errors)?)).await?;
    let status = if view.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut c = tera::Context::from_serialize(&view)?;
    insert_errors(&mut c, &view.errors);
    render::page_with_status(ctx, status, "reports/index.html", c)
}

pub async fn index(ctx: RequestContext, state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    page(&ctx, &state, query_of(&req), SnapshotInput::default(), FieldErrors::default()).await
}

fn csv_response(file: CsvFile) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", file.name)))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(file.body)
}

pub async fn figures_csv(ctx: RequestContext, state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    let (user, query) = (ctx.require_user()?.clone(), query_of(&req));
    let file = state.db(move |conn| Ok(reports::figures_csv(conn, &user, &query, today())?)).await?;
    Ok(csv_response(file))
}

pub async fn cases_csv(ctx: RequestContext, state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    let (user, query) = (ctx.require_user()?.clone(), query_of(&req));
    let file = state.db(move |conn| Ok(reports::cases_csv(conn, &user, &query, today())?)).await?;
    Ok(csv_response(file))
}

pub async fn present(
    ctx: RequestContext,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let pairs = form.into_inner();
    let (query, input) = (ReportQuery::from_pairs(&pairs), SnapshotInput::from_pairs(&pairs));
    let (actor, q, i) = (ctx.actor(), query.clone(), input.clone());
    let saved = state.db(move |conn| Ok(reports::save_snapshot(conn, &actor, &user, today(), &q, &i))).await?;
    match saved.or_back(&ctx, "/reports")? {
        Ok(s) => Ok(redirect_with(
            &ctx,
            &format!("/reports/snapshots/{}", s.id),
            Flash::success(format!("Saved as presented to {}", s.meeting)),
        )),
        Err(errors) => page(&ctx, &state, query, input, errors).await,
    }
}

pub async fn snapshot(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (user, id) = (ctx.require_user()?.clone(), id.into_inner());
    let view = state.db(move |conn| Ok(reports::snapshot(conn, &user, &id)?)).await?;
    render::page(&ctx, "reports/snapshot.html", tera::Context::from_serialize(&view)?)
}

async fn snapshot_file(
    ctx: RequestContext,
    state: &AppState,
    id: String,
    which: SnapshotCsv,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let file = state.db(move |conn| Ok(reports::snapshot_csv(conn, &user, &id, which)?)).await?;
    Ok(csv_response(file))
}

pub async fn snapshot_figures(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    snapshot_file(ctx, &state, id.into_inner(), SnapshotCsv::Figures).await
}

pub async fn snapshot_cases(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    snapshot_file(ctx, &state, id.into_inner(), SnapshotCsv::Cases).await
}
