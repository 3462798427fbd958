-- GET /jobs?priority= pages a priority's jobs newest first without reading the others.
create index jobs_priority_created_idx on jobs (priority, created_at desc, id desc);
