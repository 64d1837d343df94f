//! The complainant's and the member's own page (`/my-case`), reached through emailed links, in a
//! party session of its own (the `sd_party` cookie); and what officers do about the parties from
//! the case page. Rules are in `services::parties`.

use crate::error::{AppError, AppResult};
use crate::services::access::Permission;
use crate::services::audit::Actor;
use crate::services::evidence::Uploads;
use crate::services::files::COMPLAINT_KINDS;
use crate::services::parties::links::{self, Dead, NewLinkForm};
use crate::services::parties::send::{self, PartyForm, Sending};
use crate::services::parties::{officer, pages, session, Party};
use crate::services::FieldErrors;
use crate::web::context::{app_cookie, cookie_name, removal_cookie, Flash, RequestContext, PARTY_COOKIE};
use crate::web::forms::{insert_errors, redirect_with, today};
use crate::web::multipart;
use crate::web::render;
use crate::web::respond::FormOutcome;
use crate::AppState;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

const PAGE: &str = "/my-case";

use crate::services::parties::session::token_shape;

/// The party actor: the audit names the side, never a staff user.
fn actor(ctx: &RequestContext, party: Option<&Party>) -> Actor {
    let mut a = Actor::public(Some(ctx.ip.clone()));
    if let Some(p) = party {
        a.label = format!("{} (their own page)", p.label());
    }
    a
}

enum Who {
    Party(Party),
    /// Whose session ended, and whether what they send may be kept as a draft.
    Ended(Party, bool),
    Nobody,
}

async fn who(req: &HttpRequest, state: &AppState, ctx: &RequestContext) -> AppResult<Who> {
    let Some(token) = req.cookie(cookie_name(PARTY_COOKIE, ctx.secure_cookies)).map(|c| c.value().to_string()) else {
        return Ok(Who::Nobody);
    };
    Ok(match state.db(move |conn| Ok(session::load(conn, &token)?)).await? {
        session::Lookup::Valid(p) => Who::Party(p),
        session::Lookup::Ended(p, keep) => Who::Ended(p, keep),
        session::Lookup::Unknown => Who::Nobody,
    })
}

/// The page for someone without a live party session: why, and the form for a new link.
fn signed_out_page(
    ctx: &RequestContext,
    status: StatusCode,
    heading: &str,
    message: &str,
    form: &NewLinkForm,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let mut res = signed_out_render(ctx, status, heading, message, form, errors, None)?;
    res.add_removal_cookie(&removal_cookie(PARTY_COOKIE, ctx.secure_cookies)).map_err(AppError::internal)?;
    Ok(res)
}

/// The signed-out page as it is, the cookie left alone: a session that ran out of time keeps its
/// cookie while what is sent with it may still be kept as a draft (another tab's form, sent
/// later, is then kept too). `typed`: what was sent when nothing could be kept, shown back so
/// it can be copied.
fn signed_out_render(
    ctx: &RequestContext,
    status: StatusCode,
    heading: &str,
    message: &str,
    form: &NewLinkForm,
    errors: &FieldErrors,
    typed: Option<&str>,
) -> AppResult<HttpResponse> {
    let mut c = tera::Context::new();
    c.insert("heading", heading);
    c.insert("message", message);
    c.insert("form", form);
    c.insert("typed", &typed.unwrap_or_default());
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "parties/signed_out.html", c)
}

const ENDED: &str = "Your session has ended";

/// Sent without a session we can keep anything for: the signed-out page, with what was typed
/// shown back so it is not lost.
fn signed_out_typed(ctx: &RequestContext, typed: &str) -> AppResult<HttpResponse> {
    let mut res = signed_out_render(
        ctx,
        StatusCode::OK,
        ENDED,
        "You are not signed in, so this was not sent. Ask for a new link and sign in again. What you wrote is below: copy it to send it once you are signed in.",
        &NewLinkForm::default(),
        &FieldErrors::default(),
        Some(typed),
    )?;
    res.add_removal_cookie(&removal_cookie(PARTY_COOKIE, ctx.secure_cookies)).map_err(AppError::internal)?;
    Ok(res)
}

