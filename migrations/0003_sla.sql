-- Delivery SLA: how long each routing took from the job's acceptance to the provider's acceptance of the lead, and
-- whether the breach of a routing not delivered within 5 minutes has been logged (it is logged once).
alter table job_routings add column delivery_ms bigint check (delivery_ms >= 0);
alter table job_routings add column sla_breach_logged_at timestamptz;

update job_routings r
set delivery_ms = greatest(0, round(extract(epoch from (r.synced_at - j.created_at)) * 1000))
from jobs j
where j.id = r.job_id and r.sync_status = 'synced' and r.synced_at is not null;

-- The breach watcher looks only at routings not delivered and not logged yet; the SLA window reads jobs by
-- created_at (jobs_created_idx) and their routings by job (job_routings_job_idx).
create index job_routings_sla_watch_idx on job_routings (created_at)
  where sla_breach_logged_at is null and sync_status in ('pending', 'retrying', 'syncing', 'failed');
