//! Reporting to the standards committee (domain.md §d): figures for any period and any set of
//! authorities, each counted by the database (GROUP BY), compared with the previous period;
//! timeliness in working days; open cases by age; anonymised case summaries; CSV; and snapshots
//! saved exactly as presented to a meeting.

use crate::db::schema::{
    allegations, authorities, capacity_assessments, cases, code_provisions, complaints, decision_notices, decisions,
    findings, hearings, investigations, members, report_snapshots, sanctions, takedown_events, takedown_requests,
};
use crate::db::DbConnection;
use crate::models::authority as authority_rows;
use crate::models::case::CaseStatus;
use crate::models::takedown::TakedownStatus;
use crate::models::{new_id, now};
use crate::services::audit::{self, Actor, Event};
use crate::services::calendar::Calendar;
use crate::services::vocab;
use crate::services::{clean, FieldErrors, ServiceError, ServiceResult};
use chrono::{Datelike, Months, NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How many anonymised case summaries a report shows (the CSV has every case).
pub const SUMMARY_LIMIT: i64 = 100;
/// The report's benchmark for closing a case: six months, in working days.
pub const CLOSURE_TARGET_WORKING_DAYS: i64 = 130;

// ---------------------------------------------------------------------------------------------
// Periods

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// How many calendar months the period spans, when it runs from a 1st to a month's last day.
    fn whole_months(&self) -> Option<u32> {
        let whole = self.from.day() == 1 && (self.to + chrono::Duration::days(1)).day() == 1;
        let months = (self.to.year() - self.from.year()) * 12 + self.to.month() as i32 - self.from.month() as i32 + 1;
        whole.then_some(months as u32)
    }

    pub fn label(&self) -> String {
        let months = self.whole_months();
        if months == Some(12) && self.from.month() == 4 {
            format!("{}/{:02}", self.from.year(), (self.from.year() + 1) % 100)
        } else if months == Some(3) {
            format!("{} to {}", self.from.format("%B"), self.to.format("%B %Y"))
        } else {
            format!("{} to {}", self.from.format("%-d %B %Y"), self.to.format("%-d %B %Y"))
        }
    }

    /// The period of the same length just before: the previous quarter or year for whole months,
    /// else the same number of days.
    pub fn previous(&self) -> Period {
        let year = financial_year_of(self.from);
        let year_to_date = self.from == year.from && self.to < year.to;
        match self.whole_months() {
            // The financial year so far: the same dates a year before.
            None if year_to_date => Period { from: self.from - Months::new(12), to: self.to - Months::new(12) },
            Some(months) => Period { from: self.from - Months::new(months), to: self.from - chrono::Duration::days(1) },
            None => {
                let days = (self.to - self.from).num_days() + 1;
                Period { from: self.from - chrono::Duration::days(days), to: self.from - chrono::Duration::days(1) }
            }
        }
    }

    fn start(&self) -> NaiveDateTime {
        self.from.and_hms_opt(0, 0, 0).expect("midnight")
    }

    /// The first instant after the period.
    fn end(&self) -> NaiveDateTime {
        (self.to + chrono::Duration::days(1)).and_hms_opt(0, 0, 0).expect("midnight")
    }
}

/// The financial year (April to March) a day falls in.
pub fn financial_year_of(day: NaiveDate) -> Period {
    let start_year = if day.month() >= 4 { day.year() } else { day.year() - 1 };
    let from = NaiveDate::from_ymd_opt(start_year, 4, 1).expect("1 April");
    Period { from, to: NaiveDate::from_ymd_opt(start_year + 1, 3, 31).expect("31 March") }
}

/// Quarters and financial years to choose from, most recent first, as (value, label).
pub fn period_choices(today: NaiveDate) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let fy = financial_year_of(today);
    let quarter_start = |d: NaiveDate| {
        let m = d.month();
        let start_month = [1, 1, 1, 4, 4, 4, 7, 7, 7, 10, 10, 10][m as usize - 1];
        NaiveDate::from_ymd_opt(d.year(), start_month, 1).expect("quarter start")
    };
    let mut q = quarter_start(today);
    for _ in 0..8 {
        let p = Period { from: q, to: q + Months::new(3) - chrono::Duration::days(1) };
        let fy_q = match q.month() {
            4 => 1,
            7 => 2,
            10 => 3,
            _ => 4,
        };
        let fy_label = financial_year_of(q).label();
        out.push((format!("{}:{}", p.from, p.to), format!("Quarter {fy_q} {fy_label} ({})", p.label())));
        q = q - Months::new(3);
    }
    let mut y = fy;
    for i in 0..3 {
        let label = if i == 0 {
            format!("Year {} (to date: {})", y.label(), Period { from: y.from, to: today }.label())
        } else {
            format!("Year {}", y.label())
        };
        let to = if i == 0 { today.min(y.to) } else { y.to };
        out.push((format!("{}:{}", y.from, to), label));
        y = Period { from: y.from - Months::new(12), to: y.from - chrono::Duration::days(1) };
    }
    out
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ReportQuery {
    /// "FROM:TO" from [`period_choices`], or "custom" with the dates below.
    pub period: String,
    pub from_day: String,
    pub from_month: String,
    pub from_year: String,
    pub to_day: String,
    pub to_month: String,
    pub to_year: String,
    pub authorities: Vec<String>,
}

