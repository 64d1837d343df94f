//! Council set-up (issue 14): councils, the register of members, accounts, codes and the CSV
//! import, driven through the admin pages.

use crate::fixtures::CaseBuilder;
use crate::harness::TestApp;
use crate::rows;
use diesel::prelude::*;
use standards_desk::db::schema::{authorities, member_accounts, members, memberships};
use standards_desk::models::user::Role;

fn council_id(app: &TestApp, name: &str) -> String {
    authorities::table
        .filter(authorities::name.eq(name))
        .select(authorities::id)
        .first(&mut app.conn())
        .unwrap_or_else(|e| panic!("council {name}: {e}"))
}

fn member_id_by_name(app: &TestApp, name: &str) -> String {
    members::table
        .filter(members::full_name.eq(name))
        .select(members::id)
        .first(&mut app.conn())
        .unwrap_or_else(|e| panic!("member {name}: {e}"))
}

/// (council name, role, ended_on) of each membership of a member.
fn memberships_of(app: &TestApp, member_id: &str) -> Vec<(String, String, Option<chrono::NaiveDate>)> {
    memberships::table
        .inner_join(authorities::table)
        .filter(memberships::member_id.eq(member_id))
        .order(authorities::name.asc())
        .select((authorities::name, memberships::role, memberships::ended_on))
        .load(&mut app.conn())
        .expect("memberships")
}

async fn add_council(app: &TestApp, fields: &[(&str, &str)]) -> String {
    let res = app.post_form("/admin/councils/new", fields).await;
    res.assert_status(303);
    let name = fields.iter().find(|(k, _)| *k == "name").map(|(_, v)| *v).unwrap_or_default();
    council_id(app, name)
}

#[actix_web::test]
async fn an_admin_sets_up_a_district_and_a_parish_with_a_dual_hatted_member_and_their_accounts() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin).await;
    app.get("/admin/councils").await.assert_status(200).assert_contains("Add a council");
    let district = add_council(
        &app,
        &[("name", "Westmoor District Council"), ("short_name", "WDC"), ("tier", "district"), ("nation", "england")],
    )
    .await;
    let parish = add_council(
        &app,
        &[
            ("name", "Lowfield Parish Council"),
            ("short_name", "Lowfield PC"),
            ("tier", "parish"),
            ("nation", "england"),
            ("principal", &district),
            ("clerk_name", "Sam Clerk"),
            ("clerk_email", "Clerk@Lowfield.example"),
        ],
    )
    .await;
    assert_eq!(rows::audited_for(&app, "council.added", &parish), 1);
    app.post_form(&format!("/admin/councils/{parish}/wards"), &[("ward_name", "Lowfield East")])
        .await
        .assert_status(303);
    app.get(&format!("/admin/councils/{parish}"))
        .await
        .assert_status(200)
        .assert_contains("Lowfield East")
        .assert_contains("Sam Clerk")
        .assert_contains("clerk@lowfield.example")
        .assert_contains("Westmoor District Council");

    let res = app
        .post_form(
            "/admin/members/new",
            &[("full_name", "Robin Hale"), ("title", "Cllr"), ("party", ""), ("email", "robin@lowfield.example")],
        )
        .await;
    res.assert_status(303);
    let member = member_id_by_name(&app, "Robin Hale");
    for (council, ward, role) in [(&district, "Lowfield", "member"), (&parish, "Lowfield East", "chair")] {
        app.post_form(
            &format!("/admin/members/{member}/memberships"),
            &[
                ("council", council.as_str()),
                ("ward", ward),
                ("role", role),
                ("started_day", "2"),
                ("started_month", "5"),
                ("started_year", "2024"),
            ],
        )
        .await
        .assert_status(303);
    }
    // The parish account presents the parish; the personal one presents no council.
    app.post_form(
        &format!("/admin/members/{member}/accounts"),
        &[
            ("platform", "facebook"),
            ("handle", "LowfieldChair"),
            ("profile_url", "https://www.facebook.com/LowfieldChair/?ref=share"),
            ("presents", parish.as_str()),
            ("presents_role", "Chair of Lowfield Parish Council"),
            ("declared", "official"),
            ("in_use_from_day", "2"),
            ("in_use_from_month", "5"),
            ("in_use_from_year", "2024"),
        ],
    )
    .await
    .assert_status(303);
    app.post_form(
        &format!("/admin/members/{member}/accounts"),
        &[
            ("platform", "x"),
            ("handle", "@robinhale"),
            ("profile_url", "https://x.com/RobinHale"),
            ("presents", "personal"),
            ("declared", "personal"),
        ],
    )
    .await
    .assert_status(303);

    assert_eq!(
        memberships_of(&app, &member),
        vec![
            ("Lowfield Parish Council".to_string(), "chair".to_string(), None),
            ("Westmoor District Council".to_string(), "member".to_string(), None)
        ]
    );
    let accounts: Vec<(String, Option<String>, Option<String>, bool)> = member_accounts::table
        .filter(member_accounts::member_id.eq(&member))
        .order(member_accounts::handle.asc())
        .select((
            member_accounts::handle,
            member_accounts::authority_id,
            member_accounts::canonical_url,
            member_accounts::declared_official,
        ))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(accounts.len(), 2);
    assert_eq!(accounts[0].0, "@robinhale");
    assert_eq!(accounts[0].1, None, "personal");
    assert_eq!(accounts[0].2.as_deref(), Some("https://x.com/robinhale"));
    assert_eq!(accounts[1].1.as_deref(), Some(parish.as_str()));
    assert!(accounts[1].3);
    assert!(accounts[1].2.as_deref().is_some_and(|u| !u.contains("ref=")), "canonical: {:?}", accounts[1].2);

    app.get(&format!("/admin/members/{member}"))
        .await
        .assert_status(200)
        .assert_contains("Cllr Robin Hale")
        .assert_contains("Independent")
        .assert_contains("Lowfield Parish Council")
        .assert_contains("Chair")
        .assert_contains("LowfieldChair")
        .assert_contains("Personal");
    app.get("/admin/councils")
        .await
        .assert_status(200)
        .assert_contains("Westmoor District Council")
        .assert_contains("Lowfield Parish Council");
    let list = app.get(&format!("/admin/members?council={parish}")).await;
    list.assert_status(200).assert_contains("Robin Hale").assert_contains("Lowfield Parish Council (Chair)");
}

