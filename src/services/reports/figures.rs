//! One period's figures, one function per table of the report, each counted by the database
//! (the queries are in `models::report`). Tables and rows are keyed by their typed ids (`ids`);
//! labels are given only when the report is laid out.

use crate::db::DbConnection;
use crate::models::enums::TakedownStatus;
use crate::models::report::{self as rows, ReceivedGroup, Window};
use crate::services::calendar::Calendar;
use crate::services::reports::ids::{AgeBand, HearingRow, InvestigationRow, Measure, RowId, TableId, TierGroup};
use crate::services::reports::period::Period;
use crate::services::reports::timeliness::{timeliness, Timeliness};
use crate::services::vocab;
use chrono::NaiveDate;
use diesel::QueryResult;
use serde::Serialize;
use std::collections::BTreeMap;

pub type Counts = BTreeMap<RowId, i64>;

/// Takedown requests made in the period, for one platform.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TakedownCounts {
    pub requests: i64,
    pub removed: i64,
    pub removed_in_time: i64,
    pub refused: i64,
    pub reinstated: i64,
}

impl TakedownCounts {
    /// Each count with its name in the CSV.
    pub fn named(&self) -> [(&'static str, i64); 5] {
        [
            ("requests", self.requests),
            ("removed", self.removed),
            ("removed in time", self.removed_in_time),
            ("refused", self.refused),
            ("reinstated", self.reinstated),
        ]
    }
}

/// One period's counts.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub received: i64,
    pub closed: i64,
    pub tables: BTreeMap<TableId, Counts>,
    /// By platform ([`RowId::Code`] of [`TableId::Platform`], or unrecorded).
    pub takedowns: BTreeMap<RowId, TakedownCounts>,
    pub timeliness: Vec<Timeliness>,
}

static NO_COUNTS: Counts = BTreeMap::new();

impl Figures {
    pub fn table(&self, id: TableId) -> &Counts {
        self.tables.get(&id).unwrap_or(&NO_COUNTS)
    }

    pub fn count(&self, id: TableId, row: &RowId) -> i64 {
        self.table(id).get(row).copied().unwrap_or(0)
    }

    pub fn total(&self, id: TableId) -> i64 {
        self.table(id).values().sum()
    }

    pub fn measure(&self, m: Measure) -> i64 {
        match m {
            Measure::Received => self.received,
            Measure::Closed => self.closed,
            Measure::InvestigationsStarted => {
                self.count(TableId::Investigations, &RowId::Investigations(InvestigationRow::Started))
            }
            Measure::HearingsDecided => self.count(TableId::Hearings, &RowId::Hearings(HearingRow::Decided)),
            Measure::BreachesFound => self.count(TableId::Hearings, &RowId::Hearings(HearingRow::BreachFound)),
            Measure::Sanctions => self.total(TableId::Sanctions),
            Measure::OpenCases => self.total(TableId::Ageing),
        }
    }
}

/// Which figures to count: the report's, or the dashboard's (without the allegations by
/// provision and the takedown requests, which it does not show).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Report,
    Dashboard,
}

/// Counts everything for one period and set of authorities (ids); steps overdue by `today`
/// and not done count as missed.
pub fn figures(
    conn: &mut DbConnection,
    period: Period,
    authority_ids: &[String],
    calendar: &Calendar,
    detail: Detail,
    today: NaiveDate,
) -> QueryResult<Figures> {
    let w = period.window(authority_ids);
    let mut f = Figures::default();
    let received = rows::received(conn, w)?;
    f.received = received.iter().map(|g| g.count).sum();
    f.tables.insert(TableId::Source, by_source(&received));
    f.tables.insert(TableId::Authority, by_authority(&received));
    f.tables.insert(TableId::Tier, by_tier(&received));
    f.tables.insert(TableId::Platform, by_platform(&received));
    if detail == Detail::Report {
        f.tables.insert(TableId::Provision, by_provision(conn, w)?);
    }
    f.tables.insert(TableId::Capacity, capacity(conn, w)?);
    if detail == Detail::Report {
        f.tables.insert(TableId::CapacityByVersion, capacity_by_version(conn, w)?);
    }
    f.tables.insert(TableId::InitialDecisions, decisions(conn, w, "initial-assessment")?);
    f.tables.insert(TableId::PostInvestigationDecisions, decisions(conn, w, "post-investigation")?);
    let closed = closed_by_outcome(conn, w)?;
    f.closed = closed.values().sum();
    f.tables.insert(TableId::ClosedByOutcome, closed);
    f.tables.insert(TableId::Investigations, investigations(conn, w)?);
    f.tables.insert(TableId::Hearings, hearings(conn, w)?);
    let sanctioned = rows::sanctions_by_kind_and_compliance(conn, w)?;
    f.tables.insert(TableId::Sanctions, sanctions(&sanctioned));
    f.tables.insert(TableId::Compliance, compliance(&sanctioned));
    if detail == Detail::Report {
        f.takedowns = takedowns(conn, w)?;
    }
    f.tables.insert(TableId::Ageing, ageing(conn, w)?);
    f.timeliness = timeliness(conn, w, calendar, today)?;
    Ok(f)
}

fn add(counts: &mut Counts, row: RowId, n: i64) {
    *counts.entry(row).or_insert(0) += n;
}

fn code_or_unrecorded(code: Option<String>) -> RowId {
    code.map(RowId::Code).unwrap_or(RowId::Unrecorded)
}

pub fn by_source(received: &[ReceivedGroup]) -> Counts {
    let mut c = Counts::new();
    for g in received {
        add(&mut c, RowId::Code(g.source.clone()), g.count);
    }
    c
}

