-- Password reset by email (issue 22): a single-use link whose token is kept only as its SHA-256,
-- valid for 30 minutes; `requested_by_user_id` is the administrator who sent it, if one did.
CREATE TABLE password_resets (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    requested_by_user_id TEXT REFERENCES users (id)
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);
