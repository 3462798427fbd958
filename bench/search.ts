/**
 * GET /jobs search at scale: `npm run bench:search -- [--jobs 1000000] [--runs 20]`.
 * A fresh database (on TEST_DATABASE_URL, dropped at the end) is migrated and seeded in SQL with `--jobs` jobs from 200
 * companies (1 to 3 routings each, most synced with a provider id; varied homeowner names, phones in three spellings,
 * emails and summaries), vacuumed and analyzed. Each query kind then runs through the PostgreSQL job repository, as
 * GET /jobs does (limit 50, so 51 rows asked), `--runs` times after 2 warm-up runs; printed: p50 / p95 / max and whether
 * p95 is under 50 ms.
 */
import { parseArgs } from "node:util"
import { Effect, Layer, Logger, LogLevel, ManagedRuntime, Redacted } from "effect"
import postgres from "postgres"
import { layer as layerDb } from "../layers/storage/Db.ts"
import { migrate } from "../layers/storage/migrate.ts"
import { layer as layerJobs } from "../layers/storage/postgres/jobs.ts"
import type { CompanyId } from "../src/domain/ids.ts"
import { parseSearch } from "../src/domain/jobSearch.ts"
import { type JobQuery, JobRepo } from "../src/services/Jobs.ts"
import { SERVER_URL } from "./support/backends.ts"
import { summary } from "./support/figures.ts"
import { FIRST_CREATED, RARE_WORD, seedCompanies, seedJobs } from "./support/searchSeed.ts"

const { values: args } = parseArgs({
  options: {
    jobs: { type: "string", default: "1000000" },
    runs: { type: "string", default: "20" }
  }
})
const JOBS = Number(args.jobs)
const RUNS = Number(args.runs)
const CHUNK = 100_000
const LIMIT = 50
const TARGET_MS = 50

const database = `si_bench_search_${crypto.randomUUID().replace(/-/g, "").slice(0, 10)}`
const url = new URL(SERVER_URL)
url.pathname = `/${database}`
const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} })
await admin.unsafe(`create database ${database}`)
const sql = postgres(url.toString(), { max: 1, onnotice: () => {} })
const runtime = ManagedRuntime.make(
  layerJobs.pipe(Layer.provideMerge(layerDb({ url: Redacted.make(url.toString()), max: 2 })))
)

const search = (q: string) => parseSearch(q) ?? (() => { throw new Error(`no search in ${q}`) })()
const everything: JobQuery = { status: null, involving: null, createdAfter: null, priority: null, limit: LIMIT + 1, after: null }
const list = (query: Partial<JobQuery>) =>
  runtime.runPromise(Effect.flatMap(JobRepo, (jobs) => jobs.list({ ...everything, ...query })))

const timed = async (query: Partial<JobQuery>) => {
  const start = performance.now()
  const rows = await list(query)
  return { ms: performance.now() - start, rows: rows.length }
}

