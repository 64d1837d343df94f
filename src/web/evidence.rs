//! Evidence pages: add a captured post or profile, see an item with its files, versions and
//! custody log, correct it, record its status, verify it, and export the case's bundle.

use crate::error::{AppError, AppResult};
use crate::services::access::Permission;
use crate::services::evidence::{
    self, EvidenceForm, NewEvidencePage, Resubmitted, Submission, Submitted, VerifyReport,
};
use crate::services::files::{Kind, EVIDENCE_KINDS};
use crate::services::FieldErrors;
use crate::web::context::{Flash, RequestContext};
use crate::web::download::{stream_file, TempFile};
use crate::web::forms::{insert_errors, redirect_with, today};
use crate::web::multipart;
use crate::web::render;
use crate::web::respond::FormOutcome;
use crate::AppState;
use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

/// Renders a service's page view (its fields are the template's variables) with the form errors.
pub(crate) fn render_view<T: Serialize>(
    ctx: &RequestContext,
    status: StatusCode,
    template: &str,
    view: &T,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let mut c = tera::Context::from_serialize(view)?;
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, template, c)
}

fn render_new(
    ctx: &RequestContext,
    state: &AppState,
    status: StatusCode,
    page: &NewEvidencePage,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let mut c = tera::Context::from_serialize(page)?;
    c.insert("max_upload_mb", &(state.config.max_upload_bytes / (1024 * 1024)));
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "evidence/new.html", c)
}

pub async fn new_form(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let reference = reference.into_inner();
    let page = state.db(move |conn| Ok(evidence::new_page(conn, &user, &reference, None)?)).await?;
    render_new(&ctx, &state, StatusCode::OK, &page, &FieldErrors::default())
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
    let owner = evidence::draft_owner(&ctx.csrf_token);
    let posted_draft = parsed.get("draft").unwrap_or_default().to_string();
    let submission = Submission {
        form: form.clone(),
        draft_id: Some(posted_draft.clone()),
        owner: owner.clone(),
        remove_files: parsed.all("remove_file").into_iter().map(str::to_string).collect(),
        uploads: parsed.take_uploads(),
    };
    let (store, actor, r) = (state.files.clone(), ctx.actor(), reference.clone());
    let back = format!("/cases/{reference}");
    let submitted = state
        .db(move |conn| Ok(evidence::submit(conn, &store, &actor, &user, &r, submission, today())))
        .await?
        .or_back(&ctx, &back)?;
    let (draft_id, errors) = match submitted {
        Ok(Submitted::Added(item)) => {
            return Ok(redirect_with(
                &ctx,
                &format!("/cases/{reference}/evidence/E{}", item.number),
                Flash::success(format!("Evidence E{} added", item.number)),
            ))
        }
        Ok(Submitted::Returned { draft_id, errors }) => (draft_id, errors),
        Err(errors) => (posted_draft, errors),
    };
    let user = ctx.require_user()?.clone();
    let page = state
        .db(move |conn| {
            let shown = Resubmitted { form, draft_id: &draft_id, owner: &owner };
            Ok(evidence::new_page(conn, &user, &reference, Some(shown))?)
        })
        .await?;
    render_new(&ctx, &state, StatusCode::UNPROCESSABLE_ENTITY, &page, &errors)
}

async fn show_page(
    ctx: &RequestContext,
    state: &AppState,
    (reference, number): (String, String),
    status: StatusCode,
    verification: Option<VerifyReport>,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let page = state.db(move |conn| Ok(evidence::item_page(conn, &user, &reference, &number, verification)?)).await?;
    render_view(ctx, status, "evidence/show.html", &page, errors)
}

pub async fn show(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    show_page(&ctx, &state, path.into_inner(), StatusCode::OK, None, &FieldErrors::default()).await
}

