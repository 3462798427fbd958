-- Deliveries per minute (the dashboard's throughput) read the routings synced in a recent window.
create index job_routings_synced_idx on job_routings (synced_at) where synced_at is not null;
