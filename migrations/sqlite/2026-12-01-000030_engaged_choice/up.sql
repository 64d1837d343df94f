-- Use of the register (issues 14 and 15): evidence linked to the registered account it was
-- captured from, and the officer's reason when the member sat on more than one council on the
-- date and the officer chose whose role was used.

ALTER TABLE evidence_items ADD COLUMN member_account_id TEXT REFERENCES member_accounts (id);
ALTER TABLE capacity_assessments ADD COLUMN role_used_reason TEXT;
