-- API keys: a viewer key reads what the admin reads and writes nothing; like an admin key it has no company.
alter table api_keys drop constraint api_keys_role_check;
alter table api_keys add constraint api_keys_role_check check (role in ('admin', 'viewer', 'company'));
