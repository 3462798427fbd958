-- Replicas sharing one database: each registers itself and heartbeats; each partition of the work stream is owned by
-- one replica at a time through a lease. The epoch grows with every acquisition, and a delivery claim names the epoch
-- it was made under: once the lease runs out or passes to another replica, that claim is refused (fencing).
create table replicas (
  id text primary key,
  host text not null,
  version text not null,
  started_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now(),
  partitions integer[] not null default '{}',
  -- What the replica's company actors are doing, as /admin/workers shows them, written with each heartbeat.
  workers jsonb not null default '[]'
);

create table partition_leases (
  partition integer primary key,
  owner text,
  epoch bigint not null default 0,
  lease_until timestamptz not null default '-infinity'
);

-- A replica that takes a partition over counts the provider calls its companies had in the last minute, so that a
-- company's rate limit holds across the hand-over.
create index routing_attempts_at_idx on routing_attempts (at);
