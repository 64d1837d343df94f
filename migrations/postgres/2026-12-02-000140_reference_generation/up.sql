-- One row whose token changes, in the same transaction, whenever a table the public form's
-- choices are built from changes (councils, the register, codes of conduct and their adoption).
-- The in-memory reference cache (src/services/cache.rs) keeps what it built under the token it
-- read first, so any writer (the admin pages, the CLI, another instance) invalidates it at once.
CREATE TABLE reference_generation (
    id TEXT PRIMARY KEY NOT NULL,
    token TEXT NOT NULL
);
INSERT INTO reference_generation (id, token) VALUES ('reference', md5(random()::text || clock_timestamp()::text));
CREATE FUNCTION reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE reference_generation SET token = md5(random()::text || clock_timestamp()::text) WHERE id = 'reference';
    RETURN NULL;
END
$$;
CREATE TRIGGER reference_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON authorities FOR EACH STATEMENT EXECUTE FUNCTION reference_changed();
CREATE TRIGGER reference_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON members FOR EACH STATEMENT EXECUTE FUNCTION reference_changed();
CREATE TRIGGER reference_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON memberships FOR EACH STATEMENT EXECUTE FUNCTION reference_changed();
CREATE TRIGGER reference_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON codes_of_conduct FOR EACH STATEMENT EXECUTE FUNCTION reference_changed();
CREATE TRIGGER reference_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON code_versions FOR EACH STATEMENT EXECUTE FUNCTION reference_changed();
CREATE TRIGGER reference_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON code_provisions FOR EACH STATEMENT EXECUTE FUNCTION reference_changed();
CREATE TRIGGER reference_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON authority_codes FOR EACH STATEMENT EXECUTE FUNCTION reference_changed();
