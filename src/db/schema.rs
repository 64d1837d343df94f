// Kept in step with migrations/{sqlite,postgres}/*/up.sql (the two folders hold the same migrations).
// Column types are the ones SQLite and PostgreSQL share, so one schema serves both backends.

diesel::table! {
    authorities (id) {
        id -> Text,
        name -> Text,
        slug -> Text,
        tier -> Text,
        nation -> Text,
        principal_authority_id -> Nullable<Text>,
        clerk_name -> Nullable<Text>,
        clerk_email -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        short_name -> Nullable<Text>,
        retired_on -> Nullable<Date>,
    }
}

diesel::table! {
    codes_of_conduct (id) {
        id -> Text,
        slug -> Text,
        title -> Text,
        description -> Text,
        created_at -> Timestamp,
        authority_id -> Nullable<Text>,
        kind -> Text,
    }
}

diesel::table! {
    code_versions (id) {
        id -> Text,
        code_id -> Text,
        version_label -> Text,
        published_on -> Date,
        source -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    code_provisions (id) {
        id -> Text,
        code_version_id -> Text,
        number -> Text,
        heading -> Text,
        summary -> Text,
        position -> Integer,
    }
}

diesel::table! {
    authority_codes (id) {
        id -> Text,
        authority_id -> Text,
        code_version_id -> Text,
        adopted_on -> Date,
        superseded_on -> Nullable<Date>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    members (id) {
        id -> Text,
        full_name -> Text,
        party -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        title -> Nullable<Text>,
        postal_address -> Nullable<Text>,
    }
}

diesel::table! {
    memberships (id) {
        id -> Text,
        member_id -> Text,
        authority_id -> Text,
        ward -> Nullable<Text>,
        role -> Text,
        started_on -> Date,
        ended_on -> Nullable<Date>,
        created_at -> Timestamp,
        end_reason -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    member_accounts (id) {
        id -> Text,
        member_id -> Text,
        platform -> Text,
        handle -> Text,
        display_name -> Nullable<Text>,
        profile_url -> Nullable<Text>,
        canonical_url -> Nullable<Text>,
        declared_official -> Bool,
        notes -> Nullable<Text>,
        created_at -> Timestamp,
        authority_id -> Nullable<Text>,
        presents_role -> Nullable<Text>,
        in_use_from -> Nullable<Date>,
        in_use_to -> Nullable<Date>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
        totp_secret -> Nullable<Text>,
        totp_enabled_at -> Nullable<Timestamp>,
        totp_last_step -> Nullable<BigInt>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        ip_address -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        second_factor_pending -> Bool,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Text,
        user_id -> Text,
        code_hash -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        requested_by_user_id -> Nullable<Text>,
    }
}

diesel::table! {
    known_browsers (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        user_agent -> Nullable<Text>,
        first_seen_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    signed_out_forms (id) {
        id -> Text,
        user_id -> Text,
        action -> Text,
        return_to -> Text,
        fields -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> Text,
        email -> Text,
        ip_address -> Text,
        succeeded -> Bool,
        attempted_at -> Timestamp,
    }
}

diesel::table! {
    sequences (name) {
        name -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    cases (id) {
        id -> Text,
        reference -> Text,
        status -> Text,
        summary -> Text,
        authority_id -> Text,
        assigned_user_id -> Nullable<Text>,
        received_on -> Date,
        ack_due_on -> Date,
        acknowledged_on -> Nullable<Date>,
        assessment_due_on -> Date,
        assessed_on -> Nullable<Date>,
        closed_at -> Nullable<Timestamp>,
        closure_reason -> Nullable<Text>,
        retain_until -> Nullable<Date>,
        destroyed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        search_text -> Text,
        legal_hold_reason -> Nullable<Text>,
        legal_hold_by_user_id -> Nullable<Text>,
        legal_hold_at -> Nullable<Timestamp>,
        destruction_approved_by_user_id -> Nullable<Text>,
        destruction_approved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    complainants (id) {
        id -> Text,
        name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        address -> Nullable<Text>,
        complainant_type -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    complaints (id) {
        id -> Text,
        case_id -> Text,
        complainant_id -> Text,
        authority_id -> Text,
        source -> Text,
        received_on -> Date,
        logged_by_user_id -> Nullable<Text>,
        conduct_on -> Nullable<Date>,
        conduct_period -> Nullable<Text>,
        platform -> Nullable<Text>,
        post_urls -> Text,
        what_happened -> Text,
        why_official -> Text,
        outcome_sought -> Nullable<Text>,
        witnesses -> Nullable<Text>,
        unlisted_member_name -> Nullable<Text>,
        confidentiality_requested -> Bool,
        confidentiality_reason -> Nullable<Text>,
        acknowledged_at -> Nullable<Timestamp>,
        declared_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    allegations (id) {
        id -> Text,
        case_id -> Text,
        complaint_id -> Text,
        member_id -> Text,
        code_provision_id -> Text,
        status -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    case_notes (id) {
        id -> Text,
        case_id -> Text,
        author_user_id -> Text,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    case_participants (id) {
        id -> Text,
        case_id -> Text,
        user_id -> Text,
        part -> Text,
        granted_by_user_id -> Nullable<Text>,
        granted_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    conflict_declarations (id) {
        id -> Text,
        case_id -> Text,
        user_id -> Text,
        reason -> Text,
        declared_at -> Timestamp,
        cleared_by_user_id -> Nullable<Text>,
        cleared_at -> Nullable<Timestamp>,
        cleared_reason -> Nullable<Text>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        occurred_at -> Timestamp,
        actor_user_id -> Nullable<Text>,
        actor_label -> Text,
        ip_address -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        case_id -> Nullable<Text>,
        summary -> Text,
        details -> Nullable<Text>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        case_id -> Nullable<Text>,
        template -> Text,
        to_address -> Text,
        to_name -> Nullable<Text>,
        subject -> Text,
        body_text -> Text,
        body_html -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        letter_template_id -> Nullable<Text>,
        context_json -> Nullable<Text>,
    }
}

diesel::table! {
    outbox_attachments (id) {
        id -> Text,
        outbox_id -> Text,
        filename -> Text,
        media_type -> Text,
        content -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    letter_templates (id) {
        id -> Text,
        authority_id -> Text,
        template -> Text,
        version -> Integer,
        in_use -> Bool,
        subject -> Text,
        body -> Text,
        created_by_user_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    closure_days (day) {
        day -> Date,
        reason -> Text,
        created_by_user_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reference_generation (id) {
        id -> Text,
        token -> Text,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
        updated_by_user_id -> Nullable<Text>,
    }
}

diesel::table! {
    capacity_test_versions (id) {
        id -> Text,
        version -> Integer,
        title -> Text,
        definition -> Text,
        checksum -> Text,
        loaded_at -> Timestamp,
    }
}

diesel::table! {
    capacity_questions (id) {
        id -> Text,
        test_version_id -> Text,
        code -> Text,
        position -> Integer,
        section -> Text,
        question -> Text,
        guidance -> Text,
        weight -> Text,
        points_to -> Text,
    }
}

diesel::table! {
    stored_files (sha256) {
        sha256 -> Text,
        size_bytes -> BigInt,
        media_type -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    complaint_drafts (id) {
        id -> Text,
        owner_hash -> Text,
        data -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        case_reference -> Nullable<Text>,
    }
}

diesel::table! {
    draft_files (id) {
        id -> Text,
        draft_id -> Text,
        sha256 -> Text,
        original_name -> Text,
        media_type -> Text,
        size_bytes -> BigInt,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    complaint_files (id) {
        id -> Text,
        complaint_id -> Text,
        sha256 -> Text,
        original_name -> Text,
        media_type -> Text,
        size_bytes -> BigInt,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    written_confirmations (id) {
        id -> Text,
        complaint_id -> Text,
        kind -> Text,
        received_on -> Date,
        detail -> Text,
        complaint_file_id -> Nullable<Text>,
        recorded_by_user_id -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    complaint_links (id) {
        id -> Text,
        complaint_id -> Text,
        url -> Text,
        canonical_url -> Text,
        platform -> Nullable<Text>,
    }
}

diesel::table! {
    member_notifications (id) {
        id -> Text,
        case_id -> Text,
        member_id -> Text,
        outbox_id -> Text,
        notified_by_user_id -> Text,
        notified_at -> Timestamp,
        response_received_on -> Nullable<Date>,
        response_summary -> Nullable<Text>,
        response_recorded_by_user_id -> Nullable<Text>,
        response_recorded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    rate_limit_events (id) {
        id -> Text,
        bucket -> Text,
        subject -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    anonymous_uploads (id) {
        id -> Text,
        subject -> Text,
        files -> Integer,
        bytes -> BigInt,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    evidence_items (id) {
        id -> Text,
        case_id -> Text,
        number -> Integer,
        kind -> Text,
        source -> Text,
        status -> Text,
        status_checked_at -> Nullable<Timestamp>,
        current_version -> Integer,
        complaint_id -> Nullable<Text>,
        created_by_user_id -> Nullable<Text>,
        created_at -> Timestamp,
        custody_head -> Text,
        custody_count -> Integer,
        member_account_id -> Nullable<Text>,
    }
}

diesel::table! {
    evidence_versions (id) {
        id -> Text,
        item_id -> Text,
        version -> Integer,
        title -> Text,
        platform -> Nullable<Text>,
        url -> Nullable<Text>,
        canonical_url -> Nullable<Text>,
        account_handle -> Nullable<Text>,
        display_name -> Nullable<Text>,
        account_bio -> Nullable<Text>,
        post_text -> Nullable<Text>,
        posted_at -> Nullable<Timestamp>,
        captured_at -> Timestamp,
        captured_by -> Text,
        notes -> Nullable<Text>,
        change_reason -> Nullable<Text>,
        created_by_user_id -> Nullable<Text>,
        created_by_label -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    evidence_files (id) {
        id -> Text,
        item_id -> Text,
        sha256 -> Text,
        original_name -> Text,
        media_type -> Text,
        size_bytes -> BigInt,
        added_by_label -> Text,
        added_at -> Timestamp,
    }
}

diesel::table! {
    evidence_allegations (item_id, allegation_id) {
        item_id -> Text,
        allegation_id -> Text,
    }
}

diesel::table! {
    custody_log (id) {
        id -> Text,
        item_id -> Text,
        seq -> Integer,
        action -> Text,
        file_sha256 -> Nullable<Text>,
        actor_user_id -> Nullable<Text>,
        actor_label -> Text,
        ip_address -> Nullable<Text>,
        occurred_at -> Timestamp,
        details -> Text,
        prev_hash -> Text,
        entry_hash -> Text,
        hash_scheme -> Text,
    }
}

diesel::table! {
    capacity_assessments (id) {
        id -> Text,
        case_id -> Text,
        member_id -> Text,
        version -> Integer,
        test_version_id -> Text,
        role_used_authority_id -> Nullable<Text>,
        suggested_outcome -> Text,
        suggested_rule -> Text,
        suggested_authority_id -> Nullable<Text>,
        dual_hatted -> Bool,
        concluded_outcome -> Nullable<Text>,
        engaged_authority_id -> Nullable<Text>,
        conclusion_reason -> Nullable<Text>,
        concluded_by_user_id -> Nullable<Text>,
        concluded_at -> Nullable<Timestamp>,
        created_by_user_id -> Nullable<Text>,
        created_at -> Timestamp,
        role_used_reason -> Nullable<Text>,
    }
}

diesel::table! {
    capacity_answers (id) {
        id -> Text,
        assessment_id -> Text,
        question_code -> Text,
        answer -> Text,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    capacity_answer_evidence (answer_id, evidence_item_id) {
        answer_id -> Text,
        evidence_item_id -> Text,
    }
}

diesel::table! {
    article10_assessments (id) {
        id -> Text,
        assessment_id -> Text,
        prima_facie_breach -> Bool,
        political_expression -> Text,
        target -> Text,
        fact_or_value -> Text,
        knowingly_false -> Text,
        gratuitous_abuse -> Text,
        proportionate_to_act -> Text,
        reasons -> Text,
        created_by_user_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ip_consultations (id) {
        id -> Text,
        case_id -> Text,
        stage -> Text,
        ip_user_id -> Text,
        question -> Text,
        requested_by_user_id -> Text,
        requested_at -> Timestamp,
        outbox_id -> Nullable<Text>,
        view_text -> Nullable<Text>,
        view_recorded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    decisions (id) {
        id -> Text,
        case_id -> Text,
        stage -> Text,
        outcome -> Text,
        reason_category -> Nullable<Text>,
        reasons -> Text,
        decided_by_user_id -> Text,
        decided_at -> Timestamp,
    }
}

diesel::table! {
    decision_gate_reasons (id) {
        id -> Text,
        decision_id -> Text,
        gate -> Text,
        reason -> Text,
        recorded_by_user_id -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    decision_notices (id) {
        id -> Text,
        decision_id -> Text,
        recipient_kind -> Text,
        recipient_name -> Text,
        to_address -> Nullable<Text>,
        subject -> Text,
        body -> Text,
        status -> Text,
        outbox_id -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        sent_by_user_id -> Nullable<Text>,
    }
}

diesel::table! {
    review_requests (id) {
        id -> Text,
        decision_id -> Text,
        requested_by -> Text,
        received_on -> Date,
        grounds -> Text,
        outcome -> Nullable<Text>,
        recorded_by_user_id -> Text,
        recorded_at -> Timestamp,
        due_on -> Nullable<Date>,
        outcome_reasons -> Nullable<Text>,
        decided_by_user_id -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    takedown_requests (id) {
        id -> Text,
        case_id -> Text,
        number -> Integer,
        addressee_kind -> Text,
        addressee_name -> Text,
        platform -> Nullable<Text>,
        platform_reference -> Nullable<Text>,
        channel -> Text,
        to_address -> Nullable<Text>,
        request_text -> Text,
        requested_on -> Date,
        due_on -> Date,
        status -> Text,
        resolved_on -> Nullable<Date>,
        outbox_id -> Nullable<Text>,
        reminder_queued_at -> Nullable<Timestamp>,
        created_by_user_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    takedown_items (request_id, evidence_item_id) {
        request_id -> Text,
        evidence_item_id -> Text,
    }
}

diesel::table! {
    takedown_events (id) {
        id -> Text,
        request_id -> Text,
        from_status -> Text,
        to_status -> Text,
        note -> Nullable<Text>,
        verification_item_id -> Nullable<Text>,
        actor_label -> Text,
        occurred_on -> Date,
        created_at -> Timestamp,
    }
}

diesel::table! {
    takedown_rechecks (id) {
        id -> Text,
        request_id -> Text,
        due_on -> Date,
        done_on -> Nullable<Date>,
        result -> Nullable<Text>,
        reminder_queued_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    informal_actions (id) {
        id -> Text,
        case_id -> Text,
        kind -> Text,
        description -> Text,
        due_on -> Nullable<Date>,
        done_on -> Nullable<Date>,
        done_note -> Nullable<Text>,
        created_by_user_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    user_members (user_id) {
        user_id -> Text,
        member_id -> Text,
    }
}

diesel::table! {
    investigations (id) {
        id -> Text,
        case_id -> Text,
        investigator_user_id -> Nullable<Text>,
        external_investigator -> Nullable<Text>,
        terms_of_reference -> Text,
        target_on -> Date,
        appointed_by_user_id -> Text,
        appointed_at -> Timestamp,
        completed_on -> Nullable<Date>,
    }
}

diesel::table! {
    investigation_entries (id) {
        id -> Text,
        investigation_id -> Text,
        kind -> Text,
        title -> Text,
        body -> Text,
        occurred_on -> Date,
        sha256 -> Nullable<Text>,
        file_name -> Nullable<Text>,
        created_by_user_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    hearings (id) {
        id -> Text,
        case_id -> Text,
        starts_at -> Timestamp,
        venue -> Nullable<Text>,
        remote_link -> Nullable<Text>,
        ip_user_id -> Text,
        member_representative -> Nullable<Text>,
        private_paragraph -> Nullable<Text>,
        private_reason -> Nullable<Text>,
        conflicts_considered -> Nullable<Text>,
        fixed_at -> Nullable<Timestamp>,
        outcome_recorded_at -> Nullable<Timestamp>,
        created_by_user_id -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    hearing_panel (hearing_id, user_id) {
        hearing_id -> Text,
        user_id -> Text,
        chair -> Bool,
    }
}

diesel::table! {
    findings (id) {
        id -> Text,
        hearing_id -> Text,
        allegation_id -> Text,
        breach -> Bool,
        reasons -> Text,
        article10_reasoning -> Text,
        recorded_by_user_id -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    sanctions (id) {
        id -> Text,
        case_id -> Text,
        hearing_id -> Text,
        member_id -> Text,
        kind -> Text,
        detail -> Text,
        recommended_to_authority_id -> Nullable<Text>,
        follow_up_on -> Nullable<Date>,
        compliance -> Text,
        compliance_note -> Nullable<Text>,
        compliance_recorded_on -> Nullable<Date>,
        created_at -> Timestamp,
        proportionality -> Text,
        list_version -> Text,
        recommendation_to -> Nullable<Text>,
    }
}

diesel::table! {
    report_snapshots (id) {
        id -> Text,
        title -> Text,
        meeting -> Text,
        meeting_on -> Date,
        period_from -> Date,
        period_to -> Date,
        authorities -> Text,
        html -> Text,
        figures_csv -> Text,
        cases_csv -> Text,
        sha256 -> Text,
        created_by_user_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    wards (id) {
        id -> Text,
        authority_id -> Text,
        name -> Text,
        retired_on -> Nullable<Date>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    register_imports (id) {
        id -> Text,
        kind -> Text,
        filename -> Text,
        csv -> Text,
        sha256 -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        applied_at -> Nullable<Timestamp>,
        summary -> Nullable<Text>,
    }
}

diesel::table! {
    access_log (id) {
        id -> Text,
        user_id -> Text,
        kind -> Text,
        object -> Text,
        case_id -> Nullable<Text>,
        day -> Date,
        first_at -> Timestamp,
    }
}

diesel::table! {
    disclosures (id) {
        id -> Text,
        subject -> Text,
        case_references -> Text,
        file_name -> Text,
        sha256 -> Text,
        created_by_user_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    party_links (id) {
        id -> Text,
        case_id -> Text,
        party -> Text,
        complaint_id -> Nullable<Text>,
        member_id -> Nullable<Text>,
        purpose -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        revoked_by_user_id -> Nullable<Text>,
    }
}

diesel::table! {
    party_sessions (id) {
        id -> Text,
        case_id -> Text,
        party -> Text,
        complaint_id -> Nullable<Text>,
        member_id -> Nullable<Text>,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    party_items (id) {
        id -> Text,
        case_id -> Text,
        party -> Text,
        complaint_id -> Nullable<Text>,
        member_id -> Nullable<Text>,
        kind -> Text,
        from_party -> Bool,
        author_user_id -> Nullable<Text>,
        body -> Text,
        status -> Text,
        evidence_item_id -> Nullable<Text>,
        decided_by_user_id -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        read_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    party_files (id) {
        id -> Text,
        party_item_id -> Text,
        sha256 -> Text,
        original_name -> Text,
        media_type -> Text,
        size_bytes -> BigInt,
    }
}

diesel::table! {
    party_visits (id) {
        id -> Text,
        case_id -> Text,
        party -> Text,
        complaint_id -> Nullable<Text>,
        member_id -> Nullable<Text>,
        what -> Text,
        ip_address -> Nullable<Text>,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    party_drafts (id) {
        id -> Text,
        case_id -> Text,
        party -> Text,
        complaint_id -> Nullable<Text>,
        member_id -> Nullable<Text>,
        body -> Text,
        saved_at -> Timestamp,
        kind -> Text,
    }
}

diesel::joinable!(code_versions -> codes_of_conduct (code_id));
diesel::joinable!(code_provisions -> code_versions (code_version_id));
diesel::joinable!(authority_codes -> authorities (authority_id));
diesel::joinable!(authority_codes -> code_versions (code_version_id));
diesel::joinable!(memberships -> members (member_id));
diesel::joinable!(memberships -> authorities (authority_id));
diesel::joinable!(member_accounts -> members (member_id));
diesel::joinable!(member_accounts -> authorities (authority_id));
diesel::joinable!(codes_of_conduct -> authorities (authority_id));
diesel::joinable!(wards -> authorities (authority_id));
diesel::joinable!(register_imports -> users (created_by));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(signed_out_forms -> users (user_id));
diesel::joinable!(cases -> authorities (authority_id));
diesel::joinable!(cases -> users (assigned_user_id));
diesel::joinable!(complaints -> cases (case_id));
diesel::joinable!(complaints -> complainants (complainant_id));
diesel::joinable!(complaints -> authorities (authority_id));
diesel::joinable!(complaints -> users (logged_by_user_id));
diesel::joinable!(allegations -> cases (case_id));
diesel::joinable!(allegations -> complaints (complaint_id));
diesel::joinable!(allegations -> members (member_id));
diesel::joinable!(allegations -> code_provisions (code_provision_id));
diesel::joinable!(case_notes -> cases (case_id));
diesel::joinable!(case_notes -> users (author_user_id));
diesel::joinable!(case_participants -> cases (case_id));
diesel::joinable!(case_participants -> users (user_id));
diesel::joinable!(conflict_declarations -> cases (case_id));
diesel::joinable!(conflict_declarations -> users (user_id));
diesel::joinable!(audit_log -> users (actor_user_id));
diesel::joinable!(audit_log -> cases (case_id));
diesel::joinable!(outbox -> cases (case_id));
diesel::joinable!(closure_days -> users (created_by_user_id));
diesel::joinable!(settings -> users (updated_by_user_id));
diesel::joinable!(capacity_questions -> capacity_test_versions (test_version_id));
diesel::joinable!(draft_files -> complaint_drafts (draft_id));
diesel::joinable!(draft_files -> stored_files (sha256));
diesel::joinable!(complaint_files -> complaints (complaint_id));
diesel::joinable!(complaint_files -> stored_files (sha256));
diesel::joinable!(written_confirmations -> complaints (complaint_id));
diesel::joinable!(complaint_links -> complaints (complaint_id));
diesel::joinable!(member_notifications -> cases (case_id));
diesel::joinable!(member_notifications -> members (member_id));
diesel::joinable!(member_notifications -> outbox (outbox_id));
diesel::joinable!(evidence_items -> cases (case_id));
diesel::joinable!(evidence_items -> member_accounts (member_account_id));
diesel::joinable!(evidence_versions -> evidence_items (item_id));
diesel::joinable!(evidence_files -> evidence_items (item_id));
diesel::joinable!(evidence_files -> stored_files (sha256));
diesel::joinable!(evidence_allegations -> evidence_items (item_id));
diesel::joinable!(evidence_allegations -> allegations (allegation_id));
diesel::joinable!(custody_log -> evidence_items (item_id));
diesel::joinable!(takedown_requests -> cases (case_id));
diesel::joinable!(takedown_requests -> outbox (outbox_id));
diesel::joinable!(takedown_requests -> users (created_by_user_id));
diesel::joinable!(takedown_items -> takedown_requests (request_id));
diesel::joinable!(takedown_items -> evidence_items (evidence_item_id));
diesel::joinable!(takedown_events -> takedown_requests (request_id));
diesel::joinable!(takedown_events -> evidence_items (verification_item_id));
diesel::joinable!(takedown_rechecks -> takedown_requests (request_id));
diesel::joinable!(informal_actions -> cases (case_id));
diesel::joinable!(informal_actions -> users (created_by_user_id));
diesel::joinable!(capacity_assessments -> cases (case_id));
diesel::joinable!(capacity_assessments -> members (member_id));
diesel::joinable!(capacity_assessments -> capacity_test_versions (test_version_id));
diesel::joinable!(capacity_assessments -> authorities (role_used_authority_id));
diesel::joinable!(capacity_assessments -> users (concluded_by_user_id));
diesel::joinable!(capacity_answers -> capacity_assessments (assessment_id));
diesel::joinable!(capacity_answer_evidence -> capacity_answers (answer_id));
diesel::joinable!(capacity_answer_evidence -> evidence_items (evidence_item_id));
diesel::joinable!(article10_assessments -> capacity_assessments (assessment_id));
diesel::joinable!(article10_assessments -> users (created_by_user_id));
diesel::joinable!(ip_consultations -> cases (case_id));
diesel::joinable!(ip_consultations -> users (ip_user_id));
diesel::joinable!(ip_consultations -> outbox (outbox_id));
diesel::joinable!(decisions -> cases (case_id));
diesel::joinable!(decisions -> users (decided_by_user_id));
diesel::joinable!(decision_gate_reasons -> decisions (decision_id));
diesel::joinable!(decision_notices -> decisions (decision_id));
diesel::joinable!(decision_notices -> outbox (outbox_id));
diesel::joinable!(outbox_attachments -> outbox (outbox_id));
diesel::joinable!(decision_notices -> users (sent_by_user_id));
diesel::joinable!(review_requests -> decisions (decision_id));
diesel::joinable!(review_requests -> users (recorded_by_user_id));

diesel::joinable!(user_members -> users (user_id));
diesel::joinable!(user_members -> members (member_id));
diesel::joinable!(investigations -> cases (case_id));
diesel::joinable!(investigation_entries -> investigations (investigation_id));
diesel::joinable!(hearings -> cases (case_id));
diesel::joinable!(hearing_panel -> hearings (hearing_id));
diesel::joinable!(hearing_panel -> users (user_id));
diesel::joinable!(findings -> hearings (hearing_id));
diesel::joinable!(findings -> allegations (allegation_id));
diesel::joinable!(sanctions -> cases (case_id));
diesel::joinable!(sanctions -> hearings (hearing_id));
diesel::joinable!(sanctions -> members (member_id));
diesel::joinable!(report_snapshots -> users (created_by_user_id));
diesel::joinable!(access_log -> users (user_id));
diesel::joinable!(access_log -> cases (case_id));
diesel::joinable!(disclosures -> users (created_by_user_id));
diesel::joinable!(disclosures -> stored_files (sha256));
diesel::joinable!(party_files -> party_items (party_item_id));
diesel::joinable!(party_items -> cases (case_id));

diesel::allow_tables_to_appear_in_same_query!(
    authorities,
    codes_of_conduct,
    code_versions,
    code_provisions,
    authority_codes,
    members,
    memberships,
    member_accounts,
    users,
    sessions,
    signed_out_forms,
    login_attempts,
    sequences,
    cases,
    complainants,
    complaints,
    allegations,
    case_notes,
    case_participants,
    conflict_declarations,
    audit_log,
    outbox,
    outbox_attachments,
    letter_templates,
    closure_days,
    settings,
    capacity_test_versions,
    capacity_questions,
    stored_files,
    complaint_drafts,
    draft_files,
    complaint_files,
    written_confirmations,
    complaint_links,
    member_notifications,
    rate_limit_events,
    anonymous_uploads,
    evidence_items,
    evidence_versions,
    evidence_files,
    evidence_allegations,
    custody_log,
    capacity_assessments,
    capacity_answers,
    capacity_answer_evidence,
    article10_assessments,
    ip_consultations,
    decisions,
    decision_gate_reasons,
    decision_notices,
    review_requests,
    takedown_requests,
    takedown_items,
    takedown_events,
    takedown_rechecks,
    informal_actions,
    user_members,
    investigations,
    investigation_entries,
    hearings,
    hearing_panel,
    findings,
    sanctions,
    report_snapshots,
    wards,
    register_imports,
    access_log,
    disclosures,
    party_links,
    party_sessions,
    party_items,
    party_files,
    party_visits,
    party_drafts,
    reference_generation,
);

// The committee report counts complaints grouped by their own columns and their council's.
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    complaints::source,
    complaints::platform,
    authorities::name,
    authorities::tier,
);
