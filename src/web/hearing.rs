//! The investigation page, the post-investigation decision, the hearing page (arrangements,
//! conflict check, findings, sanctions, decision) and the printable hearing bundle. Each handler
//! parses, calls one service, and redirects (303) or re-renders with the errors (422).

use crate::error::{AppError, AppResult};
use crate::services::access::Permission;
use crate::services::files::Kind;
use crate::services::hearing::{self, HearingInput, SanctionInput};
use crate::services::investigation::{self, AppointInput, EntryFiles, EntryInput, PostDecisionInput};
use crate::services::vocab;
use crate::services::{FieldErrors, ServiceError};
use crate::web::context::{Flash, RequestContext};
use crate::web::forms::{choices, insert_errors, redirect_with, today};
use crate::web::multipart;
use crate::web::render;
use crate::web::respond::FormOutcome;
use crate::AppState;
use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

fn investigation_path(reference: &str) -> String {
    format!("/cases/{reference}/investigation")
}

fn hearing_path(reference: &str) -> String {
    format!("/cases/{reference}/hearing")
}

fn notices_path(reference: &str, decision_id: &str) -> String {
    format!("/cases/{reference}/decisions/{decision_id}/notices")
}

async fn investigation_page(
    ctx: &RequestContext,
    state: &AppState,
    reference: String,
    status: StatusCode,
    errors: &FieldErrors,
    typed: investigation::Typed,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let page = state
        .db(move |conn| investigation::page(conn, &user, &reference, typed, today()).map_err(AppError::from))
        .await?;
    let mut c = tera::Context::new();
    c.insert("page", &page);
    c.insert("entry_kinds", &choices(&vocab::INVESTIGATION_ENTRY_KINDS));
    c.insert("outcomes", &choices(&vocab::POST_INVESTIGATION_OUTCOMES));
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "hearings/investigation.html", c)
}

pub async fn investigation(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (ok, none) = (StatusCode::OK, FieldErrors::default());
    investigation_page(&ctx, &state, reference.into_inner(), ok, &none, Default::default()).await
}

pub async fn appoint(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<AppointInput>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let reference = reference.into_inner();
    let input = form.into_inner();
    let back = investigation_path(&reference);
    let (actor, r, i) = (ctx.actor(), reference.clone(), input.clone());
    match state
        .db(move |conn| Ok(investigation::appoint(conn, &actor, &user, &r, &i, today())))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(_) => Ok(redirect_with(&ctx, &back, Flash::success("Investigator appointed"))),
        Err(errors) => {
            let typed = investigation::Typed { appoint: Some(input), ..Default::default() };
            investigation_page(&ctx, &state, reference, StatusCode::UNPROCESSABLE_ENTITY, &errors, typed).await
        }
    }
}

pub async fn add_entry(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    reference: web::Path<String>,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let reference = reference.into_inner();
    let mut parsed = multipart::read(&req, payload, &state.files, state.config.max_upload_bytes, &[Kind::Pdf]).await?;
    let field = |name: &str| parsed.get(name).unwrap_or_default().to_string();
    let input = EntryInput {
        kind: field("kind"),
        title: field("title"),
        body: field("body"),
        day: field("occurred_day"),
        month: field("occurred_month"),
        year: field("occurred_year"),
    };
    let files =
        EntryFiles { received: std::mem::take(&mut parsed.files), refused: std::mem::take(&mut parsed.file_errors) };
    let back = investigation_path(&reference);
    let (actor, store, r, i) = (ctx.actor(), state.files.clone(), reference.clone(), input.clone());
    match state
        .db(move |conn| Ok(investigation::add_entry(conn, &actor, &user, &r, &i, files, &store, today())))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(e) => Ok(redirect_with(&ctx, &back, Flash::success(format!("Added: {}", e.title)))),
        Err(errors) => {
            let typed = investigation::Typed { entry: Some(input), ..Default::default() };
            investigation_page(&ctx, &state, reference, StatusCode::UNPROCESSABLE_ENTITY, &errors, typed).await
        }
    }
}