fn dead_page(ctx: &RequestContext, dead: Dead) -> AppResult<HttpResponse> {
    let status = if dead == Dead::Unknown { StatusCode::NOT_FOUND } else { StatusCode::GONE };
    let mut c = tera::Context::new();
    c.insert("message", dead.message());
    c.insert("form", &NewLinkForm::default());
    insert_errors(&mut c, &FieldErrors::default());
    render::page_with_status(ctx, status, "parties/dead_link.html", c)
}

/// `/my-case`: the party's page, or how to get in.
pub async fn show(ctx: RequestContext, state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    match who(&req, &state, &ctx).await? {
        Who::Party(p) => party_page(&ctx, &state, p, StatusCode::OK, &FieldErrors::default(), None).await,
        Who::Ended(_, keep) => {
            let message = "For your security you were signed out. Ask for a new link and we will email it to the address we have for you.";
            if keep {
                signed_out_render(
                    &ctx,
                    StatusCode::OK,
                    ENDED,
                    message,
                    &NewLinkForm::default(),
                    &FieldErrors::default(),
                    None,
                )
            } else {
                signed_out_page(&ctx, StatusCode::OK, ENDED, message, &NewLinkForm::default(), &FieldErrors::default())
            }
        }
        Who::Nobody => signed_out_page(
            &ctx,
            StatusCode::OK,
            "Your page about a complaint",
            "Open the link in the email we sent you about the complaint, or ask for a new link here.",
            &NewLinkForm::default(),
            &FieldErrors::default(),
        ),
    }
}

