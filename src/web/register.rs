//! Council set-up pages (issue 14): councils, the register of members, accounts, codes and the
//! CSV import. Handlers parse, call one service in `services::register`, and answer with a
//! redirect (303) or the page again with the GOV.UK error summary (422).

use crate::error::AppResult;
use crate::services::register::accounts::{self, AccountForm};
use crate::services::register::codes::{self, AdoptForm, ProvisionForm};
use crate::services::register::councils::{
    self, CouncilForm, CouncilPageForms, EndAll, EndAllForm, RetireForm, WardForm,
};
use crate::services::register::import::{self, UploadForm};
use crate::services::register::members::{
    self, EndMembershipForm, MemberForm, MemberPageForms, MemberSearch, MembershipForm,
};
use crate::services::register::memberships;
use crate::services::FieldErrors;
use crate::web::context::{Flash, RequestContext};
use crate::web::forms::{insert_errors, redirect_with, today};
use crate::web::render;
use crate::web::respond::FormOutcome;
use crate::AppState;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

/// The largest CSV accepted for import.
const MAX_CSV_BYTES: usize = 10 * 1024 * 1024;

fn view_page<V: Serialize>(
    ctx: &RequestContext,
    template: &str,
    view: &V,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut c = tera::Context::from_serialize(view)?;
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, template, c)
}

// ---------------------------------------------------------------------------------------------
// Councils

pub async fn councils(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let view = state.db(move |conn| Ok(councils::list_page(conn, &user, today())?)).await?;
    view_page(&ctx, "register/councils.html", &view, &FieldErrors::default())
}

async fn council_form(
    ctx: &RequestContext,
    state: &AppState,
    id: Option<String>,
    form: Option<CouncilForm>,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let view = state.db(move |conn| Ok(councils::form_page(conn, &user, id.as_deref(), form)?)).await?;
    view_page(ctx, "register/council_form.html", &view, errors)
}

pub async fn new_council(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    council_form(&ctx, &state, None, None, &FieldErrors::default()).await
}

pub async fn create_council(
    ctx: RequestContext,
    state: web::Data<AppState>,
    form: web::Form<CouncilForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let form = form.into_inner();
    let (actor, submitted) = (ctx.actor(), form.clone());
    match state
        .db(move |conn| Ok(councils::add(conn, &actor, &user, &submitted)))
        .await?
        .or_back(&ctx, "/admin/councils")?
    {
        Ok(a) => {
            Ok(redirect_with(&ctx, &format!("/admin/councils/{}", a.id), Flash::success(format!("{} added", a.name))))
        }
        Err(errors) => council_form(&ctx, &state, None, Some(form), &errors).await,
    }
}

pub async fn edit_council(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    council_form(&ctx, &state, Some(id.into_inner()), None, &FieldErrors::default()).await
}

pub async fn update_council(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<CouncilForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (id, form) = (id.into_inner(), form.into_inner());
    let (actor, submitted, cid) = (ctx.actor(), form.clone(), id.clone());
    let back = format!("/admin/councils/{id}");
    match state
        .db(move |conn| Ok(councils::update(conn, &actor, &user, &cid, &submitted)))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(a) => Ok(redirect_with(&ctx, &back, Flash::success(format!("{} saved", a.name)))),
        Err(errors) => council_form(&ctx, &state, Some(id), Some(form), &errors).await,
    }
}

async fn council_page(
    ctx: &RequestContext,
    state: &AppState,
    id: String,
    forms: CouncilPageForms,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let view = state.db(move |conn| Ok(councils::page(conn, &user, &id, today(), forms)?)).await?;
    view_page(ctx, "register/council.html", &view, errors)
}

pub async fn council(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    council_page(&ctx, &state, id.into_inner(), CouncilPageForms::default(), &FieldErrors::default()).await
}

pub async fn retire_council(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<RetireForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (id, form) = (id.into_inner(), form.into_inner());
    let (actor, submitted, cid) = (ctx.actor(), form.clone(), id.clone());
    let back = format!("/admin/councils/{id}");
    match state
        .db(move |conn| Ok(councils::retire(conn, &actor, &user, &cid, &submitted)))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(a) => Ok(redirect_with(&ctx, &back, Flash::success(format!("{} has been retired", a.name)))),
        Err(errors) => {
            council_page(&ctx, &state, id, CouncilPageForms { retire: form, ..Default::default() }, &errors).await
        }
    }
}

