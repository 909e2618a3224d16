-- Feed URLs that can be shown again (SPEC §4: GET /me/calendar answers
-- {feed_url, webcal_url}): an engineer who subscribes a second device, or
-- lost the URL, gets the same URL instead of having to rotate it and break
-- the subscriptions they have.
--
-- A token is still never stored: it is an HMAC-SHA-256, under a server key,
-- of the owner, the scope and a random nonce kept here; fieldd derives it
-- again to show it, and looks a request's token up by its SHA-256 as before.
-- The key is the SHA-256 of FIELDD_SECRET when that is set (then a copy of
-- the database alone reveals no feed URL), else a random key kept in
-- server_keys, made on first use. A token issued before this migration (no
-- nonce), or under another key, keeps working but cannot be shown again:
-- its URL reads null until the owner rotates.
ALTER TABLE calendar_tokens ADD COLUMN nonce text
    CHECK (nonce IS NULL OR length(nonce) BETWEEN 16 AND 64);

CREATE TABLE server_keys (
    name       text PRIMARY KEY,
    key        bytea NOT NULL CHECK (length(key) = 32),
    created_at timestamptz NOT NULL DEFAULT now()
);
