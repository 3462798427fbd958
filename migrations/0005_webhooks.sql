-- Outgoing webhooks: subscriptions (optionally scoped to one company), one delivery per (hook, event) fanned out from
-- the events stream, and every attempt to deliver it. The signing secret is AES-256-GCM ciphertext (base64) under the
-- key named by secret_key_id, bound to the hook's id.
create table webhooks (
  id uuid primary key,
  url text not null,
  events text[] not null check (cardinality(events) > 0),
  company_id uuid references companies (id) on delete cascade,
  secret_key_id text not null,
  secret_sealed text not null,
  active boolean not null default true,
  consecutive_failures int not null default 0 check (consecutive_failures >= 0),
  disabled_at timestamptz,
  created_at timestamptz not null
);
create index webhooks_active_idx on webhooks using gin (events) where active;

-- body is the exact text sent (and signed) at every attempt; next_attempt_at doubles as the lease of a claimed delivery.
create table webhook_deliveries (
  id bigint generated always as identity primary key,
  webhook_id uuid not null references webhooks (id) on delete cascade,
  event_id uuid not null,
  type text not null,
  body text not null,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts int not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz not null,
  last_error text,
  created_at timestamptz not null,
  unique (webhook_id, event_id)
);
create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where status = 'pending';

create table webhook_attempts (
  id bigint generated always as identity primary key,
  delivery_id bigint not null references webhook_deliveries (id) on delete cascade,
  webhook_id uuid not null references webhooks (id) on delete cascade,
  event_id uuid not null,
  type text not null,
  at timestamptz not null,
  status_code int,
  duration_ms int not null check (duration_ms >= 0),
  error text
);
create index webhook_attempts_hook_idx on webhook_attempts (webhook_id, at desc, id desc);
