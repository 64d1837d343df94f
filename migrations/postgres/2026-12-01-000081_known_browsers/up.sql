-- Browsers each user has signed in from (issue 22): a sign-in from a browser not on the list is
-- emailed to the user. The browser holds a random token in a long-lived cookie; only its SHA-256
-- is kept here.
CREATE TABLE known_browsers (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL,
    user_agent TEXT,
    first_seen_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX known_browsers_user_token_idx ON known_browsers (user_id, token_hash);
