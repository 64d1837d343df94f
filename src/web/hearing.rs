//! The investigation page, the post-investigation decision, the hearing page (arrangements,
//! conflict check, findings, sanctions, decision) and the printable hearing bundle.

use crate::error::{AppError, AppResult};
use crate::models::user::Role;
use crate::services::access::Permission;
use crate::services::files::Kind;
use crate::services::files::StoredUpload;
use crate::services::hearing::{
    self, AppointInput, EntryInput, FindingInput, HearingInput, PostDecisionInput, SanctionInput,
};
use crate::services::vocab;
use crate::services::{FieldError, FieldErrors, ServiceError};
use crate::web::context::{Flash, RequestContext};
use crate::web::download::stream_file;
use crate::web::forms::{choices, insert_errors, redirect_with, today};
use crate::web::multipart;
use crate::web::render;
use crate::AppState;
use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// What a page re-shows after a refused form: the values typed, by form.
#[derive(Default)]
struct Typed {
    appoint: Option<AppointInput>,
    entry: Option<EntryInput>,
    decision: Option<PostDecisionInput>,
    hearing: Option<HearingInput>,
    considered: Option<String>,
    findings: Vec<FindingInput>,
    sanction: Option<SanctionInput>,
}

async fn investigation_page(
    ctx: &RequestContext,
    state: &AppState,
    reference: String,
    status: StatusCode,
    errors: &FieldErrors,
    typed: Typed,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (overview, investigators) = state
        .db(move |conn| {
            let (case, overview) = hearing::investigation_overview(conn, &user, &reference)?;
            Ok((
                serde_json::json!({ "reference": case.reference, "o": overview }),
                hearing::user_choices(conn, Role::Investigator)?,
            ))
        })
        .await?;
    let mut c = tera::Context::new();
    c.insert("case", &overview);
    let mut options = investigators;
    options.push(serde_json::json!({ "value": "external", "label": "An external investigator" }));
    c.insert("investigators", &options);
    c.insert("appoint", &typed.appoint.unwrap_or_default());
    let t = today();
    c.insert(
        "entry",
        &typed.entry.unwrap_or(EntryInput {
            kind: "interview".into(),
            day: t.format("%-d").to_string(),
            month: t.format("%-m").to_string(),
            year: t.format("%Y").to_string(),
            ..Default::default()
        }),
    );
    c.insert("decision", &typed.decision.unwrap_or_default());
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
    investigation_page(&ctx, &state, reference.into_inner(), StatusCode::OK, &FieldErrors::default(), Typed::default())
        .await
}

