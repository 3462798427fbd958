-- Status polling: when each delivered routing was last asked about, and how often each company is polled.
alter table job_routings add column last_polled_at timestamptz;
alter table companies add column poll_interval_seconds integer check (poll_interval_seconds between 10 and 86400);
create index job_routings_to_poll_idx on job_routings (company_id_received, last_polled_at nulls first)
  where sync_status = 'synced' and external_id is not null
    and (external_status is null or external_status not in ('completed', 'canceled'));
