//! The case list: filters, search and sorting over the cases the user may see, the lists the
//! dashboard shows, and the search text each case keeps.

use crate::db::DbConnection;
use crate::models::authority as authority_rows;
use crate::models::case::{self as rows, Case, CaseFilter, CaseOrder, CaseStatus, TextSearch};
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

/// Rebuilds the text the case list searches (besides the reference and summary).
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
    // As written (the full-text search folds case; the snippets show the text as it is).
    rows::set_search_text(conn, case_id, &parts.join("\n"))?;
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
            // The search text holds complainants' names: only those who may see every
            // complainant's identity search it (else a search would tell who complained).
            search: TextSearch::parse(&self.q, !access::may_see_confidential_identity(user)),
        }
    }

    fn order(&self) -> CaseOrder {
        match self.sort.as_str() {
            "oldest" => CaseOrder::Oldest,
            "reference" => CaseOrder::Reference,
            // Both spellings: links written by hand (and the performance harness) use underscores.
            "ack-due" | "ack_due" => CaseOrder::AckDue,
            "assessment-due" | "assessment_due" => CaseOrder::AssessmentDue,
            "newest" => CaseOrder::Newest,
            // Best match first when searching, else newest first.
            _ => CaseOrder::Relevance,
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
    #[serde(skip)]
    pub id: String,
    pub reference: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub status_colour: &'static str,
    pub summary: String,
    pub authority: String,
    pub assigned: Option<String>,
    pub received_on: NaiveDate,
    pub next_deadline: Option<Deadline>,
    /// Where the search's words were found (search results only).
    pub snippet: Vec<Highlight>,
}

/// One page of the case list.
#[derive(Debug, Clone, Serialize)]
pub struct CaseList {
    pub rows: Vec<CaseRow>,
    /// How many cases match, counted up to [`COUNT_CAP`] (see `more`).
    pub total: i64,
    /// More than [`COUNT_CAP`] cases match: `total` is the cap, `pages` what is known so far.
    pub more: bool,
    pub page: i64,
    pub pages: i64,
    /// "3 cases found, page 1 of 2", "More than 1,000 cases found, page 3".
    pub found: String,
}

/// The case list counts matching cases no further than this: past it the page says "more than
/// 1,000" (counting 100,000 cases on every view of the list cost more than the page itself).
pub const COUNT_CAP: i64 = 1000;

/// The furthest page the list goes to (a bound on OFFSET).
const MAX_PAGE: i64 = 1_000_000 / PAGE_SIZE;

/// The cases the user may see (the one definition in `access`), filtered as asked. Searched
/// cases come best match first unless another order is asked for, each with a snippet of where
/// the words were found.
pub fn list(conn: &mut DbConnection, user: &User, q: &CaseQuery, today: NaiveDate) -> QueryResult<CaseList> {
    let filter = q.filter(user, today);
    let counted = rows::count_matching_capped(conn, access::visible_cases(user), &filter, COUNT_CAP)?;
    let more = counted > COUNT_CAP;
    let (total, page, mut ids, pages) = if more {
        let page = q.page.clamp(1, MAX_PAGE);
        let mut ids = rows::ids_matching(
            conn,
            access::visible_cases(user),
            &filter,
            q.order(),
            (page - 1) * PAGE_SIZE,
            PAGE_SIZE + 1,
        )?;
        let has_next = ids.len() as i64 > PAGE_SIZE;
        ids.truncate(PAGE_SIZE as usize);
        let pages =
            (page + i64::from(has_next)).max(if page <= COUNT_CAP / PAGE_SIZE { COUNT_CAP / PAGE_SIZE } else { 1 });
        (COUNT_CAP, page, ids, pages)
    } else {
        let pages = ((counted + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        let page = q.page.clamp(1, pages);
        let ids = rows::ids_matching(
            conn,
            access::visible_cases(user),
            &filter,
            q.order(),
            (page - 1) * PAGE_SIZE,
            PAGE_SIZE,
        )?;
        (counted, page, ids, pages)
    };
    ids.truncate(PAGE_SIZE as usize);
    let found = rows::find_all_in_order(conn, &ids)?;
    let snippets = match &filter.search {
        Some(search) => rows::snippets(conn, search, &ids)?,
        None => Default::default(),
    };
    let calendar = Calendar::load(conn)?;
    let mut rows = to_rows(conn, &calendar, found, today)?;
    for r in &mut rows {
        if let Some(s) = snippets.get(&r.id) {
            r.snippet = highlights(s);
        }
    }
    if !shows_case_management(user) {
        for r in &mut rows {
            r.assigned = None;
            r.next_deadline = None;
        }
    }
    let found = if more {
        format!("More than {} cases found, page {page}", thousands(COUNT_CAP))
    } else {
        let mut found = format!("{total} case{} found", if total == 1 { "" } else { "s" });
        if pages > 1 {
            found.push_str(&format!(", page {page} of {pages}"));
        }
        found
    };
    Ok(CaseList { rows, total, more, page, pages, found })
}

fn thousands(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A piece of a search result's snippet: `hit` for the words searched for (shown highlighted;
/// the template escapes the text like any other).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Highlight {
    pub text: String,
    pub hit: bool,
}

/// The snippet as pieces, cut at the marks the database put around the words found.
fn highlights(snippet: &str) -> Vec<Highlight> {
    let mut out = Vec::new();
    let mut hit = false;
    for piece in snippet.split([rows::HIT_START, rows::HIT_END]) {
        if !piece.is_empty() {
            out.push(Highlight { text: piece.replace(['\n', '\r'], " · "), hit });
        }
        hit = !hit;
    }
    // The marks alternate; a lone mark (never made by the queries) only shows unhighlighted.
    if snippet.matches([rows::HIT_START, rows::HIT_END]).count() % 2 == 1 {
        out.iter_mut().for_each(|h| h.hit = false);
    }
    out
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
                id: c.id,
                reference: c.reference,
                status: c.status.as_str(),
                // Cut at a word, with an ellipsis, for the tables.
                summary: crate::services::vocab::excerpt(&c.summary, SUMMARY_CHARS),
                received_on: c.received_on,
                next_deadline,
                snippet: Vec::new(),
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
    if list.more {
        title.push_str(&format!(", page {}", list.page));
    } else if list.pages > 1 {
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
    let mut q = q;
    // One spelling of the sort on the page (the select shows it, the links carry it).
    q.sort = q.sort.replace('_', "-");
    if q.sort.is_empty() && !q.q.trim().is_empty() {
        q.sort = "relevance".into();
    }
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