pub async fn add_ward(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<WardForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (id, form) = (id.into_inner(), form.into_inner());
    let (actor, submitted, cid) = (ctx.actor(), form.clone(), id.clone());
    let back = format!("/admin/councils/{id}");
    match state
        .db(move |conn| Ok(councils::add_ward(conn, &actor, &user, &cid, &submitted)))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(w) => Ok(redirect_with(&ctx, &back, Flash::success(format!("Ward {} added", w.name)))),
        Err(errors) => {
            council_page(&ctx, &state, id, CouncilPageForms { ward: form, ..Default::default() }, &errors).await
        }
    }
}

pub async fn retire_ward(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (id, ward) = path.into_inner();
    let (actor, cid) = (ctx.actor(), id.clone());
    let back = format!("/admin/councils/{id}");
    let w = state
        .db(move |conn| Ok(councils::retire_ward(conn, &actor, &user, &cid, &ward, today())))
        .await?
        .or_back_with_message(&ctx, &back)?;
    Ok(redirect_with(&ctx, &back, Flash::success(format!("Ward {} retired", w.name))))
}

pub async fn end_all(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<EndAllForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (id, form) = (id.into_inner(), form.into_inner());
    let (actor, submitted, cid) = (ctx.actor(), form.clone(), id.clone());
    let back = format!("/admin/councils/{id}");
    match state
        .db(move |conn| Ok(councils::end_all(conn, &actor, &user, &cid, &submitted)))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(EndAll::Confirm(preview)) => view_page(&ctx, "register/end_all.html", &*preview, &FieldErrors::default()),
        Ok(EndAll::Done(n)) => Ok(redirect_with(&ctx, &back, Flash::success(format!("{n} memberships ended")))),
        Err(errors) => {
            council_page(&ctx, &state, id, CouncilPageForms { end_all: form, ..Default::default() }, &errors).await
        }
    }
}

pub async fn adopt_code(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<AdoptForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (id, form) = (id.into_inner(), form.into_inner());
    let (actor, submitted, cid) = (ctx.actor(), form.clone(), id.clone());
    let back = format!("/admin/councils/{id}");
    match state.db(move |conn| Ok(codes::adopt(conn, &actor, &user, &cid, &submitted))).await?.or_back(&ctx, &back)? {
        Ok(_) => Ok(redirect_with(&ctx, &back, Flash::success("Code adopted"))),
        Err(errors) => {
            council_page(&ctx, &state, id, CouncilPageForms { adopt: form, ..Default::default() }, &errors).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Codes owned by a council

async fn code_view(
    ctx: &RequestContext,
    state: &AppState,
    id: String,
    editing: Option<String>,
    form: Option<ProvisionForm>,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let view = state.db(move |conn| Ok(codes::code_page(conn, &user, &id, editing.as_deref(), form)?)).await?;
    view_page(ctx, "register/code.html", &view, errors)
}

pub async fn code(ctx: RequestContext, state: web::Data<AppState>, id: web::Path<String>) -> AppResult<HttpResponse> {
    code_view(&ctx, &state, id.into_inner(), None, None, &FieldErrors::default()).await
}

pub async fn edit_provision(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, pid) = path.into_inner();
    code_view(&ctx, &state, id, Some(pid), None, &FieldErrors::default()).await
}

async fn save_provision(
    ctx: RequestContext,
    state: &AppState,
    id: String,
    pid: Option<String>,
    form: ProvisionForm,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (actor, submitted, vid, p) = (ctx.actor(), form.clone(), id.clone(), pid.clone());
    let back = format!("/admin/codes/{id}");
    match state
        .db(move |conn| Ok(codes::save_provision(conn, &actor, &user, &vid, p.as_deref(), &submitted)))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(p) => Ok(redirect_with(&ctx, &back, Flash::success(format!("Paragraph {} saved", p.number)))),
        Err(errors) => code_view(&ctx, state, id, pid, Some(form), &errors).await,
    }
}

pub async fn add_provision(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<ProvisionForm>,
) -> AppResult<HttpResponse> {
    save_provision(ctx, &state, id.into_inner(), None, form.into_inner()).await
}

pub async fn update_provision(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<ProvisionForm>,
) -> AppResult<HttpResponse> {
    let (id, pid) = path.into_inner();
    save_provision(ctx, &state, id, Some(pid), form.into_inner()).await
}

// ---------------------------------------------------------------------------------------------
// Members

pub async fn members(
    ctx: RequestContext,
    state: web::Data<AppState>,
    query: web::Query<MemberSearch>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let search = query.into_inner();
    let view = state.db(move |conn| Ok(members::list_page(conn, &user, search, today())?)).await?;
    view_page(&ctx, "register/members.html", &view, &FieldErrors::default())
}

async fn member_form(
    ctx: &RequestContext,
    state: &AppState,
    id: Option<String>,
    form: Option<MemberForm>,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let view = state.db(move |conn| Ok(members::form_page(conn, &user, id.as_deref(), form)?)).await?;
    view_page(ctx, "register/member_form.html", &view, errors)
}

pub async fn new_member(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    member_form(&ctx, &state, None, None, &FieldErrors::default()).await
}

pub async fn create_member(
    ctx: RequestContext,
    state: web::Data<AppState>,
    form: web::Form<MemberForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let form = form.into_inner();
    let (actor, submitted) = (ctx.actor(), form.clone());
    match state
        .db(move |conn| Ok(members::add(conn, &actor, &user, &submitted)))
        .await?
        .or_back(&ctx, "/admin/members")?
    {
        Ok(m) => Ok(redirect_with(
            &ctx,
            &format!("/admin/members/{}", m.id),
            Flash::success(format!("{} added to the register", m.full_name)),
        )),
        Err(errors) => member_form(&ctx, &state, None, Some(form), &errors).await,
    }
}

pub async fn edit_member(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    member_form(&ctx, &state, Some(id.into_inner()), None, &FieldErrors::default()).await
}

pub async fn update_member(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<MemberForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (id, form) = (id.into_inner(), form.into_inner());
    let (actor, submitted, mid) = (ctx.actor(), form.clone(), id.clone());
    let back = format!("/admin/members/{id}");
    match state
        .db(move |conn| Ok(members::update(conn, &actor, &user, &mid, &submitted)))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(m) => Ok(redirect_with(&ctx, &back, Flash::success(format!("{} saved", m.full_name)))),
        Err(errors) => member_form(&ctx, &state, Some(id), Some(form), &errors).await,
    }
}

