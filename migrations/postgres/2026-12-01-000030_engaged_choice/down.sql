ALTER TABLE capacity_assessments DROP COLUMN role_used_reason;
ALTER TABLE evidence_items DROP COLUMN member_account_id;
