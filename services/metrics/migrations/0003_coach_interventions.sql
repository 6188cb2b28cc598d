-- What community managers decide and log in metrics itself (not read-model rows: a replay of
-- the projection leaves them as they are). Done or dismissed coach suggestions, with the value
-- of the figure each was about when it was decided; interventions with their date and target
-- departments, for the difference in differences.
CREATE TABLE coach_decisions (
    suggestion_id  text PRIMARY KEY,
    week           date NOT NULL,
    kind           text NOT NULL,
    subject        text NOT NULL,
    metric         text NOT NULL,
    value_then     double precision,
    status         text NOT NULL CHECK (status IN ('done', 'dismissed')),
    decided_by     text NOT NULL,
    decided_at     timestamptz NOT NULL
);

CREATE TABLE interventions (
    intervention_id  uuid PRIMARY KEY,
    title            text NOT NULL,
    kind             text NOT NULL,
    on_date          date NOT NULL,
    departments      text[] NOT NULL,
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL
);
CREATE INDEX interventions_on ON interventions (on_date);
