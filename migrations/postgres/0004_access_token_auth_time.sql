-- The time of the passkey ceremony behind an access token's grant, so that
-- Latchkey's own API can ask for a recent one (step-up, RFC 9470).
-- Tokens issued before this migration have none (NULL): they count as not
-- recent.
ALTER TABLE access_tokens ADD COLUMN auth_time timestamptz;
