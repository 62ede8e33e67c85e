-- Per-client settings, remembered consents, and the clients each browser
-- session signed into. Conventions as in 0001_initial.sql.

-- Existing clients keep today's behaviour: RS256 ID tokens (an empty
-- id_token_alg means the default), claims only at userinfo, no consent page,
-- no back-channel logout.
ALTER TABLE clients
    ADD COLUMN id_token_alg             text    NOT NULL DEFAULT '',
    ADD COLUMN id_token_userinfo_claims boolean NOT NULL DEFAULT false,
    ADD COLUMN require_consent          boolean NOT NULL DEFAULT false,
    ADD COLUMN backchannel_logout_uri   text    NOT NULL DEFAULT '';

-- A person's approval of a client for a set of scopes: one row per person
-- and client, replaced (created_at kept) when they approve again.
CREATE TABLE consents (
    user_id    text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  text        NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scopes     text[]      NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
-- The cascade from clients (the primary key serves the one from users).
CREATE INDEX consents_client_id_idx ON consents (client_id);

-- The clients that redeemed a code issued in a browser session, each once,
-- so that ending the session can tell them (back-channel logout). Written
-- by RedeemCode; the rows go with the session (logout, expiry, the user)
-- and with the client.
CREATE TABLE session_clients (
    session_id text        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    client_id  text        NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    -- When the first code of this session was redeemed by the client.
    created_at timestamptz NOT NULL,
    PRIMARY KEY (session_id, client_id)
);
CREATE INDEX session_clients_client_id_idx ON session_clients (client_id);