#[actix_web::test]
async fn bad_register_input_is_shown_again_with_the_values_kept_and_nothing_saved() {
    let app = TestApp::spawn_demo().await;
    app.login("admin@southvale.example", "demo-password").await;
    let before = rows::count(&app, "authorities");
    let res = app
        .post_form(
            "/admin/councils/new",
            &[
                ("name", "Upton Parish Council"),
                ("tier", "parish"),
                ("nation", "england"),
                ("clerk_email", "not-an-email"),
            ],
        )
        .await;
    res.assert_status(422)
        .assert_contains("There is a problem")
        .assert_contains("Select the principal council")
        .assert_contains("clerk’s email address in the correct format")
        .assert_contains("value=\"Upton Parish Council\"")
        .assert_contains("value=\"not-an-email\"");
    let dup = app
        .post_form(
            "/admin/councils/new",
            &[("name", "Southvale District Council"), ("tier", "district"), ("nation", "england")],
        )
        .await;
    dup.assert_status(422).assert_contains("There is already a council called Southvale District Council");
    assert_eq!(rows::count(&app, "authorities"), before);

    let member = app.member_id("Alex Archer");
    let southvale = app.authority_id("southvale");
    let before = rows::count(&app, "memberships");
    let res = app
        .post_form(
            &format!("/admin/members/{member}/memberships"),
            &[
                ("council", southvale.as_str()),
                ("ward", "Nowhere Ward"),
                ("role", "chair"),
                ("started_day", "10"),
                ("started_month", "6"),
                ("started_year", "2024"),
                ("ended_day", "1"),
                ("ended_month", "6"),
                ("ended_year", "2024"),
                ("end_reason", "resigned"),
            ],
        )
        .await;
    res.assert_status(422)
        .assert_contains("There is a problem")
        .assert_contains("The end date must be the same as or after the start date")
        .assert_contains("href=\"#ended\"")
        .assert_contains("value=\"Nowhere Ward\"")
        .assert_contains("value=\"10\"");
    // The same role on the same council for overlapping dates is refused.
    let res = app
        .post_form(
            &format!("/admin/members/{member}/memberships"),
            &[
                ("council", southvale.as_str()),
                ("role", "member"),
                ("started_day", "1"),
                ("started_month", "1"),
                ("started_year", "2024"),
            ],
        )
        .await;
    res.assert_status(422).assert_contains("They already hold the role of member on Southvale District Council");
    assert_eq!(rows::count(&app, "memberships"), before);

    let res = app.post_form("/admin/members/new", &[("full_name", " "), ("email", "nope"), ("party", "Green")]).await;
    res.assert_status(422)
        .assert_contains("Enter the member’s full name")
        .assert_contains("Enter an email address in the correct format")
        .assert_contains("value=\"Green\"");
    let res = app
        .post_form(
            &format!("/admin/members/{member}/accounts"),
            &[
                ("platform", "x"),
                ("handle", "archer2"),
                ("profile_url", "not a url"),
                ("presents", ""),
                ("declared", ""),
            ],
        )
        .await;
    res.assert_status(422)
        .assert_contains("Enter the profile’s web address")
        .assert_contains("Select the council the account presents")
        .assert_contains("value=\"archer2\"");
    let res = app
        .post_form(
            &format!("/admin/councils/{southvale}/codes"),
            &[
                ("adopt", "own"),
                ("adopt_title", ""),
                ("adopted_day", "31"),
                ("adopted_month", "2"),
                ("adopted_year", "2025"),
            ],
        )
        .await;
    res.assert_status(422).assert_contains("Enter the title").assert_contains("The date must be a real date");
}

