//! Conflict declarations: anyone who can see a case (a staff user, an Independent Person, a
//! committee member) may declare a conflict of interest on it, with a reason. The declaration
//! removes their access at once (`access::visible_cases` reads it) and shows to the Monitoring
//! Officer, who may record that it is not disqualifying, with reasons: their access comes back and
//! the declaration stays on record. Each step is audited in the same transaction.

use crate::db::DbConnection;
use crate::models::conflict::{self as rows, ConflictDeclaration};
use crate::models::user::{self as user_rows, User};
use crate::models::{new_id, now};
use crate::services::access::{self, Permission};
use crate::services::audit::{self, Actor, Event};
use crate::services::cases;
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// The longest reason kept.
const REASON_MAX: usize = 5_000;

/// A declaration as the Monitoring Officer sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ConflictView {
    pub id: String,
    pub user: String,
    pub role: String,
    pub reason: String,
    pub declared_at: NaiveDateTime,
    pub cleared_by: Option<String>,
    pub cleared_at: Option<NaiveDateTime>,
    pub cleared_reason: Option<String>,
    pub can_clear: bool,
    /// The reasons typed for clearing it (after a refusal).
    pub typed: String,
}

/// The conflicts page: the declare form for the user, the declarations for the Monitoring Officer.
#[derive(Debug, Clone, Serialize)]
pub struct ConflictsPage {
    pub reference: String,
    pub can_declare: bool,
    /// Empty unless the user may see declarations (the Monitoring Officer or a deputy).
    pub declarations: Vec<ConflictView>,
    pub sees_declarations: bool,
    pub form: ConflictForms,
}

/// What the page's forms show (what was typed, after a refusal).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ConflictForms {
    pub reason: String,
    /// The declaration a clearance was typed for, and its reasons.
    pub clear_id: String,
    pub clear_reason: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct DeclareInput {
    pub reason: String,
}

/// The reasons for clearing a declaration, from its form field `clear_reason_<id>`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ClearInput {
    pub clear_reason: String,
}

impl ClearInput {
    pub fn from_pairs(pairs: &[(String, String)], declaration_id: &str) -> Self {
        let key = format!("clear_reason_{declaration_id}");
        ClearInput { clear_reason: pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()).unwrap_or_default() }
    }
}

/// Declaring a conflict: anyone who can see the case (the caller has found it visible).
pub fn may_declare(user: &User) -> Result<(), ServiceError> {
    if !user.active {
        return Err(ServiceError::Forbidden);
    }
    Ok(())
}

/// Seeing and clearing declarations: the Monitoring Officer or a deputy.
pub fn may_review_conflicts(user: &User) -> bool {
    access::can(user, Permission::SignOffDecisions)
}

fn check_text(e: &mut FieldErrors, field: &str, value: &str, missing: &str) -> Option<String> {
    let v = clean(value);
    match &v {
        None => e.add(field, missing),
        Some(t) if t.chars().count() > REASON_MAX => {
            e.add(field, format!("Keep it to {REASON_MAX} characters or fewer"));
        }
        Some(t) if t.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) => {
            e.add(field, "Remove the control characters");
        }
        _ => {}
    }
    v
}

/// What the case page says of the declared conflicts (counts for the Monitoring Officer only).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ConflictCounts {
    pub sees_declarations: bool,
    pub declared: usize,
    /// Declared and not found not disqualifying.
    pub awaiting: usize,
}

pub fn counts(conn: &mut DbConnection, user: &User, case_id: &str) -> ServiceResult<ConflictCounts> {
    if !may_review_conflicts(user) {
        return Ok(ConflictCounts::default());
    }
    let all = rows::for_case(conn, case_id)?;
    Ok(ConflictCounts {
        sees_declarations: true,
        declared: all.len(),
        awaiting: all.iter().filter(|d| d.cleared_at.is_none()).count(),
    })
}

