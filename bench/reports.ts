/**
 * Reports at scale: `npm run bench:reports`. A database of its own (migrated, dropped at the end) on the PostgreSQL
 * server at TEST_DATABASE_URL, seeded in SQL with `--jobs` jobs accepted over the last `--days` days, two routings
 * each to `--companies` receiving companies (80 % delivered: of those 40 % completed with a revenue, 10 % canceled at
 * the provider, 5 % canceled by us; the rest failed, pending or canceled before delivery; delivery times mostly a
 * second, a tail out to 10 minutes), then VACUUM ANALYZE (as autovacuum would after such a load). Times
 * `GET /reports/companies` and `GET /reports/daily` through the API app in process (no network), as JSON and as CSV,
 * over the last 30 days and over the whole seeded span: `--runs` runs each after one warm-up, p50 and max, and whether
 * the max is under 1 s.
 *
 *   npm run bench:reports -- [--jobs 1000000] [--days 90] [--companies 200] [--runs 5]
 */
import { loadavg } from "node:os"
import { parseArgs } from "node:util"
import { Db } from "../layers/storage/Db.ts"
import { makeTestApi } from "../test/support/http.ts"
import { layerPostgresServices } from "../test/support/services.ts"

const { values: args } = parseArgs({
  options: {
    jobs: { type: "string", default: "1000000" },
    days: { type: "string", default: "90" },
    companies: { type: "string", default: "200" },
    runs: { type: "string", default: "5" }
  }
})
const JOBS = Number(args.jobs)
const DAYS = Number(args.days)
const COMPANIES = Number(args.companies)
const RUNS = Number(args.runs)
const DAY_MS = 86_400_000
const TARGET_MS = 1000

const api = makeTestApi(layerPostgresServices)
const seconds = (started: number) => `${((performance.now() - started) / 1000).toFixed(1)} s`

try {
  const { sql } = await api.runtime.runPromise(Db)
  let started = performance.now()
  await sql.unsafe(`
    insert into companies (id, name, status, created_at, updated_at)
    select gen_random_uuid(), case when i % 10 = 0 then 'Company ' || i || ', "Quoted" & Co' else 'Company ' || i end,
      'active', now(), now()
    from generate_series(1, ${COMPANIES}) i`)
  await sql.unsafe(`
    insert into jobs (id, summary, address, homeowner, required_skills, skill_levels, priority, status, matching_score,
      created_by_company_id, created_at, updated_at)
    select gen_random_uuid(), 'bench job', '{}', '{}', '{plumbing}', '{}', 'normal', 'routed', 1,
      (select id from companies limit 1), t.at, t.at
    from (select now() - random() * interval '${DAYS} days' as at from generate_series(1, ${JOBS})) t`)
  console.log(`seeded ${JOBS} jobs in ${seconds(started)}`)
  started = performance.now()
  // Each routing draws its fate (delivered or not) and what became of it after; delivery_ms as delivery records it.
  await sql.unsafe(`
    with numbered as (select row_number() over (order by id) - 1 as n, id from companies)
    insert into job_routings (id, job_id, company_id_received, position, score, matched_skills, reason, sync_status,
      external_id, external_status, revenue, synced_at, delivery_ms, completed_at, sla_breach_logged_at, created_at, updated_at)
    select gen_random_uuid(), f.job_id, c.id, f.position, 1, '{plumbing}', 'bench',
      case when f.fate < 0.80 then (case when f.after < 0.05 then 'canceled' else 'synced' end)
           when f.fate < 0.90 then 'failed' when f.fate < 0.95 then 'pending' else 'canceled' end,
      case when f.fate < 0.80 then 'lead-' || f.job_id || '-' || f.position end,
      case when f.fate < 0.80 and f.after >= 0.05 then (case when f.after < 0.45 then 'completed'
        when f.after < 0.55 then 'canceled' when f.after < 0.75 then 'in_progress' else 'scheduled' end) end,
      case when f.fate < 0.80 and f.after >= 0.05 and f.after < 0.45 then round((50 + random() * 950)::numeric, 2) end,
      case when f.fate < 0.80 then f.created_at + f.delay end,
      case when f.fate < 0.80 then round(extract(epoch from f.delay) * 1000) end,
      case when f.fate < 0.80 and f.after >= 0.05 and f.after < 0.45 then f.created_at + f.delay + interval '2 days' end,
      f.created_at, f.created_at, f.created_at
    from (
      select j.id as job_id, j.created_at, p.position, random() as fate, random() as after,
        floor(random() * ${COMPANIES})::int as company, make_interval(secs => 0.2 + power(random(), 8) * 600) as delay
      from jobs j cross join generate_series(0, 1) p(position)
    ) f join numbered c on c.n = f.company`)
  console.log(`seeded ${2 * JOBS} routings in ${seconds(started)}`)
  started = performance.now()
  await sql.unsafe("vacuum analyze")
  console.log(`vacuum analyze in ${seconds(started)}`)
  const [size] = await sql<Array<{ byDay: string; byCompany: string; table: string }>>`
    select pg_size_pretty(pg_relation_size('job_routings_report_idx')) as "byDay",
      pg_size_pretty(pg_relation_size('job_routings_company_report_idx')) as "byCompany",
      pg_size_pretty(pg_relation_size('job_routings')) as table`
  const [delivered] = await sql<Array<{ n: number }>>`select count(*)::int as n from job_routings where synced_at is not null`
  console.log(
    `${delivered!.n} routings delivered; job_routings ${size!.table}, job_routings_report_idx ${size!.byDay}, ` +
      `job_routings_company_report_idx ${size!.byCompany}`
  )

  const tomorrow = Math.floor(Date.now() / DAY_MS) * DAY_MS + DAY_MS
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
  const ranges = [
    { label: "30 days", from: day(tomorrow - 30 * DAY_MS), to: day(tomorrow) },
    { label: `all ${DAYS + 1} days`, from: day(tomorrow - (DAYS + 1) * DAY_MS), to: day(tomorrow) }
  ]
  const rows: Array<Record<string, string | number>> = []
  for (const report of ["companies", "daily"]) {
    for (const range of ranges) {
      for (const format of ["json", "csv"] as const) {
        const path = `/reports/${report}?from=${range.from}&to=${range.to}`
        const headers = { accept: format === "csv" ? "text/csv" : "application/json" }
        const times: Array<number> = []
        let items = 0
        for (let run = 0; run <= RUNS; run++) {
          const t0 = performance.now()
          const answer = await api.call("GET", path, { headers })
          const elapsed = performance.now() - t0
          if (answer.status !== 200) throw new Error(`${path}: ${answer.status} ${answer.text}`)
          items = format === "json" ? answer.body.items.length : answer.text.trimEnd().split("\r\n").length - 1
          if (run > 0) times.push(elapsed)
        }
        times.sort((a, b) => a - b)
        const max = times[times.length - 1]!
        rows.push({
          report,
          range: range.label,
          format,
          rows: items,
          "p50 ms": Math.round(times[Math.ceil(times.length / 2) - 1]!),
          "max ms": Math.round(max),
          "< 1 s": max < TARGET_MS ? "yes" : "NO"
        })
      }
    }
  }
  console.table(rows)
  console.log(`load average (1 min) at the end of timing: ${loadavg()[0]!.toFixed(2)}`)
} finally {
  await api.dispose()
}
