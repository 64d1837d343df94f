//! Committee reports: the report page, its CSV files, and snapshots presented to a meeting.

use crate::error::{AppError, AppResult};
use crate::services::access::{self, Permission};
use crate::services::reports::{self, Report, ReportQuery, SnapshotInput};
use crate::services::{FieldErrors, ServiceError};
use crate::web::context::{Flash, RequestContext};
use crate::web::forms::{insert_errors, redirect_with, today};
use crate::web::render::{self, TEMPLATES};
use crate::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

fn query_of(req: &HttpRequest) -> ReportQuery {
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(req.query_string().as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    ReportQuery::from_pairs(&pairs)
}

fn query_string(q: &ReportQuery) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("period", &q.period),
        ("from_day", &q.from_day),
        ("from_month", &q.from_month),
        ("from_year", &q.from_year),
        ("to_day", &q.to_day),
        ("to_month", &q.to_month),
        ("to_year", &q.to_year),
    ] {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    for a in &q.authorities {
        s.append_pair("authorities", a);
    }
    s.finish()
}

/// Builds the report asked for, or the form's errors.
async fn build(state: &AppState, query: &ReportQuery) -> AppResult<Result<Report, FieldErrors>> {
    let period = match query.period(today()) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let asked = query.authorities.clone();
    Ok(Ok(state.db(move |conn| Ok(reports::build(conn, period, &asked)?)).await?))
}

fn render_report(r: &Report) -> AppResult<String> {
    let mut c = tera::Context::new();
    c.insert("r", r);
    Ok(TEMPLATES.render("reports/_report.html", &c)?)
}

async fn page(
    ctx: &RequestContext,
    state: &AppState,
    query: ReportQuery,
    status: StatusCode,
    snapshot: SnapshotInput,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::ViewReports)?.clone();
    let report = build(state, &query).await?;
    let (councils, snapshots) = state
        .db(|conn| {
            let councils: Vec<_> = crate::models::authority::list_all(conn)?
                .into_iter()
                .map(|a| serde_json::json!({ "value": a.id, "label": a.name }))
                .collect();
            Ok((councils, reports::snapshots(conn)?))
        })
        .await?;
    let mut c = tera::Context::new();
    let mut periods: Vec<serde_json::Value> = reports::period_choices(today())
        .into_iter()
        .map(|(value, label)| serde_json::json!({ "value": value, "label": label }))
        .collect();
    periods.push(serde_json::json!({ "value": "custom", "label": "Other dates" }));
    let mut query = query;
    if query.period.is_empty() {
        query.period = format!("{}:{}", reports::financial_year_of(today()).from, today());
    }
    c.insert("periods", &periods);
    c.insert("councils", &councils);
    c.insert("snapshots", &snapshots);
    c.insert("query_string", &query_string(&query));
    c.insert("query", &query);
    c.insert("snapshot", &snapshot);
    c.insert("can_present", &access::can(&user, Permission::WorkCases));
    let mut errors = errors;
    match report {
        Ok(r) => c.insert("r", &r),
        Err(e) => {
            errors.0.extend(e.0);
            c.insert("r", &serde_json::Value::Null);
        }
    }
    let status = if errors.is_empty() { status } else { StatusCode::UNPROCESSABLE_ENTITY };
    insert_errors(&mut c, &errors);
    render::page_with_status(ctx, status, "reports/index.html", c)
}

pub async fn index(ctx: RequestContext, state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    page(&ctx, &state, query_of(&req), StatusCode::OK, SnapshotInput::default(), FieldErrors::default()).await
}

fn csv_response(name: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(body)
}

pub async fn figures_csv(ctx: RequestContext, state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    ctx.require(Permission::ViewReports)?;
    let query = query_of(&req);
    let r = build(&state, &query).await?.map_err(|e| AppError::from(ServiceError::Invalid(e)))?;
    Ok(csv_response(&format!("standards-figures-{}-{}.csv", r.period.from, r.period.to), reports::figures_csv(&r)))
}

pub async fn cases_csv(ctx: RequestContext, state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    ctx.require(Permission::ViewReports)?;
    let query = query_of(&req);
    // Only the period and councils are needed: the report's figures are not built for this file.
    let period = query.period(today()).map_err(|e| AppError::from(ServiceError::Invalid(e)))?;
    let asked = query.authorities.clone();
    let body = state.db(move |conn| Ok(reports::cases_csv(conn, period, &asked)?)).await?;
    Ok(csv_response(&format!("standards-cases-{}-{}.csv", period.from, period.to), body))
}

pub async fn present(
    ctx: RequestContext,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let pairs = form.into_inner();
    let query = ReportQuery::from_pairs(&pairs);
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let input = SnapshotInput {
        meeting: get("meeting"),
        meeting_day: get("meeting_on_day"),
        meeting_month: get("meeting_on_month"),
        meeting_year: get("meeting_on_year"),
    };
    let report = match build(&state, &query).await? {
        Ok(r) => r,
        Err(errors) => return page(&ctx, &state, query, StatusCode::UNPROCESSABLE_ENTITY, input, errors).await,
    };
    let html = render_report(&report)?;
    let figures = reports::figures_csv(&report);
    let (actor, asked, i) = (ctx.actor(), query.authorities.clone(), input.clone());
    let result = state
        .db(move |conn| {
            let cases = reports::cases_csv(conn, report.period, &asked)?;
            Ok(reports::save_snapshot(conn, &actor, &user, &report, (&html, &figures, &cases), &i))
        })
        .await?;
    match result {
        Ok(s) => Ok(redirect_with(
            &ctx,
            &format!("/reports/snapshots/{}", s.id),
            Flash::success(format!("Saved as presented to {}", s.meeting)),
        )),
        Err(ServiceError::Invalid(errors)) => {
            page(&ctx, &state, query, StatusCode::UNPROCESSABLE_ENTITY, input, errors).await
        }
        Err(e) => Err(AppError::from(e)),
    }
}

async fn load_snapshot(ctx: &RequestContext, state: &AppState, id: String) -> AppResult<reports::Snapshot> {
    ctx.require(Permission::ViewReports)?;
    state.db(move |conn| reports::snapshot(conn, &id)?.ok_or(AppError::NotFound)).await
}

pub async fn snapshot(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let s = load_snapshot(&ctx, &state, id.into_inner()).await?;
    let mut c = tera::Context::new();
    c.insert("intact", &s.intact());
    c.insert("s", &s);
    render::page(&ctx, "reports/snapshot.html", c)
}

pub async fn snapshot_figures(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let s = load_snapshot(&ctx, &state, id.into_inner()).await?;
    Ok(csv_response(&format!("standards-figures-{}-{}-as-presented.csv", s.period_from, s.period_to), s.figures_csv))
}

pub async fn snapshot_cases(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let s = load_snapshot(&ctx, &state, id.into_inner()).await?;
    Ok(csv_response(&format!("standards-cases-{}-{}-as-presented.csv", s.period_from, s.period_to), s.cases_csv))
}
