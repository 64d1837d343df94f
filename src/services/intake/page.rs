//! The complaint form page as a typed view: the answers as typed, the draft and its files, and
//! the choices the form offers. The same view serves a first showing and a 422 re-render.

use crate::db::DbConnection;
use crate::models::case::Case;
use crate::models::file::DraftFile;
use crate::services::cache;
use crate::services::cases::Choice;
use crate::services::intake::form::{
    authority_choices, provision_choices, register_choices, register_groups, Channel, ChoiceGroup, ComplaintForm,
};
use crate::services::vocab;
use chrono::NaiveDate;
use diesel::QueryResult;
use serde::Serialize;
use std::sync::Arc;

#[derive(Debug, Clone, Serialize)]
pub struct FormPage {
    pub form: ComplaintForm,
    /// The draft the answers and files are kept in ("" before the first post).
    pub draft_id: String,
    pub files: Vec<DraftFile>,
    /// The officer's form (how it arrived, the date received) rather than the public one.
    pub staff: bool,
    pub complainant_legend: &'static str,
    pub councillors: Vec<Choice>,
    /// The councillor list by council (current members; former ones too on the officers' form).
    pub councillor_groups: Vec<ChoiceGroup>,
    pub councils: Vec<Choice>,
    pub provisions: Vec<Choice>,
    pub platforms: Vec<Choice>,
    pub complainant_types: Vec<Choice>,
    pub sources: Vec<Choice>,
    pub confidential_options: Vec<Choice>,
    /// Open cases the complaint may belong to (the officer chooses).
    pub matches: Vec<CaseMatch>,
}

/// An open case about the same conduct, offered to add the complaint to.
#[derive(Debug, Clone, Serialize)]
pub struct CaseMatch {
    pub value: String,
    pub reference: String,
    pub summary: String,
}

/// The form's choices read from the reference tables (the register, councils, codes in force).
struct FormChoices {
    councillors: Vec<Choice>,
    councillor_groups: Vec<ChoiceGroup>,
    councils: Vec<Choice>,
    provisions: Vec<Choice>,
}

static FORM_CHOICES: cache::Slot<(Channel, NaiveDate), FormChoices> = cache::Slot::new();

/// The choices for the channel on the day, built once until a reference table changes
/// (`services::cache`): the form is the page a viral post brings the public to.
fn form_choices(conn: &mut DbConnection, channel: Channel, today: NaiveDate) -> QueryResult<Arc<FormChoices>> {
    cache::reference(conn, &FORM_CHOICES, (channel, today), |conn| {
        Ok(FormChoices {
            councillors: register_choices(conn, today)?,
            councillor_groups: register_groups(conn, channel, today)?,
            councils: authority_choices(conn)?,
            provisions: provision_choices(conn, today)?,
        })
    })
}

/// Builds the page: `draft` is the draft's id and files, when there is one.
pub(super) fn build(
    conn: &mut DbConnection,
    channel: Channel,
    form: ComplaintForm,
    draft: Option<(String, Vec<DraftFile>)>,
    matches: &[Case],
    today: NaiveDate,
) -> QueryResult<FormPage> {
    let (draft_id, files) = draft.unwrap_or_default();
    let staff = channel == Channel::Staff;
    let choices = form_choices(conn, channel, today)?;
    Ok(FormPage {
        form,
        draft_id,
        files,
        staff,
        complainant_legend: if staff { "Who is the complainant?" } else { "Are you complaining as" },
        councillors: choices.councillors.clone(),
        councillor_groups: choices.councillor_groups.clone(),
        councils: choices.councils.clone(),
        provisions: choices.provisions.clone(),
        platforms: Choice::list(&vocab::PLATFORMS),
        complainant_types: Choice::list(&vocab::COMPLAINANT_TYPES),
        sources: Choice::list(&vocab::COMPLAINT_SOURCES[1..]),
        confidential_options: Choice::list(&[("yes", "Yes"), ("no", "No")]),
        matches: matches
            .iter()
            .map(|m| CaseMatch { value: m.id.clone(), reference: m.reference.clone(), summary: m.summary.clone() })
            .collect(),
    })
}
