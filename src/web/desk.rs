//! The desk's daily digest choice (each user's own).

use crate::error::AppResult;
use crate::services::desk;
use crate::web::context::{Flash, RequestContext};
use crate::web::forms::redirect_with;
use crate::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct DigestForm {
    #[serde(default)]
    pub digest: String,
}

/// Turns the daily digest on (box ticked) or off.
pub async fn digest(
    ctx: RequestContext,
    state: web::Data<AppState>,
    form: web::Form<DigestForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let on = form.digest == "yes";
    let actor = ctx.actor();
    state.db(move |conn| Ok(desk::set_digest(conn, &actor, &user, on)?)).await?;
    let message = if on { "You will get a daily email of what is due" } else { "You will not get a daily email" };
    Ok(redirect_with(&ctx, "/dashboard", Flash::success(message)))
}
