DROP TABLE anonymous_uploads;
