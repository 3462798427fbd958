-- Service areas: the ZIP codes (5 digits) or ZIP prefixes (1 to 4 digits) a company serves; empty: it serves everywhere.
-- Matching reads them from the company index in memory (a change to them stamps the company, migrations/0008). The
-- service checks the entries and their number (at most 500, no duplicates); the database keeps their shape.
alter table companies
  add column service_areas text[] not null default '{}'
    check (cardinality(service_areas) <= 500 and array_to_string(service_areas, ',') ~ '^(\d{1,5}(,\d{1,5})*)?$');
