-- Scheduled jobs: a job may ask that its routings wait until deliver_after (at most 30 days ahead). Until then they are
-- `scheduled`, and their routing.created events are held in the outbox: available_at says when the relay may publish
-- an event (null: as soon as it is written). The relay first turns the routings of due held events `pending`, then
-- publishes the events, so a routing is never `scheduled` when its message arrives.
alter table jobs add column deliver_after timestamptz;

alter table job_routings drop constraint job_routings_sync_status_check;
alter table job_routings add constraint job_routings_sync_status_check
  check (sync_status in ('scheduled', 'pending', 'syncing', 'synced', 'retrying', 'failed', 'canceled'));

alter table outbox_events add column available_at timestamptz;

-- The relay takes unpublished events in the order they became available: an event not held by its creation time.
drop index outbox_events_unpublished_idx;
create index outbox_events_due_idx on outbox_events ((coalesce(available_at, created_at)), id) where published_at is null;
-- Held events (few), by the time they come due: the relay's release of due routings and its timer read them.
create index outbox_events_held_idx on outbox_events (available_at) where published_at is null and available_at is not null;