impl ReportQuery {
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut q = ReportQuery::default();
        for (k, v) in pairs {
            match k.as_str() {
                "period" => q.period = v.clone(),
                "from_day" => q.from_day = v.clone(),
                "from_month" => q.from_month = v.clone(),
                "from_year" => q.from_year = v.clone(),
                "to_day" => q.to_day = v.clone(),
                "to_month" => q.to_month = v.clone(),
                "to_year" => q.to_year = v.clone(),
                "authorities" => q.authorities.push(v.clone()),
                _ => {}
            }
        }
        q
    }

    /// The period asked for; the current financial year to date when none is.
    pub fn period(&self, today: NaiveDate) -> Result<Period, FieldErrors> {
        let mut e = FieldErrors::default();
        let period = match self.period.as_str() {
            "" => Period { from: financial_year_of(today).from, to: today },
            "custom" => {
                let from = vocab::parse_date(&self.from_day, &self.from_month, &self.from_year)
                    .map_err(|m| e.add("from", m))
                    .ok();
                let to =
                    vocab::parse_date(&self.to_day, &self.to_month, &self.to_year).map_err(|m| e.add("to", m)).ok();
                match (from, to) {
                    (Some(f), Some(t)) if f <= t => Period { from: f, to: t },
                    (Some(_), Some(_)) => {
                        e.add("to", "The end date must be the same as or after the start date");
                        return Err(e);
                    }
                    _ => return Err(e),
                }
            }
            other => {
                let parsed = other.split_once(':').and_then(|(f, t)| {
                    Some(Period { from: f.parse().ok()?, to: t.parse().ok()? }).filter(|p| p.from <= p.to)
                });
                match parsed {
                    Some(p) => p,
                    None => {
                        e.add("period", "Select a period");
                        return Err(e);
                    }
                }
            }
        };
        if (period.to - period.from).num_days() > 3 * 366 {
            e.add("period", "Choose a period of three years or less");
            return Err(e);
        }
        Ok(period)
    }
}

// ---------------------------------------------------------------------------------------------
// Figures

/// One period's counts, each from a GROUP BY in the database.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Figures {
    pub received: i64,
    pub closed: i64,
    pub by_source: BTreeMap<String, i64>,
    pub by_authority: BTreeMap<String, i64>,
    pub by_tier: BTreeMap<String, i64>,
    pub by_platform: BTreeMap<String, i64>,
    pub by_provision: BTreeMap<String, i64>,
    pub capacity: BTreeMap<String, i64>,
    pub initial: BTreeMap<String, i64>,
    pub post_investigation: BTreeMap<String, i64>,
    pub closed_by_reason: BTreeMap<String, i64>,
    pub investigations: BTreeMap<String, i64>,
    pub hearings: BTreeMap<String, i64>,
    pub sanctions: BTreeMap<String, i64>,
    pub compliance: BTreeMap<String, i64>,
    pub takedowns: BTreeMap<String, [i64; 5]>,
    pub ageing: BTreeMap<String, i64>,
    pub timeliness: Vec<Timeliness>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Timeliness {
    pub measure: String,
    pub target: String,
    pub count: i64,
    pub median: Option<f64>,
    pub within: i64,
    pub within_pct: Option<f64>,
    /// As shown: "4", "3.5"; empty when there is nothing to measure.
    pub median_label: String,
    pub within_pct_label: String,
}

fn tier_label(tier: &str) -> &'static str {
    if authority_rows::is_local_tier(tier) {
        "Parish, town or community council"
    } else {
        "Principal council"
    }
}

fn add(map: &mut BTreeMap<String, i64>, key: impl Into<String>, n: i64) {
    *map.entry(key.into()).or_insert(0) += n;
}

/// Median of a histogram of values (value, count); halves are kept (e.g. 4.5).
fn median(hist: &BTreeMap<i64, i64>) -> Option<f64> {
    let n: i64 = hist.values().sum();
    if n == 0 {
        return None;
    }
    let nth = |k: i64| {
        let mut seen = 0;
        for (v, c) in hist {
            seen += c;
            if seen > k {
                return *v;
            }
        }
        unreachable!("k < n")
    };
    Some(if n % 2 == 1 { nth(n / 2) as f64 } else { (nth(n / 2 - 1) + nth(n / 2)) as f64 / 2.0 })
}

fn timeliness(measure: &str, target: String, hist: &BTreeMap<i64, i64>, within: i64) -> Timeliness {
    let count: i64 = hist.values().sum();
    let median = median(hist);
    let within_pct = (count > 0).then(|| (within as f64 * 1000.0 / count as f64).round() / 10.0);
    Timeliness {
        measure: measure.into(),
        target,
        count,
        median,
        within,
        within_pct,
        median_label: fmt_opt(median),
        within_pct_label: fmt_opt(within_pct),
    }
}

/// Counts everything for one period and set of authorities (ids).
pub fn figures(
    conn: &mut DbConnection,
    period: Period,
    authority_ids: &[String],
    calendar: &Calendar,
) -> QueryResult<Figures> {
    figures_of(conn, period, authority_ids, calendar, true)
}

