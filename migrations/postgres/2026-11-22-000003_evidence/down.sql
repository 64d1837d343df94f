DROP TABLE custody_log;
DROP TABLE evidence_allegations;
DROP TABLE evidence_files;
DROP TABLE evidence_versions;
DROP TABLE evidence_items;
