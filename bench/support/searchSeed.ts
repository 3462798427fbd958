/** Seeds a migrated database with jobs and routings for bench/search.ts, in SQL, a chunk of jobs a statement. */
import type postgres from "postgres"

const FIRST_NAMES = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
  "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Christopher",
  "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra", "Donald", "Ashley", "Steven",
  "Kimberly", "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle", "José", "Aisha", "Wei", "Priya", "Olga"]
const LAST_NAMES = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
  "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez",
  "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
  "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera"]
// Half the surnames are made of two syllables (40 × 40): rarer names, as most of a real city's are.
const SYLLABLES = ["Bar", "Kel", "Mor", "Dun", "Hal", "Vor", "Pen", "Ash", "Cal", "Dre", "Fen", "Gar", "Hob", "Ing", "Jas",
  "Kin", "Lor", "Mas", "Nor", "Ost", "Pil", "Quin", "Ros", "Sel", "Tam", "Ulm", "Van", "Wes", "Yor", "Zan", "Brig", "Crom",
  "Dal", "Eck", "Frod", "Grim", "Hart", "Ives", "Jor", "Kem"]
const VERBS = ["Repair", "Replace", "Install", "Inspect", "Fix", "Service", "Clean", "Upgrade"]
const FIXTURES = ["faucet", "water heater", "toilet", "sink", "garbage disposal", "furnace", "AC unit", "thermostat",
  "outlet", "breaker panel", "ceiling fan", "dishwasher", "sump pump", "roof", "gutter", "window", "door lock",
  "garage door", "drywall", "tile", "deck", "fence", "sprinkler", "chimney", "boiler", "heat pump", "ductwork",
  "light fixture", "smoke detector", "washer"]
const ROOMS = ["kitchen", "basement", "garage", "master bathroom", "guest bathroom", "attic", "laundry room", "backyard",
  "living room", "bedroom", "hallway", "crawlspace"]
const DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "example.net", "hey.com"]

/** The companies jobs are created by and routed to. */
export const COMPANIES = 200
/** The first job's creation time; each next one is 31 s later (1,000,000 jobs span about a year). */
export const FIRST_CREATED = new Date("2025-12-01T00:00:00Z")
/** Jobs whose summary has this word: about 1 in 5,000. */
export const RARE_WORD = "chandelier"

const pick = (list: ReadonlyArray<string>, r: string) =>
  `(${`array[${list.map((s) => `'${s}'`).join(",")}]`})[1 + floor(${r} * ${list.length})::int]`

/** Creation time of job `n`, in SQL. */
const createdAt = (n: string) => `(timestamptz '${FIRST_CREATED.toISOString()}' + ${n} * interval '31 seconds')`

/** Inserts jobs `from`..`to` (numbered), each with 1 to 3 routings. */
export const seedJobs = async (sql: postgres.Sql, from: number, to: number) => {
  await sql.unsafe(`
    with c as (select array_agg(id order by id) as ids from companies),
    raw as (
      select n, random() as r1, random() as r2, random() as r3, random() as r4, random() as r5, random() as r6,
        random() as r7, random() as r8, random() as r9, random() as r10, random() as r11, random() as r12,
        random() as r13, lpad((200 + floor(random() * 800))::text, 3, '0') as area,
        lpad(floor(random() * 1000)::text, 3, '0') as exch, lpad(floor(random() * 10000)::text, 4, '0') as line
      from generate_series(${from}, ${to}) as n
    ),
    person as (
      select raw.*, ${pick(FIRST_NAMES, "r1")} as first,
        case when r2 < 0.5 then ${pick(LAST_NAMES, "r2 * 2")}
          else ${pick(SYLLABLES, "r3")} || lower(${pick(SYLLABLES, "r4")}) end as last
      from raw
    )
    insert into jobs (id, summary, address, homeowner, category, required_skills, skill_levels, priority, status,
      matching_score, created_by_company_id, created_at, updated_at)
    select md5('job' || n)::uuid,
      case when r5 < 0.3 then 'Repair' else ${pick(VERBS, "r5")} end || ' ' || ${pick(FIXTURES, "r6")} || ' in the '
        || ${pick(ROOMS, "r7")} || case when r8 < 0.0002 then ' under the ${RARE_WORD}' else '' end,
      jsonb_build_object('street', (n % 9999) || ' Main St', 'city', 'Springfield', 'state', 'IL', 'zipCode', '62701'),
      jsonb_strip_nulls(jsonb_build_object('name', first || ' ' || last,
        'phone', case when r9 < 0.1 then null
          when r10 < 0.4 then '(' || area || ') ' || exch || '-' || line
          when r10 < 0.8 then '+1 ' || area || '-' || exch || '-' || line
          else area || '.' || exch || '.' || line end,
        'email', case when r11 < 0.3 then null
          else lower(first || '.' || last) || (n % 1000) || '@' || ${pick(DOMAINS, "r12")} end)),
      'plumbing', array['plumbing'], '{"plumbing": "expert"}',
      case when r13 < 0.05 then 'urgent' when r13 < 0.2 then 'high'
        when r13 < 0.4 then 'low' else 'normal' end,
      'routed', 4.5, c.ids[1 + n % ${COMPANIES}], ${createdAt("n")}, ${createdAt("n")}
    from person, c`)
  // Statuses as a fleet settles: most synced (with the provider's id), some canceled, a few still on their way or failed.
  await sql.unsafe(`
    with c as (select array_agg(id order by id) as ids from companies),
    r as (
      select n, p, random() as s from generate_series(${from}, ${to}) as n, generate_series(0, n % 3) as p
    ),
    s as (
      select r.*, case when s < 0.86 then 'synced' when s < 0.92 then 'canceled' when s < 0.95 then 'pending'
        when s < 0.97 then 'retrying' when s < 0.985 then 'failed' when s < 0.995 then 'scheduled' else 'syncing' end
        as status
      from r
    )
    insert into job_routings (id, job_id, company_id_received, position, score, matched_skills, reason, sync_status,
      external_id, attempts, created_at, updated_at)
    select md5('routing' || n || '-' || p)::uuid, md5('job' || n)::uuid, c.ids[1 + (n * 7 + p * 13 + 1) % ${COMPANIES}], p,
      4.5, array['plumbing'], 'matched', status,
      case when status in ('synced', 'canceled') then 'ST-' || (10000000 + n * 3 + p) end, 1, ${createdAt("n")},
      ${createdAt("n")}
    from s, c`)
}

/** The companies, active. */
export const seedCompanies = (sql: postgres.Sql) =>
  sql.unsafe(`
    insert into companies (id, name, status, created_at, updated_at)
    select md5('company' || n)::uuid, 'Bench company ' || n, 'active', now(), now()
    from generate_series(1, ${COMPANIES}) as n`)