#[actix_web::test]
async fn retiring_a_council_and_ending_memberships_leave_existing_cases_as_they_were() {
    let app = TestApp::spawn_demo().await;
    let case = CaseBuilder::new().member("Bev Bailey", "millbrook").log(&app);
    app.login("admin@southvale.example", "demo-password").await;
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    let before = mo.get(&format!("/cases/{}", case.reference)).await.ok_body();
    assert!(before.contains("Millbrook Parish Council"));

    let millbrook = app.authority_id("millbrook");
    // End all memberships of Millbrook: a confirm step first, which changes nothing.
    let confirm = app
        .post_form(
            &format!("/admin/councils/{millbrook}/end-all"),
            &[("end_all_day", "3"), ("end_all_month", "5"), ("end_all_year", "2025"), ("end_all_reason", "term-ended")],
        )
        .await;
    confirm
        .assert_status(200)
        .assert_contains("End 1 memberships of Millbrook Parish Council?")
        .assert_contains("Bev Bailey");
    let bev = app.member_id("Bev Bailey");
    assert!(memberships_of(&app, &bev).iter().all(|(_, _, end)| end.is_none()));
    app.post_form(
        &format!("/admin/councils/{millbrook}/end-all"),
        &[
            ("end_all_day", "3"),
            ("end_all_month", "5"),
            ("end_all_year", "2025"),
            ("end_all_reason", "term-ended"),
            ("confirm", "yes"),
        ],
    )
    .await
    .assert_status(303);
    let ended = memberships_of(&app, &bev);
    assert!(ended
        .iter()
        .any(|(c, _, end)| c == "Millbrook Parish Council" && *end == chrono::NaiveDate::from_ymd_opt(2025, 5, 3)));
    assert!(
        ended.iter().any(|(c, _, end)| c == "Southvale District Council" && end.is_none()),
        "other councils untouched"
    );
    assert_eq!(rows::audited_for(&app, "council.memberships_ended", &millbrook), 1);

    app.post_form(
        &format!("/admin/councils/{millbrook}/retire"),
        &[("retired_day", "4"), ("retired_month", "5"), ("retired_year", "2025")],
    )
    .await
    .assert_status(303);
    app.get(&format!("/admin/councils/{millbrook}"))
        .await
        .assert_status(200)
        .assert_contains("Retired from 4 May 2025");
    // Not offered for new memberships, nor on the public form.
    let res = app
        .post_form(
            &format!("/admin/members/{bev}/memberships"),
            &[
                ("council", millbrook.as_str()),
                ("role", "member"),
                ("started_day", "5"),
                ("started_month", "5"),
                ("started_year", "2025"),
            ],
        )
        .await;
    res.assert_status(422).assert_contains("has been retired");
    let public = app.new_browser();
    public.get("/complaints/new").await.assert_status(200).assert_lacks("Millbrook Parish Council");

    let after = mo.get(&format!("/cases/{}", case.reference)).await.ok_body();
    assert!(after.contains("Millbrook Parish Council"), "the case still names its council");
    assert!(after.contains(&case.reference));
    let authority: String = standard_case_authority(&app, &case.id);
    assert_eq!(authority, millbrook, "the case keeps its council");
    // The member page lists the case to officers, not to the admin.
    mo.get(&format!("/admin/members/{bev}")).await.assert_status(200).assert_contains(&case.reference);
    app.get(&format!("/admin/members/{bev}")).await.assert_status(200).assert_lacks(&case.reference);
}

