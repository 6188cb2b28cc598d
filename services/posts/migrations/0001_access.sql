-- Posts' own copy of what identity decides: people, groups, memberships, roles.
-- (Delegations to shared accounts: the platform's `delegations` table, posts-delegations.)
-- Built from identity's events (projection `posts_access`); posts never asks identity.
CREATE TABLE people (
    user_id       uuid PRIMARY KEY,
    display_name  text NOT NULL,
    erased        boolean NOT NULL DEFAULT false
);

CREATE TABLE groups (
    group_id        uuid PRIMARY KEY,
    name            text NOT NULL,
    visibility      text NOT NULL,
    is_all_company  boolean NOT NULL DEFAULT false,
    archived        boolean NOT NULL DEFAULT false
);

CREATE TABLE members (
    group_id  uuid NOT NULL,
    user_id   uuid NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX members_by_user ON members (user_id);

CREATE TABLE group_admins (
    group_id  uuid NOT NULL,
    user_id   uuid NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_admins_by_user ON group_admins (user_id);

-- Network-wide roles: network_admin, community_manager.
CREATE TABLE roles (
    user_id  uuid NOT NULL,
    role     text NOT NULL,
    PRIMARY KEY (user_id, role)
);