/// As [`figures`]; `breakdowns: false` leaves out the allegations by provision and the takedown
/// figures (the dashboard does not show them).
fn figures_of(
    conn: &mut DbConnection,
    period: Period,
    authority_ids: &[String],
    calendar: &Calendar,
    breakdowns: bool,
) -> QueryResult<Figures> {
    let (from, to, start, end) = (period.from, period.to, period.start(), period.end());
    let ids = authority_ids;
    let mut f = Figures::default();

    // Complaints received, by source, authority, tier and platform.
    let rows: Vec<(String, String, String, Option<String>, i64)> = complaints::table
        .inner_join(authorities::table)
        .filter(complaints::received_on.between(from, to))
        .filter(complaints::authority_id.eq_any(ids))
        .group_by((complaints::source, authorities::name, authorities::tier, complaints::platform))
        .select((complaints::source, authorities::name, authorities::tier, complaints::platform, count_star()))
        .load(conn)?;
    for (source, authority, tier, platform, n) in rows {
        f.received += n;
        add(&mut f.by_source, vocab::label(&vocab::COMPLAINT_SOURCES, &source), n);
        add(&mut f.by_authority, authority, n);
        add(&mut f.by_tier, tier_label(&tier), n);
        let platform = platform.as_deref().map(|p| vocab::label(&vocab::PLATFORMS, p)).unwrap_or("Not given");
        add(&mut f.by_platform, platform, n);
    }
    // Counted by provision id, then named: the join to the provisions is on the few groups.
    let rows: Vec<(String, i64)> = if !breakdowns {
        Vec::new()
    } else {
        allegations::table
            .inner_join(complaints::table)
            .filter(complaints::received_on.between(from, to))
            .filter(complaints::authority_id.eq_any(ids))
            .group_by(allegations::code_provision_id)
            .select((allegations::code_provision_id, count_star()))
            .load(conn)?
    };
    let named: Vec<(String, String, String)> = code_provisions::table
        .filter(code_provisions::id.eq_any(rows.iter().map(|r| &r.0)))
        .select((code_provisions::id, code_provisions::number, code_provisions::heading))
        .load(conn)?;
    for (id, n) in rows {
        if let Some((_, number, heading)) = named.iter().find(|p| p.0 == id) {
            add(&mut f.by_provision, format!("{number} {heading}"), n);
        }
    }

    // Capacity conclusions, and decisions at each stage.
    let rows: Vec<(Option<String>, i64)> = capacity_assessments::table
        .inner_join(cases::table)
        .filter(capacity_assessments::concluded_at.ge(start).and(capacity_assessments::concluded_at.lt(end)))
        .filter(cases::authority_id.eq_any(ids))
        .group_by(capacity_assessments::concluded_outcome)
        .select((capacity_assessments::concluded_outcome, count_star()))
        .load(conn)?;
    for (outcome, n) in rows {
        let o = outcome.unwrap_or_default();
        let label = vocab::CAPACITY_OUTCOMES.iter().find(|(v, _)| *v == o).map(|(_, l)| *l).unwrap_or("Other");
        add(&mut f.capacity, label, n);
    }
    let rows: Vec<(String, String, i64)> = decisions::table
        .inner_join(cases::table)
        .filter(decisions::decided_at.ge(start).and(decisions::decided_at.lt(end)))
        .filter(cases::authority_id.eq_any(ids))
        .group_by((decisions::stage, decisions::outcome))
        .select((decisions::stage, decisions::outcome, count_star()))
        .load(conn)?;
    for (stage, outcome, n) in rows {
        match stage.as_str() {
            "initial-assessment" => add(&mut f.initial, vocab::label(&vocab::INITIAL_DECISIONS, &outcome), n),
            "post-investigation" => {
                add(&mut f.post_investigation, vocab::label(&vocab::POST_INVESTIGATION_OUTCOMES, &outcome), n)
            }
            _ => {}
        }
    }
    let rows: Vec<(Option<String>, i64)> = cases::table
        .filter(cases::closed_at.ge(start).and(cases::closed_at.lt(end)))
        .filter(cases::authority_id.eq_any(ids))
        .group_by(cases::closure_reason)
        .select((cases::closure_reason, count_star()))
        .load(conn)?;
    for (reason, n) in rows {
        f.closed += n;
        add(&mut f.closed_by_reason, reason.unwrap_or_else(|| "Closed".into()), n);
    }

    // Investigations: started, completed, open at the end of the period.
    let started: i64 = investigations::table
        .inner_join(cases::table)
        .filter(investigations::appointed_at.ge(start).and(investigations::appointed_at.lt(end)))
        .filter(cases::authority_id.eq_any(ids))
        .select(count_star())
        .first(conn)?;
    let completed: i64 = investigations::table
        .inner_join(cases::table)
        .filter(investigations::completed_on.between(from, to))
        .filter(cases::authority_id.eq_any(ids))
        .select(count_star())
        .first(conn)?;
    let open: i64 = investigations::table
        .inner_join(cases::table)
        .filter(investigations::appointed_at.lt(end))
        .filter(investigations::completed_on.is_null().or(investigations::completed_on.gt(to)))
        .filter(cases::authority_id.eq_any(ids))
        .select(count_star())
        .first(conn)?;
    add(&mut f.investigations, "Started", started);
    add(&mut f.investigations, "Completed", completed);
    add(&mut f.investigations, "Open at the end of the period", open);

    // Hearings and findings decided in the period.
    let held: i64 = hearings::table
        .inner_join(cases::table)
        .filter(hearings::outcome_recorded_at.ge(start).and(hearings::outcome_recorded_at.lt(end)))
        .filter(cases::authority_id.eq_any(ids))
        .select(count_star())
        .first(conn)?;
    add(&mut f.hearings, "Hearings decided", held);
    let rows: Vec<(bool, i64)> = findings::table
        .inner_join(hearings::table.inner_join(cases::table))
        .filter(hearings::outcome_recorded_at.ge(start).and(hearings::outcome_recorded_at.lt(end)))
        .filter(cases::authority_id.eq_any(ids))
        .group_by(findings::breach)
        .select((findings::breach, count_star()))
        .load(conn)?;
    for (breach, n) in rows {
        add(&mut f.hearings, if breach { "Allegations: breach found" } else { "Allegations: no breach" }, n);
    }
    let rows: Vec<(String, String, i64)> = sanctions::table
        .inner_join(cases::table)
        .filter(sanctions::created_at.ge(start).and(sanctions::created_at.lt(end)))
        .filter(cases::authority_id.eq_any(ids))
        .group_by((sanctions::kind, sanctions::compliance))
        .select((sanctions::kind, sanctions::compliance, count_star()))
        .load(conn)?;
    for (kind, compliance, n) in rows {
        add(&mut f.sanctions, vocab::label(&vocab::SANCTIONS, &kind), n);
        add(&mut f.compliance, vocab::label(&vocab::COMPLIANCE, &compliance), n);
    }

    if breakdowns {
        takedown_figures(conn, &mut f, period, ids)?;
    }

    // Open cases at the end of the period, by age (counted per day received, bucketed here).
    let rows: Vec<(NaiveDate, i64)> = cases::table
        .filter(cases::received_on.le(to))
        .filter(cases::closed_at.is_null().or(cases::closed_at.ge(end)))
        .filter(cases::destroyed_at.is_null())
        .filter(cases::authority_id.eq_any(ids))
        .group_by(cases::received_on)
        .select((cases::received_on, count_star()))
        .load(conn)?;
    for label in AGE_BANDS.iter().map(|(_, l)| *l) {
        f.ageing.insert(label.to_string(), 0);
    }
    for (received, n) in rows {
        let age = (to - received).num_days();
        let label = AGE_BANDS.iter().find(|(max, _)| age <= *max).map(|(_, l)| *l).unwrap_or(AGE_BANDS[3].1);
        add(&mut f.ageing, label, n);
    }

    // Timeliness in working days: histograms of (start, end) date pairs grouped by the database.
    let deadlines = crate::services::settings::deadlines(conn)?;
    let rows: Vec<(NaiveDate, Option<NaiveDate>, i64)> = cases::table
        .filter(cases::received_on.between(from, to))
        .filter(cases::acknowledged_on.is_not_null())
        .filter(cases::authority_id.eq_any(ids))
        .group_by((cases::received_on, cases::acknowledged_on))
        .select((cases::received_on, cases::acknowledged_on, count_star()))
        .load(conn)?;
    let (hist, within) = histogram(calendar, rows, i64::from(deadlines.acknowledge));
    f.timeliness.push(timeliness(
        "Acknowledgement (cases received in the period)",
        format!("{} working days", deadlines.acknowledge),
        &hist,
        within,
    ));
    let rows: Vec<(NaiveDate, Option<NaiveDate>, i64)> = cases::table
        .filter(cases::received_on.between(from, to))
        .filter(cases::assessed_on.is_not_null())
        .filter(cases::authority_id.eq_any(ids))
        .group_by((cases::received_on, cases::assessed_on))
        .select((cases::received_on, cases::assessed_on, count_star()))
        .load(conn)?;
    let (hist, within) = histogram(calendar, rows, i64::from(deadlines.assessment));
    f.timeliness.push(timeliness(
        "Initial assessment (cases received in the period)",
        format!("{} working days", deadlines.assessment),
        &hist,
        within,
    ));
    // Investigations and closures are few per day: their (start, end, target) rows are read as is.
    let rows: Vec<(NaiveDateTime, Option<NaiveDate>, NaiveDate)> = investigations::table
        .inner_join(cases::table)
        .filter(investigations::completed_on.between(from, to))
        .filter(cases::authority_id.eq_any(ids))
        .select((investigations::appointed_at, investigations::completed_on, investigations::target_on))
        .load(conn)?;
    let mut hist = BTreeMap::new();
    let mut within = 0;
    for (appointed, completed, target) in rows {
        let completed = completed.expect("filtered");
        *hist.entry(calendar.working_days_between(appointed.date(), completed)).or_insert(0) += 1;
        within += i64::from(completed <= target);
    }
    f.timeliness.push(timeliness(
        "Investigation (completed in the period)",
        "by its target date".into(),
        &hist,
        within,
    ));
    let rows: Vec<(NaiveDate, Option<NaiveDateTime>)> = cases::table
        .filter(cases::closed_at.ge(start).and(cases::closed_at.lt(end)))
        .filter(cases::authority_id.eq_any(ids))
        .select((cases::received_on, cases::closed_at))
        .load(conn)?;
    let (hist, within) = histogram(
        calendar,
        rows.into_iter().map(|(r, c)| (r, c.map(|c| c.date()), 1)).collect(),
        CLOSURE_TARGET_WORKING_DAYS,
    );
    f.timeliness.push(timeliness(
        "Closure (cases closed in the period)",
        format!("{CLOSURE_TARGET_WORKING_DAYS} working days (about six months)"),
        &hist,
        within,
    ));
    Ok(f)
}

