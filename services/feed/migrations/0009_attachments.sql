-- Files attached to an opening post (ids from the files service, in the order shown): the
-- entry names them, the web client asks the files service what each is (and whether this
-- reader may read it).
ALTER TABLE posts ADD COLUMN attachments uuid[] NOT NULL DEFAULT '{}';