fn back(ctx: &RequestContext, path: &str, flash: Flash) -> HttpResponse {
    redirect_with(ctx, path, flash)
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
    let (actor, r, i) = (ctx.actor(), reference.clone(), input.clone());
    let result = state.db(move |conn| Ok(hearing::appoint(conn, &actor, &user, &r, &i, today()))).await?;
    let path = format!("/cases/{reference}/investigation");
    match result {
        Ok(_) => Ok(back(&ctx, &path, Flash::success("Investigator appointed"))),
        Err(ServiceError::Refused(m)) => Ok(back(&ctx, &path, Flash::important(m))),
        Err(ServiceError::Invalid(errors)) => {
            let typed = Typed { appoint: Some(input), ..Default::default() };
            investigation_page(&ctx, &state, reference, StatusCode::UNPROCESSABLE_ENTITY, &errors, typed).await
        }
        Err(e) => Err(AppError::from(e)),
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
    if !parsed.file_errors.is_empty() || parsed.files.len() > 1 {
        let mut messages: Vec<FieldError> = parsed
            .file_errors
            .iter()
            .map(|e| FieldError {
                field: "file".into(),
                message: match e {
                    crate::services::files::UploadError::WrongType { name } => format!("{name} must be a PDF"),
                    other => other.to_string(),
                },
            })
            .collect();
        if parsed.files.len() > 1 {
            messages.push(FieldError { field: "file".into(), message: "Upload one report at a time".into() });
        }
        parsed.discard_files();
        let typed = Typed { entry: Some(input), ..Default::default() };
        return investigation_page(
            &ctx,
            &state,
            reference,
            StatusCode::UNPROCESSABLE_ENTITY,
            &FieldErrors(messages),
            typed,
        )
        .await;
    }
    let received = std::mem::take(&mut parsed.files);
    let (actor, store, r, i) = (ctx.actor(), state.files.clone(), reference.clone(), input.clone());
    let result = state
        .db(move |conn| {
            // A note never keeps a file: an upload sent with one is dropped, not stored.
            let mut upload = None;
            for f in received {
                if i.kind.ends_with("-report") {
                    let row = store.commit(conn, &f).map_err(AppError::internal)?;
                    upload = Some(StoredUpload {
                        sha256: row.sha256,
                        original_name: f.original_name.clone(),
                        media_type: row.media_type,
                        size_bytes: row.size_bytes,
                    });
                } else {
                    f.discard();
                }
            }
            Ok(hearing::add_entry(conn, &actor, &user, &r, &i, upload, today()))
        })
        .await?;
    let path = format!("/cases/{reference}/investigation");
    match result {
        Ok(e) => Ok(back(&ctx, &path, Flash::success(format!("Added: {}", e.title)))),
        Err(ServiceError::Refused(m)) => Ok(back(&ctx, &path, Flash::important(m))),
        Err(ServiceError::Invalid(errors)) => {
            let typed = Typed { entry: Some(input), ..Default::default() };
            investigation_page(&ctx, &state, reference, StatusCode::UNPROCESSABLE_ENTITY, &errors, typed).await
        }
        Err(e) => Err(AppError::from(e)),
    }
}

pub async fn entry_file(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (reference, id) = path.into_inner();
    let entry = state.db(move |conn| hearing::entry_file(conn, &user, &reference, &id).map_err(AppError::from)).await?;
    let sha = entry.sha256.clone().unwrap_or_default();
    let path = state.files.path_for(&sha);
    let file =
        tokio::fs::File::open(&path).await.map_err(|e| AppError::internal(format!("{}: {e}", path.display())))?;
    let size = file.metadata().await.map(|m| m.len()).unwrap_or(0);
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
        .streaming(stream_file(file)))
}

pub async fn complete(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let reference = reference.into_inner();
    let (actor, r) = (ctx.actor(), reference.clone());
    let result = state.db(move |conn| Ok(hearing::complete(conn, &actor, &user, &r, today()))).await?;
    let path = format!("/cases/{reference}/investigation");
    match result {
        Ok(()) => Ok(back(
            &ctx,
            &path,
            Flash::success("Investigation complete: the case awaits the post-investigation decision"),
        )),
        Err(ServiceError::Refused(m)) => Ok(back(&ctx, &path, Flash::important(m))),
        Err(e) => Err(AppError::from(e)),
    }
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
    let (actor, r, i) = (ctx.actor(), reference.clone(), input.clone());
    let result = state.db(move |conn| Ok(hearing::decide_after_investigation(conn, &actor, &user, &r, &i))).await?;
    match result {
        Ok(d) => Ok(back(
            &ctx,
            &format!("/cases/{reference}/decisions/{}/notices", d.id),
            Flash::success("Decision recorded: review and send the decision notices"),
        )),
        Err(ServiceError::Refused(m)) => {
            Ok(back(&ctx, &format!("/cases/{reference}/investigation"), Flash::important(m)))
        }
        Err(ServiceError::Invalid(errors)) => {
            let typed = Typed { decision: Some(input), ..Default::default() };
            investigation_page(&ctx, &state, reference, StatusCode::UNPROCESSABLE_ENTITY, &errors, typed).await
        }
        Err(e) => Err(AppError::from(e)),
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
    typed: Typed,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let data = state
        .db(move |conn| {
            let (case, h) = hearing::find_hearing(conn, &user, &reference)?;
            let overview = hearing::overview(conn, &user, &case)?;
            let panel: Vec<(String, bool)> = match &h {
                Some(h) => crate::models::hearing::panel(conn, &h.id)?,
                None => Vec::new(),
            };
            Ok(serde_json::json!({
                "reference": case.reference,
                "o": overview,
                "saved": h.as_ref().map(|h| HearingInput::from_hearing(h, &panel)),
                "ips": hearing::user_choices(conn, Role::IndependentPerson)?,
                "committee": hearing::user_choices(conn, Role::CommitteeMember)?,
                "in_breach": hearing::members_in_breach(conn, &case)?,
            }))
        })
        .await?;
    let mut c = tera::Context::new();
    let form = typed.hearing.or_else(|| serde_json::from_value(data["saved"].clone()).ok()).unwrap_or(HearingInput {
        private: "no".into(),
        time: "10:00".into(),
        ..Default::default()
    });
    c.insert("case", &data);
    c.insert("form", &form);
    c.insert("considered", &typed.considered.unwrap_or_default());
    let findings_form: Vec<_> = data["o"]["hearing"]["allegations"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|a| {
            let typed = typed.findings.iter().find(|f| a["id"].as_str() == Some(f.allegation_id.as_str()));
            serde_json::json!({
                "id": a["id"], "member": a["member"], "provision": a["provision"],
                "finding": typed.map(|f| f.finding.clone()).unwrap_or_default(),
                "reasons": typed.map(|f| f.reasons.clone()).unwrap_or_default(),
                "article10": typed.map(|f| f.article10.clone()).unwrap_or_default(),
            })
        })
        .collect();
    c.insert("findings_form", &findings_form);
    c.insert("sanction", &typed.sanction.unwrap_or_default());
    c.insert("paragraphs", &choices(&vocab::SCHEDULE_12A));
    c.insert("sanction_kinds", &choices(&vocab::SANCTIONS));
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "hearings/hearing.html", c)
}

