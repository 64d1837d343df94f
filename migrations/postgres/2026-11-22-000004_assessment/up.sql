-- The initial assessment: capacity assessments per member (versioned), their answers and evidence
-- links, the Article 10 stage, Independent Person consultations, decisions, decision notices and
-- review requests.

CREATE TABLE capacity_assessments (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    member_id TEXT NOT NULL REFERENCES members (id),
    version INTEGER NOT NULL,
    test_version_id TEXT NOT NULL REFERENCES capacity_test_versions (id),
    role_used_authority_id TEXT REFERENCES authorities (id),
    suggested_outcome TEXT NOT NULL,
    suggested_rule TEXT NOT NULL,
    suggested_authority_id TEXT REFERENCES authorities (id),
    dual_hatted BOOLEAN NOT NULL,
    concluded_outcome TEXT,
    engaged_authority_id TEXT REFERENCES authorities (id),
    conclusion_reason TEXT,
    concluded_by_user_id TEXT REFERENCES users (id),
    concluded_at TIMESTAMP,
    created_by_user_id TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (case_id, member_id, version)
);
CREATE INDEX capacity_assessments_case_idx ON capacity_assessments (case_id);

CREATE TABLE capacity_answers (
    id TEXT PRIMARY KEY NOT NULL,
    assessment_id TEXT NOT NULL REFERENCES capacity_assessments (id),
    question_code TEXT NOT NULL,
    answer TEXT NOT NULL,
    note TEXT,
    UNIQUE (assessment_id, question_code)
);

CREATE TABLE capacity_answer_evidence (
    answer_id TEXT NOT NULL REFERENCES capacity_answers (id),
    evidence_item_id TEXT NOT NULL REFERENCES evidence_items (id),
    PRIMARY KEY (answer_id, evidence_item_id)
);

-- Article 10 (freedom of expression), after OFFICIAL and a prima facie breach.
CREATE TABLE article10_assessments (
    id TEXT PRIMARY KEY NOT NULL,
    assessment_id TEXT NOT NULL REFERENCES capacity_assessments (id),
    prima_facie_breach BOOLEAN NOT NULL,
    political_expression TEXT NOT NULL,
    target TEXT NOT NULL,
    fact_or_value TEXT NOT NULL,
    knowingly_false TEXT NOT NULL,
    gratuitous_abuse TEXT NOT NULL,
    proportionate_to_act TEXT NOT NULL,
    reasons TEXT NOT NULL,
    created_by_user_id TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX article10_assessment_idx ON article10_assessments (assessment_id);

CREATE TABLE ip_consultations (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    stage TEXT NOT NULL,
    ip_user_id TEXT NOT NULL REFERENCES users (id),
    question TEXT NOT NULL,
    requested_by_user_id TEXT NOT NULL REFERENCES users (id),
    requested_at TIMESTAMP NOT NULL,
    outbox_id TEXT REFERENCES outbox (id),
    view_text TEXT,
    view_recorded_at TIMESTAMP
);
CREATE INDEX ip_consultations_case_idx ON ip_consultations (case_id);

CREATE TABLE decisions (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    stage TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason_category TEXT,
    reasons TEXT NOT NULL,
    decided_by_user_id TEXT NOT NULL REFERENCES users (id),
    decided_at TIMESTAMP NOT NULL
);
CREATE INDEX decisions_case_idx ON decisions (case_id);

-- Notices of a decision: drafted from a template, reviewed and edited by an officer, then sent
-- through the outbox and kept as sent.
CREATE TABLE decision_notices (
    id TEXT PRIMARY KEY NOT NULL,
    decision_id TEXT NOT NULL REFERENCES decisions (id),
    recipient_kind TEXT NOT NULL,
    recipient_name TEXT NOT NULL,
    to_address TEXT,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    outbox_id TEXT REFERENCES outbox (id),
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    sent_by_user_id TEXT REFERENCES users (id)
);
CREATE INDEX decision_notices_decision_idx ON decision_notices (decision_id);

CREATE TABLE review_requests (
    id TEXT PRIMARY KEY NOT NULL,
    decision_id TEXT NOT NULL REFERENCES decisions (id),
    requested_by TEXT NOT NULL,
    received_on DATE NOT NULL,
    grounds TEXT NOT NULL,
    outcome TEXT,
    recorded_by_user_id TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