pub async fn entry_file(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (reference, id) = path.into_inner();
    let entry =
        state.db(move |conn| investigation::entry_file(conn, &user, &reference, &id).map_err(AppError::from)).await?;
    let sha = entry.sha256.clone().unwrap_or_default();
    let failed = |e: std::io::Error| AppError::internal(format!("{sha} in {}: {e}", state.files.describe()));
    let size = state.files.size(&sha).await.map_err(failed)?;
    let body = state.files.stream(&sha).await.map_err(failed)?;
    let name: String = entry
        .file_name
        .unwrap_or_else(|| "report.pdf".into())
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' })
        .collect();
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("X-Content-SHA256", sha))
        .insert_header((header::CONTENT_LENGTH, size.to_string()))
        .streaming(body))
}

pub async fn complete(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let reference = reference.into_inner();
    let back = investigation_path(&reference);
    let (actor, r) = (ctx.actor(), reference.clone());
    state
        .db(move |conn| Ok(investigation::complete(conn, &actor, &user, &r, today())))
        .await?
        .or_back_with_message(&ctx, &back)?;
    Ok(redirect_with(
        &ctx,
        &back,
        Flash::success("Investigation complete: the case awaits the post-investigation decision"),
    ))
}

pub async fn decide(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<PostDecisionInput>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let reference = reference.into_inner();
    let input = form.into_inner();
    let back = investigation_path(&reference);
    let (actor, r, i) = (ctx.actor(), reference.clone(), input.clone());
    match state
        .db(move |conn| Ok(investigation::decide_after_investigation(conn, &actor, &user, &r, &i)))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(d) => Ok(redirect_with(
            &ctx,
            &notices_path(&reference, &d.id),
            Flash::success("Decision recorded: review and send the decision notices"),
        )),
        Err(errors) => {
            let typed = investigation::Typed { decision: Some(input), ..Default::default() };
            investigation_page(&ctx, &state, reference, StatusCode::UNPROCESSABLE_ENTITY, &errors, typed).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The hearing

async fn hearing_page(
    ctx: &RequestContext,
    state: &AppState,
    reference: String,
    status: StatusCode,
    errors: &FieldErrors,
    typed: hearing::Typed,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let page =
        state.db(move |conn| hearing::page(conn, &user, &reference, typed, today()).map_err(AppError::from)).await?;
    let mut c = tera::Context::new();
    c.insert("page", &page);
    c.insert("paragraphs", &choices(&vocab::SCHEDULE_12A));
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "hearings/hearing.html", c)
}

pub async fn show(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (ok, none) = (StatusCode::OK, FieldErrors::default());
    hearing_page(&ctx, &state, reference.into_inner(), ok, &none, Default::default()).await
}

/// Runs an action from the hearing page: done or refused comes back to the page with a message;
/// invalid input re-renders it (422) with what was typed.
async fn act<T, F>(
    ctx: RequestContext,
    state: &AppState,
    reference: String,
    done: impl FnOnce(&T) -> String,
    typed: hearing::Typed,
    f: F,
) -> AppResult<HttpResponse>
where
    T: Send + 'static,
    F: FnOnce(
            &mut crate::db::DbConnection,
            &crate::services::audit::Actor,
            &crate::models::user::User,
        ) -> Result<T, ServiceError>
        + Send
        + 'static,
{
    let user = ctx.require(Permission::WorkCases)?.clone();
    let actor = ctx.actor();
    let back = hearing_path(&reference);
    match state.db(move |conn| Ok(f(conn, &actor, &user))).await?.or_back(&ctx, &back)? {
        Ok(v) => Ok(redirect_with(&ctx, &back, Flash::success(done(&v)))),
        Err(errors) => hearing_page(&ctx, state, reference, StatusCode::UNPROCESSABLE_ENTITY, &errors, typed).await,
    }
}

pub async fn save(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let reference = reference.into_inner();
    let input = HearingInput::from_pairs(&form.into_inner());
    let (r, i) = (reference.clone(), input.clone());
    let typed = hearing::Typed { arrangements: Some(input), ..Default::default() };
    act(
        ctx,
        &state,
        reference,
        |_| "Hearing arrangements saved: check the conflict check, then fix the hearing".into(),
        typed,
        move |conn, actor, user| hearing::save_hearing(conn, actor, user, &r, &i, today()),
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct FixForm {
    #[serde(default)]
    considered: String,
}

pub async fn fix(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<FixForm>,
) -> AppResult<HttpResponse> {
    let reference = reference.into_inner();
    let considered = form.into_inner().considered;
    let (r, c) = (reference.clone(), considered.clone());
    let typed = hearing::Typed { considered: Some(considered), ..Default::default() };
    act(
        ctx,
        &state,
        reference,
        |n: &usize| format!("Hearing fixed: {n} notice(s) queued"),
        typed,
        move |conn, actor, user| hearing::fix_hearing(conn, actor, user, &r, &c),
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct AdjournForm {
    #[serde(default)]
    adjourn_reason: String,
}

pub async fn adjourn(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<AdjournForm>,
) -> AppResult<HttpResponse> {
    let reference = reference.into_inner();
    let reason = form.into_inner().adjourn_reason;
    let (r, why) = (reference.clone(), reason.clone());
    let typed = hearing::Typed { adjourn_reason: Some(reason), ..Default::default() };
    act(
        ctx,
        &state,
        reference,
        |_| "Hearing adjourned: set the new date, then fix the hearing again".into(),
        typed,
        move |conn, actor, user| hearing::adjourn_hearing(conn, actor, user, &r, &why),
    )
    .await
}

pub async fn findings(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let reference = reference.into_inner();
    let input = hearing::findings_from_pairs(&form.into_inner());
    let (r, i) = (reference.clone(), input.clone());
    let typed = hearing::Typed { findings: input, ..Default::default() };
    act(
        ctx,
        &state,
        reference,
        |n: &usize| format!("Findings recorded: breach found on {n} allegation(s)"),
        typed,
        move |conn, actor, user| hearing::record_findings(conn, actor, user, &r, &i, today()),
    )
    .await
}

pub async fn add_sanction(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<SanctionInput>,
) -> AppResult<HttpResponse> {
    let reference = reference.into_inner();
    let input = form.into_inner();
    let (r, i) = (reference.clone(), input.clone());
    let typed = hearing::Typed { sanction: Some(input), ..Default::default() };
    act(
        ctx,
        &state,
        reference,
        |_| "Sanction added".into(),
        typed,
        move |conn, actor, user| hearing::add_sanction(conn, actor, user, &r, &i, today()),
    )
    .await
}

pub async fn issue_decision(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<SanctionInput>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let reference = reference.into_inner();
    let pending = form.into_inner();
    let (actor, r, p) = (ctx.actor(), reference.clone(), pending.clone());
    match state
        .db(move |conn| Ok(hearing::issue_decision(conn, &actor, &user, &r, &p, today())))
        .await?
        .or_back(&ctx, &hearing_path(&reference))?
    {
        Ok(decision) => Ok(redirect_with(
            &ctx,
            &notices_path(&reference, &decision.id),
            Flash::success("Decision recorded: review and send the decision notices and the publication version"),
        )),
        Err(errors) => {
            // The sanction typed and not added stays on the page, with the message.
            let typed = hearing::Typed { sanction: Some(pending), ..Default::default() };
            hearing_page(&ctx, &state, reference, StatusCode::UNPROCESSABLE_ENTITY, &errors, typed).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ComplianceForm {
    #[serde(default)]
    compliance: String,
    #[serde(default)]
    note: String,
}

pub async fn compliance(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<ComplianceForm>,
) -> AppResult<HttpResponse> {
    let (reference, id) = path.into_inner();
    let form = form.into_inner();
    let r = reference.clone();
    act(
        ctx,
        &state,
        reference,
        |closed: &bool| {
            if *closed {
                "Follow-up recorded: every sanction is followed up and the case is closed".into()
            } else {
                "Follow-up recorded".into()
            }
        },
        hearing::Typed::default(),
        move |conn, actor, user| {
            hearing::record_compliance(conn, actor, user, &r, &id, (&form.compliance, &form.note), today())
        },
    )
    .await
}

pub async fn bundle(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let reference = reference.into_inner();
    let data = state.db(move |conn| hearing::bundle(conn, &user, &reference).map_err(AppError::from)).await?;
    let mut c = tera::Context::new();
    c.insert("b", &data);
    render::page(&ctx, "hearings/bundle.html", c)
}

/// An image of a captured post, as the bundle shows it (for those who may see the bundle).
pub async fn bundle_image(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (reference, number, file_id) = path.into_inner();
    let actor = ctx.actor();
    let f = state
        .db(move |conn| {
            hearing::bundle_image(conn, &actor, &user, &reference, &number, &file_id).map_err(AppError::from)
        })
        .await?;
    crate::web::evidence::serve_file(&state, &f, true).await
}
