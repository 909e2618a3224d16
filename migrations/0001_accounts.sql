-- Accounts, teams, sessions, login throttling and idempotency keys.

CREATE TABLE teams (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    lead_id     bigint,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login          text NOT NULL UNIQUE CHECK (login ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    role           text NOT NULL CHECK (role IN ('admin', 'dispatcher', 'lead', 'engineer')),
    password_hash  text NOT NULL,
    phone          text CHECK (length(phone) <= 32),
    email          text CHECK (length(email) <= 254),
    team_id        bigint REFERENCES teams (id),
    skills         text[] NOT NULL DEFAULT '{}',
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_team_idx ON users (team_id);

ALTER TABLE teams ADD CONSTRAINT teams_lead_fk FOREIGN KEY (lead_id) REFERENCES users (id);

-- Only the SHA-256 of a session token is stored.
CREATE TABLE sessions (
    token_hash  text PRIMARY KEY CHECK (length(token_hash) = 64),
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expiry_idx ON sessions (expires_at);

CREATE TABLE login_failures (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login  text NOT NULL,
    addr   text NOT NULL,
    at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_login_idx ON login_failures (login, at);
CREATE INDEX login_failures_addr_idx ON login_failures (addr, at);

-- A write's Idempotency-Key with the request's hash and the response it got;
-- written in the same transaction as the write. user_id 0 = no login.
CREATE TABLE idempotency_keys (
    user_id       bigint NOT NULL,
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    method        text NOT NULL,
    route         text NOT NULL,
    request_hash  text NOT NULL,
    status        integer NOT NULL,
    content_type  text,
    body          text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
