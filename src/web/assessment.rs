//! Pages of the initial assessment: capacity assessments, the conclusion, the Article 10 stage,
//! Independent Person consultations, the decision, its notices and review requests.

use crate::error::AppResult;
use crate::services::access::Permission;
use crate::services::assessment::{self, AnswerInput, Article10Input, ConcludeInput, DetailForms, IpRequestInput};
use crate::services::decisions::{self, DecisionInput, NoticeEdit, ReviewInput};
use crate::services::vocab;
use crate::services::FieldErrors;
use crate::web::context::{Flash, RequestContext};
use crate::web::forms::{choices, insert_errors, redirect_with, today};
use crate::web::render;
use crate::web::respond::FormOutcome;
use crate::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct MemberQuery {
    member: String,
}

/// The assessment form; after invalid input it shows what was submitted.
async fn form_page(
    ctx: &RequestContext,
    state: &AppState,
    reference: String,
    member: String,
    status: StatusCode,
    submitted: Option<&AnswerInput>,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let mut data = state.db(move |conn| Ok(assessment::form_data(conn, &user, &reference, &member)?)).await?;
    if let Some(input) = submitted {
        data.fill(input);
    }
    let mut c = tera::Context::new();
    c.insert("data", &data);
    c.insert("answers", &choices(&vocab::YES_NO_UNCLEAR));
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "assessments/form.html", c)
}

pub async fn new_form(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    query: web::Query<MemberQuery>,
) -> AppResult<HttpResponse> {
    let (reference, member) = (reference.into_inner(), query.into_inner().member);
    form_page(&ctx, &state, reference, member, StatusCode::OK, None, &FieldErrors::default()).await
}

pub async fn create(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let reference = reference.into_inner();
    let pairs = form.into_inner();
    let member = pairs.iter().find(|(k, _)| k == "member").map(|(_, v)| v.clone()).unwrap_or_default();
    let input = AnswerInput::from_pairs(&pairs);
    let (actor, r, m, i) = (ctx.actor(), reference.clone(), member.clone(), input.clone());
    let back = format!("/cases/{reference}");
    match state.db(move |conn| Ok(assessment::assess(conn, &actor, &user, &r, &m, &i))).await?.or_back(&ctx, &back)? {
        Ok(a) => Ok(redirect_with(
            &ctx,
            &format!("/cases/{reference}/assessments/{}", a.id),
            Flash::success(format!("Capacity assessment saved (version {})", a.version)),
        )),
        Err(errors) => {
            form_page(&ctx, &state, reference, member, StatusCode::UNPROCESSABLE_ENTITY, Some(&input), &errors).await
        }
    }
}

/// The assessment page; after invalid input to one of its forms it shows what was submitted.
async fn show_page(
    ctx: &RequestContext,
    state: &AppState,
    reference: String,
    id: String,
    status: StatusCode,
    submitted: Submitted,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let a = state.db(move |conn| Ok(assessment::detail(conn, &user, &reference, &id)?)).await?;
    let form = match submitted {
        Submitted::Nothing => DetailForms { conclude: a.suggested_conclusion(), article10: Article10Input::default() },
        Submitted::Conclude(conclude) => DetailForms { conclude, article10: Article10Input::default() },
        Submitted::Article10(article10) => DetailForms { conclude: a.suggested_conclusion(), article10 },
    };
    let mut c = tera::Context::new();
    c.insert("a", &a);
    c.insert("form", &form);
    c.insert("outcomes", &choices(&vocab::CAPACITY_OUTCOMES));
    c.insert("targets", &choices(&vocab::ARTICLE10_TARGETS));
    c.insert("yes_no", &choices(&vocab::YES_NO));
    c.insert("yes_no_unclear", &choices(&vocab::YES_NO_UNCLEAR));
    c.insert("fact_value", &choices(&vocab::FACT_OR_VALUE));
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "assessments/show.html", c)
}

/// Which form of the assessment page was submitted.
enum Submitted {
    Nothing,
    Conclude(ConcludeInput),
    Article10(Article10Input),
}

pub async fn show(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (reference, id) = path.into_inner();
    show_page(&ctx, &state, reference, id, StatusCode::OK, Submitted::Nothing, &FieldErrors::default()).await
}

pub async fn conclude(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<ConcludeInput>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::SignOffDecisions)?.clone();
    let (reference, id) = path.into_inner();
    let form = form.into_inner();
    let (actor, i, f) = (ctx.actor(), id.clone(), form.clone());
    let back = format!("/cases/{reference}/assessments/{id}");
    match state
        .db(move |conn| Ok(assessment::conclude(conn, &actor, &user, &i, &f.outcome, &f.authority, &f.reason)))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(_) => Ok(redirect_with(&ctx, &back, Flash::success("Capacity concluded"))),
        Err(errors) => {
            let submitted = Submitted::Conclude(form);
            show_page(&ctx, &state, reference, id, StatusCode::UNPROCESSABLE_ENTITY, submitted, &errors).await
        }
    }
}