/// Takedown requests made in the period, by platform: requests, removed, removed in time,
/// refused, reinstated.
fn takedown_figures(conn: &mut DbConnection, f: &mut Figures, period: Period, ids: &[String]) -> QueryResult<()> {
    let (from, to) = (period.from, period.to);
    let rows: Vec<(Option<String>, String, i64)> = takedown_requests::table
        .inner_join(cases::table)
        .filter(takedown_requests::requested_on.between(from, to))
        .filter(cases::authority_id.eq_any(ids))
        .group_by((takedown_requests::platform, takedown_requests::status))
        .select((takedown_requests::platform, takedown_requests::status, count_star()))
        .load(conn)?;
    let platform =
        |p: Option<String>| p.as_deref().map(|p| vocab::label(&vocab::PLATFORMS, p)).unwrap_or("Not given").to_string();
    for (p, status, n) in rows {
        let row = f.takedowns.entry(platform(p)).or_insert([0; 5]);
        row[0] += n;
        if matches!(status.as_str(), "removed" | "partly-removed") {
            row[1] += n;
        }
        if status == "refused" {
            row[3] += n;
        }
    }
    let rows: Vec<(Option<String>, i64)> = takedown_requests::table
        .inner_join(cases::table)
        .filter(takedown_requests::requested_on.between(from, to))
        .filter(cases::authority_id.eq_any(ids))
        .filter(takedown_requests::status.eq_any(["removed", "partly-removed"]))
        .filter(takedown_requests::resolved_on.le(takedown_requests::due_on.nullable()))
        .group_by(takedown_requests::platform)
        .select((takedown_requests::platform, count_star()))
        .load(conn)?;
    for (p, n) in rows {
        f.takedowns.entry(platform(p)).or_insert([0; 5])[2] += n;
    }
    let rows: Vec<(Option<String>, i64)> = takedown_requests::table
        .inner_join(cases::table)
        .filter(takedown_requests::requested_on.between(from, to))
        .filter(cases::authority_id.eq_any(ids))
        .filter(diesel::dsl::exists(
            takedown_events::table
                .filter(takedown_events::request_id.eq(takedown_requests::id))
                .filter(takedown_events::to_status.eq(TakedownStatus::Reinstated)),
        ))
        .group_by(takedown_requests::platform)
        .select((takedown_requests::platform, count_star()))
        .load(conn)?;
    for (p, n) in rows {
        f.takedowns.entry(platform(p)).or_insert([0; 5])[4] += n;
    }

    Ok(())
}

