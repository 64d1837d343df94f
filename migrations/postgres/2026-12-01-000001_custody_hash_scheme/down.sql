ALTER TABLE custody_log DROP COLUMN hash_scheme;
