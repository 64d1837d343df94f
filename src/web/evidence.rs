//! Evidence pages: add a captured post or profile, see an item with its files, versions and
//! custody log, correct it, record its status, verify it, and export the case's bundle.

use crate::error::{AppError, AppResult};
use crate::models::evidence as rows;
use crate::models::file as file_rows;
use crate::services::access::Permission;
use crate::services::evidence::{self, EvidenceForm, VerifyReport};
use crate::services::files::StoredUpload;
use crate::services::files::{Kind, EVIDENCE_KINDS};
use crate::services::vocab;
use crate::services::{cases, intake, FieldError, FieldErrors, ServiceError};
use crate::web::context::{Flash, RequestContext};
use crate::web::download::{stream_file, TempFile};
use crate::web::forms::{choices, insert_errors, redirect_with, today};
use crate::web::multipart::{self, ParsedForm};
use crate::web::render;
use crate::AppState;
use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// The allegations of a case, as choices ("Alex Archer: 1. Respect").
async fn allegation_choices(
    state: &AppState,
    ctx: &RequestContext,
    reference: &str,
) -> AppResult<Vec<serde_json::Value>> {
    let user = ctx.require_user()?.clone();
    let reference = reference.to_string();
    state
        .db(move |conn| {
            let case = cases::find_visible(conn, &user, &reference)?;
            let list = crate::models::complaint::list_allegations_for_case(conn, &case.id)?;
            let mut out = Vec::new();
            for a in list {
                let member = crate::models::member::find(conn, &a.member_id)?.map(|m| m.full_name).unwrap_or_default();
                let p: (String, String) = crate::db::schema::code_provisions::table
                    .find(&a.code_provision_id)
                    .select((crate::db::schema::code_provisions::number, crate::db::schema::code_provisions::heading))
                    .first(conn)?;
                out.push(serde_json::json!({ "value": a.id, "label": format!("{member}: {}. {}", p.0, p.1) }));
            }
            Ok(out)
        })
        .await
}

use diesel::prelude::*;

struct FormPage<'a> {
    status: StatusCode,
    reference: &'a str,
    form: &'a EvidenceForm,
    errors: &'a FieldErrors,
    draft_id: &'a str,
    files: &'a [file_rows::DraftFile],
}

async fn render_new(ctx: &RequestContext, state: &AppState, page: FormPage<'_>) -> AppResult<HttpResponse> {
    let mut c = tera::Context::new();
    c.insert("reference", page.reference);
    c.insert("form", page.form);
    insert_errors(&mut c, page.errors);
    c.insert("draft_id", page.draft_id);
    c.insert("files", page.files);
    c.insert("kinds", &choices(&vocab::EVIDENCE_KINDS));
    c.insert("sources", &choices(&vocab::EVIDENCE_SOURCES));
    c.insert("platforms", &choices(&vocab::PLATFORMS));
    c.insert("allegations", &allegation_choices(state, ctx, page.reference).await?);
    c.insert("max_upload_mb", &(state.config.max_upload_bytes / (1024 * 1024)));
    render::page_with_status(ctx, page.status, "evidence/new.html", c)
}

pub async fn new_form(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let reference = reference.into_inner();
    let r = reference.clone();
    state.db(move |conn| cases::find_workable(conn, &user, &r).map_err(AppError::from)).await?;
    let now = chrono::Utc::now().naive_utc();
    let form = EvidenceForm {
        kind: "post".into(),
        source: "officer".into(),
        captured_day: now.format("%-d").to_string(),
        captured_month: now.format("%-m").to_string(),
        captured_year: now.format("%Y").to_string(),
        captured_time: now.format("%H:%M").to_string(),
        ..Default::default()
    };
    let page = FormPage {
        status: StatusCode::OK,
        reference: &reference,
        form: &form,
        errors: &FieldErrors::default(),
        draft_id: "",
        files: &[],
    };
    render_new(&ctx, &state, page).await
}

/// Stores received files and keeps them (and the typed values) in a draft of this session's.
async fn keep(
    state: &AppState,
    ctx: &RequestContext,
    parsed: &mut ParsedForm,
    data: String,
) -> AppResult<(String, Vec<file_rows::DraftFile>)> {
    let received = std::mem::take(&mut parsed.files);
    let store = state.files.clone();
    let owner = intake::owner_hash(&ctx.csrf_token);
    let draft_id = parsed.get("draft").map(str::to_string).filter(|d| !d.is_empty());
    let removals: Vec<String> = parsed.all("remove_file").into_iter().map(str::to_string).collect();
    state
        .db(move |conn| {
            let mut stored = Vec::new();
            for r in &received {
                let row = store.commit(conn, r).map_err(AppError::internal)?;
                stored.push((row.sha256, r.original_name.clone(), row.size_bytes, row.media_type));
            }
            let (draft, _) = intake::save_draft_data(conn, draft_id.as_deref(), &owner, &data, &stored)?;
            for id in &removals {
                file_rows::delete_draft_file(conn, &draft.id, id)?;
            }
            Ok((draft.id.clone(), file_rows::list_draft_files(conn, &draft.id)?))
        })
        .await
}

