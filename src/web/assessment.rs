//! Pages of the initial assessment: capacity assessments, the conclusion, the Article 10 stage,
//! Independent Person consultations, the decision, its notices and review requests.

use crate::error::{AppError, AppResult};
use crate::services::access::Permission;
use crate::services::assessment::{self, AnswerInput, Article10Input, DecisionInput, ReviewInput};
use crate::services::vocab;
use crate::services::{FieldErrors, ServiceError};
use crate::web::context::{Flash, RequestContext};
use crate::web::forms::{choices, insert_errors, redirect_with, today};
use crate::web::render;
use crate::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct MemberQuery {
    member: String,
}

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
    let mut data =
        state.db(move |conn| assessment::form_data(conn, &user, &reference, &member).map_err(AppError::from)).await?;
    if let Some(input) = submitted {
        // Show what was submitted, not the previous version.
        if let Some(qs) = data["questions"].as_array_mut() {
            for q in qs {
                let code = q["code"].as_str().unwrap_or_default().to_string();
                q["answer"] = input.answers.get(&code).cloned().unwrap_or_default().into();
                q["note"] = input.notes.get(&code).cloned().unwrap_or_default().into();
                q["evidence"] = input.evidence.get(&code).cloned().unwrap_or_default().into();
            }
        }
        data["role_used"] = input.role_used.clone().into();
    }
    let mut c = tera::Context::new();
    c.insert("data", &data);
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "assessments/form.html", c)
}

pub async fn new_form(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    query: web::Query<MemberQuery>,
) -> AppResult<HttpResponse> {
    form_page(
        &ctx,
        &state,
        reference.into_inner(),
        query.into_inner().member,
        StatusCode::OK,
        None,
        &FieldErrors::default(),
    )
    .await
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
    let result = state.db(move |conn| Ok(assessment::assess(conn, &actor, &user, &r, &m, &i))).await?;
    match result {
        Ok(a) => Ok(redirect_with(
            &ctx,
            &format!("/cases/{reference}/assessments/{}", a.id),
            Flash::success(format!("Capacity assessment saved (version {})", a.version)),
        )),
        Err(ServiceError::Invalid(errors)) => {
            form_page(&ctx, &state, reference, member, StatusCode::UNPROCESSABLE_ENTITY, Some(&input), &errors).await
        }
        Err(ServiceError::Refused(m)) => Ok(redirect_with(&ctx, &format!("/cases/{reference}"), Flash::important(m))),
        Err(e) => Err(AppError::from(e)),
    }
}

async fn show_page(
    ctx: &RequestContext,
    state: &AppState,
    reference: String,
    id: String,
    status: StatusCode,
    errors: &FieldErrors,
    form: serde_json::Value,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let data = state.db(move |conn| assessment::detail(conn, &user, &reference, &id).map_err(AppError::from)).await?;
    let mut c = tera::Context::new();
    c.insert("a", &data);
    c.insert("form", &form);
    c.insert("outcomes", &choices(&vocab::CAPACITY_OUTCOMES));
    c.insert("targets", &choices(&vocab::ARTICLE10_TARGETS));
    c.insert("yes_no", &choices(&[("yes", "Yes"), ("no", "No")]));
    c.insert("yes_no_unclear", &choices(&[("yes", "Yes"), ("no", "No"), ("unclear", "Unclear")]));
    c.insert(
        "fact_value",
        &choices(&[("fact", "Statements of fact"), ("value", "Value judgements"), ("both", "Both")]),
    );
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "assessments/show.html", c)
}

pub async fn show(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (reference, id) = path.into_inner();
    show_page(&ctx, &state, reference, id, StatusCode::OK, &FieldErrors::default(), serde_json::json!({})).await
}

#[derive(Debug, Deserialize, serde::Serialize, Default)]
pub struct ConcludeForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    authority: String,
    #[serde(default)]
    reason: String,
}

