ALTER TABLE party_drafts DROP COLUMN kind;
