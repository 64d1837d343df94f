DROP TABLE oidc_sign_ins;
ALTER TABLE sessions DROP COLUMN via_sso;
