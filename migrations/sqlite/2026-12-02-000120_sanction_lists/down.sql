CREATE TABLE sanctions_old (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    hearing_id TEXT NOT NULL REFERENCES hearings (id),
    member_id TEXT NOT NULL REFERENCES members (id),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    recommended_to_authority_id TEXT REFERENCES authorities (id),
    follow_up_on DATE NOT NULL,
    compliance TEXT NOT NULL,
    compliance_note TEXT,
    compliance_recorded_on DATE,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO sanctions_old (id, case_id, hearing_id, member_id, kind, detail, recommended_to_authority_id,
    follow_up_on, compliance, compliance_note, compliance_recorded_on, created_at)
SELECT id, case_id, hearing_id, member_id, kind, detail, recommended_to_authority_id,
    COALESCE(follow_up_on, DATE(created_at)), compliance, compliance_note, compliance_recorded_on, created_at
FROM sanctions;
DROP TABLE sanctions;
ALTER TABLE sanctions_old RENAME TO sanctions;
CREATE INDEX sanctions_case_idx ON sanctions (case_id);
CREATE INDEX sanctions_follow_up_idx ON sanctions (compliance, follow_up_on);
