//! The written confirmation of a complaint taken by telephone or in person (s.28(9)): the form,
//! attaching it (an email recorded or a letter uploaded), and opening the uploaded letter.

use crate::error::{AppError, AppResult};
use crate::services::access::Permission;
use crate::services::cases::written::{self, ConfirmationInput, CONFIRMATION_FILE_KINDS};
use crate::services::vocab;
use crate::services::FieldErrors;
use crate::web::context::{Flash, RequestContext};
use crate::web::forms::{choices, insert_errors, redirect_with, today};
use crate::web::multipart;
use crate::web::render;
use crate::web::respond::FormOutcome;
use crate::AppState;
use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

async fn form_page(
    ctx: &RequestContext,
    state: &AppState,
    path: (String, String),
    status: StatusCode,
    form: &ConfirmationInput,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, complaint_id) = path;
    let back = format!("/cases/{reference}");
    let page = state
        .db(move |conn| Ok(written::page(conn, &user, &reference, &complaint_id)))
        .await?
        .or_back_with_message(ctx, &back)?;
    let mut c = tera::Context::new();
    c.insert("page", &page);
    c.insert("form", form);
    c.insert("kinds", &choices(&vocab::WRITTEN_CONFIRMATION_KINDS));
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "cases/written_confirmation.html", c)
}

pub async fn new_form(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let input = ConfirmationInput::default();
    form_page(&ctx, &state, path.into_inner(), StatusCode::OK, &input, &FieldErrors::default()).await
}

pub async fn attach(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, complaint_id) = path.into_inner();
    let mut parsed =
        multipart::read(&req, payload, &state.files, state.config.max_upload_bytes, &CONFIRMATION_FILE_KINDS).await?;
    let field = |name: &str| parsed.get(name).unwrap_or_default().to_string();
    let input = ConfirmationInput {
        kind: field("kind"),
        received_day: field("received_day"),
        received_month: field("received_month"),
        received_year: field("received_year"),
        detail: field("detail"),
    };
    let uploads = parsed.take_uploads();
    let back = format!("/cases/{reference}");
    let (actor, store, r, id, i) =
        (ctx.actor(), state.files.clone(), reference.clone(), complaint_id.clone(), input.clone());
    match state
        .db(move |conn| Ok(written::attach(conn, &actor, &user, &store, &r, &id, &i, uploads, today())))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(_) => Ok(redirect_with(&ctx, &back, Flash::success("The written confirmation is attached"))),
        Err(errors) => {
            form_page(&ctx, &state, (reference, complaint_id), StatusCode::UNPROCESSABLE_ENTITY, &input, &errors).await
        }
    }
}

pub async fn file(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (reference, complaint_id) = path.into_inner();
    let f = state
        .db(move |conn| written::confirmation_file(conn, &user, &reference, &complaint_id).map_err(AppError::from))
        .await?;
    let sha = f.sha256.clone();
    let failed = |e: std::io::Error| AppError::internal(format!("{sha} in {}: {e}", state.files.describe()));
    let size = state.files.size(&sha).await.map_err(failed)?;
    let body = state.files.stream(&sha).await.map_err(failed)?;
    let name: String = f
        .original_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' })
        .collect();
    Ok(HttpResponse::Ok()
        .content_type(f.media_type.as_str())
        .insert_header((header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("X-Content-SHA256", f.sha256))
        .insert_header((header::CONTENT_LENGTH, size.to_string()))
        .streaming(body))
}
