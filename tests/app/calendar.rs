use crate::harness::TestApp;
use chrono::NaiveDate;
use standards_desk::models::user::Role;
use standards_desk::services::calendar::{bank_holidays, Calendar};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn five_working_days_after_thursday_18_december_2025_is_monday_29_december() {
    assert_eq!(Calendar::bank_holidays_only().add_working_days(d(2025, 12, 18), 5), d(2025, 12, 29));
}

#[test]
fn easter_is_skipped() {
    // Good Friday 3 April and Easter Monday 6 April 2026.
    assert_eq!(Calendar::bank_holidays_only().add_working_days(d(2026, 4, 2), 5), d(2026, 4, 13));
}

#[test]
fn twenty_working_days_span_the_new_year() {
    // From Monday 15 December 2025: 25, 26 December and 1 January are holidays.
    assert_eq!(Calendar::bank_holidays_only().add_working_days(d(2025, 12, 15), 20), d(2026, 1, 15));
}

#[test]
fn bank_holidays_follow_the_rules_and_the_one_off_changes() {
    let y2026: Vec<_> = bank_holidays(2026).into_keys().collect();
    assert_eq!(
        y2026,
        vec![
            d(2026, 1, 1),
            d(2026, 4, 3),
            d(2026, 4, 6),
            d(2026, 5, 4),
            d(2026, 5, 25),
            d(2026, 8, 31),
            d(2026, 12, 25),
            d(2026, 12, 28)
        ]
    );
    // Boxing Day 2026 is a Saturday: the substitute day is Monday 28 December.
    assert!(bank_holidays(2026)[&d(2026, 12, 28)].contains("substitute"));
    // 2022: spring bank holiday moved to 2 June, Platinum Jubilee 3 June, state funeral 19 September.
    let y2022 = bank_holidays(2022);
    assert!(y2022.contains_key(&d(2022, 6, 2)) && y2022.contains_key(&d(2022, 6, 3)));
    assert!(!y2022.contains_key(&d(2022, 5, 30)));
    assert!(y2022.contains_key(&d(2022, 9, 19)));
    // 2020: early May bank holiday moved to Friday 8 May.
    assert!(bank_holidays(2020).contains_key(&d(2020, 5, 8)) && !bank_holidays(2020).contains_key(&d(2020, 5, 4)));
    // Christmas on a Sunday (2022): Boxing Day Monday 26, substitute Tuesday 27.
    assert!(y2022.contains_key(&d(2022, 12, 26)) && y2022.contains_key(&d(2022, 12, 27)));
    // New Year's Day 2028 is a Saturday: substitute Monday 3 January.
    assert!(bank_holidays(2028).contains_key(&d(2028, 1, 3)));
    assert_eq!(bank_holidays(2023).len(), 9, "2023 had the coronation bank holiday");
}

#[test]
fn working_days_between_counts_after_the_start() {
    let c = Calendar::bank_holidays_only();
    assert_eq!(c.working_days_between(d(2025, 12, 18), d(2025, 12, 29)), 5);
    assert_eq!(c.working_days_between(d(2025, 12, 29), d(2025, 12, 18)), 0);
}

#[actix_web::test]
async fn a_council_closure_day_added_by_an_admin_moves_deadlines() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin).await;
    let res = app
        .post_form(
            "/admin/closure-days",
            &[
                ("closure_day", "29"),
                ("closure_month", "12"),
                ("closure_year", "2025"),
                ("reason", "Christmas closure"),
            ],
        )
        .await;
    res.assert_status(303);
    app.follow(&res)
        .await
        .assert_status(200)
        .assert_contains("29 December 2025 added as a closure day")
        .assert_contains("Christmas closure");
    let calendar = Calendar::load(&mut app.conn()).unwrap();
    assert_eq!(calendar.add_working_days(d(2025, 12, 18), 5), d(2025, 12, 30));

    let bank = app
        .post_form(
            "/admin/closure-days",
            &[("closure_day", "25"), ("closure_month", "12"), ("closure_year", "2025"), ("reason", "Christmas")],
        )
        .await;
    bank.assert_status(422).assert_contains("already a non-working day (Christmas Day)");
    let bad = app
        .post_form(
            "/admin/closure-days",
            &[("closure_day", "31"), ("closure_month", "2"), ("closure_year", "2026"), ("reason", "")],
        )
        .await;
    bad.assert_status(422)
        .assert_contains("The date must be a real date")
        .assert_contains("Enter why the council is closed")
        .assert_contains("value=\"31\"");

    app.post_form("/admin/closure-days/2025-12-29/delete", &[]).await.assert_status(303);
    let calendar = Calendar::load(&mut app.conn()).unwrap();
    assert_eq!(calendar.add_working_days(d(2025, 12, 18), 5), d(2025, 12, 29));
}
