-- Who may act as which shared account, as this service last heard from identity
-- (DelegateGranted / DelegateRevoked). Every service that accepts "acting as" tokens checks
-- it on each request, so a revoked delegate is refused without waiting for the token to expire.
CREATE TABLE delegations (
    account_id  uuid NOT NULL,
    user_id     uuid NOT NULL,
    granted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, user_id)
);
