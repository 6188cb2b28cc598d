-- Archives of a person's data being collected from every service (or ready to download).
-- The archive itself is a zip file on the web process's disk; this row says how far the
-- collection got, for the progress shown to the person (or admin) who asked.
CREATE TABLE export_jobs (
    id            uuid PRIMARY KEY,
    requested_by  uuid NOT NULL,
    person_id     uuid NOT NULL,
    parts_done    text[] NOT NULL DEFAULT '{}',
    state         text NOT NULL DEFAULT 'collecting'
                  CHECK (state IN ('collecting', 'ready', 'failed')),
    problem       text,
    archive_path  text,
    created_at    timestamptz NOT NULL,
    finished_at   timestamptz
);
CREATE INDEX export_jobs_by_requester ON export_jobs (requested_by, created_at DESC);
CREATE INDEX export_jobs_by_person ON export_jobs (person_id);
