-- Latchkey's SQLite schema, version 1.
--
-- Conventions (storage/sqlite relies on them):
--   * STRICT tables, so a wrong type is an error instead of a silent coercion.
--   * Times are INTEGER microseconds since the Unix epoch, UTC: they sort and
--     compare as numbers, and the store passes "now" from its injected clock.
--     A nullable time column is NULL for Go's zero time.
--   * Hashes, keys and opaque JSON documents are BLOB; lists of strings are
--     JSON arrays in TEXT (NULL for an empty list).
--   * Optional references are NULL rather than '', so foreign keys can hold.
--   * Foreign keys cascade the deletes that DeleteUser and DeleteClient
--     promise; the connection enables them (PRAGMA foreign_keys=1).

CREATE TABLE users (
    id             TEXT    NOT NULL PRIMARY KEY,
    webauthn_id    BLOB    NOT NULL UNIQUE,
    email          TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL,
    email_verified INTEGER NOT NULL CHECK (email_verified IN (0, 1)),
    admin          INTEGER NOT NULL CHECK (admin IN (0, 1)),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;

CREATE INDEX users_created_at ON users (created_at);

CREATE TABLE passkeys (
    id                 TEXT    NOT NULL PRIMARY KEY,
    user_id            TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id      BLOB    NOT NULL UNIQUE,
    public_key         BLOB    NOT NULL,
    attestation_type   TEXT    NOT NULL,
    attestation_format TEXT    NOT NULL,
    aaguid             BLOB,
    sign_count         INTEGER NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),
    clone_warning      INTEGER NOT NULL CHECK (clone_warning IN (0, 1)),
    attachment         TEXT    NOT NULL,
    user_present       INTEGER NOT NULL CHECK (user_present IN (0, 1)),
    user_verified      INTEGER NOT NULL CHECK (user_verified IN (0, 1)),
    backup_eligible    INTEGER NOT NULL CHECK (backup_eligible IN (0, 1)),
    backup_state       INTEGER NOT NULL CHECK (backup_state IN (0, 1)),
    transports         TEXT,
    attestation        BLOB,
    extensions         BLOB,
    name               TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    last_used_at       INTEGER
) STRICT;

-- PasskeysByUser, and the cascade from users.
CREATE INDEX passkeys_user_id ON passkeys (user_id, created_at);

