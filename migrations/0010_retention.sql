-- The retention sweep deletes, oldest first in bounded batches, finished webhook deliveries (their attempts go with
-- them, on delete cascade, found by delivery) and the mock provider's leads. idempotency_keys (created_at) and
-- archived_jobs (archived_at) have their indexes already.
create index webhook_deliveries_finished_idx on webhook_deliveries (created_at) where status <> 'pending';
create index webhook_attempts_delivery_idx on webhook_attempts (delivery_id);
create index mock_leads_received_idx on mock_leads (received_at);

-- A routing the provider keeps answering 429 is given up RATE_LIMITED_GIVE_UP_HOURS after the first of those answers.
alter table job_routings add column rate_limited_since timestamptz;

-- GET /webhooks pages newest first.
create index webhooks_created_idx on webhooks (created_at desc, id desc);