fn uploads(files: &[file_rows::DraftFile]) -> Vec<StoredUpload> {
    files
        .iter()
        .map(|f| StoredUpload {
            sha256: f.sha256.clone(),
            original_name: f.original_name.clone(),
            media_type: f.media_type.clone(),
            size_bytes: f.size_bytes,
        })
        .collect()
}

pub async fn create(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    reference: web::Path<String>,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let reference = reference.into_inner();
    let mut parsed =
        multipart::read(&req, payload, &state.files, state.config.max_upload_bytes, EVIDENCE_KINDS).await?;
    let form = EvidenceForm::from_pairs(&parsed.fields);
    let file_errors: Vec<FieldError> =
        parsed.file_errors.iter().map(|e| FieldError { field: "files".into(), message: e.to_string() }).collect();
    let (draft_id, files) = keep(&state, &ctx, &mut parsed, serde_json::to_string(&form).unwrap_or_default()).await?;
    let (actor, r, f, up, d) = (ctx.actor(), reference.clone(), form.clone(), uploads(&files), draft_id.clone());
    let has_file_errors = !file_errors.is_empty();
    let result = state
        .db(move |conn| {
            if has_file_errors {
                return Ok(Err(ServiceError::Invalid(FieldErrors::default())));
            }
            let added = evidence::add(conn, &actor, &user, &r, &f, &up, today());
            if let Ok(item) = &added {
                file_rows::mark_draft_submitted(conn, &d, &format!("E{}", item.number), crate::models::now())?;
            }
            Ok(added)
        })
        .await?;
    match result {
        Ok(item) => Ok(redirect_with(
            &ctx,
            &format!("/cases/{reference}/evidence/E{}", item.number),
            Flash::success(format!("Evidence E{} added", item.number)),
        )),
        Err(ServiceError::Invalid(mut errors)) => {
            if has_file_errors {
                // Check the rest as well (saving nothing), so every problem shows at once.
                let (user, r, f, actor) = (ctx.require_user()?.clone(), reference.clone(), form.clone(), ctx.actor());
                let other = state.db(move |conn| Ok(evidence::validate(conn, &actor, &user, &r, &f, today()))).await?;
                if let Err(ServiceError::Invalid(e)) = other {
                    errors = e;
                }
                errors.0.retain(|e| e.field != "files");
                errors.0.extend(file_errors);
            }
            let page = FormPage {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                reference: &reference,
                form: &form,
                errors: &errors,
                draft_id: &draft_id,
                files: &files,
            };
            render_new(&ctx, &state, page).await
        }
        Err(e) => Err(AppError::from(e)),
    }
}

async fn show_page(
    ctx: &RequestContext,
    state: &AppState,
    reference: String,
    number: String,
    status: StatusCode,
    verification: Option<VerifyReport>,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (view, versions, custody, links) = state
        .db(move |conn| {
            let (case, item) = evidence::find(conn, &user, &reference, &number)?;
            let item_id = item.id.clone();
            let view = evidence::view(conn, &case, item)?;
            let links = rows::allegations_of(conn, &item_id)?;
            Ok((view, rows::versions(conn, &item_id)?, rows::custody(conn, &item_id)?, links))
        })
        .await?;
    let case_ref = view.reference.split('/').next().unwrap_or_default().to_string();
    let all = allegation_choices(state, ctx, &case_ref).await?;
    let linked: Vec<_> = all.into_iter().filter(|a| links.iter().any(|l| a["value"] == *l)).collect();
    let files: Vec<_> = view
        .files
        .iter()
        .map(|f| {
            let kind = Kind::from_media_type(&f.media_type);
            serde_json::json!({
                "id": f.id, "name": f.original_name, "media_type": f.media_type, "size": f.size_bytes,
                "sha256": f.sha256, "added_at": f.added_at, "added_by": f.added_by_label,
                "is_image": kind.is_some_and(Kind::is_image), "label": kind.map(Kind::label).unwrap_or("File"),
                "viewable": evidence::shown_inline(&f.media_type),
            })
        })
        .collect();
    let mut c = tera::Context::new();
    c.insert("case_reference", &case_ref);
    c.insert("view", &view);
    c.insert("files", &files);
    c.insert("versions", &versions);
    c.insert("custody", &custody);
    c.insert("linked", &linked);
    c.insert("verification", &verification);
    c.insert("statuses", &choices(&vocab::EVIDENCE_STATUSES));
    c.insert("can_work", &crate::services::access::can(ctx.require_user()?, Permission::WorkCases));
    c.insert("kind_label", vocab::label(&vocab::EVIDENCE_KINDS, &view.item.kind));
    c.insert("source_label", vocab::label(&vocab::EVIDENCE_SOURCES, &view.item.source));
    c.insert("platform_label", &view.current.platform.as_deref().map(|p| vocab::label(&vocab::PLATFORMS, p)));
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "evidence/show.html", c)
}

