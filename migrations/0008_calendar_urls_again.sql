-- Feed URLs that can be shown again (SPEC §4: GET /me/calendar answers
-- {feed_url, webcal_url}): an engineer who subscribes a second device, or
-- lost the URL, gets the same URL instead of having to rotate it and break
-- the subscriptions they have.
--
-- A token is still never stored, nor anything it can be made from: it is an
-- HMAC-SHA-256, under the SHA-256 of FIELDD_SECRET (which stays outside the
-- database), of the owner, the scope and a random nonce kept here; fieldd
-- derives it again to show it, and looks a request's token up by its SHA-256
-- as before. Without FIELDD_SECRET a token is random, no nonce is kept, and
-- its URL is shown once, when issued. A token issued before this migration,
-- without the secret or under another secret keeps working but cannot be
-- shown again: its URL reads null until the owner rotates.
ALTER TABLE calendar_tokens ADD COLUMN nonce text
    CHECK (nonce IS NULL OR length(nonce) BETWEEN 16 AND 64);