async fn member_page(
    ctx: &RequestContext,
    state: &AppState,
    id: String,
    forms: MemberPageForms,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let view = state.db(move |conn| Ok(members::page(conn, &user, &id, today(), forms)?)).await?;
    view_page(ctx, "register/member.html", &view, errors)
}

pub async fn member(ctx: RequestContext, state: web::Data<AppState>, id: web::Path<String>) -> AppResult<HttpResponse> {
    member_page(&ctx, &state, id.into_inner(), MemberPageForms::default(), &FieldErrors::default()).await
}

pub async fn add_membership(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<MembershipForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (id, form) = (id.into_inner(), form.into_inner());
    let (actor, submitted, mid) = (ctx.actor(), form.clone(), id.clone());
    let back = format!("/admin/members/{id}");
    match state
        .db(move |conn| Ok(memberships::add_membership(conn, &actor, &user, &mid, &submitted)))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(_) => Ok(redirect_with(&ctx, &back, Flash::success("Membership added"))),
        Err(errors) => {
            member_page(&ctx, &state, id, MemberPageForms { membership: form, ..Default::default() }, &errors).await
        }
    }
}

pub async fn end_membership(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<EndMembershipForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (id, ms) = path.into_inner();
    let form = form.into_inner();
    let (actor, submitted, msid) = (ctx.actor(), form.clone(), ms.clone());
    let back = format!("/admin/members/{id}");
    match state
        .db(move |conn| Ok(memberships::end_membership(conn, &actor, &user, &msid, &submitted)))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(_) => Ok(redirect_with(&ctx, &back, Flash::success("Membership ended"))),
        Err(errors) => {
            // The row's fields carry the membership's id, so the summary links to them.
            let by_field = errors.by_field();
            let end_state = members::EndState {
                membership_id: ms.clone(),
                form,
                date_error: by_field.get("end").cloned().unwrap_or_default(),
                reason_error: by_field.get("end_reason").cloned().unwrap_or_default(),
            };
            let errors = crate::services::FieldErrors(
                errors
                    .0
                    .into_iter()
                    .map(|e| crate::services::FieldError { field: format!("{}-{ms}", e.field), message: e.message })
                    .collect(),
            );
            let forms = MemberPageForms { end: Some(end_state), ..Default::default() };
            member_page(&ctx, &state, id, forms, &errors).await
        }
    }
}

pub async fn add_account(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<AccountForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (id, form) = (id.into_inner(), form.into_inner());
    let (actor, submitted, mid) = (ctx.actor(), form.clone(), id.clone());
    let back = format!("/admin/members/{id}");
    match state.db(move |conn| Ok(accounts::add(conn, &actor, &user, &mid, &submitted))).await?.or_back(&ctx, &back)? {
        Ok(a) => Ok(redirect_with(&ctx, &back, Flash::success(format!("Account {} added", a.handle)))),
        Err(errors) => {
            member_page(&ctx, &state, id, MemberPageForms { account: form, ..Default::default() }, &errors).await
        }
    }
}

