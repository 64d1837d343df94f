DROP INDEX decisions_decided_idx;
DROP INDEX cases_closed_idx;
DROP INDEX complaints_received_idx;
DROP TABLE report_snapshots;
