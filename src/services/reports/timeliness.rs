//! Timeliness in working days: how long acknowledgement, initial assessment, investigation
//! and closure took, against their targets (median and share within target).
//!
//! A step that is overdue and not yet done counts as missed: it is in the number and not
//! within target, so "100 % within target" beside overdue cases cannot happen. The median is
//! of the steps done (an undone step has no length yet).

use crate::db::DbConnection;
use crate::models::report::{self as rows, Window};
use crate::services::calendar::Calendar;
use crate::services::settings;
use chrono::NaiveDate;
use diesel::QueryResult;
use serde::Serialize;
use std::collections::BTreeMap;

/// The report's benchmark for closing a case: six months, in working days.
pub const CLOSURE_TARGET_WORKING_DAYS: i64 = 130;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Timeliness {
    pub measure: String,
    pub target: String,
    /// Steps measured: those done, and those overdue and not yet done.
    pub count: i64,
    /// Of `count`, overdue and not yet done (missed).
    pub overdue: i64,
    pub median: Option<f64>,
    pub within: i64,
    pub within_pct: Option<f64>,
    /// As shown: "4", "3.5"; empty when there is nothing to measure.
    pub median_label: String,
    pub within_pct_label: String,
}

/// Acknowledgement, initial assessment, investigation and closure, in that order; a step not
/// done whose deadline was before `as_of` (today) counts as missed.
pub fn timeliness(
    conn: &mut DbConnection,
    w: Window,
    calendar: &Calendar,
    as_of: NaiveDate,
) -> QueryResult<Vec<Timeliness>> {
    let deadlines = settings::deadlines(conn)?;
    let (hist, within) =
        histogram(calendar, rows::received_to_acknowledged(conn, w)?, i64::from(deadlines.acknowledge));
    let acknowledgement = measured(
        "Acknowledgement (cases received in the period)",
        format!("{} working days", deadlines.acknowledge),
        &hist,
        within,
        rows::overdue_unacknowledged(conn, w, as_of)?,
    );
    let (hist, within) = histogram(calendar, rows::received_to_assessed(conn, w)?, i64::from(deadlines.assessment));
    let assessment = measured(
        "Initial assessment (cases received in the period)",
        format!("{} working days", deadlines.assessment),
        &hist,
        within,
        rows::overdue_unassessed(conn, w, as_of)?,
    );
    let mut hist = BTreeMap::new();
    let mut within = 0;
    for (appointed, completed, target) in rows::completed_investigations(conn, w)? {
        let completed = completed.expect("filtered");
        *hist.entry(calendar.working_days_between(appointed.date(), completed)).or_insert(0) += 1;
        within += i64::from(completed <= target);
    }
    let investigation = measured(
        "Investigation (completed in the period, or due in it and not completed)",
        "by its target date".into(),
        &hist,
        within,
        rows::overdue_investigations(conn, w, as_of)?,
    );
    let closed = rows::received_to_closed(conn, w)?.into_iter().map(|(r, c)| (r, c.map(|c| c.date()), 1)).collect();
    let (hist, within) = histogram(calendar, closed, CLOSURE_TARGET_WORKING_DAYS);
    // Open cases whose closure target fell in the window, before today.
    let mut open_overdue = 0;
    for (received, n) in rows::open_now_by_received_on(conn, w)? {
        let due = calendar.add_working_days(received, CLOSURE_TARGET_WORKING_DAYS as u32);
        if due >= w.from && due <= w.to && due < as_of {
            open_overdue += n;
        }
    }
    let closure = measured(
        "Closure (cases closed in the period, or due in it and still open)",
        format!("{CLOSURE_TARGET_WORKING_DAYS} working days (about six months)"),
        &hist,
        within,
        open_overdue,
    );
    Ok(vec![acknowledgement, assessment, investigation, closure])
}

/// Working days from start to end of each (start, end, count), as a histogram, and how many
/// are within `target`.
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

/// "4", "3.5"; empty for nothing.
pub fn fmt_opt(v: Option<f64>) -> String {
    v.map(|v| if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.1}") }).unwrap_or_default()
}

fn measured(measure: &str, target: String, hist: &BTreeMap<i64, i64>, within: i64, overdue: i64) -> Timeliness {
    let count: i64 = hist.values().sum::<i64>() + overdue;
    let median = median(hist);
    let within_pct = (count > 0).then(|| (within as f64 * 1000.0 / count as f64).round() / 10.0);
    Timeliness {
        measure: measure.into(),
        target,
        count,
        overdue,
        median,
        within,
        within_pct,
        median_label: fmt_opt(median),
        within_pct_label: fmt_opt(within_pct),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn overdue_steps_are_missed() {
        let h: BTreeMap<i64, i64> = [(2, 2)].into();
        let t = measured("m", "5".into(), &h, 2, 2);
        assert_eq!((t.count, t.within, t.overdue), (4, 2, 2));
        assert_eq!(t.within_pct_label, "50");
        assert_eq!(t.median_label, "2");
        let t = measured("m", "5".into(), &BTreeMap::new(), 0, 1);
        assert_eq!((t.count, t.within_pct_label.as_str(), t.median_label.as_str()), (1, "0", ""));
    }
}