async fn account_form(
    ctx: &RequestContext,
    state: &AppState,
    ids: (String, String),
    submitted: Option<AccountForm>,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let view = state.db(move |conn| Ok(accounts::edit_page(conn, &user, &ids.0, &ids.1, submitted)?)).await?;
    view_page(ctx, "register/account_form.html", &view, errors)
}

pub async fn edit_account(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    account_form(&ctx, &state, path.into_inner(), None, &FieldErrors::default()).await
}

pub async fn update_account(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<AccountForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let ((id, aid), form) = (path.into_inner(), form.into_inner());
    let (actor, submitted, mid, acc) = (ctx.actor(), form.clone(), id.clone(), aid.clone());
    let back = format!("/admin/members/{id}");
    match state
        .db(move |conn| Ok(accounts::update(conn, &actor, &user, &mid, &acc, &submitted)))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(a) => Ok(redirect_with(&ctx, &back, Flash::success(format!("Account {} saved", a.handle)))),
        Err(errors) => account_form(&ctx, &state, (id, aid), Some(form), &errors).await,
    }
}

async fn correct_membership_form(
    ctx: &RequestContext,
    state: &AppState,
    ids: (String, String),
    submitted: Option<MembershipForm>,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let view = state.db(move |conn| Ok(memberships::correct_page(conn, &user, &ids.0, &ids.1, submitted)?)).await?;
    view_page(ctx, "register/membership_form.html", &view, errors)
}

pub async fn edit_membership(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    correct_membership_form(&ctx, &state, path.into_inner(), None, &FieldErrors::default()).await
}

pub async fn correct_membership(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<MembershipForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let ((id, ms), form) = (path.into_inner(), form.into_inner());
    let (actor, submitted, mid, msid) = (ctx.actor(), form.clone(), id.clone(), ms.clone());
    let back = format!("/admin/members/{id}");
    match state
        .db(move |conn| Ok(memberships::correct_membership(conn, &actor, &user, &mid, &msid, &submitted)))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(_) => Ok(redirect_with(&ctx, &back, Flash::success("Membership corrected"))),
        Err(errors) => correct_membership_form(&ctx, &state, (id, ms), Some(form), &errors).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Import

async fn import_view(
    ctx: &RequestContext,
    state: &AppState,
    form: UploadForm,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let view = state.db(move |conn| Ok(import::import_page(conn, &user, form)?)).await?;
    view_page(ctx, "register/import.html", &view, errors)
}

pub async fn import_form(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    import_view(&ctx, &state, UploadForm { kind: "members".into() }, &FieldErrors::default()).await
}

pub async fn upload(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (fields, files) = crate::web::multipart::read_in_memory(&req, payload, MAX_CSV_BYTES).await?;
    let kind = fields.iter().find(|(k, _)| k == "kind").map(|(_, v)| v.clone()).unwrap_or_default();
    let file = files.into_iter().find(|(k, _, _)| k == "file").map(|(_, name, bytes)| (name, bytes));
    let (actor, k) = (ctx.actor(), kind.clone());
    match state
        .db(move |conn| Ok(import::upload(conn, &actor, &user, &k, file)))
        .await?
        .or_back(&ctx, "/admin/import")?
    {
        Ok(i) => Ok(redirect_with(
            &ctx,
            &format!("/admin/import/{}", i.id),
            Flash::success(format!("{} uploaded: nothing is saved until you confirm", i.filename)),
        )),
        Err(errors) => import_view(&ctx, &state, UploadForm { kind }, &errors).await,
    }
}

pub async fn preview(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let id = id.into_inner();
    let view = state
        .db(move |conn| Ok(import::preview(conn, &user, &id)))
        .await?
        .or_back_with_message(&ctx, "/admin/import")?;
    view_page(&ctx, "register/preview.html", &view, &FieldErrors::default())
}

pub async fn confirm(
    ctx: RequestContext,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let id = id.into_inner();
    let (actor, iid) = (ctx.actor(), id.clone());
    let back = format!("/admin/import/{id}");
    let summary = state
        .db(move |conn| Ok(import::confirm(conn, &actor, &user, &iid)))
        .await?
        .or_back_with_message(&ctx, &back)?;
    Ok(redirect_with(&ctx, &back, Flash::success(format!("Import applied: {summary}"))))
}
