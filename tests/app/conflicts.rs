//! Conflict declarations: anyone who sees a case declares one from the case (with a reason) and
//! loses access at once; the Monitoring Officer sees it and may record, with reasons, that it is
//! not disqualifying, which gives the access back.

use crate::fixtures::{consult_ip, CaseBuilder};
use crate::harness::TestApp;
use crate::rows;

#[actix_web::test]
async fn a_declared_conflict_removes_access_at_once_until_the_monitoring_officer_finds_it_not_disqualifying() {
    let app = TestApp::spawn_demo().await;
    let case = CaseBuilder::new().url("https://example.org/conflict/1").log(&app);
    consult_ip(&app, &case, "Is this official capacity?");
    let ip = app.new_browser();
    ip.login("ip@southvale.example", "demo-password").await;
    let case_path = format!("/cases/{}", case.reference);
    let path = format!("{case_path}/conflicts");
    ip.get(&case_path).await.assert_status(200).assert_contains("Declare a conflict of interest");
    ip.get(&path).await.assert_status(200).assert_contains("Declare the conflict and give up access");

    // No reason, or a hostile one: refused, nothing changed.
    ip.post_form(&path, &[("reason", "  ")]).await.assert_status(422).assert_contains("Say why you have a conflict");
    let long = "x".repeat(100_000);
    ip.post_form(&path, &[("reason", &long)]).await.assert_status(422).assert_contains("5000 characters or fewer");
    assert_eq!(rows::count(&app, "conflict_declarations"), 0);
    ip.get(&case_path).await.assert_status(200);

    let declared = ip.post_form(&path, &[("reason", "The councillor is my neighbour.")]).await;
    declared.assert_status(303);
    assert_eq!(declared.location(), Some("/dashboard"));
    ip.get(&case_path).await.assert_status(404);
    ip.get(&path).await.assert_status(404);
    assert_eq!(rows::audited(&app, "conflict.declared"), 1);

    // The Monitoring Officer sees it; an officer may not clear it.
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    mo.get(&case_path).await.assert_status(200).assert_contains("1 declared");
    let page = mo.get(&path).await;
    page.assert_status(200).assert_contains("The councillor is my neighbour.").assert_contains("No access to the case");
    let id = page.body.split("/conflicts/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let clear = format!("{path}/{id}/clear");
    let field = format!("clear_reason_{id}");
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    officer.get(&path).await.assert_status(200).assert_lacks("The councillor is my neighbour.");
    officer.post_form(&clear, &[(&field as &str, "Fine")]).await.assert_status(403);
    mo.post_form(&clear, &[(&field as &str, "")])
        .await
        .assert_status(422)
        .assert_contains("Give the reasons the conflict is not disqualifying");
    ip.get(&case_path).await.assert_status(404);
    assert_eq!(rows::audited(&app, "conflict.cleared"), 0);

    // Not disqualifying: access comes back, the declaration stays on record.
    mo.post_form(&clear, &[(&field as &str, "Neighbours in a large ward; no dealings on this matter.")])
        .await
        .assert_status(303);
    ip.get(&case_path).await.assert_status(200);
    assert_eq!(rows::audited(&app, "conflict.cleared"), 1);
    mo.get(&path)
        .await
        .assert_status(200)
        .assert_contains("Not disqualifying")
        .assert_contains("Neighbours in a large ward");
    mo.post_form(&clear, &[(&field as &str, "Again")]).await.assert_status(303);
    assert_eq!(rows::audited(&app, "conflict.cleared"), 1, "cleared once");

    // An officer who declares one loses the case from the list too.
    officer.post_form(&path, &[("reason", "I am related to the complainant.")]).await.assert_status(303);
    officer.get(&case_path).await.assert_status(404);
    officer.get("/cases").await.assert_status(200).assert_lacks(&case.reference);
}
