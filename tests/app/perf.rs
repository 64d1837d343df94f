//! What the performance work must not break: the reference cache behind the complaint form is
//! invalidated by every change to what it was built from, and the case list's sort keys.

use crate::fixtures::CaseBuilder;
use crate::harness::TestApp;
use diesel::prelude::*;
use standards_desk::db::schema::authorities;

#[actix_web::test]
async fn the_public_form_shows_a_changed_councillor_at_once() {
    let app = TestApp::spawn_demo().await;
    let public = app.new_browser();
    // Twice: the second view comes from the cache.
    public.get("/complaints/new").await.assert_status(200).assert_contains("Erin Evans");
    public
        .get("/complaints/new")
        .await
        .assert_status(200)
        .assert_contains("Erin Evans")
        .assert_lacks("Erin Evans-Hart");

    // The administrator renames her: the next view of the public form shows the new name.
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    let erin = app.member_id("Erin Evans");
    mo.post_form(&format!("/admin/members/{erin}/edit"), &[("full_name", "Erin Evans-Hart")]).await.assert_status(303);
    public.get("/complaints/new").await.assert_status(200).assert_contains("Erin Evans-Hart");

    // Her membership ends: she is no longer offered to the public.
    let ms = app.membership("Erin Evans-Hart", "easton");
    mo.post_form(
        &format!("/admin/members/{erin}/memberships/{ms}/end"),
        &[("end_day", "8"), ("end_month", "5"), ("end_year", "2025"), ("end_reason", "resigned")],
    )
    .await
    .assert_status(303);
    public.get("/complaints/new").await.assert_status(200).assert_lacks("Erin Evans-Hart");

    // A change made outside the web application (the CLI, another instance, SQL) too.
    diesel::update(authorities::table.filter(authorities::slug.eq("easton")))
        .set(authorities::name.eq("Easton-on-Sea Town Council"))
        .execute(&mut app.conn())
        .expect("rename");
    public.get("/complaints/new").await.assert_status(200).assert_contains("Easton-on-Sea Town Council");
}

/// The public form is rendered once and kept (`web::complaints::first_form`): every browser
/// still gets its own CSRF token in it, the token works, and a signed-in user's view of the form
/// (their layout) is never the kept one, nor leaks into it.
#[actix_web::test]
async fn the_kept_public_form_carries_each_browsers_own_token() {
    let app = TestApp::spawn_demo().await;
    let (a, b) = (app.new_browser(), app.new_browser());
    let page_a = a.get("/complaints/new").await;
    page_a.assert_status(200).assert_lacks("placeholder");
    let page_b = b.get("/complaints/new").await;
    page_b.assert_status(200).assert_lacks("placeholder");
    let (token_a, token_b) = (page_a.csrf_token().expect("a token"), page_b.csrf_token().expect("a token"));
    assert!(token_a.bytes().all(|c| c.is_ascii_hexdigit()), "{token_a}");
    assert_ne!(token_a, token_b, "each browser has its own token");
    assert_eq!(page_a.body.replace(&token_a, "T"), page_b.body.replace(&token_b, "T"), "the same page otherwise");

    // The token in the kept page is the browser's: its post is read (422: answers missing), not
    // refused as forged (403); the other browser's token is refused.
    a.post_multipart("/complaints/new", &[("complainant_name", "")], &[]).await.assert_status(422);
    b.post_multipart_raw("/complaints/new", &[("_csrf", token_a.as_str()), ("complainant_name", "")], &[])
        .await
        .assert_status(403);

    // Signed in, the form shows the officer's layout; the public's next view does not.
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    mo.get("/complaints/new").await.assert_status(200).assert_contains("Sign out");
    a.get("/complaints/new").await.assert_status(200).assert_lacks("Sign out").assert_lacks("Signed in as");

    // A whole public submission from the kept form.
    let case = crate::fixtures::submit_public(
        &a,
        &crate::fixtures::complaint(&app),
        &[("files", "s.png", crate::fixtures::PNG)],
    )
    .await;
    assert!(case.reference.starts_with("SD-"));
}

