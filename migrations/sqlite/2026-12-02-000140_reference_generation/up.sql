-- One row whose token changes, in the same transaction, whenever a table the public form's
-- choices are built from changes (councils, the register, codes of conduct and their adoption).
-- The in-memory reference cache (src/services/cache.rs) keeps what it built under the token it
-- read first, so any writer (the admin pages, the CLI, another instance) invalidates it at once.
CREATE TABLE reference_generation (
    id TEXT PRIMARY KEY NOT NULL,
    token TEXT NOT NULL
);
INSERT INTO reference_generation (id, token) VALUES ('reference', lower(hex(randomblob(16))));
CREATE TRIGGER reference_changed_authorities_insert AFTER INSERT ON authorities
BEGIN UPDATE reference_generation SET token = lower(hex(randomblob(16))) WHERE id = 'reference'; END;
CREATE TRIGGER reference_changed_authorities_update AFTER UPDATE ON authorities
BEGIN UPDATE reference_generation SET token = lower(hex(randomblob(16))) WHERE id = 'reference'; END;
CREATE TRIGGER reference_changed_authorities_delete AFTER DELETE ON authorities
BEGIN UPDATE reference_generation SET token = lower(hex(randomblob(16))) WHERE id = 'reference'; END;
CREATE TRIGGER reference_changed_members_insert AFTER INSERT ON members
BEGIN UPDATE reference_generation SET token = lower(hex(randomblob(16))) WHERE id = 'reference'; END;
CREATE TRIGGER reference_changed_members_update AFTER UPDATE ON members
BEGIN UPDATE reference_generation SET token = lower(hex(randomblob(16))) WHERE id = 'reference'; END;
CREATE TRIGGER reference_changed_members_delete AFTER DELETE ON members
BEGIN UPDATE reference_generation SET token = lower(hex(randomblob(16))) WHERE id = 'reference'; END;
CREATE TRIGGER reference_changed_memberships_insert AFTER INSERT ON memberships
BEGIN UPDATE reference_generation SET token = lower(hex(randomblob(16))) WHERE id = 'reference'; END;
CREATE TRIGGER reference_changed_memberships_update AFTER UPDATE ON memberships
BEGIN UPDATE reference_generation SET token = lower(hex(randomblob(16))) WHERE id = 'reference'; END;
CREATE TRIGGER reference_changed_memberships_delete AFTER DELETE ON memberships
BEGIN UPDATE reference_generation SET token = lower(hex(randomblob(16))) WHERE id = 'reference'; END;
CREATE TRIGGER reference_changed_codes_of_conduct_insert AFTER INSERT ON codes_of_conduct
BEGIN UPDATE reference_generation SET token = lower(hex(randomblob(16))) WHERE id = 'reference'; END;
CREATE TRIGGER reference_changed_codes_of_conduct_update AFTER UPDATE ON codes_of_conduct
BEGIN UPDATE reference_generation SET token = lower(hex(randomblob(16))) WHERE id = 'reference'; END;
CREATE TRIGGER reference_changed_codes_of_conduct_delete AFTER DELETE ON codes_of_conduct
BEGIN UPDATE reference_generation SET token = lower(hex(randomblob(16))) WHERE id = 'reference'; END;
CREATE TRIGGER reference_changed_code_versions_insert AFTER INSERT ON code_versions
BEGIN UPDATE reference_generation SET token = lower(hex(randomblob(16))) WHERE id = 'reference'; END;
CREATE TRIGGER reference_changed_code_versions_update AFTER UPDATE ON code_versions
BEGIN UPDATE reference_generation SET token = lower(hex(randomblob(16))) WHERE id = 'reference'; END;
CREATE TRIGGER reference_changed_code_versions_delete AFTER DELETE ON code_versions
BEGIN UPDATE reference_generation SET token = lower(hex(randomblob(16))) WHERE id = 'reference'; END;
CREATE TRIGGER reference_changed_code_provisions_insert AFTER INSERT ON code_provisions
BEGIN UPDATE reference_generation SET token = lower(hex(randomblob(16))) WHERE id = 'reference'; END;
CREATE TRIGGER reference_changed_code_provisions_update AFTER UPDATE ON code_provisions
BEGIN UPDATE reference_generation SET token = lower(hex(randomblob(16))) WHERE id = 'reference'; END;
CREATE TRIGGER reference_changed_code_provisions_delete AFTER DELETE ON code_provisions
BEGIN UPDATE reference_generation SET token = lower(hex(randomblob(16))) WHERE id = 'reference'; END;
CREATE TRIGGER reference_changed_authority_codes_insert AFTER INSERT ON authority_codes
BEGIN UPDATE reference_generation SET token = lower(hex(randomblob(16))) WHERE id = 'reference'; END;
CREATE TRIGGER reference_changed_authority_codes_update AFTER UPDATE ON authority_codes
BEGIN UPDATE reference_generation SET token = lower(hex(randomblob(16))) WHERE id = 'reference'; END;
CREATE TRIGGER reference_changed_authority_codes_delete AFTER DELETE ON authority_codes
BEGIN UPDATE reference_generation SET token = lower(hex(randomblob(16))) WHERE id = 'reference'; END;
