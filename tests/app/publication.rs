//! Publication is a decision: the publication version is published only when the Monitoring
//! Officer approves it (shown as the public will read it); where no breach was found the
//! councillor is not named unless the council's policy says so or they ask.

use crate::harness::TestApp;
use crate::hearing::at_hearing;
use crate::rows;

#[actix_web::test]
async fn the_publication_version_waits_for_the_monitoring_officer_and_names_no_one_cleared_unless_they_ask() {
    let app = TestApp::spawn_demo().await;
    let case = at_hearing(&app).await;
    let officer = app.new_browser();
    officer.login("officer@southvale.example", "demo-password").await;
    let path = format!("/cases/{}/hearing", case.reference);
    let allegations = standards_desk::models::complaint::list_allegations_for_case(&mut app.conn(), &case.id).unwrap();
    let mut fields: Vec<(String, String)> = Vec::new();
    for a in &allegations {
        fields.push((format!("finding_{}", a.id), "no-breach".into()));
        fields.push((format!("reasons_{}", a.id), "Robust political comment.".into()));
        fields.push((format!("article10_{}", a.id), "Political expression has the highest protection.".into()));
    }
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    officer.post_form(&format!("{path}/findings"), &refs).await.assert_status(303);
    let issued = officer.post_form(&format!("{path}/decision"), &[]).await;
    issued.assert_status(303);
    let notices = issued.location().unwrap().to_string();
    let publication = rows::notice_body(&app, "publication", "%");
    assert!(!publication.contains("Alex Archer"), "no breach: not named\n{publication}");
    assert!(publication.contains("[the councillor]"), "{publication}");
    officer
        .get(&notices)
        .await
        .assert_status(200)
        .assert_contains("awaiting the Monitoring Officer")
        .assert_contains("as the public will see it")
        .assert_lacks("Approve and publish");

    // Sending the notices does not publish it; an officer may not approve it.
    officer.post_form(&notices, &[]).await.assert_status(303);
    assert_eq!(rows::notice_status(&app, "publication"), "draft");
    let approve = format!("{}/publication", notices.trim_end_matches("/notices"));
    officer.post_form(&approve, &[("body", &publication)]).await.assert_status(303);
    assert_eq!(rows::notice_status(&app, "publication"), "draft");

    // The MO: naming the cleared councillor is refused unless they asked.
    let mo = app.new_browser();
    mo.login("mo@southvale.example", "demo-password").await;
    mo.get(&notices).await.assert_status(200).assert_contains("Approve and publish");
    let named = publication.replace("[the councillor]", "Alex Archer");
    mo.post_form(&approve, &[("body", &named)])
        .await
        .assert_status(422)
        .assert_contains("may not name Alex Archer")
        .assert_contains("The councillor has asked to be named");
    assert_eq!(rows::notice_status(&app, "publication"), "draft");
    assert_eq!(rows::audited(&app, "decision.publication_approved"), 0);
    mo.post_form(&approve, &[("body", &named), ("member_asked", "yes")]).await.assert_status(303);
    assert_eq!(rows::notice_status(&app, "publication"), "published");
    assert!(rows::notice_body(&app, "publication", "%").contains("Alex Archer"));
    assert_eq!(rows::audited(&app, "decision.publication_approved"), 1);
    mo.get(&notices).await.assert_status(200).assert_contains("approved for publication");
}
