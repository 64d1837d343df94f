use crate::fixtures::{complaint, consult_ip, refs, submit_public, with, PDF, PNG};
use crate::harness::TestApp;
use crate::rows;
use standards_desk::models::case as case_rows;
use standards_desk::models::complaint as complaint_rows;
use standards_desk::services::calendar::Calendar;
use standards_desk::services::rate_limit;

const EXE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0\xb8\0\0\0\0\0\0\0@\0\0\0";

#[actix_web::test]
async fn a_public_submission_with_two_uploads_opens_a_case_with_everything_recorded() {
    let app = TestApp::spawn_demo().await;
    let fields = complaint(&app);
    let case = submit_public(&app, &fields, &[("files", "screenshot.png", PNG), ("files", "page.pdf", PDF)]).await;
    let year = case.received_on.format("%Y").to_string();
    assert_eq!(case.reference, format!("SD-{year}-0001"));
    let calendar = Calendar::load(&mut app.conn()).unwrap();
    assert_eq!(case.ack_due_on, calendar.add_working_days(case.received_on, 5), "acknowledge within 5 working days");
    assert_eq!(case.assessment_due_on, calendar.add_working_days(case.received_on, 20));
    assert_eq!(case.status.as_str(), "acknowledged", "the acknowledgement went out with the submission");

    assert_eq!(rows::count(&app, "complaints"), 1);
    let provisions = complaint_rows::list_allegations_for_case(&mut app.conn(), &case.id).unwrap().len();
    assert_eq!(provisions, 2, "one allegation per member per code provision");
    assert_eq!(rows::count(&app, "complaint_files"), 2);
    assert_eq!(rows::count(&app, "stored_files"), 2);
    let hashes = rows::stored_hashes(&app);
    for h in &hashes {
        let on_disk = app.state.files.read(h).expect("stored under its hash");
        assert!(on_disk == PNG || on_disk == PDF);
        assert_eq!(&standards_desk::services::auth::sha256_hex(&on_disk), h);
    }

    let emails = app.emails();
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].to_address, "jo@example.com");
    assert_eq!(emails[0].template, "acknowledgement");
    assert!(emails[0].subject.contains(&case.reference));
    assert!(emails[0].body_text.contains("Dear Jo Public"));
    assert_eq!(emails[0].status, "queued");

    // The same bytes again are stored once.
    let again = submit_public(&app.new_browser(), &fields, &[("files", "copy.png", PNG)]).await;
    assert_eq!(again.reference, format!("SD-{year}-0002"));
    assert_eq!(rows::count(&app, "stored_files"), 2);
    assert_eq!(rows::count(&app, "complaint_files"), 3);
}

#[actix_web::test]
async fn a_missing_answer_shows_the_form_again_with_every_value_and_file_kept() {
    let app = TestApp::spawn_demo().await;
    let fields = with(&complaint(&app), "why_official", "");
    app.get("/complaints/new").await;
    let res = app.post_multipart("/complaints/new", &refs(&fields), &[("files", "screenshot.png", PNG)]).await;
    res.assert_status(422)
        .assert_contains("There is a problem")
        .assert_contains("href=\"#why_official\"")
        .assert_contains("Explain why you think the councillor was acting as a councillor")
        .assert_contains("value=\"Jo Public\"")
        .assert_contains("value=\"jo@example.com\"")
        .assert_contains("Called a named planning officer incompetent and a liar.</textarea>")
        .assert_contains("value=\"3\" checked")
        .assert_contains("value=\"facebook\" selected")
        .assert_contains("Remove screenshot.png");
    assert_eq!(rows::count(&app, "cases"), 0, "nothing is submitted");
    // Correcting the answer keeps the file uploaded the first time.
    let draft = res.body.split("name=\"draft\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let fixed = with(&with(&fields, "why_official", "The page says Cllr."), "draft", &draft);
    let res = app.post_multipart("/complaints/new", &refs(&fixed), &[]).await;
    res.assert_status(303);
    let check = app.follow(&res).await;
    check.assert_status(200).assert_contains("screenshot.png").assert_contains("The page says Cllr.");
}

#[actix_web::test]
async fn wrong_or_oversized_uploads_are_refused_with_a_message() {
    let app = TestApp::builder().demo().configure(|c| c.max_upload_bytes = 64).spawn().await;
    let fields = complaint(&app);
    app.get("/complaints/new").await;
    let res = app.post_multipart("/complaints/new", &refs(&fields), &[("files", "innocent.png", EXE)]).await;
    res.assert_status(422)
        .assert_contains("innocent.png must be a PNG, JPEG, WebP or GIF image, a PDF, or a saved page (MHTML)")
        .assert_contains("value=\"Jo Public\"");
    let big = [PNG, &[0u8; 100]].concat();
    let res = app.post_multipart("/complaints/new", &refs(&fields), &[("files", "huge.png", &big)]).await;
    res.assert_status(422).assert_contains("huge.png is larger than");
    assert_eq!(rows::count(&app, "stored_files"), 0, "refused files are not stored");
    assert_eq!(rows::count(&app, "cases"), 0);
    let tmp = app.state.files.root().join("tmp");
    let left = std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "no temporary file is left behind");
}