try {
  const started = performance.now()
  await runtime.runPromise(migrate.pipe(Logger.withMinimumLogLevel(LogLevel.Warning)))
  await seedCompanies(sql)
  for (let from = 1; from <= JOBS; from += CHUNK) {
    await seedJobs(sql, from, Math.min(JOBS, from + CHUNK - 1))
    process.stdout.write(`\rseeded ${Math.min(JOBS, from + CHUNK - 1).toLocaleString("en")} jobs`)
  }
  await sql.unsafe("vacuum analyze jobs, job_routings")
  const [counted] = await sql<Array<{ routings: string }>>`select count(*) as routings from job_routings`
  console.log(`, ${Number(counted!.routings).toLocaleString("en")} routings, in ${((performance.now() - started) / 1000).toFixed(0)} s`)

  const halfYear = new Date(FIRST_CREATED.getTime() + JOBS * 31_000 / 2)
  // Values of jobs in the middle of the range, as a user would look one up.
  const [sample] = await sql<Array<{ name: string; phone: string; email: string; external_id: string }>>`
    select j.homeowner ->> 'name' as name, j.homeowner ->> 'phone' as phone, j.homeowner ->> 'email' as email,
      r.external_id
    from jobs j join job_routings r on r.job_id = j.id
    where j.created_at >= ${halfYear} and j.homeowner ? 'phone' and j.homeowner ? 'email' and r.external_id is not null
    order by j.created_at limit 1`
  const [company] = await sql<Array<{ id: CompanyId }>>`select id from companies order by id limit 1`
  const digits = sample!.phone.replace(/\D/g, "")
  const commonFirstPage = await list({ search: search("repair") })
  const lastOfFirst = commonFirstPage[LIMIT - 1]!
  const kinds: ReadonlyArray<readonly [string, Partial<JobQuery>]> = [
    [`q name "${sample!.name}"`, { search: search(sample!.name) }],
    [`q surname "${sample!.name.split(" ")[1]}"`, { search: search(sample!.name.split(" ")[1]!) }],
    [`q phone "${sample!.phone}"`, { search: search(sample!.phone) }],
    [`q phone digits "${digits.slice(3, 10)}"`, { search: search(digits.slice(3, 10)) }],
    [`q phone last 4 "${digits.slice(-4)}"`, { search: search(digits.slice(-4)) }],
    [`q email "${sample!.email}"`, { search: search(sample!.email ?? "none") }],
    [`q rare word "${RARE_WORD}"`, { search: search(RARE_WORD) }],
    [`q common word "repair"`, { search: search("repair") }],
    [`q common prefix "fau"`, { search: search("fau") }],
    [`q two words "repair kitchen"`, { search: search("repair kitchen") }],
    [`q no match "zzqx"`, { search: search("zzqx") }],
    [`external_id "${sample!.external_id}"`, { externalId: sample!.external_id }],
    ["routing_status failed", { routingStatus: "failed" }],
    ["routing_status synced", { routingStatus: "synced" }],
    ["routing_status failed + company_id", { routingStatus: "failed", involving: company!.id }],
    ["priority urgent", { priority: "urgent" }],
    ["created_before (half a year)", { createdBefore: halfYear }],
    ["q surname + company_id", { search: search(sample!.name.split(" ")[1]!), involving: company!.id }],
    ["routing_status failed, as a company key", { routingStatus: "failed", involving: company!.id, routingsSeenBy: company!.id }],
    ["routing_status synced, as a company key", { routingStatus: "synced", involving: company!.id, routingsSeenBy: company!.id }],
    [`external_id, as a company key`, { externalId: sample!.external_id, involving: company!.id, routingsSeenBy: company!.id }],
    ["q common word \"repair\", as a company key", { search: search("repair"), involving: company!.id, routingsSeenBy: company!.id }],
    [
      "q repair + priority high + routing_status synced + created_before",
      { search: search("repair"), priority: "high", routingStatus: "synced", createdBefore: halfYear }
    ],
    ["q repair, next page (cursor)", { search: search("repair"), after: { createdAt: lastOfFirst.createdAt, id: lastOfFirst.id } }],
    ["no filter", {}]
  ]

  console.log(`\n${JOBS.toLocaleString("en")} jobs, ${RUNS} runs each (after 2 warm-up runs), limit ${LIMIT}\n`)
  console.log("| query | rows | p50 ms | p95 ms | max ms | p95 < 50 ms |")
  console.log("|---|---|---|---|---|---|")
  for (const [label, query] of kinds) {
    await timed(query)
    await timed(query)
    const runs = []
    for (let i = 0; i < RUNS; i++) runs.push(await timed(query))
    const s = summary(runs.map((r) => r.ms))
    const rows = Math.min(runs[0]!.rows, LIMIT)
    console.log(`| ${label} | ${rows} | ${s.p50.toFixed(1)} | ${s.p95.toFixed(1)} | ${s.max.toFixed(1)} | ${s.p95 < TARGET_MS ? "yes" : "**no**"} |`)
  }

} finally {
  await runtime.dispose()
  await sql.end()
  await admin.unsafe(`drop database if exists ${database} with (force)`)
  await admin.end()
}