pub fn by_authority(received: &[ReceivedGroup]) -> Counts {
    let mut c = Counts::new();
    for g in received {
        add(&mut c, RowId::Authority(g.authority_name.clone()), g.count);
    }
    c
}

pub fn by_tier(received: &[ReceivedGroup]) -> Counts {
    let mut c = Counts::new();
    for g in received {
        add(&mut c, RowId::Tier(TierGroup::of(&g.tier)), g.count);
    }
    c
}

pub fn by_platform(received: &[ReceivedGroup]) -> Counts {
    let mut c = Counts::new();
    for g in received {
        add(&mut c, code_or_unrecorded(g.platform.clone()), g.count);
    }
    c
}

pub fn by_provision(conn: &mut DbConnection, w: Window) -> QueryResult<Counts> {
    let mut c = Counts::new();
    for (number, heading, n) in rows::allegations_by_provision(conn, w)? {
        add(&mut c, RowId::Provision { number, heading }, n);
    }
    Ok(c)
}

pub fn capacity(conn: &mut DbConnection, w: Window) -> QueryResult<Counts> {
    let mut c = Counts::new();
    for (outcome, n) in rows::capacity_conclusions(conn, w)? {
        let row = outcome.filter(|o| vocab::is_code(&vocab::CAPACITY_OUTCOMES, o));
        add(&mut c, code_or_unrecorded(row), n);
    }
    Ok(c)
}

/// Capacity conclusions by the version of the capacity test they answered (and outcome).
pub fn capacity_by_version(conn: &mut DbConnection, w: Window) -> QueryResult<Counts> {
    let mut c = Counts::new();
    let versions = crate::models::capacity::list_versions(conn)?;
    for (id, outcome, n) in rows::capacity_conclusions_by_test_version(conn, w)? {
        let version = versions.iter().find(|v| v.id == id).map(|v| v.version).unwrap_or(0);
        let outcome = outcome.filter(|o| vocab::is_code(&vocab::CAPACITY_OUTCOMES, o));
        add(&mut c, RowId::CapacityVersion { version, outcome }, n);
    }
    Ok(c)
}

/// Decisions at one stage, by outcome (the initial assessment and post-investigation tables).
pub fn decisions(conn: &mut DbConnection, w: Window, stage: &str) -> QueryResult<Counts> {
    let mut c = Counts::new();
    for (outcome, n) in rows::decisions_by_outcome(conn, w, stage)? {
        add(&mut c, RowId::Code(outcome), n);
    }
    Ok(c)
}

pub fn closed_by_outcome(conn: &mut DbConnection, w: Window) -> QueryResult<Counts> {
    let mut c = Counts::new();
    for (reason, n) in rows::closures_by_reason(conn, w)? {
        add(&mut c, reason.map(RowId::Reason).unwrap_or(RowId::Unrecorded), n);
    }
    Ok(c)
}

pub fn investigations(conn: &mut DbConnection, w: Window) -> QueryResult<Counts> {
    let (started, completed, open) = rows::investigation_counts(conn, w)?;
    Ok(Counts::from([
        (RowId::Investigations(InvestigationRow::Started), started),
        (RowId::Investigations(InvestigationRow::Completed), completed),
        (RowId::Investigations(InvestigationRow::OpenAtEnd), open),
    ]))
}

pub fn hearings(conn: &mut DbConnection, w: Window) -> QueryResult<Counts> {
    let mut c = Counts::from([(RowId::Hearings(HearingRow::Decided), rows::hearings_decided(conn, w)?)]);
    for (breach, n) in rows::findings_by_breach(conn, w)? {
        let row = if breach { HearingRow::BreachFound } else { HearingRow::NoBreach };
        add(&mut c, RowId::Hearings(row), n);
    }
    Ok(c)
}

pub fn sanctions(sanctioned: &[(String, String, i64)]) -> Counts {
    let mut c = Counts::new();
    for (kind, _, n) in sanctioned {
        add(&mut c, RowId::Code(kind.clone()), *n);
    }
    c
}

pub fn compliance(sanctioned: &[(String, String, i64)]) -> Counts {
    let mut c = Counts::new();
    for (_, compliance, n) in sanctioned {
        add(&mut c, RowId::Code(compliance.clone()), *n);
    }
    c
}

/// Open cases at the end of the period, by age (counted per day received, banded here).
pub fn ageing(conn: &mut DbConnection, w: Window) -> QueryResult<Counts> {
    let mut c: Counts = AgeBand::ALL.iter().map(|b| (RowId::Age(*b), 0)).collect();
    for (received, n) in rows::open_at_end_by_received_on(conn, w)? {
        add(&mut c, RowId::Age(AgeBand::of((w.to - received).num_days())), n);
    }
    Ok(c)
}

/// Takedown requests made in the period, by platform: requests, removed, removed in time,
/// refused, reinstated.
pub fn takedowns(conn: &mut DbConnection, w: Window) -> QueryResult<BTreeMap<RowId, TakedownCounts>> {
    let mut out: BTreeMap<RowId, TakedownCounts> = BTreeMap::new();
    for (platform, status, n) in rows::takedowns_by_status(conn, w)? {
        let t = out.entry(code_or_unrecorded(platform)).or_default();
        t.requests += n;
        if matches!(status, TakedownStatus::Removed | TakedownStatus::PartlyRemoved) {
            t.removed += n;
        }
        if status == TakedownStatus::Refused {
            t.refused += n;
        }
    }
    for (platform, n) in rows::takedowns_removed_in_time(conn, w)? {
        out.entry(code_or_unrecorded(platform)).or_default().removed_in_time += n;
    }
    for (platform, n) in rows::takedowns_reinstated(conn, w)? {
        out.entry(code_or_unrecorded(platform)).or_default().reinstated += n;
    }
    Ok(out)
}