pub async fn conclude(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<ConcludeForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::SignOffDecisions)?.clone();
    let (reference, id) = path.into_inner();
    let form = form.into_inner();
    let (actor, i, f) = (ctx.actor(), id.clone(), serde_json::to_value(&form).unwrap_or_default());
    let result = state
        .db(move |conn| Ok(assessment::conclude(conn, &actor, &user, &i, &form.outcome, &form.authority, &form.reason)))
        .await?;
    match result {
        Ok(_) => Ok(redirect_with(
            &ctx,
            &format!("/cases/{reference}/assessments/{id}"),
            Flash::success("Capacity concluded"),
        )),
        Err(ServiceError::Invalid(errors)) => {
            show_page(&ctx, &state, reference, id, StatusCode::UNPROCESSABLE_ENTITY, &errors, f).await
        }
        Err(ServiceError::Refused(m)) => {
            Ok(redirect_with(&ctx, &format!("/cases/{reference}/assessments/{id}"), Flash::important(m)))
        }
        Err(e) => Err(AppError::from(e)),
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
    let (actor, i, f) = (ctx.actor(), id.clone(), serde_json::to_value(&form).unwrap_or_default());
    let result = state.db(move |conn| Ok(assessment::record_article10(conn, &actor, &user, &i, &form))).await?;
    match result {
        Ok(_) => Ok(redirect_with(
            &ctx,
            &format!("/cases/{reference}/assessments/{id}"),
            Flash::success("Article 10 stage recorded"),
        )),
        Err(ServiceError::Invalid(errors)) => {
            show_page(&ctx, &state, reference, id, StatusCode::UNPROCESSABLE_ENTITY, &errors, f).await
        }
        Err(ServiceError::Refused(m)) => {
            Ok(redirect_with(&ctx, &format!("/cases/{reference}/assessments/{id}"), Flash::important(m)))
        }
        Err(e) => Err(AppError::from(e)),
    }
}

#[derive(Debug, Deserialize, serde::Serialize, Default)]
pub struct IpForm {
    #[serde(default)]
    ip: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    question: String,
}

async fn ip_page(
    ctx: &RequestContext,
    state: &AppState,
    reference: String,
    status: StatusCode,
    form: &IpForm,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let r = reference.clone();
    let ips = state
        .db(move |conn| {
            crate::services::cases::find_workable(conn, &user, &r)?;
            Ok(crate::models::user::list_for_role(conn, crate::models::user::Role::IndependentPerson)?)
        })
        .await?;
    let mut c = tera::Context::new();
    c.insert("reference", &reference);
    c.insert("form", form);
    c.insert("ips", &ips.iter().map(|u| serde_json::json!({ "value": u.id, "label": u.name })).collect::<Vec<_>>());
    c.insert(
        "stages",
        &choices(&[
            ("initial-assessment", "Initial assessment"),
            ("post-investigation", "After the investigation"),
            ("other", "Other"),
        ]),
    );
    insert_errors(&mut c, errors);
    render::page_with_status(ctx, status, "assessments/ip_request.html", c)
}

pub async fn ip_form(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    let form = IpForm { stage: "initial-assessment".into(), ..Default::default() };
    ip_page(&ctx, &state, reference.into_inner(), StatusCode::OK, &form, &FieldErrors::default()).await
}

pub async fn ip_request(
    ctx: RequestContext,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    form: web::Form<IpForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let reference = reference.into_inner();
    let form = form.into_inner();
    let (actor, r, ip, stage, q) =
        (ctx.actor(), reference.clone(), form.ip.clone(), form.stage.clone(), form.question.clone());
    let result =
        state.db(move |conn| Ok(assessment::request_ip_view(conn, &actor, &user, &r, &ip, &stage, &q))).await?;
    match result {
        Ok(_) => Ok(redirect_with(
            &ctx,
            &format!("/cases/{reference}"),
            Flash::success("The Independent Person has been asked for their view"),
        )),
        Err(ServiceError::Invalid(errors)) => {
            ip_page(&ctx, &state, reference, StatusCode::UNPROCESSABLE_ENTITY, &form, &errors).await
        }
        Err(e) => Err(AppError::from(e)),
    }
}

#[derive(Debug, Deserialize)]
pub struct ViewForm {
    #[serde(default)]
    view: String,
}

