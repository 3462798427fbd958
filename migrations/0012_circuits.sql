-- A company's circuit while it is open, so that the replica that takes the company over (a partition hand-over, a
-- restart) starts it open rather than calling a dead provider CIRCUIT_FAILURE_THRESHOLD times more. Removed when the
-- circuit closes.
create table company_circuits (
  company_id uuid primary key references companies (id) on delete cascade,
  opened integer not null check (opened >= 1),
  open_until timestamptz not null
);