-- A WebAuthn ceremony between begin and finish. The auth request it belongs
-- to is not a foreign key: a ceremony lives five minutes, finish re-reads
-- the request anyway, and DeleteExpired sweeps both.
CREATE TABLE ceremonies (
    hash            BLOB    NOT NULL PRIMARY KEY,
    kind            TEXT    NOT NULL,
    auth_request_id TEXT,
    user_id         TEXT    REFERENCES users (id) ON DELETE CASCADE,
    data            BLOB,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX ceremonies_user_id ON ceremonies (user_id);
CREATE INDEX ceremonies_expires_at ON ceremonies (expires_at);

-- One-time enrollment links. user_id is NULL only for the setup link.
CREATE TABLE enrollments (
    token_hash      BLOB    NOT NULL PRIMARY KEY,
    user_id         TEXT    REFERENCES users (id) ON DELETE CASCADE,
    purpose         TEXT    NOT NULL,
    auth_request_id TEXT,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
) STRICT;

-- The cascade from users, and FinishEnrollment's "every other setup link"
-- (user_id IS NULL).
CREATE INDEX enrollments_user_id ON enrollments (user_id);
CREATE INDEX enrollments_expires_at ON enrollments (expires_at);

CREATE TABLE clients (
    id                        TEXT    NOT NULL PRIMARY KEY,
    secret_hash               BLOB,
    name                      TEXT    NOT NULL,
    redirect_uris             TEXT,
    post_logout_redirect_uris TEXT,
    public                    INTEGER NOT NULL CHECK (public IN (0, 1)),
    created_at                INTEGER NOT NULL
) STRICT;

CREATE INDEX clients_created_at ON clients (created_at);

-- An authorization request from /authorize until its code is redeemed.
-- user_id is set by a successful sign-in; DeleteUser removes the requests
-- that person completed, DeleteClient every request of the client.
-- A request is failed when error <> ''.
CREATE TABLE auth_requests (
    id                    TEXT    NOT NULL PRIMARY KEY,
    client_id             TEXT    NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    redirect_uri          TEXT    NOT NULL,
    scopes                TEXT,
    response_type         TEXT    NOT NULL,
    response_mode         TEXT    NOT NULL,
    state                 TEXT    NOT NULL,
    nonce                 TEXT    NOT NULL,
    code_challenge        TEXT    NOT NULL,
    code_challenge_method TEXT    NOT NULL,
    prompt                TEXT,
    max_age               INTEGER,
    login_hint            TEXT    NOT NULL,
    hint_subject          TEXT,
    ui_locales            TEXT,
    acr_values            TEXT,
    user_id               TEXT    REFERENCES users (id) ON DELETE CASCADE,
    auth_time             INTEGER,
    amr                   TEXT,
    session_id            TEXT,
    done                  INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
    error                 TEXT    NOT NULL DEFAULT '',
    error_description     TEXT    NOT NULL DEFAULT '',
    created_at            INTEGER NOT NULL,
    expires_at            INTEGER NOT NULL
) STRICT;

CREATE INDEX auth_requests_client_id ON auth_requests (client_id);
CREATE INDEX auth_requests_user_id ON auth_requests (user_id);
CREATE INDEX auth_requests_expires_at ON auth_requests (expires_at);

-- The one code of an authorization request. Deliberately no foreign key to
-- auth_requests: the OP deletes the request once tokens are issued, and the
-- used code must outlive it so that a replay is recognised and the grant's
-- tokens (family_id = auth_request_id) revoked. DeleteExpired removes codes
-- an hour past their expiry.
CREATE TABLE auth_codes (
    hash            BLOB    NOT NULL PRIMARY KEY,
    auth_request_id TEXT    NOT NULL UNIQUE,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER
) STRICT;

CREATE INDEX auth_codes_expires_at ON auth_codes (expires_at);

CREATE TABLE access_tokens (
    id               TEXT    NOT NULL PRIMARY KEY,
    family_id        TEXT    NOT NULL,
    client_id        TEXT    NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id          TEXT    REFERENCES users (id) ON DELETE CASCADE,
    scopes           TEXT,
    audience         TEXT,
    refresh_token_id TEXT,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL
) STRICT;

CREATE INDEX access_tokens_family_id ON access_tokens (family_id);
CREATE INDEX access_tokens_client_id ON access_tokens (client_id);
CREATE INDEX access_tokens_user_id ON access_tokens (user_id);
CREATE INDEX access_tokens_expires_at ON access_tokens (expires_at);

-- Rotated refresh tokens stay (rotated_at set) until their own expiry, so a
-- replay can be recognised.
CREATE TABLE refresh_tokens (
    id         TEXT    NOT NULL PRIMARY KEY,
    hash       BLOB    NOT NULL UNIQUE,
    family_id  TEXT    NOT NULL,
    client_id  TEXT    NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id    TEXT    REFERENCES users (id) ON DELETE CASCADE,
    scopes     TEXT,
    audience   TEXT,
    auth_time  INTEGER,
    amr        TEXT,
    session_id TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    rotated_at INTEGER
) STRICT;

CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_client_id ON refresh_tokens (client_id);
CREATE INDEX refresh_tokens_user_id ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);

CREATE TABLE sessions (
    id         TEXT    NOT NULL PRIMARY KEY,
    token_hash BLOB    NOT NULL UNIQUE,
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_time  INTEGER,
    amr        TEXT,
    ip         TEXT    NOT NULL,
    user_agent TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Token signing keys, private halves encrypted by the keys package.
-- expires_at is NULL while a key signs; a retired key stays published
-- until then (or without end when it has none).
CREATE TABLE signing_keys (
    id          TEXT    NOT NULL PRIMARY KEY,
    algorithm   TEXT    NOT NULL,
    private_key BLOB    NOT NULL,
    public_key  BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER,
    expires_at  INTEGER
) STRICT;

-- At most one active key per algorithm, so replicas starting or rotating
-- together agree on one.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (algorithm) WHERE retired_at IS NULL;
CREATE INDEX signing_keys_expires_at ON signing_keys (expires_at);
