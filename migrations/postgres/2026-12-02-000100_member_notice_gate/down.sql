DROP TABLE decision_gate_reasons;
ALTER TABLE member_notifications DROP COLUMN response_recorded_at;
ALTER TABLE member_notifications DROP COLUMN response_recorded_by_user_id;
ALTER TABLE member_notifications DROP COLUMN response_summary;
ALTER TABLE member_notifications DROP COLUMN response_received_on;
