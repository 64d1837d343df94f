-- A form sent after its sender's session had expired (issue 23, WCAG 2.2.1): what was sent is kept
-- for the user, nothing is done with it, and after they sign in again the form comes back with
-- these values for them to send again. Deleted when restored, or by housekeeping after a day.
CREATE TABLE signed_out_forms (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    action TEXT NOT NULL,
    return_to TEXT NOT NULL,
    fields TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX signed_out_forms_user_idx ON signed_out_forms (user_id);
CREATE INDEX signed_out_forms_expires_idx ON signed_out_forms (expires_at);