pub async fn show(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    hearing_page(&ctx, &state, reference.into_inner(), StatusCode::OK, &FieldErrors::default(), Typed::default()).await
}

/// Runs an action from the hearing page.
async fn act<T, F>(
    ctx: RequestContext,
    state: &AppState,
    reference: String,
    done: impl FnOnce(&T) -> String,
    typed: Typed,
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
    let result = state.db(move |conn| Ok(f(conn, &actor, &user))).await?;
    let path = format!("/cases/{reference}/hearing");
    match result {
        Ok(v) => Ok(back(&ctx, &path, Flash::success(done(&v)))),
        Err(ServiceError::Refused(m)) => Ok(back(&ctx, &path, Flash::important(m))),
        Err(ServiceError::Invalid(errors)) => {
            hearing_page(&ctx, state, reference, StatusCode::UNPROCESSABLE_ENTITY, &errors, typed).await
        }
        Err(e) => Err(AppError::from(e)),
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
    let typed = Typed { hearing: Some(input), ..Default::default() };
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
    let typed = Typed { considered: Some(considered), ..Default::default() };
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

pub async fn findings(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let reference = reference.into_inner();
    let input = hearing::findings_from_pairs(&form.into_inner());
    let (r, i) = (reference.clone(), input.clone());
    let typed = Typed { findings: input, ..Default::default() };
    act(
        ctx,
        &state,
        reference,
        |n: &usize| format!("Findings recorded: breach found on {n} allegation(s)"),
        typed,
        move |conn, actor, user| hearing::record_findings(conn, actor, user, &r, &i),
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
    let typed = Typed { sanction: Some(input), ..Default::default() };
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
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let reference = reference.into_inner();
    let (actor, r) = (ctx.actor(), reference.clone());
    let result = state.db(move |conn| Ok(hearing::issue_decision(conn, &actor, &user, &r))).await?;
    match result {
        Ok(d) => Ok(back(
            &ctx,
            &format!("/cases/{reference}/decisions/{}/notices", d.id),
            Flash::success("Decision recorded: review and send the decision notices and the publication version"),
        )),
        Err(ServiceError::Refused(m)) => Ok(back(&ctx, &format!("/cases/{reference}/hearing"), Flash::important(m))),
        Err(e) => Err(AppError::from(e)),
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
        Typed::default(),
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
