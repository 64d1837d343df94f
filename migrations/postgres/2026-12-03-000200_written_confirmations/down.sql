DROP TABLE written_confirmations;