pub async fn article10(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<Article10Input>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, id) = path.into_inner();
    let form = form.into_inner();
    let (actor, i, f) = (ctx.actor(), id.clone(), form.clone());
    let back = format!("/cases/{reference}/assessments/{id}");
    match state
        .db(move |conn| Ok(assessment::record_article10(conn, &actor, &user, &i, &f)))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(_) => Ok(redirect_with(&ctx, &back, Flash::success("Article 10 stage recorded"))),
        Err(errors) => {
            let submitted = Submitted::Article10(form);
            show_page(&ctx, &state, reference, id, StatusCode::UNPROCESSABLE_ENTITY, submitted, &errors).await
        }
    }
}

async fn ip_page(
    ctx: &RequestContext,
    state: &AppState,
    reference: String,
    status: StatusCode,
    form: Option<&IpRequestInput>,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let page = state.db(move |conn| Ok(assessment::request_page(conn, &user, &reference)?)).await?;
    let mut c = tera::Context::new();
    // A new request offers the stage the case is at.
    let form = form.cloned().unwrap_or_else(|| IpRequestInput::new_request(page.stage_now));
    c.insert("page", &page);
    c.insert("form", &form);
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "assessments/ip_request.html", c)
}

pub async fn ip_form(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    ip_page(&ctx, &state, reference.into_inner(), StatusCode::OK, None, &FieldErrors::default()).await
}

pub async fn ip_request(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<IpRequestInput>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let reference = reference.into_inner();
    let form = form.into_inner();
    let (actor, r, f) = (ctx.actor(), reference.clone(), form.clone());
    let back = format!("/cases/{reference}");
    match state
        .db(move |conn| Ok(assessment::request_ip_view(conn, &actor, &user, &r, &f.ip, &f.stage, &f.question)))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(_) => Ok(redirect_with(&ctx, &back, Flash::success("The Independent Person has been asked for their view"))),
        Err(errors) => ip_page(&ctx, &state, reference, StatusCode::UNPROCESSABLE_ENTITY, Some(&form), &errors).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct ViewForm {
    #[serde(default)]
    view: String,
}

/// The Independent Person's view, from the case page: a refusal or a missing view goes back to
/// the consultations with its message.
pub async fn ip_view(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<ViewForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (reference, id) = path.into_inner();
    let (actor, r, view) = (ctx.actor(), reference.clone(), form.into_inner().view);
    state
        .db(move |conn| Ok(assessment::record_ip_view(conn, &actor, &user, &r, &id, &view)))
        .await?
        .or_back_with_message(&ctx, &format!("/cases/{reference}#ip"))?;
    Ok(redirect_with(&ctx, &format!("/cases/{reference}"), Flash::success("Your view has been recorded")))
}

async fn decision_page(
    ctx: &RequestContext,
    state: &AppState,
    reference: String,
    status: StatusCode,
    form: &DecisionInput,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::SignOffDecisions)?.clone();
    let page = state.db(move |conn| Ok(decisions::decision_page(conn, &user, &reference, today())?)).await?;
    let mut c = tera::Context::new();
    c.insert("page", &page);
    c.insert("form", form);
    c.insert("decisions", &choices(&vocab::INITIAL_DECISIONS));
    c.insert("nfa_reasons", &choices(&vocab::NFA_REASONS));
    c.insert("referral_bodies", &choices(&vocab::REFERRAL_BODIES));
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "assessments/decision.html", c)
}

pub async fn decision_form(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (form, errors) = (DecisionInput::default(), FieldErrors::default());
    decision_page(&ctx, &state, reference.into_inner(), StatusCode::OK, &form, &errors).await
}

pub async fn decide(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<DecisionInput>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::SignOffDecisions)?.clone();
    let reference = reference.into_inner();
    let form = form.into_inner();
    let (actor, r, f) = (ctx.actor(), reference.clone(), form.clone());
    let back = format!("/cases/{reference}");
    match state
        .db(move |conn| Ok(decisions::decide(conn, &actor, &user, &r, &f, today())))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(d) => Ok(redirect_with(
            &ctx,
            &format!("/cases/{reference}/decisions/{}/notices", d.id),
            Flash::success("Decision recorded: review the notices, then send them"),
        )),
        Err(errors) => decision_page(&ctx, &state, reference, StatusCode::UNPROCESSABLE_ENTITY, &form, &errors).await,
    }
}