pub async fn show(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (reference, number) = path.into_inner();
    show_page(&ctx, &state, reference, number, StatusCode::OK, None, &FieldErrors::default()).await
}

pub async fn verify(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (reference, number) = path.into_inner();
    let (actor, store, r, n) = (ctx.actor(), state.files.clone(), reference.clone(), number.clone());
    let report =
        state.db(move |conn| evidence::verify(conn, &store, &actor, &user, &r, &n).map_err(AppError::from)).await?;
    if !report.ok() {
        tracing::error!(item = %report.reference, problems = ?report.problems, "evidence verification failed");
    }
    show_page(&ctx, &state, reference, number, StatusCode::OK, Some(report), &FieldErrors::default()).await
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
}

pub async fn set_status(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<StatusForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, number) = path.into_inner();
    let (actor, r, n, f) = (ctx.actor(), reference.clone(), number.clone(), form.into_inner());
    let result =
        state.db(move |conn| Ok(evidence::set_status(conn, &actor, &user, &r, &n, &f.status, &f.note))).await?;
    match result {
        Ok(()) => {
            Ok(redirect_with(&ctx, &format!("/cases/{reference}/evidence/{number}"), Flash::success("Status recorded")))
        }
        Err(ServiceError::Invalid(errors)) => {
            show_page(&ctx, &state, reference, number, StatusCode::UNPROCESSABLE_ENTITY, None, &errors).await
        }
        Err(ServiceError::Refused(m)) => {
            Ok(redirect_with(&ctx, &format!("/cases/{reference}/evidence/{number}"), Flash::important(m)))
        }
        Err(e) => Err(AppError::from(e)),
    }
}

pub async fn add_files(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, number) = path.into_inner();
    let mut parsed =
        multipart::read(&req, payload, &state.files, state.config.max_upload_bytes, EVIDENCE_KINDS).await?;
    if !parsed.file_errors.is_empty() {
        parsed.discard_files();
        let errors = FieldErrors(
            parsed.file_errors.iter().map(|e| FieldError { field: "files".into(), message: e.to_string() }).collect(),
        );
        return show_page(&ctx, &state, reference, number, StatusCode::UNPROCESSABLE_ENTITY, None, &errors).await;
    }
    let received = std::mem::take(&mut parsed.files);
    let (actor, store, r, n) = (ctx.actor(), state.files.clone(), reference.clone(), number.clone());
    let result = state
        .db(move |conn| {
            let mut up = Vec::new();
            for f in &received {
                let row = store.commit(conn, f).map_err(AppError::internal)?;
                up.push(StoredUpload {
                    sha256: row.sha256,
                    original_name: f.original_name.clone(),
                    media_type: row.media_type,
                    size_bytes: row.size_bytes,
                });
            }
            Ok(evidence::add_files(conn, &actor, &user, &r, &n, &up))
        })
        .await?;
    match result {
        Ok(()) => {
            Ok(redirect_with(&ctx, &format!("/cases/{reference}/evidence/{number}"), Flash::success("Files added")))
        }
        Err(ServiceError::Invalid(errors)) => {
            show_page(&ctx, &state, reference, number, StatusCode::UNPROCESSABLE_ENTITY, None, &errors).await
        }
        Err(ServiceError::Refused(m)) => {
            Ok(redirect_with(&ctx, &format!("/cases/{reference}/evidence/{number}"), Flash::important(m)))
        }
        Err(e) => Err(AppError::from(e)),
    }
}

