//! The investigation page: the appointment, what has been gathered, the post-investigation
//! decision, and what this user may do there (flags from the same rules the actions use).

use super::appointment::AppointInput;
use super::decision::PostDecisionInput;
use super::entries::EntryInput;
use super::forms::{user_choices, Choice};
use super::rules::{
    awaits_decision, ip_view_recorded, ip_view_requested, may_add_entry, may_appoint, may_complete, may_decide,
    may_view, may_work, STAGE,
};
use crate::db::DbConnection;
use crate::models::assessment as assessment_rows;
use crate::models::case::Case;
use crate::models::hearing::{self as rows, Investigation};
use crate::models::user::{self as user_rows, Role, User};
use crate::services::cases;
use crate::services::ServiceResult;
use crate::services::{access, notices, vocab};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct InvestigationPage {
    pub reference: String,
    /// None until an investigator is appointed.
    pub investigation: Option<InvestigationView>,
    /// Set while the case waits for the post-investigation decision.
    pub decision_due: Option<DecisionDue>,
    /// The post-investigation decision, once made.
    pub decisions: Vec<DecisionView>,
    pub actions: InvestigationActions,
    pub forms: InvestigationForms,
    /// Who may be appointed: investigators with an account, or someone external.
    pub investigators: Vec<Choice>,
}

#[derive(Debug, Serialize)]
pub struct InvestigationView {
    pub investigator: Option<String>,
    pub appointed_at: NaiveDateTime,
    pub terms_of_reference: String,
    pub target_on: NaiveDate,
    pub completed_on: Option<NaiveDate>,
    pub entries: Vec<EntryView>,
}

#[derive(Debug, Serialize)]
pub struct EntryView {
    pub id: String,
    pub kind_label: &'static str,
    pub title: String,
    pub body: String,
    pub occurred_on: NaiveDate,
    pub file_name: Option<String>,
    pub sha256: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct DecisionDue {
    pub ip_view_recorded: bool,
    pub ip_view_requested: bool,
}

#[derive(Debug, Serialize)]
pub struct DecisionView {
    pub id: String,
    pub label: String,
    pub reasons: String,
    pub decided_at: NaiveDateTime,
}

#[derive(Debug, Default, Serialize)]
pub struct InvestigationActions {
    pub can_appoint: bool,
    pub can_add_entry: bool,
    pub can_complete: bool,
    pub can_decide: bool,
    /// Officers ask an Independent Person for their view (on the consultation page).
    pub can_request_ip_view: bool,
    pub can_open_notices: bool,
}

/// The values the page's forms show: what was typed (after a refused form) or the blanks.
#[derive(Debug, Default, Serialize)]
pub struct InvestigationForms {
    pub appoint: AppointInput,
    pub entry: EntryInput,
    pub decision: PostDecisionInput,
}

/// What a re-shown page keeps of the forms typed.
#[derive(Debug, Default)]
pub struct Typed {
    pub appoint: Option<AppointInput>,
    pub entry: Option<EntryInput>,
    pub decision: Option<PostDecisionInput>,
}

/// Who runs the investigation: the investigator's name, or the external investigator's.
fn investigator_name(conn: &mut DbConnection, inv: &Investigation) -> ServiceResult<Option<String>> {
    Ok(match &inv.investigator_user_id {
        Some(id) => user_rows::find(conn, id)?.map(|u| u.name),
        None => inv.external_investigator.as_ref().map(|n| format!("{n} (external)")),
    })
}

/// The investigation page, for officers and the case's investigator only (others who may see
/// the case, such as an Independent Person, get not found).
pub fn page(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    typed: Typed,
    today: NaiveDate,
) -> ServiceResult<InvestigationPage> {
    let case = cases::find_visible(conn, user, reference)?;
    let inv = rows::investigation_for_case(conn, &case.id)?;
    may_view(user, inv.as_ref())?;
    // The investigator does not know a confidential complainant: officers' words lose the name.
    let sections = access::sections(conn, user, &case.id)?;
    let withheld = notices::withheld_from_viewer(conn, &case.id, &sections)?;
    let text = |t: String| notices::anonymise(&t, &withheld);
    let mut actions = InvestigationActions {
        can_appoint: may_appoint(user, &case, inv.as_ref()).is_ok(),
        can_request_ip_view: may_work(user, &case).is_ok(),
        can_open_notices: may_work(user, &case).is_ok(),
        ..Default::default()
    };
    let investigation = match &inv {
        Some(inv) => {
            let entries = rows::entries(conn, &inv.id)?;
            actions.can_add_entry = may_add_entry(user, &case, inv).is_ok();
            actions.can_complete = may_complete(user, &case, inv, &entries).is_ok();
            Some(InvestigationView {
                investigator: investigator_name(conn, inv)?,
                appointed_at: inv.appointed_at,
                terms_of_reference: text(inv.terms_of_reference.clone()),
                target_on: inv.target_on,
                completed_on: inv.completed_on,
                entries: entries
                    .into_iter()
                    .map(|e| EntryView {
                        kind_label: vocab::label(&vocab::INVESTIGATION_ENTRY_KINDS, &e.kind),
                        id: e.id,
                        title: text(e.title),
                        body: text(e.body),
                        occurred_on: e.occurred_on,
                        file_name: e.file_name,
                        sha256: e.sha256,
                    })
                    .collect(),
            })
        }
        None => None,
    };
    let decision_due = if awaits_decision(&case) {
        let recorded = ip_view_recorded(conn, &case.id, STAGE)?;
        actions.can_decide = may_decide(user, &case, recorded).is_ok();
        Some(DecisionDue { ip_view_recorded: recorded, ip_view_requested: ip_view_requested(conn, &case.id, STAGE)? })
    } else {
        None
    };
    let mut investigators = user_choices(conn, Role::Investigator)?;
    investigators.push(Choice::new("external", "An external investigator"));
    Ok(InvestigationPage {
        reference: case.reference.clone(),
        investigation,
        decision_due,
        decisions: decisions(conn, &case)?,
        actions,
        forms: InvestigationForms {
            appoint: typed.appoint.unwrap_or_default(),
            entry: typed.entry.unwrap_or_else(|| EntryInput::blank(today)),
            decision: typed.decision.unwrap_or_default(),
        },
        investigators,
    })
}

fn decisions(conn: &mut DbConnection, case: &Case) -> ServiceResult<Vec<DecisionView>> {
    Ok(assessment_rows::decisions_for_case(conn, &case.id)?
        .into_iter()
        .filter(|d| d.stage == STAGE)
        .map(|d| DecisionView {
            label: vocab::stage_outcome_label(&d.stage, &d.outcome),
            id: d.id,
            reasons: d.reasons,
            decided_at: d.decided_at,
        })
        .collect())
}
