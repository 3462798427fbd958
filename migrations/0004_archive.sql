-- The archive: finished jobs (completed, canceled, unmatched) untouched for ARCHIVE_AFTER_DAYS leave the live tables.
-- Each archived job is one row whose document holds the job's row, its routings' rows and their attempts as
-- `to_jsonb` made them ({"job": {...}, "routings": [{...routing columns..., "attempts_log": [{...}, ...]}, ...]}),
-- so columns that later migrations add to jobs, job_routings or routing_attempts are kept without changing this table.
-- The columns beside the document are for operators' queries (who, what, when).
create table archived_jobs (
  id uuid primary key,
  created_by_company_id uuid not null,
  status text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  archived_at timestamptz not null,
  document jsonb not null
);
create index archived_jobs_archived_idx on archived_jobs (archived_at);

-- The archive run looks for finished jobs by the time they last changed, oldest first.
create index jobs_finished_updated_idx on jobs (updated_at, id) where status in ('completed', 'canceled', 'unmatched');
