-- GET /jobs?q=: a job's search lexemes, stored, and one GIN index over them. The words of the summary, the homeowner's name
-- and email (lower-cased, split at anything that is not an ASCII letter or digit; other characters count as letters);
-- prefixed with '#', every suffix of at least 4 digits of the phone's digits; prefixed with '@', the whole email,
-- lower-cased. A tsquery prefix match ('word':*) then finds a word by its start, phone digits anywhere in the number and
-- an email by its start, with no extension (the embedded PGlite runs this too). src/domain/jobSearch.ts applies the
-- same rules in memory.
create function job_search_lexemes(summary text, homeowner jsonb) returns tsvector
language sql immutable parallel safe as $$
  select array_to_tsvector(array(
    select word
    from regexp_split_to_table(
      lower(concat_ws(' ', summary, homeowner ->> 'name', homeowner ->> 'email')), '[^0-9a-z\u0080-\uffff]+') as word
    -- A lexeme holds at most 2047 bytes: a longer word (a summary may be one of 2,000 characters) is left out.
    where word <> '' and length(word) <= 500
    union
    select '#' || substr(digits, start)
    from (select regexp_replace(coalesce(homeowner ->> 'phone', ''), '[^0-9]', '', 'g') as digits) as phone,
      generate_series(1, length(digits) - 3) as start
    union
    select '@' || lower(homeowner ->> 'email') where homeowner ? 'email'
  ))
$$;
-- Stored, not only indexed: a page of a common word is read newest first, testing each job, which costs a lookup in
-- the stored lexemes rather than computing them again (bench/RESULTS.md). Adding it rewrites the table once.
alter table jobs add column search_lexemes tsvector not null
  generated always as (job_search_lexemes(summary, homeowner)) stored;
create index jobs_search_idx on jobs using gin (search_lexemes);
-- Statistics on 10 times the default number of lexemes, so that the planner tells a word on 1 job in 10,000 from one on
-- 1 in 200 (below the most common ones it guesses alike) and reads a rare word's jobs from the index.
alter table jobs alter column search_lexemes set statistics 1000;

-- GET /jobs?external_id=: the provider's id of any of the job's routings.
create index job_routings_external_idx on job_routings (external_id) where external_id is not null;
-- GET /jobs?routing_status=: the jobs with a routing in a status. `synced`, where most routings end, is left out (the
-- newest jobs nearly all have one, so reading them newest first finds a page at once), which also keeps a routing's
-- move to `synced` from writing this index.
create index job_routings_status_idx on job_routings (sync_status, job_id) where sync_status <> 'synced';

-- GET /jobs?company_id= (and every list with a company key) looks for the jobs the company received a routing for: the
-- routings' job ids are read from the index alone, with no heap reads. The same index as before, with the job id.
create index job_routings_company_job_idx on job_routings (company_id_received, created_at desc) include (job_id);
drop index job_routings_company_idx;
