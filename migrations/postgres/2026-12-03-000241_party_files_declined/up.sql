-- Declined further evidence leaves the file store; its party_files rows stay as the record (name,
-- size, SHA-256), so they no longer reference stored_files.
ALTER TABLE party_files DROP CONSTRAINT IF EXISTS party_files_sha256_fkey;
CREATE INDEX party_files_sha_idx ON party_files (sha256);
