-- Passkeys for life: each person's security activity, their recovery codes,
-- and the codes that prove an email address at sign-up. Conventions as in
-- 0001_initial.sql, and one more: the ids of these tables are COLLATE "C",
-- so that ordering by id (ties in SecurityEvents and RecoveryCodes) compares
-- bytes, as SQLite does, whatever the database's locale.

-- What happened to a person's account, for their account page. Events
-- belong to the person (they go with the user) and outlive the passkey they
-- name: passkey_id is a plain reference, NULL when the event names none.
CREATE TABLE security_events (
    id         text        COLLATE "C" PRIMARY KEY,
    user_id    text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       text        NOT NULL,
    passkey_id text,
    ip         text        NOT NULL,
    user_agent text        NOT NULL,
    detail     text        NOT NULL,
    created_at timestamptz NOT NULL
);
-- SecurityEvents (newest first, id breaks ties) and the cascade from users.
CREATE INDEX security_events_user_id_idx ON security_events (user_id, created_at, id);

-- Single-use recovery codes, only a slow hash of each; used_at is NULL
-- until the code is used. They go with the user, and ResetPasskeys and
-- ReplaceRecoveryCodes remove them.
CREATE TABLE recovery_codes (
    id         text        COLLATE "C" PRIMARY KEY,
    user_id    text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash       bytea       NOT NULL,
    created_at timestamptz NOT NULL,
    used_at    timestamptz
);
-- RecoveryCodes (oldest first, id breaks ties), DeletePasskey's check for
-- an unused code, and the cascade.
CREATE INDEX recovery_codes_user_id_idx ON recovery_codes (user_id, created_at, id);

-- The one pending sign-up code of an email address, replaced when a new
-- one is sent. attempts counts wrong guesses; the guess that reaches the
-- caller's limit deletes the row. auth_request_id is a plain reference, as
-- in ceremonies: a code outliving its request is harmless and swept by
-- expiry.
CREATE TABLE email_codes (
    email           text        PRIMARY KEY,
    hash            bytea       NOT NULL,
    auth_request_id text,
    attempts        integer     NOT NULL CHECK (attempts >= 0),
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL
);
CREATE INDEX email_codes_expires_at_idx ON email_codes (expires_at);