pub const AGE_BANDS: [(i64, &str); 4] =
    [(30, "Up to 30 days"), (90, "31 to 90 days"), (182, "91 days to 6 months"), (i64::MAX, "Over 6 months")];

fn histogram(
    calendar: &Calendar,
    rows: Vec<(NaiveDate, Option<NaiveDate>, i64)>,
    target: i64,
) -> (BTreeMap<i64, i64>, i64) {
    let mut hist = BTreeMap::new();
    let mut within = 0;
    for (start, end, n) in rows {
        let Some(end) = end else { continue };
        let days = calendar.working_days_between(start, end).max(0);
        *hist.entry(days).or_insert(0) += n;
        if days <= target {
            within += n;
        }
    }
    (hist, within)
}

// ---------------------------------------------------------------------------------------------
// The report

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub label: String,
    pub current: i64,
    pub previous: i64,
    /// Bar length as a share of the longest in its table (0 to 100).
    pub bar: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub key: String,
    pub title: String,
    pub rows: Vec<Row>,
    pub total: i64,
    pub previous_total: i64,
    pub chart: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseSummary {
    pub reference: String,
    pub received_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub authority: String,
    pub tier: String,
    pub platform: String,
    pub source: String,
    pub provisions: String,
    pub status: String,
    pub outcome: String,
    /// Named only where a breach was found and the decision published.
    pub member: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub period: Period,
    pub period_label: String,
    pub previous: Period,
    pub previous_label: String,
    pub authorities: Vec<String>,
    pub all_authorities: bool,
    pub generated_at: NaiveDateTime,
    pub headline: Vec<Row>,
    pub tables: Vec<Table>,
    pub timeliness: Vec<(Timeliness, Timeliness)>,
    pub takedowns: Vec<(String, [i64; 5], [i64; 5])>,
    pub summaries: Vec<CaseSummary>,
    pub summaries_total: i64,
}

fn table(
    key: &str,
    title: &str,
    current: &BTreeMap<String, i64>,
    previous: &BTreeMap<String, i64>,
    chart: bool,
    keep_order: Option<&[&str]>,
) -> Table {
    let mut labels: Vec<String> = current.keys().chain(previous.keys()).cloned().collect();
    labels.sort();
    labels.dedup();
    match keep_order {
        Some(order) => labels.sort_by_key(|l| order.iter().position(|o| o == l).unwrap_or(usize::MAX)),
        None => labels.sort_by_key(|l| std::cmp::Reverse(current.get(l).copied().unwrap_or(0))),
    }
    let max = labels.iter().map(|l| current.get(l).copied().unwrap_or(0)).max().unwrap_or(0).max(1);
    let rows: Vec<Row> = labels
        .into_iter()
        .map(|l| {
            let c = current.get(&l).copied().unwrap_or(0);
            Row {
                bar: (c as f64 * 1000.0 / max as f64).round() / 10.0,
                current: c,
                previous: previous.get(&l).copied().unwrap_or(0),
                label: l,
            }
        })
        .collect();
    Table {
        key: key.into(),
        title: title.into(),
        total: rows.iter().map(|r| r.current).sum(),
        previous_total: rows.iter().map(|r| r.previous).sum(),
        rows,
        chart,
    }
}

/// The authorities a report covers: the ids asked for, or every authority. Returns (ids, names).
pub fn resolve_authorities(conn: &mut DbConnection, asked: &[String]) -> QueryResult<(Vec<String>, Vec<String>, bool)> {
    let all = authority_rows::list_all(conn)?;
    let chosen: Vec<_> = all.iter().filter(|a| asked.contains(&a.id)).collect();
    if chosen.is_empty() {
        Ok((all.iter().map(|a| a.id.clone()).collect(), all.iter().map(|a| a.name.clone()).collect(), true))
    } else {
        Ok((chosen.iter().map(|a| a.id.clone()).collect(), chosen.iter().map(|a| a.name.clone()).collect(), false))
    }
}

