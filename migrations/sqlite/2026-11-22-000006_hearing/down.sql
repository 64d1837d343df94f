DROP TABLE sanctions;
DROP TABLE findings;
DROP TABLE hearing_panel;
DROP TABLE hearings;
DROP TABLE investigation_entries;
DROP TABLE investigations;
DROP TABLE user_members;
