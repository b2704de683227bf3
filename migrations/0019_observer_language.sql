-- The language an observer's SMS and Telegram messages are answered in until they
-- have an account (observers CSV, column language; formats.md). The default is the
-- spec's: Russian.
ALTER TABLE observers ADD COLUMN language TEXT NOT NULL DEFAULT 'ru' CHECK (language IN ('en', 'ru', 'kk'));
