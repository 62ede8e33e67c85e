-- Latchkey's initial PostgreSQL schema: one table per domain type of
-- storage/types.go. The migration runner (storage/postgres/migrate.go)
-- creates schema_migrations itself and records this file there.
--
-- Conventions:
--   * times are timestamptz (microsecond precision); an optional time is NULL
--     while unset (last_used_at, used_at, rotated_at, retired_at, …);
--   * hashes, keys and opaque blobs are bytea;
--   * string lists are text[] and never NULL (an empty list is '{}');
--   * an optional reference to another row ("" in Go) is NULL, so foreign
--     keys and indexes ignore it.
--
-- Deleting a user or a client cascades to everything that belongs to them.
-- auth_codes deliberately has no foreign key to auth_requests: a used code
-- must outlive its request so that a replay can still be recognised.

CREATE TABLE users (
    id             text        PRIMARY KEY,
    webauthn_id    bytea       NOT NULL,
    email          text        NOT NULL,
    name           text        NOT NULL,
    email_verified boolean     NOT NULL,
    admin          boolean     NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_webauthn_id_key UNIQUE (webauthn_id)
);
-- ListUsers: oldest first.
CREATE INDEX users_created_at_idx ON users (created_at, id);

CREATE TABLE passkeys (
    id                 text        PRIMARY KEY,
    user_id            text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id      bytea       NOT NULL,
    public_key         bytea       NOT NULL,
    attestation_type   text        NOT NULL,
    attestation_format text        NOT NULL,
    aaguid             bytea,
    sign_count         bigint      NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),
    clone_warning      boolean     NOT NULL,
    attachment         text        NOT NULL,
    user_present       boolean     NOT NULL,
    user_verified      boolean     NOT NULL,
    backup_eligible    boolean     NOT NULL,
    backup_state       boolean     NOT NULL,
    transports         text[]      NOT NULL DEFAULT '{}',
    attestation        bytea,
    extensions         bytea,
    name               text        NOT NULL,
    created_at         timestamptz NOT NULL,
    last_used_at       timestamptz,
    CONSTRAINT passkeys_credential_id_key UNIQUE (credential_id)
);
-- PasskeysByUser (oldest first) and the cascade from users.
CREATE INDEX passkeys_user_id_idx ON passkeys (user_id, created_at);

CREATE TABLE clients (
    id                        text        PRIMARY KEY,
    secret_hash               bytea,
    name                      text        NOT NULL,
    redirect_uris             text[]      NOT NULL DEFAULT '{}',
    post_logout_redirect_uris text[]      NOT NULL DEFAULT '{}',
    public                    boolean     NOT NULL,
    created_at                timestamptz NOT NULL
);
-- ListClients: oldest first.
CREATE INDEX clients_created_at_idx ON clients (created_at, id);

CREATE TABLE auth_requests (
    id                    text        PRIMARY KEY,
    client_id             text        NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    redirect_uri          text        NOT NULL,
    scopes                text[]      NOT NULL DEFAULT '{}',
    response_type         text        NOT NULL,
    response_mode         text        NOT NULL,
    state                 text        NOT NULL,
    nonce                 text        NOT NULL,
    code_challenge        text        NOT NULL,
    code_challenge_method text        NOT NULL,
    prompt                text[]      NOT NULL DEFAULT '{}',
    max_age               bigint,
    login_hint            text        NOT NULL,
    hint_subject          text,
    ui_locales            text[]      NOT NULL DEFAULT '{}',
    acr_values            text[]      NOT NULL DEFAULT '{}',
    -- Written by a successful sign-in.
    user_id               text        REFERENCES users (id) ON DELETE CASCADE,
    auth_time             timestamptz,
    amr                   text[]      NOT NULL DEFAULT '{}',
    session_id            text,
    done                  boolean     NOT NULL DEFAULT false,
    -- Written instead when the sign-in ended without one; '' while unset.
    error                 text        NOT NULL DEFAULT '',
    error_description     text        NOT NULL DEFAULT '',
    created_at            timestamptz NOT NULL,
    expires_at            timestamptz NOT NULL
);
CREATE INDEX auth_requests_client_id_idx ON auth_requests (client_id);
CREATE INDEX auth_requests_user_id_idx ON auth_requests (user_id);
CREATE INDEX auth_requests_expires_at_idx ON auth_requests (expires_at);

