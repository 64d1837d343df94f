DROP INDEX party_files_sha_idx;
DELETE FROM party_files WHERE sha256 NOT IN (SELECT sha256 FROM stored_files);
ALTER TABLE party_files ADD CONSTRAINT party_files_sha256_fkey FOREIGN KEY (sha256) REFERENCES stored_files (sha256);
