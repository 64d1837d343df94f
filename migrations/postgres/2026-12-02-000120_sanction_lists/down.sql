ALTER TABLE sanctions DROP COLUMN recommendation_to;
ALTER TABLE sanctions DROP COLUMN list_version;
ALTER TABLE sanctions DROP COLUMN proportionality;
UPDATE sanctions SET follow_up_on = CAST(created_at AS DATE) WHERE follow_up_on IS NULL;
ALTER TABLE sanctions ALTER COLUMN follow_up_on SET NOT NULL;