#[actix_web::test]
async fn the_case_list_accepts_both_spellings_of_the_due_date_sorts() {
    let app = TestApp::spawn_demo().await;
    let case = CaseBuilder::new().member("Alex Archer", "southvale").what("Called an officer a liar").log(&app);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    for sort in ["ack_due", "ack-due", "assessment_due", "assessment-due"] {
        let page = officer.get(&format!("/cases?status=received&sort={sort}")).await;
        page.assert_status(200).assert_contains(&case.reference);
        let canonical = sort.replace('_', "-");
        assert!(
            page.body.contains(&format!("value=\"{canonical}\" selected")),
            "the sort select shows {canonical} chosen for sort={sort}"
        );
    }
}

fn count_line(body: &str) -> String {
    let start = body.find("role=\"status\">").map(|i| i + "role=\"status\">".len()).unwrap_or(0);
    body[start..].split('<').next().unwrap_or("").to_string()
}

#[actix_web::test]
async fn search_stems_finds_phrases_ranks_and_highlights() {
    let app = TestApp::spawn_demo().await;
    let meeting =
        CaseBuilder::new().what("Shouted at residents during the planning meetings in the town hall.").log(&app);
    let phrase =
        CaseBuilder::new().member("Dave Dunn", "southvale").what("Said the planning officer had lied.").log(&app);
    let apart = CaseBuilder::new()
        .member("Erin Evans", "easton")
        .what("Said an officer at the planning committee had lied.")
        .log(&app);
    // Logged first, so that newest first would put it last: only relevance puts it first.
    let strong = CaseBuilder::new().what("Bypass bypass bypass: a rant about the bypass.").log(&app);
    let weak = CaseBuilder::new()
        .member("Dave Dunn", "southvale")
        .what("A long post about many things, the parking, the market, the fete, the library and the bypass.")
        .log(&app);
    let hostile = CaseBuilder::new().what("<script>alert(1)</script> posted about the quarry").log(&app);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;

    // Stemming: "meeting" finds "meetings", and the words found are highlighted.
    let found = officer.get("/cases?q=meeting").await;
    found.assert_status(200).assert_contains(&meeting.reference).assert_lacks(&phrase.reference);
    found.assert_contains("<mark>meetings</mark>");
    assert_eq!(count_line(&found.body), "1 case found.");

    // A phrase in double quotes: the words together, in order.
    let found = officer.get("/cases?q=%22planning+officer%22").await;
    found.assert_status(200).assert_contains(&phrase.reference).assert_lacks(&apart.reference);
    // The same words without quotes find both.
    let found = officer.get("/cases?q=planning+officer+lied").await;
    found.assert_status(200).assert_contains(&phrase.reference).assert_contains(&apart.reference);

    // Best match first (the default order when searching), not newest first.
    let found = officer.get("/cases?q=bypass").await;
    found.assert_status(200);
    let pos = |r: &str| found.body.find(&format!(">{r}<")).unwrap_or_else(|| panic!("{r} found"));
    assert!(pos(&strong.reference) < pos(&weak.reference), "the case that is all about the bypass comes first");
    found.assert_contains("value=\"relevance\" selected");
    // Newest first when asked.
    let newest = officer.get("/cases?q=bypass&sort=newest").await;
    newest.assert_status(200);
    let pos = |r: &str| newest.body.find(&format!(">{r}<")).unwrap();
    assert!(pos(&weak.reference) < pos(&strong.reference));

    // By reference, and text typed as operators is only words.
    officer.get(&format!("/cases?q={}", strong.reference)).await.assert_status(200).assert_contains(&strong.reference);
    for q in ["NOT+bypass", "bypass+OR+quarry", "summary%3Abypass", "%22", "%2A", "(((", "NEAR(a+b)", "-bypass"] {
        officer.get(&format!("/cases?q={q}")).await.assert_status(200);
    }
    officer.get("/cases?q=%25%25").await.assert_status(200).assert_contains("0 cases found");

    // The snippet escapes what the complaint says, and marks only the words found.
    let found = officer.get("/cases?q=quarry").await;
    found.assert_status(200).assert_contains(&hostile.reference).assert_contains("<mark>quarry</mark>");
    found.assert_lacks("<script>alert(1)</script>");
}