/// The conflicts page of a case.
pub fn page(
    conn: &mut DbConnection,
    user: &User,
    reference: &str,
    form: ConflictForms,
) -> ServiceResult<ConflictsPage> {
    let case = cases::find_visible(conn, user, reference)?;
    let sees = may_review_conflicts(user);
    let mut declarations = Vec::new();
    if sees {
        for d in rows::for_case(conn, &case.id)? {
            let mut v = view(conn, user, d)?;
            if v.id == form.clear_id {
                v.typed = form.clear_reason.clone();
            }
            declarations.push(v);
        }
    }
    Ok(ConflictsPage {
        reference: case.reference,
        can_declare: may_declare(user).is_ok(),
        declarations,
        sees_declarations: sees,
        form,
    })
}

fn view(conn: &mut DbConnection, user: &User, d: ConflictDeclaration) -> ServiceResult<ConflictView> {
    let who = user_rows::find(conn, &d.user_id)?;
    let cleared_by = match &d.cleared_by_user_id {
        Some(id) => user_rows::find(conn, id)?.map(|u| u.name),
        None => None,
    };
    Ok(ConflictView {
        can_clear: may_review_conflicts(user) && d.cleared_at.is_none() && d.user_id != user.id,
        user: who.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
        role: who.and_then(|u| u.role()).map(|r| r.label().to_string()).unwrap_or_default(),
        id: d.id,
        reason: d.reason,
        declared_at: d.declared_at,
        cleared_by,
        cleared_at: d.cleared_at,
        cleared_reason: d.cleared_reason,
        typed: String::new(),
    })
}

/// The user declares a conflict on the case: they lose access to it at once.
pub fn declare(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    input: &DeclareInput,
) -> ServiceResult<String> {
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        may_declare(user)?;
        let mut e = FieldErrors::default();
        let reason = check_text(&mut e, "reason", &input.reason, "Say why you have a conflict of interest");
        e.into_result()?;
        let row = ConflictDeclaration {
            id: new_id(),
            case_id: case.id.clone(),
            user_id: user.id.clone(),
            reason: reason.expect("checked"),
            declared_at: now(),
            cleared_by_user_id: None,
            cleared_at: None,
            cleared_reason: None,
        };
        rows::insert(conn, &row)?;
        audit::record(
            conn,
            actor,
            Event::new("conflict.declared", "conflict_declaration", &row.id)
                .case(&case.id)
                .summary(format!("{} declared a conflict of interest and no longer has access", user.name)),
        )?;
        Ok(case.reference)
    })
}

/// The Monitoring Officer records that a declared conflict is not disqualifying: the user's
/// access comes back.
pub fn clear(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &User,
    reference: &str,
    declaration_id: &str,
    input: &ClearInput,
) -> ServiceResult<String> {
    crate::db::write(conn, |conn| {
        let case = cases::find_visible(conn, user, reference)?;
        if !may_review_conflicts(user) {
            return Err(ServiceError::Forbidden);
        }
        let d = rows::find(conn, declaration_id)?.filter(|d| d.case_id == case.id).ok_or(ServiceError::NotFound)?;
        if d.cleared_at.is_some() {
            return Err(ServiceError::refused("This conflict has already been found not disqualifying"));
        }
        if d.user_id == user.id {
            return Err(ServiceError::refused("Another officer decides on your own declared conflict"));
        }
        let mut e = FieldErrors::default();
        let reasons = check_text(
            &mut e,
            &format!("clear_reason_{}", d.id),
            &input.clear_reason,
            "Give the reasons the conflict is not disqualifying",
        );
        e.into_result()?;
        rows::clear(conn, &d.id, &user.id, now(), &reasons.expect("checked"))?;
        let who = user_rows::find(conn, &d.user_id)?.map(|u| u.name).unwrap_or_default();
        audit::record(
            conn,
            actor,
            Event::new("conflict.cleared", "conflict_declaration", &d.id)
                .case(&case.id)
                .summary(format!("{who}'s declared conflict found not disqualifying: access restored")),
        )?;
        Ok(who)
    })
}
