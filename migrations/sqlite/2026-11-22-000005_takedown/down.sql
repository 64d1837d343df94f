DROP TABLE informal_actions;
DROP TABLE takedown_rechecks;
DROP TABLE takedown_events;
DROP TABLE takedown_items;
DROP TABLE takedown_requests;
