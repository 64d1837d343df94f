DROP TABLE signed_out_forms;