async fn correction_page(
    ctx: &RequestContext,
    state: &AppState,
    reference: &str,
    number: &str,
    status: StatusCode,
    form: &EvidenceForm,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let mut c = tera::Context::new();
    c.insert("reference", reference);
    c.insert("number", number);
    c.insert("form", form);
    insert_errors(&mut c, errors);
    c.insert("platforms", &choices(&vocab::PLATFORMS));
    c.insert("allegations", &allegation_choices(state, ctx, reference).await?);
    render::page_with_status(ctx, status, "evidence/correct.html", c)
}

pub async fn correct_form(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, number) = path.into_inner();
    let (r, n) = (reference.clone(), number.clone());
    let form = state
        .db(move |conn| {
            let (case, item) = evidence::find(conn, &user, &r, &n)?;
            cases::find_workable(conn, &user, &case.reference)?;
            let v = rows::current_version(conn, &item)?;
            let links = rows::allegations_of(conn, &item.id)?;
            Ok(EvidenceForm::from_version(&item, &v, links))
        })
        .await?;
    correction_page(&ctx, &state, &reference, &number, StatusCode::OK, &form, &FieldErrors::default()).await
}

pub async fn correct(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, number) = path.into_inner();
    let form = EvidenceForm::from_pairs(&body.into_inner());
    let (actor, r, n, f) = (ctx.actor(), reference.clone(), number.clone(), form.clone());
    let result = state.db(move |conn| Ok(evidence::correct(conn, &actor, &user, &r, &n, &f, today()))).await?;
    match result {
        Ok(item) => Ok(redirect_with(
            &ctx,
            &format!("/cases/{reference}/evidence/{number}"),
            Flash::success(format!("Correction saved as version {}", item.current_version)),
        )),
        Err(ServiceError::Invalid(errors)) => {
            correction_page(&ctx, &state, &reference, &number, StatusCode::UNPROCESSABLE_ENTITY, &form, &errors).await
        }
        Err(ServiceError::Refused(m)) => {
            Ok(redirect_with(&ctx, &format!("/cases/{reference}/evidence/{number}"), Flash::important(m)))
        }
        Err(e) => Err(AppError::from(e)),
    }
}

#[derive(Debug, Deserialize)]
pub struct FileQuery {
    download: Option<String>,
}

/// A file of an evidence item: only for users who may see the case (others get 404), with safe
/// headers; a saved page is sandboxed so nothing in it runs in this site's origin.
pub async fn file(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    query: web::Query<FileQuery>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (reference, number, file_id) = path.into_inner();
    let wants_download = query.download.is_some();
    let actor = ctx.actor();
    let (f, inline) = state
        .db(move |conn| {
            evidence::access_file(conn, &actor, &user, &reference, &number, &file_id, wants_download)
                .map_err(AppError::from)
        })
        .await?;
    let path = state.files.path_for(&f.sha256);
    let file =
        tokio::fs::File::open(&path).await.map_err(|e| AppError::internal(format!("{}: {e}", path.display())))?;
    let kind = Kind::from_media_type(&f.media_type);
    let safe_name: String = f
        .original_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' })
        .collect();
    let disposition = format!("{}; filename=\"{}\"", if inline { "inline" } else { "attachment" }, safe_name);
    let csp = match kind {
        Some(Kind::Html) => "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline' data:; font-src data:; media-src data:",
        _ => "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
    };
    let content_type = match kind {
        Some(Kind::Html) => "text/html; charset=utf-8",
        Some(k) if k.is_image() || k == Kind::Pdf => k.media_type(),
        _ => "application/octet-stream",
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((header::CONTENT_SECURITY_POLICY, csp))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("X-Content-SHA256", f.sha256.clone()))
        .insert_header((header::CONTENT_LENGTH, f.size_bytes.to_string()))
        .streaming(stream_file(file)))
}

/// The case's evidence bundle: a zip with the files, manifest.json, index.html and custody logs.
pub async fn export(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let reference = reference.into_inner();
    let tmp_dir = state.files.root().join("tmp");
    std::fs::create_dir_all(&tmp_dir)?;
    let tmp = TempFile(tmp_dir.join(format!("bundle-{}.zip", uuid::Uuid::new_v4().simple())));
    let out = std::fs::File::create(&tmp.0)?;
    let (actor, store, r) = (ctx.actor(), state.files.clone(), reference.clone());
    state.db(move |conn| evidence::export(conn, &store, &actor, &user, &r, out).map_err(AppError::from)).await?;
    let file = tokio::fs::File::open(&tmp.0).await?;
    let len = file.metadata().await?.len();
    // The bundle is unlinked once opened; the open handle keeps it readable while it streams.
    drop(tmp);
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{reference}-evidence.zip\"")))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::CONTENT_LENGTH, len.to_string()))
        .streaming(stream_file(file)))
}
