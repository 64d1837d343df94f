//! Independent Person consultations: an officer asks (by email) and the IP then sees this case,
//! and only it; the IP records their view.

use super::rules;
use crate::db::DbConnection;
use crate::emails;
use crate::models::assessment::{self as rows, IpConsultation};
use crate::models::case::{Case, CaseStatus};
use crate::models::user::{self as user_rows, Role, User};
use crate::models::{new_id, now};
use crate::services::access::{self, Permission};
use crate::services::audit::{self, Actor, Event};
use crate::services::cases;
use crate::services::outbox::{self, To};
use crate::services::vocab;
use crate::services::vocab::Choice;
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use serde::Serialize;

/// The request as submitted.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct IpRequestInput {
    pub ip: String,
    pub stage: String,
    pub question: String,
}

impl IpRequestInput {
    /// A new request starts at the stage the case is at (`IpRequestPage::stage_now`).
    pub fn new_request(stage: &str) -> Self {
        IpRequestInput { stage: stage.to_string(), ..Default::default() }
    }
}

/// The Independent Person stage a case is at: the initial assessment, after the investigation,
/// or the hearing.
pub fn stage_now(case: &Case) -> &'static str {
    match case.status {
        CaseStatus::Investigation | CaseStatus::PostInvestigation => "post-investigation",
        CaseStatus::Hearing | CaseStatus::DecisionNotice | CaseStatus::Sanctions => "hearing",
        _ => "initial-assessment",
    }
}

/// What the request form offers.
#[derive(Debug, Clone, Serialize)]
pub struct IpRequestPage {
    pub reference: String,
    pub ips: Vec<Choice>,
    pub stages: Vec<Choice>,
    /// The stage the case is at, which a new request starts at.
    pub stage_now: &'static str,
}

/// The request form: officers, on an open case.
pub fn request_page(conn: &mut DbConnection, user: &User, reference: &str) -> ServiceResult<IpRequestPage> {
    let case = cases::find_visible(conn, user, reference)?;
    rules::require(user, Permission::WorkCases)?;
    rules::may_ask_ip(user, &case).map_err(ServiceError::Refused)?;
    let ips = user_rows::list_for_role(conn, Role::IndependentPerson)?
        .into_iter()
        .map(|u| Choice { value: u.id, label: u.name })
        .collect();
    Ok(IpRequestPage {
        stage_now: stage_now(&case),
        reference: case.reference,
        ips,
        stages: Choice::list(&vocab::IP_STAGES),
    })
}

/// Asks an Independent Person for their view (by email); they then see this case, and only it.
pub fn request_ip_view(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    ip_user_id: &str,
    stage: &str,
    question: &str,
) -> ServiceResult<IpConsultation> {
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        rules::require(user, Permission::WorkCases)?;
        rules::may_ask_ip(user, &case).map_err(ServiceError::Refused)?;
        let mut e = FieldErrors::default();
        let ip = user_rows::find(conn, ip_user_id)?.filter(|u| u.active && u.role() == Some(Role::IndependentPerson));
        if ip.is_none() {
            e.add("ip", "Select an Independent Person");
        }
        let question = clean(question);
        if question.is_none() {
            e.add("question", "Enter what you are asking the Independent Person");
        }
        if !vocab::is_code(&vocab::IP_STAGES, stage) {
            e.add("stage", "Select the stage");
        }
        e.into_result()?;
        let (ip, question) = (ip.expect("checked"), question.expect("checked"));
        access::grant(conn, &case.id, &ip.id, access::Part::IndependentPerson, &user.id)?;
        // The email carries what the Independent Person may read (`access::Sections`).
        let ip_sees = access::Sections::of_part(access::Part::IndependentPerson);
        let withheld = crate::services::notices::withheld_from_viewer(conn, &case.id, &ip_sees)?;
        let letter = emails::IpRequest {
            name: ip.name.clone(),
            reference: case.reference.clone(),
            question: crate::services::notices::anonymise(&question, &withheld),
            requested_by: user.name.clone(),
        };
        let message = outbox::queue(conn, Some(&case.id), To::new(&ip.email, &ip.name), &letter)?;
        let row = IpConsultation {
            id: new_id(),
            case_id: case.id.clone(),
            stage: stage.to_string(),
            ip_user_id: ip.id.clone(),
            question,
            requested_by_user_id: user.id.clone(),
            requested_at: now(),
            outbox_id: Some(message.id),
            view_text: None,
            view_recorded_at: None,
        };
        rows::insert_consultation(conn, &row)?;
        audit::record(
            conn,
            actor,
            Event::new("ip.view_requested", "ip_consultation", &row.id)
                .case(&case.id)
                .summary(format!("Independent Person {} asked for their view", ip.name)),
        )?;
        Ok(row)
    })
}

/// The Independent Person records their view (only the one asked may, once).
pub fn record_ip_view(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    consultation_id: &str,
    view: &str,
) -> ServiceResult<()> {
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        let c = rows::find_consultation(conn, &case.id, consultation_id)?.ok_or(ServiceError::NotFound)?;
        if c.ip_user_id != user.id {
            return Err(ServiceError::Forbidden);
        }
        rules::may_record_view(user, &c).map_err(ServiceError::Refused)?;
        let view = clean(view).ok_or_else(|| ServiceError::invalid("view", "Enter your view before saving it"))?;
        rows::record_view(conn, &c.id, &view, now())?;
        audit::record(
            conn,
            actor,
            Event::new("ip.view_recorded", "ip_consultation", &c.id)
                .case(&case.id)
                .summary(format!("Independent Person {} recorded their view", user.name)),
        )?;
        Ok(())
    })
}