fn standard_case_authority(app: &TestApp, case_id: &str) -> String {
    use standards_desk::db::schema::cases;
    cases::table.filter(cases::id.eq(case_id)).select(cases::authority_id).first(&mut app.conn()).unwrap()
}

#[actix_web::test]
async fn staff_view_the_register_and_only_admins_and_monitoring_officers_change_it() {
    let app = TestApp::spawn_demo().await;
    app.login("officer@southvale.example", "demo-password").await;
    app.get("/admin/members").await.assert_status(200).assert_contains("Alex Archer").assert_lacks("Add a member");
    app.get("/admin/councils").await.assert_status(200).assert_lacks("Add a council");
    app.post_form("/admin/members/new", &[("full_name", "Nobody")]).await.assert_status(403);
    app.get("/admin/import").await.assert_status(403);
    let ip = app.new_browser();
    ip.login("ip@southvale.example", "demo-password").await;
    ip.get("/admin/members").await.assert_status(403);
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    mo.post_form("/admin/members/new", &[("full_name", "Newly Elected")]).await.assert_status(303);
}

const MEMBERS_CSV: &str = "\
Name,Title,Council,Ward,Party,Role,Start date,End date,End reason,Email
Casey New,Cllr,Northfield Parish Council,,Green Party,Member,2024-05-02,,,casey.new@example.org
Dave Dunn,,Southvale District Council,Riverside,Southvale Independents,Councillor,02/05/2019,,,dave.dunn@southvale.example
Uma Unknown,,Nowhere Town Council,,,Member,2024-05-02,,,
Ed Early,,Easton Town Council,,,Member,2024-05-02,2024-04-01,Resigned,
";

async fn upload(app: &TestApp, kind: &str, name: &str, csv: &str) -> String {
    let res = app.post_multipart("/admin/import", &[("kind", kind)], &[("file", name, csv.as_bytes())]).await;
    res.assert_status(303);
    res.location().expect("to the preview").to_string()
}

