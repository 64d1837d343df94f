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

-- Report queries filter on these dates.
CREATE INDEX complaints_received_idx ON complaints (received_on);
CREATE INDEX cases_closed_idx ON cases (closed_at);
CREATE INDEX decisions_decided_idx ON decisions (decided_at);
