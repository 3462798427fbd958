-- Alerts an operator should see until they are resolved: one open alert per (kind, company, routing) at a time (the
-- partial unique index), kept after it is resolved. routing_id and job_id have no foreign key: the archive moves jobs.
create table alerts (
  id uuid primary key,
  kind text not null
    check (kind in ('circuit.opened', 'provider.credentials_invalid', 'dead_letter.added', 'sla.breached')),
  company_id uuid not null references companies (id) on delete cascade,
  routing_id uuid,
  -- The routing in the open-alert key; the nil UUID for a company's alert (one about no routing).
  routing_key uuid not null generated always as (coalesce(routing_id, '00000000-0000-0000-0000-000000000000'::uuid)) stored,
  job_id uuid,
  message text not null,
  opened_at timestamptz not null,
  resolved_at timestamptz
);
create unique index alerts_open_key_idx on alerts (kind, company_id, routing_key) where resolved_at is null;
create index alerts_open_idx on alerts (opened_at desc) where resolved_at is null;

-- The circuit state last announced for a company (circuit.opened / circuit.closed) and when: at most one announcement a
-- minute per company, whichever replica holds its actor; a change not announced in time is announced late.
create table circuit_announcements (
  company_id uuid primary key references companies (id) on delete cascade,
  state text not null check (state in ('open', 'closed')),
  announced_at timestamptz not null
);
