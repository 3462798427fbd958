-- Retrying a company's failed routings (POST /admin/routings/retry) pages through them by id.
create index job_routings_failed_idx on job_routings (company_id_received, id) where sync_status = 'failed';
