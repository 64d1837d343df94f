-- Single sign-on (issue 22): how a session was opened, and the sign-ins waiting for the
-- OpenID provider (state, nonce and PKCE verifier kept here, never in the browser).
ALTER TABLE sessions ADD COLUMN via_sso BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE oidc_sign_ins (
    -- SHA-256 (hex) of the token in the browser's sd_oidc cookie.
    id TEXT PRIMARY KEY NOT NULL,
    state TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    next_path TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX oidc_sign_ins_expires_at ON oidc_sign_ins (expires_at);