#[actix_web::test]
async fn a_filled_honeypot_sends_nothing_names_no_field_and_keeps_the_draft() {
    let app = TestApp::spawn_demo().await;
    let fields = with(&complaint(&app), "website", "http://spam.example");
    let form = app.get("/complaints/new").await;
    // Hidden from people, assistive technology, the tab order and autofill.
    form.assert_status(200).assert_contains(r#"<div class="sd-hp" aria-hidden="true">"#);
    form.assert_contains(r#"name="website" type="text" value="" tabindex="-1" autocomplete="off">"#);
    let res = app.post_multipart("/complaints/new", &refs(&fields), &[("files", "s.png", PNG)]).await;
    res.assert_status(422)
        .assert_contains("Your complaint has not been sent yet")
        .assert_contains("href=\"#continue\"")
        .assert_contains("id=\"continue\"")
        .assert_contains("value=\"Jo Public\"")
        .assert_contains("Remove s.png");
    // The message says nothing about which field gave the bot away, and no field is marked.
    res.assert_lacks("must be empty").assert_lacks("href=\"#website\"").assert_lacks("govuk-form-group--error");
    assert_eq!(res.body.matches("Leave this field empty").count(), 1, "only the hidden field's own label names it");
    assert_eq!(rows::count(&app, "cases"), 0, "nothing is sent");
    assert_eq!(rows::count(&app, "complaint_drafts"), 1, "the draft is kept");
    assert_eq!(rows::count(&app, "stored_files"), 1, "with its upload");
    // Sent again with the field empty (as a person's browser sends it), it goes on.
    let draft = res.body.split("name=\"draft\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let again = with(&with(&fields, "website", ""), "draft", &draft);
    let res = app.post_multipart("/complaints/new", &refs(&again), &[]).await;
    res.assert_status(303);
    app.follow(&res).await.assert_status(200).assert_contains("Check your answers").assert_contains("s.png");
    assert_eq!(rows::count(&app, "cases"), 0);
}

#[actix_web::test]
async fn personal_data_fields_say_their_purpose_on_the_public_form_only() {
    let app = TestApp::spawn_demo().await;
    let public = app.get("/complaints/new").await;
    public.assert_status(200);
    for purpose in ["name", "email", "tel", "street-address"] {
        public.assert_contains(&format!("autocomplete=\"{purpose}\""));
    }
    public.assert_contains(
        r#"id="complainant_address" name="complainant_address" rows="3" autocomplete="street-address""#,
    );
    // An officer logging someone else's complaint does not get their own details filled in.
    app.login_as(standards_desk::models::user::Role::CaseOfficer).await;
    let staff = app.get("/cases/new").await;
    staff.assert_status(200);
    for purpose in ["name", "email", "tel", "street-address"] {
        staff.assert_lacks(&format!("autocomplete=\"{purpose}\""));
    }
    staff.assert_contains(r#"id="complainant_address" name="complainant_address" rows="3" autocomplete="off""#);
}

#[actix_web::test]
async fn the_rate_limit_refuses_without_storing_anything() {
    let app = TestApp::spawn_demo().await;
    for _ in 0..rate_limit::COMPLAINT_FORM_POSTS.max {
        rate_limit::record(&mut app.conn(), rate_limit::COMPLAINT_FORM_POSTS, "203.0.113.7").unwrap();
    }
    let fields = complaint(&app);
    app.get("/complaints/new").await;
    let res = app.post_multipart("/complaints/new", &refs(&fields), &[("files", "s.png", PNG)]).await;
    res.assert_status(429).assert_contains("too many times").assert_contains("value=\"Jo Public\"");
    assert_eq!(rows::count(&app, "stored_files"), 0);
    assert_eq!(rows::count(&app, "complaint_drafts"), 0);
    // Another address is not affected.
    rate_limit::allows(&mut app.conn(), rate_limit::COMPLAINT_FORM_POSTS, "198.51.100.1")
        .unwrap()
        .then_some(())
        .unwrap();
}

#[actix_web::test]
async fn a_multipart_post_without_the_csrf_token_stores_nothing() {
    let app = TestApp::spawn_demo().await;
    let fields = complaint(&app);
    app.get("/complaints/new").await;
    let res = app.post_multipart_raw("/complaints/new", &refs(&fields), &[("files", "s.png", PNG)]).await;
    res.assert_status(403);
    assert_eq!(rows::count(&app, "stored_files"), 0);
    assert_eq!(rows::count(&app, "complaint_drafts"), 0);
}

#[actix_web::test]
async fn a_second_complaint_about_the_same_post_is_offered_the_same_case() {
    let app = TestApp::spawn_demo().await;
    let first = submit_public(&app, &complaint(&app), &[("files", "s.png", PNG)]).await;

    // An officer logs a letter about the same post (a different copy of the link).
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await.assert_status(303);
    officer.get("/cases/new").await.assert_status(200).assert_contains("Log a complaint");
    let letter: Vec<(String, String)> = [
        ("source", "post"),
        ("received_day", "10"),
        ("received_month", "11"),
        ("received_year", "2026"),
        ("complainant_name", "Pat Letter"),
        ("complainant_email", ""),
        ("complainant_address", "1 High Street\nNorthfield"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .chain(complaint(&app).into_iter().filter(|(k, _)| !k.starts_with("complainant_") || k == "complainant_type"))
    .collect();
    let letter = with(&letter, "post_urls", "https://m.facebook.com/CllrArcherNorthfield/posts/pfbid02abc/");
    let res = officer.post_multipart("/cases/new", &refs(&letter), &[]).await;
    res.assert_status(200)
        .assert_contains("This may be about conduct already in a case")
        .assert_contains(&format!("Add to case <span class=\"sd-ref\">{}</span>", first.reference));
    assert_eq!(rows::count(&app, "complaints"), 1, "nothing is logged until the officer chooses");
    let draft = res.body.split("name=\"draft\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let chosen = with(&with(&letter, "case_choice", &first.id), "draft", &draft);
    let res = officer.post_multipart("/cases/new", &refs(&chosen), &[]).await;
    res.assert_status(303);
    assert_eq!(res.location(), Some(format!("/cases/{}", first.reference).as_str()));
    assert_eq!(complaint_rows::count_for_case(&mut app.conn(), &first.id).unwrap(), 2);
    assert_eq!(rows::count(&app, "cases"), 1);
    let page = officer.get(&format!("/cases/{}", first.reference)).await;
    page.assert_status(200).assert_contains("Pat Letter").assert_contains("Jo Public").assert_contains("(Post)");
}

#[actix_web::test]
async fn a_public_duplicate_is_flagged_on_its_case_and_can_be_moved() {
    let app = TestApp::spawn_demo().await;
    let first = submit_public(&app, &complaint(&app), &[("files", "s.png", PNG)]).await;
    let other = app.new_browser();
    let second_fields = with(
        &with(&complaint(&app), "complainant_name", "Kim Second"),
        "post_urls",
        "facebook.com/CllrArcherNorthfield/posts/pfbid02abc",
    );
    let second = submit_public(&other, &second_fields, &[("files", "t.png", PNG)]).await;
    assert_ne!(first.id, second.id);
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let page = officer.get(&format!("/cases/{}", second.reference)).await;
    page.assert_status(200)
        .assert_contains(&format!("This may be the same conduct as <span class=\"sd-ref\">{}</span>", first.reference));
    let complaint_id = rows::complaint_ids(&app, &second.id).remove(0);
    let res = officer
        .post_form(
            &format!("/cases/{}/complaints/{complaint_id}/move", second.reference),
            &[("target", &first.reference)],
        )
        .await;
    res.assert_status(303);
    officer.follow(&res).await.assert_status(200).assert_contains("Kim Second").assert_contains("Jo Public");
    let closed = case_rows::find(&mut app.conn(), &second.id).unwrap().unwrap();
    assert_eq!(closed.status.as_str(), "closed");
    assert_eq!(closed.closure_reason.as_deref(), Some(format!("Merged into {}", first.reference).as_str()));
}

#[actix_web::test]
async fn confidential_complainants_are_hidden_from_roles_that_may_not_see_them() {
    let app = TestApp::spawn_demo().await;
    let fields = with(&with(&complaint(&app), "confidential", "yes"), "confidential_reason", "I work for the council");
    let fields = with(&fields, "complainant_name", "Quinn Secret");
    let case = submit_public(&app, &fields, &[("files", "s.png", PNG)]).await;

    let ip = app.new_browser();
    ip.login("ip@southvale.example", "demo-password").await.assert_status(303);
    ip.get(&format!("/cases/{}", case.reference)).await.assert_status(404);
    // Consulted on this case, the IP sees it, without the complainant's details.
    consult_ip(&app, &case, "Is this within the code?");
    let page = ip.get(&format!("/cases/{}", case.reference)).await;
    page.assert_status(200)
        .assert_contains("Withheld: the complainant asked for confidentiality")
        .assert_lacks("Quinn Secret")
        .assert_lacks("jo@example.com")
        .assert_lacks("I work for the council")
        .assert_lacks("Sam Neighbour");
    ip.get("/cases").await.assert_status(200).assert_contains(&case.reference);

    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer
        .get(&format!("/cases/{}", case.reference))
        .await
        .assert_status(200)
        .assert_contains("Quinn Secret")
        .assert_contains("I work for the council");
}

#[actix_web::test]
async fn staff_logged_complaints_run_their_deadlines_from_the_date_received() {
    let app = TestApp::spawn_demo().await;
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer.get("/cases/new").await;
    let fields = with(
        &with(&with(&with(&complaint(&app), "source", "email"), "received_day", "18"), "received_month", "12"),
        "received_year",
        "2025",
    );
    let res = officer.post_multipart("/cases/new", &refs(&fields), &[]).await;
    res.assert_status(303);
    let reference = res.location().unwrap().trim_start_matches("/cases/").to_string();
    let case = case_rows::find_by_reference(&mut app.conn(), &reference).unwrap().unwrap();
    assert_eq!(reference, "SD-2025-0001", "the reference follows the year received");
    assert_eq!(case.received_on.to_string(), "2025-12-18");
    assert_eq!(case.ack_due_on.to_string(), "2025-12-29", "5 working days over Christmas");
    assert_eq!(case.status.as_str(), "received", "no acknowledgement goes automatically for a logged complaint");
    assert!(app.emails().is_empty());
    let page = officer.follow(&res).await;
    page.assert_status(200).assert_contains("Complaint logged on case SD-2025-0001").assert_contains("Overdue by");

    // The officer sends the acknowledgement from the case page.
    let complaint_id = rows::complaint_ids(&app, &case.id).remove(0);
    officer
        .post_form(&format!("/cases/{reference}/complaints/{complaint_id}/acknowledge"), &[("method", "email")])
        .await
        .assert_status(303);
    let case = case_rows::find(&mut app.conn(), &case.id).unwrap().unwrap();
    assert_eq!(case.status.as_str(), "acknowledged");
    assert!(case.acknowledged_on.is_some());
    assert_eq!(app.emails().len(), 1);

    // A future received date is refused.
    let future = with(&fields, "received_year", "2099");
    officer.get("/cases/new").await;
    officer
        .post_multipart("/cases/new", &refs(&future), &[])
        .await
        .assert_status(422)
        .assert_contains("must be today or in the past");
}

/// Behind `TRUST_FORWARDED_FOR` proxies, the address counted is the one the outermost proxy of
/// ours added (that many places from the right of `X-Forwarded-For`), never one the client wrote.
#[actix_web::test]
async fn behind_a_proxy_the_limit_counts_the_address_the_proxy_added_not_the_clients_claim() {
    for hops in [1u8, 2] {
        let app = TestApp::builder().demo().configure(move |c| c.trust_forwarded_for = hops).spawn().await;
        let real = "198.51.100.9";
        for _ in 0..rate_limit::COMPLAINT_FORM_POSTS.max {
            rate_limit::record(&mut app.conn(), rate_limit::COMPLAINT_FORM_POSTS, real).unwrap();
        }
        // The client claims another address on the left; the proxies append what they saw.
        let header =
            if hops == 1 { format!("203.0.113.50, {real}") } else { format!("203.0.113.50, {real}, 10.0.0.2") };
        app.headers.borrow_mut().push(("X-Forwarded-For".into(), header));
        let fields = complaint(&app);
        app.get("/complaints/new").await;
        let res = app.post_multipart("/complaints/new", &refs(&fields), &[("files", "s.png", PNG)]).await;
        res.assert_status(429).assert_contains("too many times");
        assert_eq!(rows::count(&app, "complaint_drafts"), 0, "hops = {hops}");
        // A header shorter than the chain of proxies is not believed: the peer address counts.
        app.headers.borrow_mut().clear();
        app.headers.borrow_mut().push(("X-Forwarded-For".into(), if hops == 1 { String::new() } else { real.into() }));
        let res = app.post_multipart("/complaints/new", &refs(&fields), &[("files", "s.png", PNG)]).await;
        res.assert_status(303);
    }
}

/// A public post refused (422: the name is missing) with these files, from a browser of its own.
async fn refused_post_with(app: &TestApp, files: &[(&str, &str, &[u8])]) -> TestApp {
    let visitor = app.new_browser();
    visitor.get("/complaints/new").await.assert_status(200);
    let fields = with(&complaint(app), "complainant_name", "");
    visitor.post_multipart("/complaints/new", &refs(&fields), files).await.assert_status(422);
    visitor
}

#[actix_web::test]
async fn housekeeping_deletes_expired_drafts_and_the_files_only_they_used() {
    use standards_desk::services::drafts;
    let app = TestApp::spawn_demo().await;
    // A complaint sent with a screenshot: its case refers to the file.
    submit_public(&app, &complaint(&app), &[("files", "shot.png", PNG)]).await;
    // A refused post leaves a draft with the same screenshot and a PDF nothing else has.
    refused_post_with(&app, &[("files", "shot.png", PNG), ("files", "doc.pdf", PDF)]).await;
    let pdf = app
        .state
        .files
        .path_for(&rows::stored_hashes(&app).into_iter().find(|h| app.state.files.read(h).unwrap() == PDF).unwrap());
    assert!(pdf.exists());
    assert_eq!(rows::count(&app, "stored_files"), 2);
    rows::rate_event_hours_ago(&app, 30);
    rows::rate_event_hours_ago(&app, 2);
    let events = rows::count(&app, "rate_limit_events");

    // Nothing has expired yet: only the old rate event goes.
    let swept = drafts::housekeeping(&mut app.conn(), &app.state.files).unwrap();
    assert_eq!((swept.drafts, swept.files, swept.rate_events), (0, 0, 1));
    assert_eq!(rows::count(&app, "rate_limit_events"), events - 1);
    assert!(pdf.exists());

    // A week later the drafts have expired: the PDF only a draft used is gone from disk and rows,
    // the screenshot the case refers to stays.
    rows::age_drafts_and_files(&app, 8);
    let swept = drafts::housekeeping(&mut app.conn(), &app.state.files).unwrap();
    assert_eq!(swept.drafts, 2, "the refused post's draft and the submitted one");
    assert_eq!(swept.files, 1);
    assert!(!pdf.exists(), "the expired draft's own file is deleted from disk");
    let kept = rows::stored_hashes(&app);
    assert_eq!(kept.len(), 1);
    assert_eq!(app.state.files.read(&kept[0]).unwrap(), PNG, "the file the case refers to stays");
    assert_eq!(rows::count(&app, "draft_files"), 0);
    assert_eq!(rows::count(&app, "complaint_files"), 1);
    // Evidence made from the complaint's file still verifies.
    assert!(standards_desk::services::evidence::verify_all(&mut app.conn(), &app.state.files, None)
        .unwrap()
        .iter()
        .all(|r| r.ok()));
}

#[actix_web::test]
async fn an_address_over_its_daily_upload_quota_is_told_and_nothing_more_is_stored() {
    let app = TestApp::spawn_demo().await;
    let pngs: Vec<(&str, String)> = (0..20).map(|i| ("files", format!("shot-{i}.png"))).collect();
    let twenty: Vec<(&str, &str, &[u8])> = pngs.iter().map(|(f, n)| (*f, n.as_str(), PNG)).collect();
    // 20 files are within the quota (30 a day).
    let visitor = refused_post_with(&app, &twenty).await;
    assert_eq!(rows::count(&app, "draft_files"), 20);
    // 20 more from the same address (another browser): over it.
    let other = app.new_browser();
    other.get("/complaints/new").await.assert_status(200);
    let fields = with(&complaint(&app), "why_official", "Typed before the refusal.");
    let res = other.post_multipart("/complaints/new", &refs(&fields), &twenty[..11]).await;
    res.assert_status(422)
        .assert_contains(
            "The files were not added: no more than 30 files or 50 MB can be uploaded from your connection in a day",
        )
        .assert_contains("href=\"#files\"")
        .assert_contains("Typed before the refusal.");
    assert_eq!(rows::count(&app, "draft_files"), 20, "nothing more is stored");
    // Ten more still fit; another address is not affected.
    refused_post_with(&app, &twenty[..10]).await;
    assert_eq!(rows::count(&app, "draft_files"), 30);
    *visitor.peer.borrow_mut() = "198.51.100.7:40000".into();
    let fields = with(&complaint(&app), "complainant_name", "");
    visitor
        .post_multipart("/complaints/new", &refs(&fields), &twenty[..1])
        .await
        .assert_status(422)
        .assert_lacks("The files were not added");
    assert_eq!(rows::count(&app, "draft_files"), 31);
}