#[actix_web::test]
async fn search_never_finds_what_the_user_may_not_see() {
    let app = TestApp::spawn_demo().await;
    let secret = CaseBuilder::new()
        .complainant("Zebedee Quartermaine", "zq@example.com")
        .confidential("Fear of reprisal")
        .what("Called the harbour master a liar.")
        .log(&app);
    let other =
        CaseBuilder::new().member("Dave Dunn", "southvale").what("Called the harbour master a liar too.").log(&app);
    crate::fixtures::consult_ip(&app, &secret, "Was this in official capacity?");

    // The officers find the confidential complainant by name.
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer
        .get("/cases?q=quartermaine")
        .await
        .assert_status(200)
        .assert_contains(&secret.reference)
        .assert_contains("1 case found");

    // The Independent Person sees the case, but may not know who complained: the name finds
    // nothing; the complaint's words find the case they are consulted on, never the other.
    let ip = app.new_browser();
    ip.login("ip@southvale.example", "demo-password").await;
    ip.get("/cases?q=quartermaine")
        .await
        .assert_status(200)
        .assert_lacks(&secret.reference)
        .assert_contains("0 cases found");
    ip.get("/cases?q=%22zebedee+quartermaine%22").await.assert_status(200).assert_contains("0 cases found");
    let found = ip.get("/cases?q=harbour+liar").await;
    found.assert_status(200).assert_contains(&secret.reference).assert_lacks(&other.reference);
    assert_eq!(count_line(&found.body), "1 case found.");
    found.assert_lacks("Quartermaine").assert_lacks("Zebedee");
}

#[actix_web::test]
async fn the_case_list_counts_up_to_its_cap_and_still_pages() {
    use standards_desk::services::cases::list::COUNT_CAP;
    let app = TestApp::spawn_demo().await;
    // More cases than the cap, written straight to the table (the intake service would take long).
    let template = CaseBuilder::new().what("Template").log(&app);
    let n = {
        use standards_desk::db::schema::cases;
        use standards_desk::models::case::{self as case_rows};
        let mut conn = app.conn();
        for i in 0..COUNT_CAP + 30 {
            let mut c = template.clone();
            c.id = format!("bulk-{i:05}");
            c.reference = format!("SD-2019-{i:05}");
            // Its own text (the template's names its reference); the summary says "Template".
            c.search_text = String::new();
            case_rows::insert(&mut conn, &c).expect("case");
        }
        let n: i64 = cases::table.count().get_result(&mut conn).unwrap();
        assert!(n > COUNT_CAP);
        n
    };
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let first = officer.get("/cases").await;
    first.assert_status(200).assert_contains("More than 1,000 cases found, page 1").assert_contains("rel=\"next\"");
    let last = (n + 24) / 25;
    let far = officer.get(&format!("/cases?page={last}")).await;
    far.assert_status(200)
        .assert_contains(&format!("More than 1,000 cases found, page {last}"))
        .assert_contains("rel=\"prev\"")
        .assert_lacks("rel=\"next\"");
    let on_last = n - 25 * (last - 1);
    assert_eq!(
        far.body.matches("class=\"govuk-table__header sd-nowrap\"><a class=\"govuk-link\" href=\"/cases/SD-").count()
            as i64,
        on_last
    );
    officer.get("/cases?page=99999999").await.assert_status(200);
    // A search is capped the same way; one that finds a single case says so.
    officer.get("/cases?q=template&sort=reference").await.assert_status(200).assert_contains("More than 1,000");
    officer.get(&format!("/cases?q={}", template.reference)).await.assert_status(200).assert_contains("1 case found");
}