#[actix_web::test]
async fn a_csv_import_previews_each_row_writes_nothing_until_confirmed_and_again_changes_nothing() {
    let app = TestApp::spawn_demo().await;
    app.login("admin@southvale.example", "demo-password").await;
    let (members_before, memberships_before) = (rows::count(&app, "members"), rows::count(&app, "memberships"));
    let preview = upload(&app, "members", "councillors.csv", MEMBERS_CSV).await;
    let page = app.get(&preview).await;
    page.assert_status(200)
        .assert_contains("1 to add, 1 to change, 0 unchanged, 2 refused")
        .assert_contains("New member: Member from 2 May 2024")
        .assert_contains("Changed: party")
        .assert_contains("Unknown council “Nowhere Town Council”")
        .assert_contains("End date before start date");
    let outcomes: Vec<&str> = page
        .body
        .match_indices("data-outcome=\"")
        .map(|(i, _)| &page.body[i + 14..])
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(outcomes, ["added", "changed", "refused", "refused"]);
    assert_eq!(rows::count(&app, "members"), members_before, "nothing written before confirming");
    assert_eq!(rows::count(&app, "memberships"), memberships_before);

    let id = preview.trim_start_matches("/admin/import/");
    let res = app.post_form(&format!("/admin/import/{id}/confirm"), &[]).await;
    res.assert_status(303);
    app.follow(&res).await.assert_status(200).assert_contains("1 added, 1 changed, 0 unchanged, 2 refused and skipped");
    assert_eq!(rows::count(&app, "members"), members_before + 1, "exactly the new member");
    assert_eq!(rows::count(&app, "memberships"), memberships_before + 1, "exactly the new membership");
    let dave: Option<String> = members::table
        .filter(members::full_name.eq("Dave Dunn"))
        .select(members::party)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(dave.as_deref(), Some("Southvale Independents"));
    assert_eq!(rows::audited(&app, "register.imported"), 1);
    // Confirming again is refused.
    app.post_form(&format!("/admin/import/{id}/confirm"), &[]).await.assert_status(303);
    assert_eq!(rows::audited(&app, "register.imported"), 1);

    // The same file again: nothing to add or change.
    let again = upload(&app, "members", "councillors.csv", MEMBERS_CSV).await;
    app.get(&again)
        .await
        .assert_status(200)
        .assert_contains("0 to add, 0 to change, 2 unchanged, 2 refused")
        .assert_lacks("Confirm: save");
    let id = again.trim_start_matches("/admin/import/");
    app.post_form(&format!("/admin/import/{id}/confirm"), &[]).await.assert_status(303);
    assert_eq!(rows::count(&app, "members"), members_before + 1);
    assert_eq!(rows::count(&app, "memberships"), memberships_before + 1);
}

#[actix_web::test]
async fn a_file_that_cannot_be_read_is_refused_on_the_import_page() {
    let app = TestApp::spawn_demo().await;
    app.login("admin@southvale.example", "demo-password").await;
    let res = app
        .post_multipart("/admin/import", &[("kind", "members")], &[("file", "x.csv", b"Full name,Ward\nA,B\n")])
        .await;
    res.assert_status(422)
        .assert_contains("There is a problem")
        .assert_contains("The header row has no column for: council, start date");
    let res = app.post_multipart("/admin/import", &[("kind", "accounts")], &[]).await;
    res.assert_status(422).assert_contains("Select a CSV file").assert_contains("value=\"accounts\" checked");
    assert_eq!(rows::count(&app, "register_imports"), 0);
}

#[actix_web::test]
async fn the_example_files_import_members_then_their_accounts() {
    let app = TestApp::spawn_demo().await;
    app.login("admin@southvale.example", "demo-password").await;
    let southvale = app.authority_id("southvale");
    add_council(
        &app,
        &[
            ("name", "Hollowell Parish Council"),
            ("tier", "parish"),
            ("nation", "england"),
            ("principal", southvale.as_str()),
        ],
    )
    .await;
    let members_csv = include_str!("../../seeds/examples/members.csv");
    let preview = upload(&app, "members", "members.csv", members_csv).await;
    app.get(&preview).await.assert_status(200).assert_contains("6 to add, 0 to change, 0 unchanged, 0 refused");
    let id = preview.trim_start_matches("/admin/import/");
    app.post_form(&format!("/admin/import/{id}/confirm"), &[]).await.assert_status(303);
    let siobhan = member_id_by_name(&app, "O'Neill, Siobhan");
    assert_eq!(memberships_of(&app, &siobhan).len(), 1);

    let accounts_csv = include_str!("../../seeds/examples/accounts.csv");
    let preview = upload(&app, "accounts", "accounts.csv", accounts_csv).await;
    app.get(&preview).await.assert_status(200).assert_contains("3 to add, 0 to change, 0 unchanged, 0 refused");
    let id = preview.trim_start_matches("/admin/import/");
    app.post_form(&format!("/admin/import/{id}/confirm"), &[]).await.assert_status(303);
    let harriet = member_id_by_name(&app, "Harriet Lowe");
    let presents: Vec<Option<String>> = member_accounts::table
        .filter(member_accounts::member_id.eq(&harriet))
        .order(member_accounts::handle.asc())
        .select(member_accounts::authority_id)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(presents, vec![None, Some(council_id(&app, "Hollowell Parish Council"))]);
    let again = upload(&app, "accounts", "accounts.csv", accounts_csv).await;
    app.get(&again).await.assert_status(200).assert_contains("0 to add, 0 to change, 3 unchanged, 0 refused");
}

