//! Working days: England & Wales bank holidays (standing rules plus the one-off changes in
//! `seeds/bank_holidays/`) and council closure days (added by an admin, stored in the database).

use crate::db::DbConnection;
use crate::models::calendar as closures;
use crate::models::now;
use crate::models::user::User;
use crate::services::audit::{self, Actor, Event};
use crate::services::settings::may_administer;
use crate::services::vocab;
use crate::services::{FieldErrors, ServiceError, ServiceResult};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::LazyLock;

const CHANGES_JSON: &str = include_str!("../../seeds/bank_holidays/england-and-wales-changes.json");

#[derive(Deserialize)]
struct Changes {
    moved: Vec<Moved>,
    added: Vec<Added>,
}

#[derive(Deserialize)]
struct Moved {
    from: NaiveDate,
    to: NaiveDate,
    name: String,
}

#[derive(Deserialize)]
struct Added {
    date: NaiveDate,
    name: String,
}

static CHANGES: LazyLock<Changes> =
    LazyLock::new(|| serde_json::from_str(CHANGES_JSON).expect("seeds/bank_holidays changes file is valid JSON"));

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid calendar date")
}

/// Easter Sunday (Gregorian), by the anonymous algorithm (Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    date(year, month as u32, day as u32)
}

fn first_monday(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, 1).expect("every month has a Monday")
}

fn last_monday(year: i32, month: u32) -> NaiveDate {
    let next_month_first = if month == 12 { date(year + 1, 1, 1) } else { date(year, month + 1, 1) };
    let mut d = next_month_first - Duration::days(1);
    while d.weekday() != Weekday::Mon {
        d -= Duration::days(1);
    }
    d
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The England & Wales bank holidays of a year, by date.
pub fn bank_holidays(year: i32) -> BTreeMap<NaiveDate, String> {
    let mut days = BTreeMap::new();
    let mut new_year = date(year, 1, 1);
    while is_weekend(new_year) {
        new_year += Duration::days(1);
    }
    let new_year_name = if new_year.day() == 1 { "New Year's Day" } else { "New Year's Day (substitute day)" };
    days.insert(new_year, new_year_name.to_string());
    let easter = easter_sunday(year);
    days.insert(easter - Duration::days(2), "Good Friday".into());
    days.insert(easter + Duration::days(1), "Easter Monday".into());
    days.insert(first_monday(year, 5), "Early May bank holiday".into());
    days.insert(last_monday(year, 5), "Spring bank holiday".into());
    days.insert(last_monday(year, 8), "Summer bank holiday".into());
    // Christmas Day and Boxing Day keep their dates on weekdays; one at a weekend gives a
    // substitute day, the next weekday that is not already a holiday.
    let christmas = [(date(year, 12, 25), "Christmas Day"), (date(year, 12, 26), "Boxing Day")];
    for (d, name) in christmas.iter().filter(|(d, _)| !is_weekend(*d)) {
        days.insert(*d, name.to_string());
    }
    for (d, name) in christmas.iter().filter(|(d, _)| is_weekend(*d)) {
        let mut sub = *d;
        while is_weekend(sub) || days.contains_key(&sub) {
            sub += Duration::days(1);
        }
        days.insert(sub, format!("{name} (substitute day)"));
    }
    for m in CHANGES.moved.iter().filter(|m| m.from.year() == year) {
        days.remove(&m.from);
        days.insert(m.to, m.name.clone());
    }
    for a in CHANGES.added.iter().filter(|a| a.date.year() == year) {
        days.insert(a.date, a.name.clone());
    }
    days
}

/// Bank holidays from 1990 to 2100, computed once.
static ALL_BANK_HOLIDAYS: LazyLock<BTreeMap<NaiveDate, String>> =
    LazyLock::new(|| (1990..=2100).flat_map(bank_holidays).collect());

fn bank_holiday(d: NaiveDate) -> Option<&'static String> {
    ALL_BANK_HOLIDAYS.get(&d)
}

/// Weekdays in `(from, to]`.
fn weekdays_between(from: NaiveDate, to: NaiveDate) -> i64 {
    let days = (to - from).num_days();
    let mut count = days / 7 * 5;
    let mut d = from + Duration::days(days / 7 * 7);
    while d < to {
        d += Duration::days(1);
        if !is_weekend(d) {
            count += 1;
        }
    }
    count
}

/// Non-working days for deadline arithmetic: weekends, bank holidays and council closure days.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    closures: BTreeMap<NaiveDate, String>,
}

impl Calendar {
    /// A calendar with bank holidays only.
    pub fn bank_holidays_only() -> Self {
        Self::default()
    }

    pub fn with_closures(closures: impl IntoIterator<Item = (NaiveDate, String)>) -> Self {
        Self { closures: closures.into_iter().collect() }
    }

    /// Loads the council closure days from the database.
    pub fn load(conn: &mut DbConnection) -> diesel::QueryResult<Self> {
        Ok(Self::with_closures(closures::list_closure_days(conn)?.into_iter().map(|c| (c.day, c.reason))))
    }

    /// Why `d` is not a working day, or `None` if it is one.
    pub fn non_working_reason(&self, d: NaiveDate) -> Option<String> {
        if is_weekend(d) {
            return Some(if d.weekday() == Weekday::Sat { "Saturday" } else { "Sunday" }.into());
        }
        if let Some(name) = bank_holiday(d).cloned().or_else(|| bank_holidays(d.year()).remove(&d)) {
            return Some(name);
        }
        self.closures.get(&d).map(|r| format!("Council closed: {r}"))
    }

