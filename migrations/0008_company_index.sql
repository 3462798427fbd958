-- Intake matches from an index of companies and technicians in memory, kept current by a version: a counter moved by
-- every change to a company, its skills or a technician, and stamped on the company or technician row it changed.
-- Moving the counter takes its row lock until commit, so versions commit in order: a reader that sees version V sees
-- every change up to V, and reads what changed since its last version by the stamps.
create table company_index_version (
  singleton boolean primary key default true check (singleton),
  version bigint not null
);
insert into company_index_version (version) values (0);

alter table companies add column index_version bigint not null default 0;
alter table technicians add column index_version bigint not null default 0;
create index companies_index_version_idx on companies (index_version);
create index technicians_index_version_idx on technicians (index_version);

-- Replicas listen on this channel to catch up before a job needs it; the version is what they rely on.
create function stamp_index_version() returns trigger language plpgsql as $$
begin
  update company_index_version set version = version + 1 returning version into new.index_version;
  perform pg_notify('company_index', '');
  return new;
end
$$;
create trigger companies_index_version before insert or update on companies
  for each row execute function stamp_index_version();
create trigger technicians_index_version before insert or update on technicians
  for each row execute function stamp_index_version();

-- A change to a company's skills (their eligibility follows its status and provider) is a change to the company.
create function touch_company_of_skill() returns trigger language plpgsql as $$
begin
  update companies set index_version = index_version
  where id = case when tg_op = 'DELETE' then old.company_id else new.company_id end;
  return null;
end
$$;
create trigger company_skills_index_version after insert or update or delete on company_skills
  for each row execute function touch_company_of_skill();

-- Matching reads the index, no longer this table.
drop index company_skills_match_idx;