async fn party_page(
    ctx: &RequestContext,
    state: &AppState,
    party: Party,
    status: StatusCode,
    errors: &FieldErrors,
    typed: Option<(&'static str, String)>,
) -> AppResult<HttpResponse> {
    let ip = ctx.ip.clone();
    // Kept drafts go back into the boxes they were typed into; what was just typed wins.
    let (mut c, mut values) = if party.is_complainant() {
        let p = party.clone();
        let page = state.db(move |conn| Ok(pages::complainant(conn, &p, Some(&ip))?)).await?;
        (tera::Context::from_serialize(&page)?, page.drafts)
    } else {
        let p = party.clone();
        let page = state.db(move |conn| Ok(pages::member(conn, &p, Some(&ip), today())?)).await?;
        (tera::Context::from_serialize(&page)?, page.drafts)
    };
    c.insert("max_upload_mb", &(state.config.max_upload_bytes / (1024 * 1024)));
    if let Some((field, value)) = typed {
        values.insert(field, value);
    }
    c.insert("values", &values);
    insert_errors(&mut c, errors);
    let template = if party.is_complainant() { "parties/complainant.html" } else { "parties/member.html" };
    render::page_with_status(ctx, status, template, c)
}

/// `/my-case/{token}`: an invitation. Live: a button (mail scanners that open links use nothing).
pub async fn invitation(
    ctx: RequestContext,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    link_page(ctx, state, token.into_inner(), crate::models::party::INVITE).await
}

/// The page a live link opens: a button that uses it (an invitation or a sign-in link).
async fn link_page(
    ctx: RequestContext,
    state: web::Data<AppState>,
    token: String,
    kind: &'static str,
) -> AppResult<HttpResponse> {
    if !token_shape(&token) {
        return dead_page(&ctx, Dead::Unknown);
    }
    let (t, ip) = (token.clone(), ctx.ip.clone());
    match state.db(move |conn| Ok(links::view(conn, &t, kind, Some(&ip))?)).await? {
        Ok(_) => {
            let sign_in = kind == crate::models::party::SIGN_IN;
            let mut c = tera::Context::new();
            c.insert(
                "action",
                &if sign_in { format!("/my-case/sign-in/{token}") } else { format!("/my-case/{token}") },
            );
            c.insert("sign_in", &sign_in);
            render::page(&ctx, "parties/continue.html", c)
        }
        Err(d) => dead_page(&ctx, d),
    }
}

pub async fn use_invitation(
    ctx: RequestContext,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    if !token_shape(&token) {
        return dead_page(&ctx, Dead::Unknown);
    }
    let (a, base) = (actor(&ctx, None), state.config.base_url.clone());
    match state.db(move |conn| Ok(links::use_invite(conn, &a, &token, &base)?)).await? {
        Ok(()) => render::page(&ctx, "parties/check_email.html", tera::Context::new()),
        Err(d) => dead_page(&ctx, d),
    }
}

/// `/my-case/sign-in/{token}`: the emailed sign-in link.
pub async fn sign_in_link(
    ctx: RequestContext,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    link_page(ctx, state, token.into_inner(), crate::models::party::SIGN_IN).await
}

pub async fn sign_in(
    ctx: RequestContext,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    if !token_shape(&token) {
        return dead_page(&ctx, Dead::Unknown);
    }
    let a = actor(&ctx, None);
    match state.db(move |conn| Ok(links::sign_in(conn, &a, &token)?)).await? {
        Ok(cookie) => {
            let mut res =
                redirect_with(&ctx, PAGE, Flash::success("You are signed in to your page about the complaint"));
            let c = app_cookie(PARTY_COOKIE, cookie, ctx.secure_cookies).finish();
            res.add_cookie(&c).map_err(AppError::internal)?;
            Ok(res)
        }
        Err(d) => dead_page(&ctx, d),
    }
}

/// "Send me a new link".
pub async fn new_link(
    ctx: RequestContext,
    state: web::Data<AppState>,
    form: web::Form<NewLinkForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let (a, base, f) = (actor(&ctx, None), state.config.base_url.clone(), form.clone());
    match state.db(move |conn| Ok(links::request_new(conn, &a, &f, &base))).await?.or_back(&ctx, PAGE)? {
        Ok(()) => render::page(&ctx, "parties/check_email.html", tera::Context::new()),
        Err(errors) => signed_out_page(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Ask for a new link",
            "Enter the reference number from our email and your email address.",
            &form,
            &errors,
        ),
    }
}

pub async fn sign_out(ctx: RequestContext, state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    if let Some(token) = req.cookie(cookie_name(PARTY_COOKIE, ctx.secure_cookies)).map(|c| c.value().to_string()) {
        let ip = ctx.ip.clone();
        state
            .db(move |conn| {
                session::end(conn, &token, Some(&ip))?;
                Ok(())
            })
            .await?;
    }
    let mut res = redirect_with(&ctx, PAGE, Flash::success("You have signed out of your page"));
    res.add_removal_cookie(&removal_cookie(PARTY_COOKIE, ctx.secure_cookies)).map_err(AppError::internal)?;
    Ok(res)
}

/// A form from the party's page, with or without files.
async fn sending(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    what: Sending,
    form: PartyForm,
    uploads: Uploads,
) -> AppResult<HttpResponse> {
    let party = match who(&req, &state, &ctx).await? {
        Who::Party(p) => p,
        Who::Ended(p, keep) => {
            // Their session ran out while they wrote: what they typed is kept for them, to go
            // back into the same box.
            let (text, ip) = (form.text.clone(), ctx.ip.clone());
            let kept = keep && state.db(move |conn| Ok(send::keep_draft(conn, &p, what, &text, Some(&ip))?)).await?;
            if kept {
                let message = "For your security you were signed out before this was sent. We have kept what you wrote: ask for a new link, sign in, and it will be on your page to send (attach any files again).";
                return signed_out_render(
                    &ctx,
                    StatusCode::OK,
                    ENDED,
                    message,
                    &NewLinkForm::default(),
                    &FieldErrors::default(),
                    None,
                );
            }
            return signed_out_typed(&ctx, &form.text);
        }
        Who::Nobody => return signed_out_typed(&ctx, &form.text),
    };
    let (store, a, p, base, f) =
        (state.files.clone(), actor(&ctx, Some(&party)), party.clone(), state.config.base_url.clone(), form.clone());
    let result = state.db(move |conn| Ok(send::send(conn, &store, &a, &p, what, &f, uploads, &base))).await?;
    match result.or_back(&ctx, PAGE)? {
        Ok(_) => {
            let done = match what {
                Sending::Message => "Your message has been sent",
                Sending::Evidence => "Your evidence has been sent. An officer will look at it",
                Sending::Response => "Your response has been sent",
                Sending::ReportComment => "Your comments on the draft report have been sent",
                Sending::Withdrawal => "Your request to withdraw the complaint has been sent",
            };
            Ok(redirect_with(&ctx, PAGE, Flash::success(done)))
        }
        Err(errors) => {
            party_page(&ctx, &state, party, StatusCode::UNPROCESSABLE_ENTITY, &errors, Some((what.field(), form.text)))
                .await
        }
    }
}

async fn sending_files(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: Multipart,
    what: Sending,
) -> AppResult<HttpResponse> {
    let mut parsed =
        multipart::read(&req, payload, &state.files, state.config.max_upload_bytes, COMPLAINT_KINDS).await?;
    let form = PartyForm {
        text: parsed.get(what.field()).unwrap_or_default().to_string(),
        confirm: parsed.get("confirm").unwrap_or_default().to_string(),
    };
    let uploads = parsed.take_uploads();
    sending(ctx, state, req, what, form, uploads).await
}

pub async fn message(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    sending_files(ctx, state, req, payload, Sending::Message).await
}

pub async fn evidence(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    sending_files(ctx, state, req, payload, Sending::Evidence).await
}

pub async fn response(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    sending_files(ctx, state, req, payload, Sending::Response).await
}

#[derive(Debug, Deserialize)]
pub struct CommentsForm {
    #[serde(default)]
    comments: String,
}

pub async fn report_comments(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<CommentsForm>,
) -> AppResult<HttpResponse> {
    let form = PartyForm { text: form.into_inner().comments, confirm: String::new() };
    sending(ctx, state, req, Sending::ReportComment, form, Uploads::default()).await
}

#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirm: String,
}

