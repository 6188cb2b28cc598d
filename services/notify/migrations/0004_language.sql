-- The language notify writes to a person in: the first of their profile's languages that it
-- speaks (from identity's UserRegistered and ProfileUpdated), NULL for the default language.
-- `people` is a projection: a replay fills it for people registered before this column.
ALTER TABLE people ADD COLUMN language text;
