-- Sanctions from versioned reference data per nation (seeds/sanctions/), each with its
-- proportionality reason; censure has no follow-up date; a removal from committees or cabinet is
-- a recommendation to the Leader or the member's group.
CREATE TABLE sanctions_new (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    hearing_id TEXT NOT NULL REFERENCES hearings (id),
    member_id TEXT NOT NULL REFERENCES members (id),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    recommended_to_authority_id TEXT REFERENCES authorities (id),
    follow_up_on DATE,
    compliance TEXT NOT NULL,
    compliance_note TEXT,
    compliance_recorded_on DATE,
    created_at TIMESTAMP NOT NULL,
    proportionality TEXT NOT NULL DEFAULT '',
    list_version TEXT NOT NULL DEFAULT 'england-1',
    recommendation_to TEXT
);
INSERT INTO sanctions_new (id, case_id, hearing_id, member_id, kind, detail, recommended_to_authority_id,
    follow_up_on, compliance, compliance_note, compliance_recorded_on, created_at)
SELECT id, case_id, hearing_id, member_id, kind, detail, recommended_to_authority_id,
    follow_up_on, compliance, compliance_note, compliance_recorded_on, created_at FROM sanctions;
DROP TABLE sanctions;
ALTER TABLE sanctions_new RENAME TO sanctions;
CREATE INDEX sanctions_case_idx ON sanctions (case_id);
CREATE INDEX sanctions_follow_up_idx ON sanctions (compliance, follow_up_on);
