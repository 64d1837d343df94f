//! Documents as PDF: a decision notice (officers) and the hearing bundle (those who may see it).

use crate::error::{AppError, AppResult};
use crate::services::documents;
use crate::web::context::RequestContext;
use crate::AppState;
use actix_web::http::header;
use actix_web::{web, HttpResponse};

/// A PDF made for this request, downloaded under `name` (letters, digits, `.-_` only).
fn pdf_response(name: &str, bytes: Vec<u8>) -> HttpResponse {
    let safe: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    HttpResponse::Ok()
        .content_type(documents::PDF)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{safe}\"")))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes)
}

/// `GET /cases/{reference}/decisions/{id}/notices/{notice}/pdf`
pub async fn notice_pdf(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (reference, decision, notice) = path.into_inner();
    let (name, bytes) = state
        .db(move |conn| documents::notice_pdf_for(conn, &user, &reference, &decision, &notice).map_err(AppError::from))
        .await?;
    Ok(pdf_response(&name, bytes))
}

/// `GET /cases/{reference}/hearing/bundle/pdf`
pub async fn bundle_pdf(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let actor = ctx.actor();
    let reference = reference.into_inner();
    let store = state.files.clone();
    let (name, bytes) = state
        .db(move |conn| documents::bundle_pdf(conn, &actor, &user, &reference, &store).map_err(AppError::from))
        .await?;
    Ok(pdf_response(&name, bytes))
}
