CREATE INDEX cases_authority_idx ON cases (authority_id);
DROP INDEX decisions_decided_idx;
DROP INDEX cases_report_received_idx;
DROP INDEX cases_report_closed_idx;
DROP INDEX complaints_report_idx;
DROP TABLE report_snapshots;
