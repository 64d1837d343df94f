-- Issue 16: the member is told before a decision. The member's response to a notification is
-- recorded against it (when it arrived and what it said); a decision made before the member was
-- told, or before their response or its deadline, needs a recorded reason.
ALTER TABLE member_notifications ADD COLUMN response_received_on DATE;
ALTER TABLE member_notifications ADD COLUMN response_summary TEXT;
ALTER TABLE member_notifications ADD COLUMN response_recorded_by_user_id TEXT;
ALTER TABLE member_notifications ADD COLUMN response_recorded_at TIMESTAMP;

CREATE TABLE decision_gate_reasons (
    id TEXT PRIMARY KEY NOT NULL,
    decision_id TEXT NOT NULL REFERENCES decisions (id),
    gate TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_by_user_id TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX decision_gate_reasons_decision_idx ON decision_gate_reasons (decision_id);
