CREATE TABLE party_files_old (
    id TEXT PRIMARY KEY NOT NULL,
    party_item_id TEXT NOT NULL REFERENCES party_items (id),
    sha256 TEXT NOT NULL REFERENCES stored_files (sha256),
    original_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL
);
INSERT INTO party_files_old (id, party_item_id, sha256, original_name, media_type, size_bytes)
    SELECT id, party_item_id, sha256, original_name, media_type, size_bytes FROM party_files
    WHERE sha256 IN (SELECT sha256 FROM stored_files);
DROP TABLE party_files;
ALTER TABLE party_files_old RENAME TO party_files;
CREATE INDEX party_files_item_idx ON party_files (party_item_id);
