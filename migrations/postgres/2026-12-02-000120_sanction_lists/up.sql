-- Sanctions from versioned reference data per nation (seeds/sanctions/), each with its
-- proportionality reason; censure has no follow-up date; a removal from committees or cabinet is
-- a recommendation to the Leader or the member's group.
ALTER TABLE sanctions ALTER COLUMN follow_up_on DROP NOT NULL;
ALTER TABLE sanctions ADD COLUMN proportionality TEXT NOT NULL DEFAULT '';
ALTER TABLE sanctions ADD COLUMN list_version TEXT NOT NULL DEFAULT 'england-1';
ALTER TABLE sanctions ADD COLUMN recommendation_to TEXT;