/// The whole report for a period, with the previous period beside it.
pub fn build(conn: &mut DbConnection, period: Period, asked: &[String]) -> QueryResult<Report> {
    let calendar = Calendar::load(conn)?;
    let (ids, names, all) = resolve_authorities(conn, asked)?;
    let previous = period.previous();
    let cur = figures(conn, period, &ids, &calendar)?;
    let prev = figures(conn, previous, &ids, &calendar)?;
    let headline_row = |label: &str, c: i64, p: i64| Row { label: label.into(), current: c, previous: p, bar: 0.0 };
    let sum = |m: &BTreeMap<String, i64>, k: &str| m.get(k).copied().unwrap_or(0);
    let breaches = |f: &Figures| sum(&f.hearings, "Allegations: breach found");
    let headline = vec![
        headline_row("Complaints received", cur.received, prev.received),
        headline_row("Cases closed", cur.closed, prev.closed),
        headline_row(
            "Investigations started",
            sum(&cur.investigations, "Started"),
            sum(&prev.investigations, "Started"),
        ),
        headline_row(
            "Hearings decided",
            sum(&cur.hearings, "Hearings decided"),
            sum(&prev.hearings, "Hearings decided"),
        ),
        headline_row("Allegations where a breach was found", breaches(&cur), breaches(&prev)),
        headline_row("Sanctions imposed or recommended", cur.sanctions.values().sum(), prev.sanctions.values().sum()),
        headline_row("Open cases at the end of the period", cur.ageing.values().sum(), prev.ageing.values().sum()),
    ];
    let ages: Vec<&str> = AGE_BANDS.iter().map(|(_, l)| *l).collect();
    let investigation_order = ["Started", "Completed", "Open at the end of the period"];
    let hearing_order = ["Hearings decided", "Allegations: breach found", "Allegations: no breach"];
    let tables = vec![
        table("source", "Complaints received by source", &cur.by_source, &prev.by_source, true, None),
        table("authority", "Complaints received by council", &cur.by_authority, &prev.by_authority, true, None),
        table("tier", "Complaints received by tier", &cur.by_tier, &prev.by_tier, true, None),
        table("platform", "Complaints received by platform", &cur.by_platform, &prev.by_platform, true, None),
        table(
            "provision",
            "Allegations by code of conduct provision",
            &cur.by_provision,
            &prev.by_provision,
            true,
            None,
        ),
        table("capacity", "Capacity conclusions", &cur.capacity, &prev.capacity, true, None),
        table("initial", "Initial assessment decisions", &cur.initial, &prev.initial, true, None),
        table("post", "Post-investigation decisions", &cur.post_investigation, &prev.post_investigation, false, None),
        table("closed", "Cases closed, by outcome", &cur.closed_by_reason, &prev.closed_by_reason, true, None),
        table(
            "investigations",
            "Investigations",
            &cur.investigations,
            &prev.investigations,
            false,
            Some(&investigation_order),
        ),
        table("hearings", "Hearings and findings", &cur.hearings, &prev.hearings, false, Some(&hearing_order)),
        table("sanctions", "Sanctions", &cur.sanctions, &prev.sanctions, false, None),
        table("compliance", "Sanctions: compliance", &cur.compliance, &prev.compliance, false, None),
        table("ageing", "Open cases at the end of the period, by age", &cur.ageing, &prev.ageing, true, Some(&ages)),
    ];
    let timeliness = cur.timeliness.iter().cloned().zip(prev.timeliness.iter().cloned()).collect();
    let mut platforms: Vec<String> = cur.takedowns.keys().chain(prev.takedowns.keys()).cloned().collect();
    platforms.sort();
    platforms.dedup();
    let takedowns = platforms
        .into_iter()
        .map(|p| {
            let c = cur.takedowns.get(&p).copied().unwrap_or([0; 5]);
            let q = prev.takedowns.get(&p).copied().unwrap_or([0; 5]);
            (p, c, q)
        })
        .collect();
    let (summaries, summaries_total) = summaries(conn, period, &ids, Some(SUMMARY_LIMIT))?;
    Ok(Report {
        period,
        period_label: period.label(),
        previous,
        previous_label: previous.label(),
        authorities: names,
        all_authorities: all,
        generated_at: now(),
        headline,
        tables,
        timeliness,
        takedowns,
        summaries,
        summaries_total,
    })
}

/// Anonymised summaries of the cases closed in the period (no complainant appears; a member is
/// named only where a breach was found and the decision published), most recent first.
pub fn summaries(
    conn: &mut DbConnection,
    period: Period,
    ids: &[String],
    limit: Option<i64>,
) -> QueryResult<(Vec<CaseSummary>, i64)> {
    let in_period = cases::closed_at.ge(period.start()).and(cases::closed_at.lt(period.end()));
    let total: i64 =
        cases::table.filter(in_period).filter(cases::authority_id.eq_any(ids)).select(count_star()).first(conn)?;
    let mut q = cases::table
        .filter(in_period)
        .filter(cases::authority_id.eq_any(ids))
        .inner_join(authorities::table)
        .order((cases::closed_at.desc(), cases::reference.asc()))
        .select((
            cases::id,
            cases::reference,
            cases::received_on,
            cases::closed_at,
            authorities::name,
            authorities::tier,
            cases::status,
            cases::closure_reason,
        ))
        .into_boxed();
    if let Some(limit) = limit {
        q = q.limit(limit);
    }
    type SummaryRow = (String, String, NaiveDate, Option<NaiveDateTime>, String, String, CaseStatus, Option<String>);
    let rows: Vec<SummaryRow> = q.load(conn)?;
    // What each case needs from other tables, looked up in batches (a bound-parameter list stays
    // well under both backends' limits) and kept by case id.
    use std::collections::HashMap;
    let mut first_complaint: HashMap<String, (String, Option<String>)> = HashMap::new();
    let mut provisions_of: HashMap<String, Vec<String>> = HashMap::new();
    let mut named: HashMap<String, Vec<String>> = HashMap::new();
    let mut last_decision: HashMap<String, (String, String)> = HashMap::new();
    for chunk in rows.chunks(500) {
        let case_ids: Vec<&String> = chunk.iter().map(|r| &r.0).collect();
        let complaint_rows: Vec<(String, String, Option<String>)> = complaints::table
            .filter(complaints::case_id.eq_any(&case_ids))
            .order((complaints::case_id.asc(), complaints::received_on.asc(), complaints::created_at.asc()))
            .select((complaints::case_id, complaints::source, complaints::platform))
            .load(conn)?;
        for (case_id, source, platform) in complaint_rows {
            first_complaint.entry(case_id).or_insert((source, platform));
        }
        let provision_rows: Vec<(String, String)> = allegations::table
            .inner_join(code_provisions::table)
            .filter(allegations::case_id.eq_any(&case_ids))
            .select((allegations::case_id, code_provisions::number))
            .distinct()
            .load(conn)?;
        for (case_id, number) in provision_rows {
            provisions_of.entry(case_id).or_default().push(number);
        }
        // Members found in breach on cases whose decision was published.
        let named_rows: Vec<(String, String)> = findings::table
            .inner_join(allegations::table.inner_join(members::table))
            .filter(findings::breach.eq(true))
            .filter(allegations::case_id.eq_any(&case_ids))
            .filter(diesel::dsl::exists(
                decision_notices::table
                    .inner_join(decisions::table)
                    .filter(decisions::case_id.eq(allegations::case_id))
                    .filter(decision_notices::recipient_kind.eq("publication"))
                    .filter(decision_notices::status.eq("published")),
            ))
            .select((allegations::case_id, members::full_name))
            .distinct()
            .load(conn)?;
        for (case_id, name) in named_rows {
            named.entry(case_id).or_default().push(name);
        }
        let decision_rows: Vec<(String, String, String)> = decisions::table
            .filter(decisions::case_id.eq_any(&case_ids))
            .order(decisions::decided_at.asc())
            .select((decisions::case_id, decisions::stage, decisions::outcome))
            .load(conn)?;
        for (case_id, stage, outcome) in decision_rows {
            last_decision.insert(case_id, (stage, outcome));
        }
    }
    let out = rows
        .into_iter()
        .map(|(id, reference, received_on, closed_at, authority, tier, status, reason)| {
            let first = first_complaint.get(&id);
            let mut provisions: Vec<&str> =
                provisions_of.get(&id).map(|p| p.iter().map(String::as_str).collect()).unwrap_or_default();
            provisions.sort();
            let mut names: Vec<&str> =
                named.get(&id).map(|n| n.iter().map(String::as_str).collect()).unwrap_or_default();
            names.sort();
            names.dedup();
            let last = last_decision.get(&id).map(|(stage, outcome)| vocab::stage_outcome_label(stage, outcome));
            CaseSummary {
                reference,
                received_on,
                closed_on: closed_at.map(|c| c.date()),
                authority,
                tier: tier_label(&tier).into(),
                platform: first
                    .and_then(|c| c.1.as_deref())
                    .map(|p| vocab::label(&vocab::PLATFORMS, p))
                    .unwrap_or("Not given")
                    .into(),
                source: first.map(|c| vocab::label(&vocab::COMPLAINT_SOURCES, &c.0)).unwrap_or("").into(),
                provisions: provisions.join(", "),
                status: status.label().into(),
                outcome: reason.or(last).unwrap_or_default(),
                member: (!names.is_empty()).then(|| names.join(", ")),
            }
        })
        .collect();
    Ok((out, total))
}

