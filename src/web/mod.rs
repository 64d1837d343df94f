//! Handlers: parse the request, call one service, render or redirect (303 after a POST).

pub mod admin;
pub mod assessment;
pub mod auth;
pub mod cases;
pub mod complaints;
pub mod context;
pub mod download;
pub mod evidence;
pub mod forms;
pub mod hearing;
pub mod middleware;
pub mod multipart;
pub mod pages;
pub mod render;
pub mod reports;
pub mod respond;
pub mod static_files;
pub mod takedown;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(pages::home))
        .route("/healthz", web::get().to(pages::healthz))
        .route("/dashboard", web::get().to(pages::dashboard))
        .route("/login", web::get().to(auth::login_form))
        .route("/login", web::post().to(auth::login))
        .route("/logout", web::post().to(auth::logout))
        .route("/static/{path:.*}", web::get().to(static_files::serve))
        .route("/complaints/new", web::get().to(complaints::new_form))
        .route("/complaints/new", web::post().to(complaints::create))
        .route("/complaints/check/{draft}", web::get().to(complaints::check_answers))
        .route("/complaints/check/{draft}", web::post().to(complaints::submit))
        .route("/complaints/confirmation/{draft}", web::get().to(complaints::confirmation))
        .route("/cases", web::get().to(cases::index))
        .route("/cases/new", web::get().to(complaints::staff_form))
        .route("/cases/new", web::post().to(complaints::staff_create))
        .route("/cases/{reference}", web::get().to(cases::show))
        .route("/cases/{reference}/assign", web::post().to(cases::assign))
        .route("/cases/{reference}/notes", web::post().to(cases::add_note))
        .route("/cases/{reference}/complaints/{id}/acknowledge", web::post().to(cases::acknowledge))
        .route("/cases/{reference}/complaints/{id}/move", web::post().to(cases::move_complaint))
        .route("/cases/{reference}/members/{id}/notify", web::post().to(cases::notify_member))
        .route("/cases/{reference}/assessments/new", web::get().to(assessment::new_form))
        .route("/cases/{reference}/assessments", web::post().to(assessment::create))
        .route("/cases/{reference}/assessments/{id}", web::get().to(assessment::show))
        .route("/cases/{reference}/assessments/{id}/conclude", web::post().to(assessment::conclude))
        .route("/cases/{reference}/assessments/{id}/article10", web::post().to(assessment::article10))
        .route("/cases/{reference}/ip", web::get().to(assessment::ip_form))
        .route("/cases/{reference}/ip", web::post().to(assessment::ip_request))
        .route("/cases/{reference}/ip/{id}/view", web::post().to(assessment::ip_view))
        .route("/cases/{reference}/decision", web::get().to(assessment::decision_form))
        .route("/cases/{reference}/decision", web::post().to(assessment::decide))
        .route("/cases/{reference}/decisions/{id}/notices", web::get().to(assessment::notices))
        .route("/cases/{reference}/decisions/{id}/notices", web::post().to(assessment::send_notices))
        .route("/cases/{reference}/decisions/{id}/review", web::post().to(assessment::review))
        .route("/cases/{reference}/takedowns/new", web::get().to(takedown::new_form))
        .route("/cases/{reference}/takedowns", web::post().to(takedown::create))
        .route("/cases/{reference}/takedowns/{number}", web::get().to(takedown::show))
        .route("/cases/{reference}/takedowns/{number}/update", web::post().to(takedown::update))
        .route("/cases/{reference}/takedowns/{number}/rechecks/{id}", web::post().to(takedown::recheck))
        .route("/cases/{reference}/informal/actions", web::post().to(takedown::add_action))
        .route("/cases/{reference}/informal/actions/{id}/done", web::post().to(takedown::complete_action))
        .route("/cases/{reference}/informal/close", web::post().to(takedown::close_resolved))
        .route("/cases/{reference}/informal/refused", web::post().to(takedown::member_refused))
        .route("/cases/{reference}/investigation", web::get().to(hearing::investigation))
        .route("/cases/{reference}/investigation", web::post().to(hearing::appoint))
        .route("/cases/{reference}/investigation/entries", web::post().to(hearing::add_entry))
        .route("/cases/{reference}/investigation/entries/{id}", web::get().to(hearing::entry_file))
        .route("/cases/{reference}/investigation/complete", web::post().to(hearing::complete))
        .route("/cases/{reference}/investigation/decision", web::post().to(hearing::decide))
        .route("/cases/{reference}/hearing", web::get().to(hearing::show))
        .route("/cases/{reference}/hearing", web::post().to(hearing::save))
        .route("/cases/{reference}/hearing/fix", web::post().to(hearing::fix))
        .route("/cases/{reference}/hearing/bundle", web::get().to(hearing::bundle))
        .route("/cases/{reference}/hearing/findings", web::post().to(hearing::findings))
        .route("/cases/{reference}/hearing/sanctions", web::post().to(hearing::add_sanction))
        .route("/cases/{reference}/hearing/decision", web::post().to(hearing::issue_decision))
        .route("/cases/{reference}/sanctions/{id}", web::post().to(hearing::compliance))
        .route("/cases/{reference}/evidence/new", web::get().to(evidence::new_form))
        .route("/cases/{reference}/evidence/new", web::post().to(evidence::create))
        .route("/cases/{reference}/evidence.zip", web::get().to(evidence::export))
        .route("/cases/{reference}/evidence/{number}", web::get().to(evidence::show))
        .route("/cases/{reference}/evidence/{number}/verify", web::post().to(evidence::verify))
        .route("/cases/{reference}/evidence/{number}/status", web::post().to(evidence::set_status))
        .route("/cases/{reference}/evidence/{number}/files", web::post().to(evidence::add_files))
        .route("/cases/{reference}/evidence/{number}/correct", web::get().to(evidence::correct_form))
        .route("/cases/{reference}/evidence/{number}/correct", web::post().to(evidence::correct))
        .route("/cases/{reference}/evidence/{number}/files/{file}", web::get().to(evidence::file))
        .route("/help/capacity-test", web::get().to(assessment::help))
        .route("/reports", web::get().to(reports::index))
        .route("/reports/figures.csv", web::get().to(reports::figures_csv))
        .route("/reports/cases.csv", web::get().to(reports::cases_csv))
        .route("/reports/snapshots", web::post().to(reports::present))
        .route("/reports/snapshots/{id}", web::get().to(reports::snapshot))
        .route("/reports/snapshots/{id}/figures.csv", web::get().to(reports::snapshot_figures))
        .route("/reports/snapshots/{id}/cases.csv", web::get().to(reports::snapshot_cases))
        .route("/admin", web::get().to(admin::index))
        .route("/admin/users", web::get().to(admin::users))
        .route("/admin/users/new", web::get().to(admin::new_user_form))
        .route("/admin/users/new", web::post().to(admin::create_user))
        .route("/admin/users/{id}", web::get().to(admin::edit_user_form))
        .route("/admin/users/{id}", web::post().to(admin::update_user))
        .route("/admin/users/{id}/deactivate", web::post().to(admin::deactivate_user))
        .route("/admin/users/{id}/reactivate", web::post().to(admin::reactivate_user))
        .route("/admin/settings", web::get().to(admin::settings))
        .route("/admin/settings", web::post().to(admin::update_settings))
        .route("/admin/closure-days", web::get().to(admin::closure_days))
        .route("/admin/closure-days", web::post().to(admin::add_closure_day))
        .route("/admin/closure-days/{day}/delete", web::post().to(admin::delete_closure_day))
        .route("/admin/mail", web::get().to(admin::mail))
        .route("/admin/mail/{id}/send-again", web::post().to(admin::send_mail_again));
}