pub async fn ip_view(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<ViewForm>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let (reference, id) = path.into_inner();
    let (actor, r, view) = (ctx.actor(), reference.clone(), form.into_inner().view);
    let result = state.db(move |conn| Ok(assessment::record_ip_view(conn, &actor, &user, &r, &id, &view))).await?;
    match result {
        Ok(()) => {
            Ok(redirect_with(&ctx, &format!("/cases/{reference}"), Flash::success("Your view has been recorded")))
        }
        Err(ServiceError::Invalid(_)) => Ok(redirect_with(
            &ctx,
            &format!("/cases/{reference}#ip"),
            Flash::important("Enter your view before saving it"),
        )),
        Err(ServiceError::Refused(m)) => Ok(redirect_with(&ctx, &format!("/cases/{reference}"), Flash::important(m))),
        Err(e) => Err(AppError::from(e)),
    }
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
    let r = reference.clone();
    let summary = state
        .db(move |conn| {
            let case = crate::services::cases::find_workable(conn, &user, &r)?;
            assessment::summary(conn, &user, &case).map_err(AppError::from)
        })
        .await?;
    let mut c = tera::Context::new();
    c.insert("reference", &reference);
    c.insert("summary", &summary);
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
    decision_page(
        &ctx,
        &state,
        reference.into_inner(),
        StatusCode::OK,
        &DecisionInput::default(),
        &FieldErrors::default(),
    )
    .await
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
    let result = state.db(move |conn| Ok(assessment::decide(conn, &actor, &user, &r, &f, today()))).await?;
    match result {
        Ok(d) => Ok(redirect_with(
            &ctx,
            &format!("/cases/{reference}/decisions/{}/notices", d.id),
            Flash::success("Decision recorded: review the notices, then send them"),
        )),
        Err(ServiceError::Invalid(errors)) => {
            decision_page(&ctx, &state, reference, StatusCode::UNPROCESSABLE_ENTITY, &form, &errors).await
        }
        Err(ServiceError::Refused(m)) => {
            let errors = FieldErrors::single("outcome", m);
            decision_page(&ctx, &state, reference, StatusCode::UNPROCESSABLE_ENTITY, &form, &errors).await
        }
        Err(e) => Err(AppError::from(e)),
    }
}

pub async fn notices(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, id) = path.into_inner();
    let (r, i) = (reference.clone(), id.clone());
    let list = state
        .db(move |conn| {
            let case = crate::services::cases::find_visible(conn, &user, &r)?;
            let d = crate::models::assessment::decisions_for_case(conn, &case.id)?
                .into_iter()
                .find(|d| d.id == i)
                .ok_or(crate::error::AppError::NotFound)?;
            Ok(crate::models::assessment::notices(conn, &d.id)?)
        })
        .await?;
    let mut c = tera::Context::new();
    c.insert("reference", &reference);
    c.insert("decision_id", &id);
    c.insert("notices", &list);
    c.insert("pending", &list.iter().any(|n| n.status == "draft"));
    insert_errors(&mut c, &FieldErrors::default());
    render::page(&ctx, "assessments/notices.html", c)
}

pub async fn send_notices(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, id) = path.into_inner();
    let pairs = form.into_inner();
    let mut edits: Vec<(String, String, String)> = Vec::new();
    for (k, v) in &pairs {
        if let Some(nid) = k.strip_prefix("subject_") {
            let body =
                pairs.iter().find(|(k2, _)| k2 == &format!("body_{nid}")).map(|(_, b)| b.clone()).unwrap_or_default();
            edits.push((nid.to_string(), v.clone(), body));
        }
    }
    let (actor, r, i) = (ctx.actor(), reference.clone(), id.clone());
    let result = state.db(move |conn| Ok(assessment::send_notices(conn, &actor, &user, &r, &i, &edits))).await?;
    match result {
        Ok(n) => Ok(redirect_with(
            &ctx,
            &format!("/cases/{reference}"),
            Flash::success(format!("{n} decision notice(s) sent")),
        )),
        Err(ServiceError::Invalid(_)) => Ok(redirect_with(
            &ctx,
            &format!("/cases/{reference}/decisions/{id}/notices"),
            Flash::important("Every notice needs a subject and a text"),
        )),
        Err(e) => Err(AppError::from(e)),
    }
}

pub async fn review(
    ctx: RequestContext,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<ReviewInput>,
) -> AppResult<HttpResponse> {
    let user = ctx.require(Permission::WorkCases)?.clone();
    let (reference, id) = path.into_inner();
    let (actor, r, f) = (ctx.actor(), reference.clone(), form.into_inner());
    let result = state.db(move |conn| Ok(assessment::record_review(conn, &actor, &user, &r, &id, &f, today()))).await?;
    match result {
        Ok(_) => Ok(redirect_with(&ctx, &format!("/cases/{reference}"), Flash::success("Review request recorded"))),
        Err(ServiceError::Invalid(errors)) => Ok(redirect_with(
            &ctx,
            &format!("/cases/{reference}#decisions"),
            Flash::important(errors.0.into_iter().map(|e| e.message).collect::<Vec<_>>().join(". ")),
        )),
        Err(e) => Err(AppError::from(e)),
    }
}
