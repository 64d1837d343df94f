-- Which hash links each custody entry to the one before: `sha256` (plain, as every entry before
-- this migration was written) or `hmac-sha256` (keyed with EVIDENCE_KEY).
ALTER TABLE custody_log ADD COLUMN hash_scheme TEXT NOT NULL DEFAULT 'sha256';
