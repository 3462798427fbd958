-- Delivery: per-company pause and concurrency, delivery leases on routings, the mock provider's record of leads,
-- and a NOTIFY that wakes the outbox relay.
alter table companies add column delivery_paused boolean not null default false;
alter table companies add column delivery_concurrency smallint not null default 1
  check (delivery_concurrency between 1 and 64);

-- A routing being delivered holds a lease; one found `syncing` with its lease run out was cut off mid-call.
-- needs_lookup: the outcome of the last call is unknown, so ask the provider before creating the lead again.
alter table job_routings add column lease_until timestamptz;
alter table job_routings add column needs_lookup boolean not null default false;
-- Reconciliation looks for routings that have waited too long.
create index job_routings_waiting_idx on job_routings (updated_at)
  where sync_status in ('pending', 'retrying', 'syncing');

-- Every lead the mock provider accepted; external_id is the reference the service sent (the routing id).
create table mock_leads (
  id bigint generated always as identity primary key,
  lead_id text not null unique,
  company_id uuid not null,
  external_id text not null,
  payload jsonb not null,
  received_at timestamptz not null
);
create index mock_leads_company_idx on mock_leads (company_id, received_at desc);
create index mock_leads_external_idx on mock_leads (company_id, external_id);

create function notify_outbox_events() returns trigger language plpgsql as $$
begin
  perform pg_notify('outbox_events', '');
  return null;
end
$$;
create trigger outbox_events_notify after insert on outbox_events
  for each statement execute function notify_outbox_events();