/// Verifies the item and shows its page with the result.
pub async fn verify(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (reference, number) = path.into_inner();
    let (actor, store, r, n) = (ctx.actor(), state.files.clone(), reference.clone(), number.clone());
    let report = state.db(move |conn| Ok(evidence::verify(conn, &store, &actor, &user, &r, &n)?)).await?;
    if !report.ok() {
        tracing::error!(item = %report.reference, problems = ?report.problems, "evidence verification failed");
    }
    show_page(&ctx, &state, (reference, number), StatusCode::OK, Some(report), &FieldErrors::default()).await
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
    let back = format!("/cases/{reference}/evidence/{number}");
    let (actor, r, n, f) = (ctx.actor(), reference.clone(), number.clone(), form.into_inner());
    match state
        .db(move |conn| Ok(evidence::set_status(conn, &actor, &user, &r, &n, &f.status, &f.note)))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(()) => Ok(redirect_with(&ctx, &back, Flash::success("Status recorded"))),
        Err(errors) => {
            show_page(&ctx, &state, (reference, number), StatusCode::UNPROCESSABLE_ENTITY, None, &errors).await
        }
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
    let back = format!("/cases/{reference}/evidence/{number}");
    let uploads = multipart::read(&req, payload, &state.files, state.config.max_upload_bytes, EVIDENCE_KINDS)
        .await?
        .take_uploads();
    let (actor, store, r, n) = (ctx.actor(), state.files.clone(), reference.clone(), number.clone());
    match state
        .db(move |conn| Ok(evidence::add_files(conn, &store, &actor, &user, &r, &n, uploads)))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(()) => Ok(redirect_with(&ctx, &back, Flash::success("Files added"))),
        Err(errors) => {
            show_page(&ctx, &state, (reference, number), StatusCode::UNPROCESSABLE_ENTITY, None, &errors).await
        }
    }
}

async fn correction_page(
    ctx: &RequestContext,
    state: &AppState,
    (reference, number): (String, String),
    status: StatusCode,
    submitted: Option<EvidenceForm>,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let page =
        state.db(move |conn| Ok(evidence::correction_page(conn, &user, &reference, &number, submitted)?)).await?;
    render_view(ctx, status, "evidence/correct.html", &page, errors)
}

pub async fn correct_form(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    ctx.require(Permission::WorkCases)?;
    correction_page(&ctx, &state, path.into_inner(), StatusCode::OK, None, &FieldErrors::default()).await
}

pub async fn correct(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, number) = path.into_inner();
    let back = format!("/cases/{reference}/evidence/{number}");
    let form = EvidenceForm::from_pairs(&body.into_inner());
    let (actor, r, n, f) = (ctx.actor(), reference.clone(), number.clone(), form.clone());
    match state
        .db(move |conn| Ok(evidence::correct(conn, &actor, &user, &r, &n, &f, today())))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(item) => Ok(redirect_with(
            &ctx,
            &back,
            Flash::success(format!("Correction saved as version {}", item.current_version)),
        )),
        Err(errors) => {
            let path = (reference, number);
            correction_page(&ctx, &state, path, StatusCode::UNPROCESSABLE_ENTITY, Some(form), &errors).await
        }
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
    serve_file(&state, &f, inline).await
}

/// Streams a stored evidence file with safe headers: inline (images, PDF) or as an attachment;
/// a saved page sandboxed so nothing in it runs in this site's origin.
pub async fn serve_file(
    state: &AppState,
    f: &crate::models::evidence::EvidenceFile,
    inline: bool,
) -> AppResult<HttpResponse> {
    serve_stored(state, &f.sha256, &f.original_name, &f.media_type, f.size_bytes, inline).await
}

/// Streams a file of the store (by its SHA-256) with the safe headers of [`serve_file`].
pub async fn serve_stored(
    state: &AppState,
    sha256: &str,
    original_name: &str,
    media_type: &str,
    size_bytes: i64,
    inline: bool,
) -> AppResult<HttpResponse> {
    let body = state
        .files
        .stream(sha256)
        .await
        .map_err(|e| AppError::internal(format!("{sha256} in {}: {e}", state.files.describe())))?;
    let kind = Kind::from_media_type(media_type);
    let safe_name: String =
        original_name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
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
        .insert_header(("X-Content-SHA256", sha256.to_string()))
        .insert_header((header::CONTENT_LENGTH, size_bytes.to_string()))
        .streaming(body))
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
