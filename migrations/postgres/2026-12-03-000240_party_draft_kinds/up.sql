-- A kept draft belongs to one of the party's forms (the message, the response, the comments on
-- the draft report, the withdrawal, the evidence description), and is given back in that box.
ALTER TABLE party_drafts ADD COLUMN kind TEXT NOT NULL DEFAULT 'message';
