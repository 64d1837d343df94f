//! The period a report covers, and the report form's query (period and councils).

use crate::models::report::Window;
use crate::services::vocab;
use crate::services::FieldErrors;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

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

    /// The financial year to `today`.
    pub fn year_to_date(today: NaiveDate) -> Period {
        Period { from: financial_year_of(today).from, to: today }
    }

    /// The period over the given authorities, as the counting queries take it.
    pub fn window(self, authority_ids: &[String]) -> Window<'_> {
        Window { from: self.from, to: self.to, authority_ids }
    }
}

/// The financial year (April to March) a day falls in.
pub fn financial_year_of(day: NaiveDate) -> Period {
    let start_year = if day.month() >= 4 { day.year() } else { day.year() - 1 };
    let from = NaiveDate::from_ymd_opt(start_year, 4, 1).expect("1 April");
    Period { from, to: NaiveDate::from_ymd_opt(start_year + 1, 3, 31).expect("31 March") }
}

pub use crate::services::vocab::Choice;

/// The value of the period choice that uses the dates given.
pub const CUSTOM_PERIOD: &str = "custom";

/// Quarters and financial years to choose from, most recent first, then other dates.
pub fn period_choices(today: NaiveDate) -> Vec<Choice> {
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
        out.push(Choice {
            value: format!("{}:{}", p.from, p.to),
            label: format!("Quarter {fy_q} {fy_label} ({})", p.label()),
        });
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
        out.push(Choice { value: format!("{}:{}", y.from, to), label });
        y = Period { from: y.from - Months::new(12), to: y.from - chrono::Duration::days(1) };
    }
    out.push(Choice { value: CUSTOM_PERIOD.into(), label: "Other dates".into() });
    out
}

/// The report form, as submitted (a GET query, or the hidden fields of the snapshot form).
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

    /// The query as a URL query string (for the CSV links), without empty values.
    pub fn to_query_string(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("period", &self.period),
            ("from_day", &self.from_day),
            ("from_month", &self.from_month),
            ("from_year", &self.from_year),
            ("to_day", &self.to_day),
            ("to_month", &self.to_month),
            ("to_year", &self.to_year),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        for a in &self.authorities {
            s.append_pair("authorities", a);
        }
        s.finish()
    }

    /// The query as the form shows it: with no period chosen, the financial year to date.
    pub fn with_default_period(mut self, today: NaiveDate) -> Self {
        if self.period.is_empty() {
            let p = Period::year_to_date(today);
            self.period = format!("{}:{}", p.from, p.to);
        }
        self
    }

    /// The period asked for; the current financial year to date when none is.
    pub fn period(&self, today: NaiveDate) -> Result<Period, FieldErrors> {
        let mut e = FieldErrors::default();
        let period = match self.period.as_str() {
            "" => Period::year_to_date(today),
            CUSTOM_PERIOD => {
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
    fn the_query_string_keeps_what_was_asked() {
        let q = ReportQuery {
            period: "2025-07-01:2025-09-30".into(),
            authorities: vec!["a".into(), "b".into()],
            ..Default::default()
        };
        assert_eq!(q.to_query_string(), "period=2025-07-01%3A2025-09-30&authorities=a&authorities=b");
        let choices = period_choices(d(2025, 11, 3));
        assert_eq!(choices[0].label, "Quarter 3 2025/26 (October to December 2025)");
        assert_eq!(choices.last().map(|c| c.value.as_str()), Some(CUSTOM_PERIOD));
    }
}
