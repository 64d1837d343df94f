//! The case list: filters, search and sorting over the cases the user may see, the lists the
//! dashboard shows, and the search text each case keeps.

use crate::db::DbConnection;
use crate::models::authority as authority_rows;
use crate::models::case::{self as rows, Case, CaseFilter, CaseOrder, CaseStatus};
use crate::models::complaint as complaint_rows;
use crate::models::member as member_rows;
use crate::models::user::{self as user_rows, User};
use crate::services::access::{self, Permission};
use crate::services::calendar::Calendar;
use crate::services::cases::deadlines::{next_deadline, Deadline};
use crate::services::cases::rules::may_log_complaint;
use crate::services::ServiceResult;
use chrono::NaiveDate;
use diesel::QueryResult;
use serde::Serialize;
use std::collections::HashMap;

/// Rebuilds the lower-cased text the case list searches.
pub fn refresh_search_text(conn: &mut DbConnection, case_id: &str) -> QueryResult<()> {
    let case = rows::find(conn, case_id)?.ok_or(diesel::result::Error::NotFound)?;
    let mut parts = vec![case.reference.clone(), case.summary.clone()];
    for (c, who) in complaint_rows::list_for_case(conn, case_id)? {
        parts.extend([who.name, c.what_happened, c.why_official, c.post_urls]);
        parts.extend(c.unlisted_member_name);
    }
    for m in member_rows::list_for_case(conn, case_id)? {
        parts.push(m.full_name);
    }
    rows::set_search_text(conn, case_id, &parts.join("\n").to_lowercase())?;
    Ok(())
}

pub use crate::services::vocab::Choice;

/// Filters and sorting for the case list (from the query string).
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct CaseQuery {
    pub q: String,
    pub status: String,
    pub authority: String,
    pub member: String,
    pub assigned: String,
    pub overdue: String,
    pub sort: String,
    pub page: i64,
}

impl CaseQuery {
    /// What the query asks, for the user asking it.
    fn filter(&self, user: &User, today: NaiveDate) -> CaseFilter {
        let given = |s: &str| (!s.is_empty()).then(|| s.to_string());
        // Assignment and deadlines are the officers' (`access::Sections::assignment`).
        let management = shows_case_management(user);
        CaseFilter {
            statuses: match self.status.as_str() {
                "" => None,
                "open" => Some(CaseStatus::open()),
                code => Some(CaseStatus::parse(code).into_iter().collect()),
            },
            authority_id: given(&self.authority),
            member_id: given(&self.member),
            assigned: match self.assigned.as_str() {
                _ if !management => None,
                "" => None,
                "none" => Some(None),
                "me" => Some(Some(user.id.clone())),
                id => Some(Some(id.to_string())),
            },
            overdue_on: (management && self.overdue == "yes").then_some(today),
            due_between: None,
            terms: self.q.split_whitespace().take(8).map(str::to_string).collect(),
            // The search text holds complainants' names: only those who may see every
            // complainant's identity search it (else a search would tell who complained).
            terms_in_summary_only: !access::may_see_confidential_identity(user),
        }
    }

    fn order(&self) -> CaseOrder {
        match self.sort.as_str() {
            "oldest" => CaseOrder::Oldest,
            "reference" => CaseOrder::Reference,
            "ack-due" => CaseOrder::AckDue,
            "assessment-due" => CaseOrder::AssessmentDue,
            _ => CaseOrder::Newest,
        }
    }