// ---------------------------------------------------------------------------------------------
// CSV

fn csv_field(s: &str) -> String {
    // Spreadsheet formula injection: a leading =, +, - or @ is neutralised.
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn csv_line(fields: &[String]) -> String {
    let mut line = fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map(|v| if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.1}") }).unwrap_or_default()
}

/// Every figure in the report: section, measure, this period, previous period.
pub fn figures_csv(r: &Report) -> String {
    let mut out = csv_line(&["section", "measure", "this_period", "previous_period"].map(String::from));
    for row in &r.headline {
        out.push_str(&csv_line(&[
            "Summary".into(),
            row.label.clone(),
            row.current.to_string(),
            row.previous.to_string(),
        ]));
    }
    for t in &r.tables {
        for row in &t.rows {
            out.push_str(&csv_line(&[
                t.title.clone(),
                row.label.clone(),
                row.current.to_string(),
                row.previous.to_string(),
            ]));
        }
    }
    for (c, p) in &r.timeliness {
        let section = format!("Timeliness: {} (target {})", c.measure, c.target);
        out.push_str(&csv_line(&[section.clone(), "count".into(), c.count.to_string(), p.count.to_string()]));
        out.push_str(&csv_line(&[section.clone(), "median working days".into(), fmt_opt(c.median), fmt_opt(p.median)]));
        out.push_str(&csv_line(&[
            section,
            "percent within target".into(),
            fmt_opt(c.within_pct),
            fmt_opt(p.within_pct),
        ]));
    }
    let names = ["requests", "removed", "removed in time", "refused", "reinstated"];
    for (platform, c, p) in &r.takedowns {
        for (i, name) in names.iter().enumerate() {
            out.push_str(&csv_line(&[
                format!("Takedown requests: {platform}"),
                (*name).into(),
                c[i].to_string(),
                p[i].to_string(),
            ]));
        }
    }
    out
}

/// The underlying rows: one anonymised line per case closed in the period (every one, not only
/// those the page shows).
pub fn cases_csv(conn: &mut DbConnection, period: Period, asked: &[String]) -> QueryResult<String> {
    let (ids, _, _) = resolve_authorities(conn, asked)?;
    let (rows, _) = summaries(conn, period, &ids, None)?;
    let mut out = csv_line(
        &[
            "reference",
            "received_on",
            "closed_on",
            "council",
            "tier",
            "source",
            "platform",
            "provisions",
            "status",
            "outcome",
            "member_named",
        ]
        .map(String::from),
    );
    for s in rows {
        out.push_str(&csv_line(&[
            s.reference,
            s.received_on.to_string(),
            s.closed_on.map(|d| d.to_string()).unwrap_or_default(),
            s.authority,
            s.tier,
            s.source,
            s.platform,
            s.provisions,
            s.status,
            s.outcome,
            s.member.unwrap_or_default(),
        ]));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Snapshots

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = report_snapshots)]
pub struct Snapshot {
    pub id: String,
    pub title: String,
    pub meeting: String,
    pub meeting_on: NaiveDate,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub authorities: String,
    pub html: String,
    pub figures_csv: String,
    pub cases_csv: String,
    pub sha256: String,
    pub created_by_user_id: String,
    pub created_at: NaiveDateTime,
}

impl Snapshot {
    /// Whether the stored page and CSV are still exactly as saved.
    pub fn intact(&self) -> bool {
        snapshot_hash(&self.html, &self.figures_csv, &self.cases_csv) == self.sha256
    }
}

pub fn snapshot_hash(html: &str, figures: &str, cases: &str) -> String {
    crate::services::auth::sha256_hex(format!("{html}\u{0}{figures}\u{0}{cases}").as_bytes())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SnapshotInput {
    pub meeting: String,
    pub meeting_day: String,
    pub meeting_month: String,
    pub meeting_year: String,
}

/// Saves the report exactly as rendered, with its CSVs; it never changes afterwards.
pub fn save_snapshot(
    conn: &mut DbConnection,
    actor: &Actor,
    user: &crate::models::user::User,
    report: &Report,
    rendered: (&str, &str, &str),
    input: &SnapshotInput,
) -> ServiceResult<Snapshot> {
    if !crate::services::access::can(user, crate::services::access::Permission::WorkCases) {
        return Err(ServiceError::Forbidden);
    }
    let mut e = FieldErrors::default();
    let meeting = clean(&input.meeting);
    if meeting.is_none() {
        e.add("meeting", "Enter the meeting the report is presented to");
    }
    let meeting_on = vocab::parse_date(&input.meeting_day, &input.meeting_month, &input.meeting_year)
        .map_err(|m| e.add("meeting_on", m))
        .ok();
    e.into_result()?;
    let (html, figures, cases) = rendered;
    let snapshot = Snapshot {
        id: new_id(),
        title: format!("Code of Conduct complaints: {}", report.period_label),
        meeting: meeting.expect("checked"),
        meeting_on: meeting_on.expect("checked"),
        period_from: report.period.from,
        period_to: report.period.to,
        authorities: if report.all_authorities { "All councils".into() } else { report.authorities.join(", ") },
        html: html.to_string(),
        figures_csv: figures.to_string(),
        cases_csv: cases.to_string(),
        sha256: snapshot_hash(html, figures, cases),
        created_by_user_id: user.id.clone(),
        created_at: now(),
    };
    conn.transaction(|conn| {
        diesel::insert_into(report_snapshots::table).values(&snapshot).execute(conn)?;
        audit::record(
            conn,
            actor,
            Event::new("report.presented", "report_snapshot", &snapshot.id)
                .summary(format!("{} saved as presented to {}", snapshot.title, snapshot.meeting)),
        )?;
        Ok::<_, ServiceError>(())
    })?;
    Ok(snapshot)
}

/// A saved snapshot as listed: id, title, meeting, meeting date, saved at.
pub type SnapshotListing = (String, String, String, NaiveDate, NaiveDateTime);

pub fn snapshots(conn: &mut DbConnection) -> QueryResult<Vec<SnapshotListing>> {
    report_snapshots::table
        .order(report_snapshots::created_at.desc())
        .select((
            report_snapshots::id,
            report_snapshots::title,
            report_snapshots::meeting,
            report_snapshots::meeting_on,
            report_snapshots::created_at,
        ))
        .load(conn)
}

pub fn snapshot(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Snapshot>> {
    report_snapshots::table.find(id).select(Snapshot::as_select()).first(conn).optional()
}

/// The year-to-date figures the dashboard shows: the same figures as the report.
pub fn year_to_date(conn: &mut DbConnection, today: NaiveDate) -> QueryResult<(Period, Vec<Row>, Vec<Timeliness>)> {
    let period = Period { from: financial_year_of(today).from, to: today };
    let calendar = Calendar::load(conn)?;
    let (ids, _, _) = resolve_authorities(conn, &[])?;
    let f = figures_of(conn, period, &ids, &calendar, false)?;
    let sum = |m: &BTreeMap<String, i64>, k: &str| m.get(k).copied().unwrap_or(0);
    let row = |label: &str, n: i64| Row { label: label.into(), current: n, previous: 0, bar: 0.0 };
    Ok((
        period,
        vec![
            row("Complaints received", f.received),
            row("Cases closed", f.closed),
            row("Investigations started", sum(&f.investigations, "Started")),
            row("Hearings decided", sum(&f.hearings, "Hearings decided")),
            row("Open cases", f.ageing.values().sum()),
        ],
        f.timeliness,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn previous_periods() {
        let q2 = Period { from: d(2025, 7, 1), to: d(2025, 9, 30) };
        assert_eq!(q2.previous(), Period { from: d(2025, 4, 1), to: d(2025, 6, 30) });
        let year = Period { from: d(2025, 4, 1), to: d(2026, 3, 31) };
        assert_eq!(year.previous(), Period { from: d(2024, 4, 1), to: d(2025, 3, 31) });
        let ytd = Period { from: d(2026, 4, 1), to: d(2026, 11, 22) };
        assert_eq!(ytd.previous(), Period { from: d(2025, 4, 1), to: d(2025, 11, 22) });
        let custom = Period { from: d(2026, 5, 10), to: d(2026, 5, 19) };
        assert_eq!(custom.previous(), Period { from: d(2026, 4, 30), to: d(2026, 5, 9) });
        assert_eq!(year.label(), "2025/26");
        assert_eq!(q2.label(), "July to September 2025");
    }

    #[test]
    fn medians_of_histograms() {
        let h: BTreeMap<i64, i64> = [(1, 1), (4, 1), (6, 1)].into();
        assert_eq!(median(&h), Some(4.0));
        let h: BTreeMap<i64, i64> = [(2, 1), (5, 1)].into();
        assert_eq!(median(&h), Some(3.5));
        let h: BTreeMap<i64, i64> = [(3, 10), (9, 1)].into();
        assert_eq!(median(&h), Some(3.0));
        assert_eq!(median(&BTreeMap::new()), None);
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}
