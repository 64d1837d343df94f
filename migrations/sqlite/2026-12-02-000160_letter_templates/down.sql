ALTER TABLE outbox DROP COLUMN context_json;
ALTER TABLE outbox DROP COLUMN letter_template_id;
DROP TABLE letter_templates;
