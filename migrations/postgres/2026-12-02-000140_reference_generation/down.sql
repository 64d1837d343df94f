DROP TRIGGER reference_changed ON authorities;
DROP TRIGGER reference_changed ON members;
DROP TRIGGER reference_changed ON memberships;
DROP TRIGGER reference_changed ON codes_of_conduct;
DROP TRIGGER reference_changed ON code_versions;
DROP TRIGGER reference_changed ON code_provisions;
DROP TRIGGER reference_changed ON authority_codes;
DROP FUNCTION reference_changed();
DROP TABLE reference_generation;