    fn is_holiday(&self, d: NaiveDate) -> bool {
        match bank_holiday(d) {
            Some(_) => true,
            None if (1990..=2100).contains(&d.year()) => self.closures.contains_key(&d),
            None => bank_holidays(d.year()).contains_key(&d) || self.closures.contains_key(&d),
        }
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        !is_weekend(d) && !self.is_holiday(d)
    }

    /// The date `n` working days after `start` (the start day itself is day 0, as in "within
    /// 5 working days of receipt"). `n = 0` gives `start`.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d += Duration::days(1);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days after `from` up to and including `to` (0 when `to <= from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to <= from {
            return 0;
        }
        let range = (std::ops::Bound::Excluded(from), std::ops::Bound::Included(to));
        let holidays = ALL_BANK_HOLIDAYS.range(range).filter(|(d, _)| !is_weekend(**d)).count() as i64;
        let closures =
            self.closures.range(range).filter(|(d, _)| !is_weekend(**d) && bank_holiday(**d).is_none()).count() as i64;
        weekdays_between(from, to) - holidays - closures
    }
}

// ---------------------------------------------------------------------------------------------
// Council closure days, managed by an administrator

/// The add-a-closure-day form as submitted.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ClosureForm {
    #[serde(default)]
    pub closure_day: String,
    #[serde(default)]
    pub closure_month: String,
    #[serde(default)]
    pub closure_year: String,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BankHoliday {
    pub day: NaiveDate,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClosureDaysPage {
    pub form: ClosureForm,
    pub closure_days: Vec<closures::ClosureDay>,
    /// Bank holidays this year and next.
    pub bank_holidays: Vec<BankHoliday>,
}

/// The closure days page, with the add form's values (empty, or as submitted).
pub fn closure_days_page(
    conn: &mut DbConnection,
    admin: &User,
    today: NaiveDate,
    form: ClosureForm,
) -> ServiceResult<ClosureDaysPage> {
    may_administer(admin)?;
    let bank_holidays = (today.year()..=today.year() + 1)
        .flat_map(bank_holidays)
        .map(|(day, name)| BankHoliday { day, name })
        .collect();
    Ok(ClosureDaysPage { form, closure_days: closures::list_closure_days(conn)?, bank_holidays })
}

/// Adds a council closure day. Refused if the day is already a non-working day.
pub fn add_closure_day(
    conn: &mut DbConnection,
    actor: &Actor,
    admin: &User,
    form: &ClosureForm,
) -> ServiceResult<closures::ClosureDay> {
    may_administer(admin)?;
    let mut errors = FieldErrors::default();
    let day = vocab::parse_date(&form.closure_day, &form.closure_month, &form.closure_year)
        .map_err(|m| errors.add("closure", m))
        .ok();
    crate::services::text::check_one_line(&mut errors, "reason", &form.reason, "the reason");
    let reason = form.reason.trim();
    if reason.is_empty() {
        errors.add("reason", "Enter why the council is closed, like 'Office move'");
    }
    if let Some(d) = day {
        if let Some(why) = Calendar::bank_holidays_only().non_working_reason(d) {
            errors.add("closure", format!("{} is already a non-working day ({why})", d.format("%-d %B %Y")));
        }
    }
    errors.into_result()?;
    let day = day.expect("checked above");
    crate::db::write(conn, |conn| {
        if closures::find_closure_day(conn, day)?.is_some() {
            return Err(ServiceError::invalid("closure", "That day is already a closure day"));
        }
        let row = closures::ClosureDay {
            day,
            reason: reason.to_string(),
            created_by_user_id: actor.user_id.clone(),
            created_at: now(),
        };
        closures::insert_closure_day(conn, &row)?;
        audit::record(
            conn,
            actor,
            Event::new("closure_day.added", "closure_day", &day.to_string())
                .summary(format!("Council closure day {} added: {reason}", day.format("%-d %B %Y"))),
        )?;
        Ok(row)
    })
}

pub fn remove_closure_day(conn: &mut DbConnection, actor: &Actor, admin: &User, day: NaiveDate) -> ServiceResult<()> {
    may_administer(admin)?;
    crate::db::write(conn, |conn| {
        if closures::delete_closure_day(conn, day)? == 0 {
            return Err(ServiceError::NotFound);
        }
        audit::record(
            conn,
            actor,
            Event::new("closure_day.removed", "closure_day", &day.to_string())
                .summary(format!("Council closure day {} removed", day.format("%-d %B %Y"))),
        )?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_matches_walking_day_by_day() {
        let c = Calendar::with_closures([(date(2025, 12, 29), "Christmas closure".to_string())]);
        let start = date(2024, 12, 1);
        for offset in 0..800 {
            let to = start + Duration::days(offset);
            let mut walked = 0;
            let mut d = start;
            while d < to {
                d += Duration::days(1);
                if c.is_working_day(d) {
                    walked += 1;
                }
            }
            assert_eq!(c.working_days_between(start, to), walked, "to {to}");
        }
    }

    #[test]
    fn easter_dates() {
        assert_eq!(easter_sunday(2024), date(2024, 3, 31));
        assert_eq!(easter_sunday(2025), date(2025, 4, 20));
        assert_eq!(easter_sunday(2026), date(2026, 4, 5));
        assert_eq!(easter_sunday(2027), date(2027, 3, 28));
    }
}
