-- Login throttling without lock-out (docs/rules.md, "Logins").
--
-- A browser that logs in successfully gets a device cookie (OWASP "device
-- cookie"): a random 256-bit token, kept here only as its SHA-256, bound to
-- one account. An attempt that carries a live device cookie of the account it
-- names is not slowed down by failures strangers caused; it is bounded by its
-- own count of wrong passwords instead, past which the cookie is deleted.
CREATE TABLE device_cookies (
    token_hash   text PRIMARY KEY CHECK (length(token_hash) = 64),
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    failures     int NOT NULL DEFAULT 0 CHECK (failures >= 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX device_cookies_user_idx ON device_cookies (user_id, last_used_at);

-- failures are now counted per login and address together
CREATE INDEX login_failures_login_addr_idx ON login_failures (login, addr, at);
