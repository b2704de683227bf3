-- API tokens get a name and an expiry (tokens made before this get 90 days from now,
-- so that scripts in use keep working for a while and then must be renewed).
ALTER TABLE api_tokens ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
UPDATE api_tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+90 days')
WHERE expires_at IS NULL;

-- When a token was last used is kept apart from api_tokens: a use changes nothing
-- about the token, and noting it must not look like a change to it.
CREATE TABLE api_token_use (
    token_id     INTEGER PRIMARY KEY REFERENCES api_tokens(id),
    last_used_at TEXT NOT NULL
);

-- The last TOTP time step accepted for each account: that step and earlier ones are
-- refused, so a code seen over someone's shoulder cannot be used again.
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;

-- The upload quota adds up each uploader's files.
CREATE INDEX evidence_uploader ON evidence(uploaded_by);
