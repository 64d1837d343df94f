-- Takedown (removal) requests and informal resolution.

CREATE TABLE takedown_requests (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    number INTEGER NOT NULL,
    addressee_kind TEXT NOT NULL,
    addressee_name TEXT NOT NULL,
    platform TEXT,
    platform_reference TEXT,
    channel TEXT NOT NULL,
    to_address TEXT,
    request_text TEXT NOT NULL,
    requested_on DATE NOT NULL,
    due_on DATE NOT NULL,
    status TEXT NOT NULL,
    resolved_on DATE,
    outbox_id TEXT REFERENCES outbox (id),
    reminder_queued_at TIMESTAMP,
    created_by_user_id TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (case_id, number)
);
CREATE INDEX takedown_requests_due_idx ON takedown_requests (status, due_on);
CREATE INDEX takedown_requests_requested_idx ON takedown_requests (requested_on);

CREATE TABLE takedown_items (
    request_id TEXT NOT NULL REFERENCES takedown_requests (id),
    evidence_item_id TEXT NOT NULL REFERENCES evidence_items (id),
    PRIMARY KEY (request_id, evidence_item_id)
);

-- Each step of a request; a removal is verified by an evidence item of its own (a re-capture).
CREATE TABLE takedown_events (
    id TEXT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL REFERENCES takedown_requests (id),
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    note TEXT,
    verification_item_id TEXT REFERENCES evidence_items (id),
    actor_label TEXT NOT NULL,
    occurred_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX takedown_events_request_idx ON takedown_events (request_id);

-- Re-checks after a removal, to catch a reinstated post.
CREATE TABLE takedown_rechecks (
    id TEXT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL REFERENCES takedown_requests (id),
    due_on DATE NOT NULL,
    done_on DATE,
    result TEXT
);
CREATE INDEX takedown_rechecks_due_idx ON takedown_rechecks (due_on);

CREATE TABLE informal_actions (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    due_on DATE,
    done_on DATE,
    done_note TEXT,
    created_by_user_id TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX informal_actions_case_idx ON informal_actions (case_id);
