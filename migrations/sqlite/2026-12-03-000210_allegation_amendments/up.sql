-- The Monitoring Officer amends a case's allegations: rewords one (the complainant's own words stay
-- on their complaint), withdraws one with a reason, attaches one to the right member, or adds one.
-- `wording` is the officer's wording (none: the complaint's words stand); `added_by_user_id` is set
-- for an allegation the officer added (none: it came with the complaint). Each change is audited.
ALTER TABLE allegations ADD COLUMN wording TEXT;
ALTER TABLE allegations ADD COLUMN added_by_user_id TEXT;
ALTER TABLE allegations ADD COLUMN withdrawn_reason TEXT;
ALTER TABLE allegations ADD COLUMN withdrawn_at TIMESTAMP;