/// A decision's notices; after invalid edits it shows the texts as submitted.
async fn notices_page(
    ctx: &RequestContext,
    state: &AppState,
    reference: String,
    id: String,
    status: StatusCode,
    submitted: &[NoticeEdit],
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let mut page = state.db(move |conn| Ok(decisions::notices_page(conn, &user, &reference, &id)?)).await?;
    page.fill(submitted);
    let mut c = tera::Context::new();
    c.insert("page", &page);
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "assessments/notices.html", c)
}

pub async fn notices(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (reference, id) = path.into_inner();
    notices_page(&ctx, &state, reference, id, StatusCode::OK, &[], &FieldErrors::default()).await
}

pub async fn send_notices(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, id) = path.into_inner();
    let edits = NoticeEdit::from_pairs(&form.into_inner());
    let (actor, r, i, e) = (ctx.actor(), reference.clone(), id.clone(), edits.clone());
    let back = format!("/cases/{reference}/decisions/{id}/notices");
    match state
        .db(move |conn| Ok(decisions::send_notices(conn, &actor, &user, &r, &i, &e)))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(n) => Ok(redirect_with(
            &ctx,
            &format!("/cases/{reference}"),
            Flash::success(format!("{n} decision notice(s) sent")),
        )),
        Err(errors) => {
            notices_page(&ctx, &state, reference, id, StatusCode::UNPROCESSABLE_ENTITY, &edits, &errors).await
        }
    }
}

/// The Monitoring Officer approves the publication version (as edited); a refusal re-shows the
/// notices with the text as typed.
pub async fn approve_publication(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<decisions::PublicationInput>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, id) = path.into_inner();
    let input = form.into_inner();
    let (actor, r, i, f) = (ctx.actor(), reference.clone(), id.clone(), input.clone());
    let back = format!("/cases/{reference}/decisions/{id}/notices");
    match state
        .db(move |conn| Ok(decisions::approve_publication(conn, &actor, &user, &r, &i, &f)))
        .await?
        .or_back(&ctx, &back)?
    {
        Ok(()) => Ok(redirect_with(&ctx, &back, Flash::success("Publication version approved and published"))),
        Err(errors) => {
            let user = ctx.require(Permission::WorkCases)?.clone();
            let mut page = state.db(move |conn| Ok(decisions::notices_page(conn, &user, &reference, &id)?)).await?;
            page.publication_form = input;
            let mut c = tera::Context::new();
            c.insert("page", &page);
            insert_errors(&mut c, &errors);
            render::page_with_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, "assessments/notices.html", c)
        }
    }
}

/// A review request, from the case page: invalid input goes back to the decisions with its
/// messages.
pub async fn review(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<ReviewInput>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, id) = path.into_inner();
    let (actor, r, f) = (ctx.actor(), reference.clone(), form.into_inner());
    state
        .db(move |conn| Ok(decisions::record_review(conn, &actor, &user, &r, &id, &f, today())))
        .await?
        .or_back_with_message(&ctx, &format!("/cases/{reference}#decisions"))?;
    Ok(redirect_with(&ctx, &format!("/cases/{reference}"), Flash::success("Review request recorded")))
}

/// The outcome of a review request, from the case page: upheld reopens the case; invalid input
/// goes back to the decisions with its messages.
pub async fn review_outcome(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<decisions::ReviewOutcomeInput>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, id) = path.into_inner();
    let typed = form.into_inner();
    let (actor, r, f, d) = (ctx.actor(), reference.clone(), typed.clone(), id.clone());
    let done = match state
        .db(move |conn| Ok(decisions::decide_review(conn, &actor, &user, &r, &d, &f)))
        .await?
        .or_back(&ctx, &format!("/cases/{reference}#decisions"))?
    {
        Ok(done) => done,
        Err(errors) => {
            return crate::web::cases::show_with_review_errors(&ctx, &state, reference, &errors, &id, &typed).await
        }
    };
    let message = match done {
        decisions::ReviewDecided::Reopened => "Review upheld: the case is reopened for a new initial assessment".into(),
        decisions::ReviewDecided::NotUpheld { emailed: 0 } => {
            "Review not upheld: there is no email address, so tell the requester by post".into()
        }
        decisions::ReviewDecided::NotUpheld { .. } => {
            "Review not upheld: the requester has been told by email".to_string()
        }
    };
    Ok(redirect_with(&ctx, &format!("/cases/{reference}"), Flash::success(message)))
}

/// `/help/capacity-test`: every version of the capacity test explained from its definition, for
/// any signed-in user.
pub async fn help(ctx: RequestContext, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let help = state.db(move |conn| Ok(assessment::capacity_test_help(conn, &user)?)).await?;
    render::page(&ctx, "help/capacity_test.html", tera::Context::from_serialize(&help)?)
}
