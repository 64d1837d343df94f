//! Informal resolution: the actions agreed with the member (an apology, removal of posts,
//! training), each tracked to done; closing the case as resolved once they all are; or the
//! member's refusal, which sends the case back for a decision.

use super::rules;
use crate::db::DbConnection;
use crate::models::case::CaseStatus;
use crate::models::new_id;
use crate::models::now;
use crate::models::takedown::{self as rows, InformalAction};
use crate::models::user::User;
use crate::services::audit::{self, Actor, Event};
use crate::services::cases;
use crate::services::vocab;
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDate;

/// Informal resolution: the agreed actions, each tracked to done.
pub fn add_action(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    kind: &str,
    description: &str,
    due: Option<NaiveDate>,
) -> ServiceResult<InformalAction> {
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        rules::may_work_informal(user, &case)?;
        let mut e = FieldErrors::default();
        if !vocab::INFORMAL_ACTION_KINDS.iter().any(|(v, _)| *v == kind) {
            e.add("kind", "Select the kind of action");
        }
        crate::services::text::check_one_line(&mut e, "description", description, "what was agreed");
        if clean(description).is_none() {
            e.add("description", "Describe the agreed action");
        }
        e.into_result()?;
        let a = InformalAction {
            id: new_id(),
            case_id: case.id.clone(),
            kind: kind.into(),
            description: description.trim().into(),
            due_on: due,
            done_on: None,
            done_note: None,
            created_by_user_id: user.id.clone().into(),
            created_at: now(),
        };
        rows::insert_action(conn, &a)?;
        audit::record(
            conn,
            actor,
            Event::new("informal.action_agreed", "informal_action", &a.id).case(&case.id).summary(format!(
                "Agreed action: {} ({})",
                a.description,
                vocab::label(&vocab::INFORMAL_ACTION_KINDS, kind)
            )),
        )?;
        Ok(a)
    })
}

pub fn complete_action(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    action_id: &str,
    on: NaiveDate,
    note: &str,
) -> ServiceResult<()> {
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        rules::may_work_informal(user, &case)?;
        let a = rows::actions(conn, &case.id)?.into_iter().find(|a| a.id == action_id).ok_or(ServiceError::NotFound)?;
        if a.done_on.is_some() {
            return Err(ServiceError::Refused("That action is already done".into()));
        }
        rows::complete_action(conn, &a.id, on, clean(note).as_deref())?;
        audit::record(
            conn,
            actor,
            Event::new("informal.action_done", "informal_action", &a.id)
                .case(&case.id)
                .summary(format!("Action done: {}", a.description)),
        )?;
        Ok(())
    })
}

/// Closes the case as resolved: only when every agreed action is done.
pub fn close_resolved(conn: &mut DbConnection, actor: &Actor, user: &User, reference: &str) -> ServiceResult<()> {
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        rules::may_work_informal(user, &case)?;
        let actions = rows::actions(conn, &case.id)?;
        if actions.is_empty() {
            return Err(ServiceError::Refused("Record the agreed actions first".into()));
        }
        let open: Vec<_> = actions.iter().filter(|a| a.done_on.is_none()).map(|a| a.description.clone()).collect();
        if !open.is_empty() {
            return Err(ServiceError::Refused(format!("These actions are not done yet: {}", open.join("; "))));
        }
        cases::transition(conn, actor, &case, CaseStatus::Closed, "Resolved informally")
    })
}

/// The member refused informal resolution: the case goes back for a decision (investigation or no
/// further action).
pub fn member_refused(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    note: &str,
) -> ServiceResult<()> {
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        rules::may_work_informal(user, &case)?;
        let note = clean(note)
            .ok_or_else(|| ServiceError::Invalid(FieldErrors::single("refusal_note", "Say what the member refused")))?;
        cases::transition(
            conn,
            actor,
            &case,
            CaseStatus::InitialAssessment,
            &format!("Member refused informal resolution: {note}"),
        )?;
        Ok(())
    })
}