    /// The query string without the page, for pagination links.
    fn without_page(&self) -> String {
        let pairs: Vec<(&str, &String)> = [
            ("q", &self.q),
            ("status", &self.status),
            ("authority", &self.authority),
            ("member", &self.member),
            ("assigned", &self.assigned),
            ("overdue", &self.overdue),
            ("sort", &self.sort),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }
}

pub const PAGE_SIZE: i64 = 25;

#[derive(Debug, Clone, Serialize)]
pub struct CaseRow {
    pub reference: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub status_colour: &'static str,
    pub summary: String,
    pub authority: String,
    pub assigned: Option<String>,
    pub received_on: NaiveDate,
    pub next_deadline: Option<Deadline>,
}

/// One page of the case list.
#[derive(Debug, Clone, Serialize)]
pub struct CaseList {
    pub rows: Vec<CaseRow>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

/// The cases the user may see (the one definition in `access`), filtered as asked. Search terms
/// must all appear.
pub fn list(conn: &mut DbConnection, user: &User, q: &CaseQuery, today: NaiveDate) -> QueryResult<CaseList> {
    let filter = q.filter(user, today);
    let total = rows::count_matching(conn, access::visible_cases(user), &filter)?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = q.page.clamp(1, pages);
    let ids =
        rows::ids_matching(conn, access::visible_cases(user), &filter, q.order(), (page - 1) * PAGE_SIZE, PAGE_SIZE)?;
    let found = rows::find_all_in_order(conn, &ids)?;
    let calendar = Calendar::load(conn)?;
    let mut rows = to_rows(conn, &calendar, found, today)?;
    if !shows_case_management(user) {
        for r in &mut rows {
            r.assigned = None;
            r.next_deadline = None;
        }
    }
    Ok(CaseList { rows, total, page, pages })
}

fn to_rows(
    conn: &mut DbConnection,
    calendar: &Calendar,
    found: Vec<Case>,
    today: NaiveDate,
) -> QueryResult<Vec<CaseRow>> {
    let authority_names: HashMap<String, String> =
        authority_rows::list_all(conn)?.into_iter().map(|a| (a.id, a.name)).collect();
    let user_names: HashMap<String, String> = user_rows::list_all(conn)?.into_iter().map(|u| (u.id, u.name)).collect();
    Ok(found
        .into_iter()
        .map(|c| {
            let next_deadline = next_deadline(calendar, &c, today);
            CaseRow {
                status_label: c.status.label(),
                status_colour: c.status.colour(),
                authority: authority_names.get(&c.authority_id).cloned().unwrap_or_default(),
                assigned: c.assigned_user_id.as_ref().and_then(|id| user_names.get(id).cloned()),
                reference: c.reference,
                status: c.status.as_str(),
                // Cut at a word, with an ellipsis, for the tables.
                summary: crate::services::vocab::excerpt(&c.summary, SUMMARY_CHARS),
                received_on: c.received_on,
                next_deadline,
            }
        })
        .collect())
}

/// What the case list page shows: the page of cases, the filters' choices and what the user may do.
#[derive(Debug, Clone, Serialize)]
pub struct CaseListPage {
    pub page: CaseList,
    pub q: CaseQuery,
    pub statuses: Vec<Choice>,
    pub authorities: Vec<Choice>,
    pub officers: Vec<Choice>,
    pub members: Vec<Choice>,
    /// The filters as a query string, without the page (for pagination links).
    pub query_string: String,
    /// The page's title: the filters, by their labels, and the page number (WCAG 2.4.2).
    pub title: String,
    pub actions: CaseListActions,
}

/// "Cases", the filters applied (by their labels) and the page number, so that the titles of
/// two lists, or two pages of one list, differ.
fn list_title(q: &CaseQuery, list: &CaseList, choices: [&[Choice]; 4], management: bool) -> String {
    let [statuses, authorities, members, officers] = choices;
    let label = |choices: &[Choice], value: &str| -> Option<String> {
        (!value.is_empty()).then(|| choices.iter().find(|c| c.value == value).map(|c| c.label.clone())).flatten()
    };
    let mut filters = Vec::new();
    let terms: Vec<&str> = q.q.split_whitespace().take(8).collect();
    if !terms.is_empty() {
        filters.push(format!("matching \u{201c}{}\u{201d}", terms.join(" ")));
    }
    if q.status == "open" {
        filters.push("open".to_string());
    } else if let Some(l) = label(statuses, &q.status) {
        filters.push(format!("status {l}"));
    }
    if let Some(l) = label(authorities, &q.authority) {
        filters.push(l);
    }
    if let Some(l) = label(members, &q.member) {
        filters.push(format!("councillor {l}"));
    }
    if management {
        match q.assigned.as_str() {
            "" => {}
            "none" => filters.push("unassigned".into()),
            "me" => filters.push("assigned to me".into()),
            id => filters.extend(label(officers, id).map(|l| format!("assigned to {l}"))),
        }
        if q.overdue == "yes" {
            filters.push("overdue".into());
        }
    }
    let mut title = String::from("Cases");
    if !filters.is_empty() {
        title.push_str(&format!(" ({})", filters.join(", ")));
    }
    if list.pages > 1 {
        title.push_str(&format!(", page {} of {}", list.page, list.pages));
    }
    title
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseListActions {
    pub can_log_complaint: bool,
    /// The officer and deadline columns and filters (officers only).
    pub shows_case_management: bool,
}

/// Whether the user sees who cases are assigned to and their deadlines in lists: the officers,
/// as on the case page (`access::Sections::assignment`).
fn shows_case_management(user: &User) -> bool {
    access::can(user, Permission::WorkCases)
}

/// The case list page. Every signed-in role has one; restricted roles see only the cases they
/// work on.
pub fn list_page(conn: &mut DbConnection, user: &User, q: CaseQuery, today: NaiveDate) -> ServiceResult<CaseListPage> {
    let page = list(conn, user, &q, today)?;
    let statuses: Vec<Choice> = CaseStatus::ALL.iter().map(|s| Choice::new(s.as_str(), s.label())).collect();
    let authorities: Vec<Choice> =
        authority_rows::list_all(conn)?.into_iter().map(|a| Choice::new(a.id, a.name)).collect();
    let members: Vec<Choice> = member_choices(conn)?.into_iter().map(|(id, name)| Choice::new(id, name)).collect();
    let management = shows_case_management(user);
    let officers = if management { officer_choices(conn)? } else { Vec::new() };
    let title = list_title(
        &q,
        &page,
        [statuses.as_slice(), authorities.as_slice(), members.as_slice(), officers.as_slice()],
        management,
    );
    Ok(CaseListPage {
        page,
        query_string: q.without_page(),
        q,
        statuses,
        authorities,
        officers,
        members,
        title,
        actions: CaseListActions {
            can_log_complaint: may_log_complaint(user).is_ok(),
            shows_case_management: shows_case_management(user),
        },
    })
}

/// Officers who may be assigned cases.
pub fn officers(conn: &mut DbConnection) -> QueryResult<Vec<User>> {
    Ok(user_rows::list_all(conn)?.into_iter().filter(|u| u.active && access::can(u, Permission::WorkCases)).collect())
}

pub fn officer_choices(conn: &mut DbConnection) -> QueryResult<Vec<Choice>> {
    Ok(officers(conn)?.into_iter().map(|u| Choice::new(u.id, u.name)).collect())
}

/// Members for the case-list filter.
pub fn member_choices(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    member_rows::list_names(conn)
}

/// How much of a case's summary a table row shows.
pub const SUMMARY_CHARS: usize = 110;

/// The open cases the dashboard lists for a user.
#[derive(Debug, Clone, Serialize)]
pub struct DueLists {
    /// Assigned to the user, oldest first.
    pub mine: Vec<CaseRow>,
    /// With a deadline in the next 5 working days.
    pub due_soon: Vec<CaseRow>,
    pub overdue: Vec<CaseRow>,
}

/// The user's open cases, those with a deadline in the next 5 working days, and those overdue
/// (50 of each at most), among the cases the user may see.
pub fn due_lists(conn: &mut DbConnection, user: &User, today: NaiveDate) -> QueryResult<DueLists> {
    let calendar = Calendar::load(conn)?;
    let horizon = calendar.add_working_days(today, 5);
    let open = CaseFilter { statuses: Some(CaseStatus::open()), ..Default::default() };
    let mut lists = Vec::new();
    for (filter, order) in [
        (CaseFilter { assigned: Some(Some(user.id.clone())), ..open.clone() }, CaseOrder::Oldest),
        (CaseFilter { due_between: Some((today, horizon)), ..open.clone() }, CaseOrder::AckDue),
        (CaseFilter { overdue_on: Some(today), ..open }, CaseOrder::AckDue),
    ] {
        let ids = rows::ids_matching(conn, access::visible_cases(user), &filter, order, 0, 50)?;
        let found = rows::find_all_in_order(conn, &ids)?;
        lists.push(to_rows(conn, &calendar, found, today)?);
    }
    let [mine, due_soon, overdue]: [Vec<CaseRow>; 3] = lists.try_into().expect("three lists");
    Ok(DueLists { mine, due_soon, overdue })
}
