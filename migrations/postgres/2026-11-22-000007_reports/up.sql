-- Committee report snapshots: a report exactly as presented to a meeting, never changed afterwards
-- (the SHA-256 of the stored page and CSV is kept alongside and checked when it is shown).

CREATE TABLE report_snapshots (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    meeting TEXT NOT NULL,
    meeting_on DATE NOT NULL,
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    authorities TEXT NOT NULL,
    html TEXT NOT NULL,
    figures_csv TEXT NOT NULL,
    cases_csv TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created_by_user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX report_snapshots_created_idx ON report_snapshots (created_at);

-- The report's counts scan a period by date: these indexes lead with the date and carry the
-- columns counted, so the database answers from the index alone. The authority index goes: with
-- it, a filter on a list of councils led SQLite to scan every case of those councils instead of
-- the period (the date-led indexes still carry authority_id for that filter).
CREATE INDEX complaints_report_idx ON complaints (received_on, authority_id, source, platform, id);
CREATE INDEX cases_report_closed_idx ON cases (closed_at, authority_id, closure_reason, received_on);
CREATE INDEX cases_report_received_idx ON cases (received_on, authority_id, acknowledged_on, assessed_on, closed_at, destroyed_at);
CREATE INDEX decisions_decided_idx ON decisions (decided_at);
DROP INDEX cases_authority_idx;