pub async fn withdraw(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<WithdrawForm>,
) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let form = PartyForm { text: f.reason, confirm: f.confirm };
    sending(ctx, state, req, Sending::Withdrawal, form, Uploads::default()).await
}

/// The draft investigation report the member is asked to comment on (a PDF).
pub async fn draft_report(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let Who::Party(party) = who(&req, &state, &ctx).await? else { return Err(AppError::NotFound) };
    let ip = ctx.ip.clone();
    let (sha, name) =
        state.db(move |conn| Ok(crate::services::parties::pages::draft_report_file(conn, &party, Some(&ip))?)).await?;
    let size = state.files.size(&sha).await.map(|n| n as i64).unwrap_or(0);
    let name = name.unwrap_or_else(|| "draft-report.pdf".into());
    crate::web::evidence::serve_stored(&state, &sha, &name, "application/pdf", size, false).await
}

/// A file on the party's own thread.
pub async fn party_file(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let Who::Party(party) = who(&req, &state, &ctx).await? else { return Err(AppError::NotFound) };
    let (id, ip) = (id.into_inner(), ctx.ip.clone());
    let f = state.db(move |conn| Ok(officer::file_for_party(conn, &party, &id, Some(&ip))?)).await?;
    crate::web::evidence::serve_stored(&state, &f.sha256, &f.original_name, &f.media_type, f.size_bytes, false).await
}

// What officers do, from the case page.

fn back(reference: &str) -> String {
    format!("/cases/{reference}#parties")
}

/// The case page again (422) after a reply that could not be sent: the error summary, and the
/// reply form of that party with what the officer typed.
async fn reply_page(
    ctx: &RequestContext,
    state: &AppState,
    reference: String,
    party_id: &str,
    text: &str,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let page = state.db(move |conn| Ok(crate::services::case_page::show(conn, &user, &reference, today())?)).await?;
    let mut c = tera::Context::from_serialize(&page)?;
    c.insert("note", "");
    c.insert("review_outcomes", &crate::web::forms::choices(&crate::services::vocab::REVIEW_OUTCOMES));
    c.insert("reply_for", party_id);
    c.insert("reply_text", text);
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, StatusCode::UNPROCESSABLE_ENTITY, "cases/show.html", c)
}

