-- Companies, their skills, provider associations and technicians.
create table companies (
  id uuid primary key,
  name text not null,
  status text not null check (status in ('active', 'inactive', 'suspended')),
  rate_limit_per_minute integer not null default 50 check (rate_limit_per_minute > 0),
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index companies_created_idx on companies (created_at desc, id desc);
create index companies_status_created_idx on companies (status, created_at desc, id desc);

create table company_skills (
  company_id uuid not null references companies (id) on delete cascade,
  skill text not null,
  level text not null check (level in ('basic', 'intermediate', 'expert')),
  level_rank smallint not null generated always as
    (case level when 'basic' then 1 when 'intermediate' then 2 else 3 end) stored,
  is_primary boolean not null default false,
  position smallint not null default 0,
  -- The company may be matched: status active and an active provider. Kept by the repository with every change to
  -- the company, its skills or its provider, so that matching reads this table alone.
  eligible boolean not null default false,
  primary key (company_id, skill)
);
create index company_skills_skill_idx on company_skills (skill, company_id);
-- Matching ranks the eligible companies by skill and level from this index alone.
create index company_skills_match_idx on company_skills (skill, level_rank, company_id) include (is_primary) where eligible;

-- One association per company. Credentials are AES-256-GCM ciphertext (base64) under the key named by credentials_key_id.
create table company_providers (
  company_id uuid primary key references companies (id) on delete cascade,
  type text not null check (type in ('servicetitan', 'housecallpro', 'jobber', 'mock')),
  config jsonb not null default '{}'::jsonb,
  credentials_key_id text,
  credentials_sealed text,
  active boolean not null default true,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check ((credentials_key_id is null) = (credentials_sealed is null))
);
create index company_providers_active_idx on company_providers (company_id) where active;

create table technicians (
  id uuid primary key,
  company_id uuid not null references companies (id) on delete cascade,
  name text not null,
  created_at timestamptz not null
);
create index technicians_company_idx on technicians (company_id);

-- API keys are stored as the SHA-256 of the key; prefix is the first characters, for people to tell keys apart.
create table api_keys (
  id uuid primary key,
  role text not null check (role in ('admin', 'company')),
  company_id uuid references companies (id) on delete cascade,
  name text not null,
  key_hash text not null unique,
  prefix text not null,
  created_at timestamptz not null,
  revoked_at timestamptz,
  check ((role = 'company') = (company_id is not null))
);

-- Jobs and their routings (one per matched company).
create table jobs (
  id uuid primary key,
  summary text not null,
  address jsonb not null,
  homeowner jsonb not null,
  category text,
  required_skills text[] not null,
  skill_levels jsonb not null,
  priority text not null check (priority in ('low', 'normal', 'high', 'urgent')),
  status text not null
    check (status in ('pending', 'routed', 'in_progress', 'completed', 'canceled', 'unmatched')),
  matching_score double precision not null,
  created_by_company_id uuid not null references companies (id),
  created_by_technician_id uuid references technicians (id),
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index jobs_created_idx on jobs (created_at desc, id desc);
create index jobs_creator_created_idx on jobs (created_by_company_id, created_at desc, id desc);
create index jobs_status_created_idx on jobs (status, created_at desc, id desc);

create table job_routings (
  id uuid primary key,
  job_id uuid not null references jobs (id) on delete cascade,
  company_id_received uuid not null references companies (id),
  position smallint not null,
  score double precision not null,
  matched_skills text[] not null,
  reason text not null,
  sync_status text not null
    check (sync_status in ('pending', 'syncing', 'synced', 'retrying', 'failed', 'canceled')),
  external_id text,
  external_status text check (external_status in ('scheduled', 'in_progress', 'completed', 'canceled')),
  attempts integer not null default 0,
  last_error text,
  revenue numeric(14, 2),
  synced_at timestamptz,
  completed_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index job_routings_job_idx on job_routings (job_id, position);
create index job_routings_company_idx on job_routings (company_id_received, created_at desc);
-- Delivery, reconciliation and status polling look for a company's routings that are not final yet.
create index job_routings_open_idx on job_routings (company_id_received, sync_status)
  where sync_status <> 'canceled' and (external_status is null or external_status not in ('completed', 'canceled'));

create table routing_attempts (
  id bigint generated always as identity primary key,
  routing_id uuid not null references job_routings (id) on delete cascade,
  at timestamptz not null,
  outcome text not null,
  duration_ms integer not null,
  error text
);
create index routing_attempts_routing_idx on routing_attempts (routing_id, at);

-- Transactional outbox: written with the change it announces; the relay publishes and then stamps published_at.
create table outbox_events (
  id uuid primary key,
  aggregate_id uuid not null,
  type text not null,
  payload jsonb not null,
  traceparent text,
  created_at timestamptz not null,
  published_at timestamptz
);
create index outbox_events_unpublished_idx on outbox_events (created_at) where published_at is null;
create index outbox_events_published_idx on outbox_events (published_at) where published_at is not null;

-- Idempotency keys, per API key scope. response is null while the first request is in its transaction.
create table idempotency_keys (
  scope text not null,
  key text not null,
  request_hash text not null,
  response jsonb,
  created_at timestamptz not null,
  primary key (scope, key)
);
create index idempotency_keys_created_idx on idempotency_keys (created_at);