CREATE TABLE auth_codes (
    hash            bytea       PRIMARY KEY,
    -- No foreign key: see the note at the top of this file.
    auth_request_id text        NOT NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    -- One code per authorization request, however many callers race.
    CONSTRAINT auth_codes_auth_request_id_key UNIQUE (auth_request_id)
);
CREATE INDEX auth_codes_expires_at_idx ON auth_codes (expires_at);

CREATE TABLE ceremonies (
    hash            bytea       PRIMARY KEY,
    kind            text        NOT NULL,
    -- A plain reference: a ceremony outliving its request is harmless and
    -- swept by expiry.
    auth_request_id text,
    user_id         text        REFERENCES users (id) ON DELETE CASCADE,
    data            bytea,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL
);
CREATE INDEX ceremonies_user_id_idx ON ceremonies (user_id);
CREATE INDEX ceremonies_expires_at_idx ON ceremonies (expires_at);

CREATE TABLE enrollments (
    token_hash      bytea       PRIMARY KEY,
    -- NULL only for the setup link, which creates its user when used.
    user_id         text        REFERENCES users (id) ON DELETE CASCADE,
    purpose         text        NOT NULL,
    -- A plain reference, as in ceremonies.
    auth_request_id text,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL
);
-- The cascade from users, and finding the other setup links (user_id IS NULL).
CREATE INDEX enrollments_user_id_idx ON enrollments (user_id);
CREATE INDEX enrollments_expires_at_idx ON enrollments (expires_at);

CREATE TABLE sessions (
    id         text        PRIMARY KEY,
    token_hash bytea       NOT NULL,
    user_id    text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_time  timestamptz NOT NULL,
    amr        text[]      NOT NULL DEFAULT '{}',
    ip         text        NOT NULL,
    user_agent text        NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

CREATE TABLE access_tokens (
    id               text        PRIMARY KEY,
    family_id        text        NOT NULL,
    client_id        text        NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    -- NULL for a token that acts for no person (a client's own grant).
    user_id          text        REFERENCES users (id) ON DELETE CASCADE,
    scopes           text[]      NOT NULL DEFAULT '{}',
    audience         text[]      NOT NULL DEFAULT '{}',
    refresh_token_id text,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL
);
CREATE INDEX access_tokens_family_id_idx ON access_tokens (family_id);
CREATE INDEX access_tokens_client_id_idx ON access_tokens (client_id);
CREATE INDEX access_tokens_user_id_idx ON access_tokens (user_id);
CREATE INDEX access_tokens_expires_at_idx ON access_tokens (expires_at);

CREATE TABLE refresh_tokens (
    id         text        PRIMARY KEY,
    hash       bytea       NOT NULL,
    family_id  text        NOT NULL,
    client_id  text        NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id    text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scopes     text[]      NOT NULL DEFAULT '{}',
    audience   text[]      NOT NULL DEFAULT '{}',
    auth_time  timestamptz,
    amr        text[]      NOT NULL DEFAULT '{}',
    session_id text,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    rotated_at timestamptz,
    CONSTRAINT refresh_tokens_hash_key UNIQUE (hash)
);
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_client_id_idx ON refresh_tokens (client_id);
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at);

CREATE TABLE signing_keys (
    id          text        PRIMARY KEY,
    algorithm   text        NOT NULL,
    private_key bytea       NOT NULL,
    public_key  bytea       NOT NULL,
    created_at  timestamptz NOT NULL,
    retired_at  timestamptz,
    expires_at  timestamptz
);
-- At most one active (unretired) key per algorithm: replicas that start or
-- rotate together cannot both install one.
CREATE UNIQUE INDEX signing_keys_active_algorithm_key ON signing_keys (algorithm) WHERE retired_at IS NULL;
CREATE INDEX signing_keys_expires_at_idx ON signing_keys (expires_at);