pub async fn reply(
    ctx: RequestContext,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, kind, id) = path.into_inner();
    let mut parsed =
        multipart::read(&req, payload, &state.files, state.config.max_upload_bytes, COMPLAINT_KINDS).await?;
    let text = parsed.get("reply").unwrap_or_default().to_string();
    let uploads = parsed.take_uploads();
    if !uploads.refused.is_empty() {
        // What the officer typed is kept: the page comes back with it and why the file was refused.
        let errors = FieldErrors(uploads.refusals(&format!("reply-files-{id}")));
        return reply_page(&ctx, &state, reference, &id, &text, &errors).await;
    }
    let (a, store, base, r, i, t) =
        (ctx.actor(), state.files.clone(), state.config.base_url.clone(), reference.clone(), id.clone(), text.clone());
    let received = uploads.received;
    let done = state
        .db(move |conn| {
            Ok(crate::db::write(conn, |conn| {
                let files = crate::services::files::commit_all(conn, &store, &received)?;
                officer::reply(conn, &a, &user, &r, &kind, &i, &t, &files, &base)
            }))
        })
        .await?
        .or_back(&ctx, &back(&reference))?;
    if let Err(errors) = done {
        let errors = FieldErrors(
            errors
                .0
                .into_iter()
                .map(|mut e| {
                    e.field = format!("reply-{id}");
                    e
                })
                .collect(),
        );
        return reply_page(&ctx, &state, reference, &id, &text, &errors).await;
    }
    Ok(redirect_with(
        &ctx,
        &back(&reference),
        Flash::success("Your message has been sent, and they have been emailed that there is one"),
    ))
}

/// "Mark as read" for what a party sent (opening the case page marks nothing).
pub async fn mark_read(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, kind, id) = path.into_inner();
    let (a, r) = (ctx.actor(), reference.clone());
    let n = state
        .db(move |conn| Ok(officer::mark_read(conn, &a, &user, &r, &kind, &id)))
        .await?
        .or_back_with_message(&ctx, &back(&reference))?;
    let message = if n == 0 { "Nothing new to mark as read".to_string() } else { format!("Marked as read ({n})") };
    Ok(redirect_with(&ctx, &back(&reference), Flash::success(message)))
}

pub async fn revoke(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, kind, id) = path.into_inner();
    let (a, r) = (ctx.actor(), reference.clone());
    let n = state
        .db(move |conn| Ok(links::revoke(conn, &a, &user, &r, &kind, &id)))
        .await?
        .or_back_with_message(&ctx, &back(&reference))?;
    Ok(redirect_with(
        &ctx,
        &back(&reference),
        Flash::success(format!("Links withdrawn ({n}); any session on their page has ended")),
    ))
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
}

pub async fn decide(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, item) = path.into_inner();
    let accept = match form.decision.as_str() {
        "accept" => true,
        "decline" => false,
        _ => {
            return Ok(redirect_with(
                &ctx,
                &back(&reference),
                Flash::important("Choose to accept or decline the evidence"),
            ))
        }
    };
    let (a, r, store) = (ctx.actor(), reference.clone(), state.files.clone());
    let number = state
        .db(move |conn| Ok(officer::decide_evidence(conn, &store, &a, &user, &r, &item, accept)))
        .await?
        .or_back_with_message(&ctx, &back(&reference))?;
    let message = match number {
        Some(n) => format!("Evidence accepted as E{n}"),
        None => "Evidence declined".to_string(),
    };
    Ok(redirect_with(&ctx, &back(&reference), Flash::success(message)))
}

pub async fn share(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, item) = path.into_inner();
    let (a, r) = (ctx.actor(), reference.clone());
    state
        .db(move |conn| Ok(officer::share_response(conn, &a, &user, &r, &item)))
        .await?
        .or_back_with_message(&ctx, &back(&reference))?;
    Ok(redirect_with(&ctx, &back(&reference), Flash::success("The response is shared with the complainant")))
}

pub async fn officer_file(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, id) = path.into_inner();
    let f = state.db(move |conn| Ok(officer::file_for_officer(conn, &user, &reference, &id)?)).await?;
    crate::web::evidence::serve_stored(&state, &f.sha256, &f.original_name, &f.media_type, f.size_bytes, false).await
}
