-- Per-company status polling on a cron expression (five fields, in the company's IANA time zone), beside the interval
-- of 0006. The service checks both fully (cron syntax, known zone); the database keeps their shape.
alter table companies
  add column poll_schedule text check (poll_schedule is null or (length(poll_schedule) <= 200 and poll_schedule ~ '^\S+(\s+\S+){4}$')),
  add column time_zone text check (time_zone is null or length(time_zone) between 1 and 64);