#[actix_web::test]
async fn a_council_adopts_the_model_code_with_amendments_and_a_protocol_beside_it() {
    let app = TestApp::spawn_demo().await;
    app.login("admin@southvale.example", "demo-password").await;
    let easton = app.authority_id("easton");
    let page = app.get(&format!("/admin/councils/{easton}")).await.ok_body();
    let amend =
        page.split("value=\"amend:").nth(1).and_then(|s| s.split('"').next()).expect("an amend choice").to_string();
    app.post_form(
        &format!("/admin/councils/{easton}/codes"),
        &[
            ("adopt", &format!("amend:{amend}")),
            ("adopt_title", "Easton Town Council Code of Conduct"),
            ("adopted_day", "1"),
            ("adopted_month", "6"),
            ("adopted_year", "2025"),
        ],
    )
    .await
    .assert_status(303);
    app.post_form(
        &format!("/admin/councils/{easton}/codes"),
        &[
            ("adopt", "protocol"),
            ("adopt_title", "Easton Social Media Protocol"),
            ("adopted_day", "1"),
            ("adopted_month", "6"),
            ("adopted_year", "2025"),
        ],
    )
    .await
    .assert_status(303);
    let mut conn = app.conn();
    let day = chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
    let code = standards_desk::models::code::version_in_force(&mut conn, &easton, day).unwrap().expect("a code");
    let protocol =
        standards_desk::models::code::protocol_in_force(&mut conn, &easton, day).unwrap().expect("a protocol");
    assert_ne!(code.id, protocol.id, "the protocol never counts as the code");
    let copied = standards_desk::models::code::list_provisions(&mut conn, &code.id).unwrap();
    let model = standards_desk::models::code::list_provisions(&mut conn, &amend).unwrap();
    assert_eq!(copied.len(), model.len(), "the model code's paragraphs are copied");
    // Before the new adoption the model code was in force; the history is kept.
    let earlier = standards_desk::models::code::version_in_force(
        &mut conn,
        &easton,
        chrono::NaiveDate::from_ymd_opt(2025, 5, 1).unwrap(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(earlier.id, amend);
    drop(conn);
    app.post_form(
        &format!("/admin/codes/{}/provisions", protocol.id),
        &[("number", "SM1"), ("heading", "Identify yourself"), ("summary", "Say when you post as a councillor.")],
    )
    .await
    .assert_status(303);
    let first = copied[0].clone();
    app.post_form(
        &format!("/admin/codes/{}/provisions/{}", code.id, first.id),
        &[("number", &first.number), ("heading", &first.heading), ("summary", "Amended locally.")],
    )
    .await
    .assert_status(303);
    app.get(&format!("/admin/codes/{}", code.id)).await.assert_status(200).assert_contains("Amended locally.");
    // The protocol's paragraphs can be cited in allegations, beside the code's.
    let case = CaseBuilder::new().member("Erin Evans", "easton").field("provisions", "SM1").log(&app);
    let cited: Vec<String> = {
        use standards_desk::db::schema::{allegations, code_provisions};
        allegations::table
            .inner_join(code_provisions::table)
            .filter(allegations::case_id.eq(&case.id))
            .select(code_provisions::number)
            .load(&mut app.conn())
            .unwrap()
    };
    assert!(cited.iter().any(|n| n == "SM1"), "cited: {cited:?}");
    app.get(&format!("/admin/codes/{amend}")).await.assert_status(200).assert_lacks("Amended locally.");
    app.get(&format!("/admin/councils/{easton}"))
        .await
        .assert_status(200)
        .assert_contains("Easton Social Media Protocol")
        .assert_contains("Social media protocol")
        .assert_contains("In force");
}

#[actix_web::test]
async fn ending_one_membership_with_bad_input_shows_the_error_summary_on_its_row() {
    let app = TestApp::spawn_demo().await;
    app.login("mo@southvale.example", "demo-password").await;
    let erin = app.member_id("Erin Evans");
    let ms = app.membership("Erin Evans", "easton");
    let res = app
        .post_form(
            &format!("/admin/members/{erin}/memberships/{ms}/end"),
            &[("end_day", "1"), ("end_month", "1"), ("end_year", "2001"), ("end_reason", "")],
        )
        .await;
    res.assert_status(422)
        .assert_contains("There is a problem")
        .assert_contains(&format!("href=\"#end-{ms}\""))
        .assert_contains("The end date must be the same as or after the start date")
        .assert_contains("Select why the membership ended")
        .assert_contains("value=\"2001\"");
    assert!(memberships_of(&app, &erin).iter().all(|(_, _, end)| end.is_none()), "nothing changed");
    app.post_form(
        &format!("/admin/members/{erin}/memberships/{ms}/end"),
        &[("end_day", "8"), ("end_month", "5"), ("end_year", "2025"), ("end_reason", "resigned")],
    )
    .await
    .assert_status(303);
    assert_eq!(rows::audited_for(&app, "membership.ended", &erin), 1);
    app.get(&format!("/admin/members/{erin}")).await.assert_status(200).assert_contains("8 May 2025 (Resigned)");
}

fn account_row(app: &TestApp, handle: &str) -> (String, String, Option<chrono::NaiveDate>) {
    member_accounts::table
        .filter(member_accounts::handle.eq(handle))
        .select((member_accounts::id, member_accounts::member_id, member_accounts::in_use_to))
        .first(&mut app.conn())
        .unwrap_or_else(|e| panic!("account {handle}: {e}"))
}

#[actix_web::test]
async fn an_account_that_stops_being_used_is_changed_with_its_dates_and_history_kept() {
    let app = TestApp::spawn_demo().await;
    app.login("mo@southvale.example", "demo-password").await;
    let erin = app.member_id("Erin Evans");
    let account = |handle: &'static str, from_year: &'static str| {
        vec![
            ("platform", "x"),
            ("handle", handle),
            ("presents", "personal"),
            ("declared", "personal"),
            ("in_use_from_day", "1"),
            ("in_use_from_month", "6"),
            ("in_use_from_year", from_year),
        ]
    };
    app.post_form(&format!("/admin/members/{erin}/accounts"), &account("@erin_at_home", "2024"))
        .await
        .assert_status(303);
    let (aid, owner, until) = account_row(&app, "@erin_at_home");
    assert_eq!((owner.as_str(), until), (erin.as_str(), None));
    let edit = format!("/admin/members/{erin}/accounts/{aid}/edit");
    app.get(&format!("/admin/members/{erin}")).await.assert_status(200).assert_contains(&format!("href=\"{edit}\""));
    app.get(&edit)
        .await
        .assert_status(200)
        .assert_contains("Change the account @erin_at_home")
        .assert_contains("value=\"@erin_at_home\"")
        .assert_contains("value=\"2024\"");

    // Stopped before it started: refused with the values kept, nothing changed.
    let mut bad = account("@erin_renamed", "2024");
    bad.extend([("in_use_to_day", "31"), ("in_use_to_month", "5"), ("in_use_to_year", "2024")]);
    app.post_form(&edit, &bad)
        .await
        .assert_status(422)
        .assert_contains("There is a problem")
        .assert_contains("The date it stopped being used must be the same as or after the date it started")
        .assert_contains("value=\"@erin_renamed\"");
    assert_eq!(account_row(&app, "@erin_at_home").2, None, "nothing changed");

    // Another account's handle on the same platform is refused.
    app.post_form(&format!("/admin/members/{erin}/accounts"), &account("@erin_other", "2025")).await.assert_status(303);
    app.post_form(&edit, &account("@Erin_Other", "2024"))
        .await
        .assert_status(422)
        .assert_contains("Another account on the register has that handle");

    // Renamed and no longer used from 31 March 2026.
    let mut good = account("@erin_renamed", "2024");
    good.extend([("in_use_to_day", "31"), ("in_use_to_month", "3"), ("in_use_to_year", "2026")]);
    app.post_form(&edit, &good).await.assert_status(303);
    let (same_id, _, until) = account_row(&app, "@erin_renamed");
    assert_eq!(same_id, aid, "the same account, renamed");
    assert_eq!(until, chrono::NaiveDate::from_ymd_opt(2026, 3, 31));
    assert_eq!(rows::audited_for(&app, "account.changed", &erin), 1);
    app.get(&format!("/admin/members/{erin}"))
        .await
        .assert_status(200)
        .assert_contains("@erin_renamed")
        .assert_contains("to 31 March 2026");

    // An account is changed only under its own member, and only by those who keep the register.
    let alex = app.member_id("Alex Archer");
    app.get(&format!("/admin/members/{alex}/accounts/{aid}/edit")).await.assert_status(404);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer.get(&edit).await.assert_status(403);
    officer.post_form(&edit, &account("@taken_over", "2024")).await.assert_status(403);
    assert_eq!(account_row(&app, "@erin_renamed").0, aid);
}

#[actix_web::test]
async fn a_membership_recorded_wrongly_is_corrected_with_a_reason_in_the_audit_trail() {
    let app = TestApp::spawn_demo().await;
    app.login("mo@southvale.example", "demo-password").await;
    let erin = app.member_id("Erin Evans");
    let ms = app.membership("Erin Evans", "easton");
    let started = || -> chrono::NaiveDate {
        memberships::table.find(&ms).select(memberships::started_on).first(&mut app.conn()).unwrap()
    };
    let before = started();
    let edit = format!("/admin/members/{erin}/memberships/{ms}/edit");
    app.get(&format!("/admin/members/{erin}")).await.assert_status(200).assert_contains(&format!("href=\"{edit}\""));
    let page = app.get(&edit).await;
    page.assert_status(200)
        .assert_contains("Correct a membership")
        .assert_contains(&format!("value=\"{}\"", before.format("%Y")));
    let council = council_id(&app, "Easton Town Council");
    let fields = |reason: &'static str| {
        vec![
            ("council", council.clone()),
            ("role", "member".to_string()),
            ("started_day", "5".to_string()),
            ("started_month", "5".to_string()),
            ("started_year", "2023".to_string()),
            ("correction_reason", reason.to_string()),
        ]
    };
    fn as_refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
        v.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }
    // No reason: refused, the values kept, nothing changed.
    let res = app.post_form(&edit, &as_refs(&fields(""))).await;
    res.assert_status(422)
        .assert_contains("There is a problem")
        .assert_contains("Enter why the membership is being corrected")
        .assert_contains("value=\"2023\"");
    assert_eq!(started(), before, "nothing changed");
    // An end date without a reason for the end is refused too.
    let mut ended = fields("typo");
    ended.extend([
        ("ended_day", "1".to_string()),
        ("ended_month", "1".to_string()),
        ("ended_year", "2025".to_string()),
    ]);
    app.post_form(&edit, &as_refs(&ended)).await.assert_status(422).assert_contains("Select why the membership ended");

    app.post_form(&edit, &as_refs(&fields("Start date was the election, not the declaration")))
        .await
        .assert_status(303);
    assert_eq!(started(), chrono::NaiveDate::from_ymd_opt(2023, 5, 5).unwrap());
    assert_eq!(rows::audited_for(&app, "membership.corrected", &erin), 1);
    // The same values again change nothing, and say so.
    app.post_form(&edit, &as_refs(&fields("again"))).await.assert_status(422).assert_contains("Nothing has changed");
    assert_eq!(rows::audited_for(&app, "membership.corrected", &erin), 1);

    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer.get(&edit).await.assert_status(403);
    let alex = app.member_id("Alex Archer");
    app.get(&format!("/admin/members/{alex}/memberships/{ms}/edit")).await.assert_status(404);
}
