-- API keys: when each was last used (kept to the minute) and when it stops being accepted.
alter table api_keys add column last_used_at timestamptz;
alter table api_keys add column expires_at timestamptz;
create index api_keys_created_idx on api_keys (created_at desc, id desc);
