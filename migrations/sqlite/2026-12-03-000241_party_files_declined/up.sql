-- Declined further evidence leaves the file store; its party_files rows stay as the record (name,
-- size, SHA-256), so they no longer reference stored_files.
CREATE TABLE party_files_new (
    id TEXT PRIMARY KEY NOT NULL,
    party_item_id TEXT NOT NULL REFERENCES party_items (id),
    sha256 TEXT NOT NULL,
    original_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL
);
INSERT INTO party_files_new (id, party_item_id, sha256, original_name, media_type, size_bytes)
    SELECT id, party_item_id, sha256, original_name, media_type, size_bytes FROM party_files;
DROP TABLE party_files;
ALTER TABLE party_files_new RENAME TO party_files;
CREATE INDEX party_files_item_idx ON party_files (party_item_id);
CREATE INDEX party_files_sha_idx ON party_files (sha256);
