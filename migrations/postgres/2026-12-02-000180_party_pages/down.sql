DROP TABLE party_drafts;
DROP TABLE party_visits;
DROP TABLE party_files;
DROP TABLE party_items;
DROP TABLE party_sessions;
DROP TABLE party_links;
