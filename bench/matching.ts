/**
 * Job creation at scale: 10,000 companies with active providers over 50 skills on real PostgreSQL, the service running
 * as its own process, `POST /jobs` timed from a client. Prints p50/p95/p99 and throughput.
 *
 *   npm run bench:matching -- [--companies 10000] [--skills 50] [--requests 3000] [--concurrency 8] [--areas 0]
 *
 * With `--areas N`, every other company lists N service areas (3-digit ZIP prefixes and 5-digit ZIP codes) and each job
 * gets a random ZIP, so the run shows matching's cost with areas; compare it with a run without.
 *
 * Uses the PostgreSQL server at TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), in a
 * database of its own that it drops at the end.
 */
import postgres from "postgres"
import { parseArgs } from "node:util"
import { generateSecretKey } from "../src/domain/secretKey.ts"
import { runService } from "../test/support/process.ts"

const { values: args } = parseArgs({
  options: {
    companies: { type: "string", default: "10000" },
    skills: { type: "string", default: "50" },
    requests: { type: "string", default: "3000" },
    concurrency: { type: "string", default: "8" },
    warmup: { type: "string", default: "300" },
    areas: { type: "string", default: "0" }
  }
})
const COMPANIES = Number(args.companies)
const SKILLS = Number(args.skills)
const REQUESTS = Number(args.requests)
const CONCURRENCY = Number(args.concurrency)
const WARMUP = Number(args.warmup)
const AREAS = Number(args.areas)
const SERVER_URL = process.env["TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres"
const ADMIN_KEY = "bench-admin-key-0123456789abcdefghijklmn"
const LEVELS = ["basic", "intermediate", "expert"] as const

const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(Math.random() * items.length)]!
const skillName = (i: number) => `skill-${String(i).padStart(2, "0")}`
const digits = (length: number) => String(Math.floor(Math.random() * 10 ** length)).padStart(length, "0")
/** Half the companies list `AREAS` entries, half prefixes and half full codes; the others serve everywhere. */
const serviceAreas = (index: number): Array<string> =>
  AREAS === 0 || index % 2 === 1
    ? []
    : [...new Set(Array.from({ length: AREAS }, (_, i) => digits(i % 2 === 0 ? 3 : 5)))]
const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!

const databaseName = `si_bench_${Date.now()}`
const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} })
await admin.unsafe(`create database ${databaseName}`)
const url = new URL(SERVER_URL)
url.pathname = `/${databaseName}`
const databaseUrl = url.toString()

const service = runService("src/main.ts", {
  DATABASE_URL: databaseUrl,
  PORT: "0",
  ADMIN_API_KEY: ADMIN_KEY,
  SECRETS_KEY: generateSecretKey(),
  LOG_LEVEL: "warn"
})

try {
  const [, baseUrl] = await service.waitFor(/API\s+(http:\/\/\S+)/, 60_000)

  const seedStarted = performance.now()
  const sql = postgres(databaseUrl, { max: 4, onnotice: () => {} })
  const companyIds: Array<string> = []
  for (let start = 0; start < COMPANIES; start += 1000) {
    const now = new Date()
    const companies = Array.from({ length: Math.min(1000, COMPANIES - start) }, (_, i) => ({
      id: crypto.randomUUID(),
      name: `Company ${start + i}`,
      status: "active",
      rate_limit_per_minute: 50,
      service_areas: serviceAreas(start + i),
      created_at: now,
      updated_at: now
    }))
    companyIds.push(...companies.map((c) => c.id))
    const skills = companies.flatMap((c) => {
      const count = 3 + Math.floor(Math.random() * 3)
      const chosen = new Set<number>()
      while (chosen.size < count) chosen.add(Math.floor(Math.random() * SKILLS))
      return [...chosen].map((s, position) => ({
        company_id: c.id,
        skill: skillName(s),
        level: pick(LEVELS),
        is_primary: position === 0,
        position,
        eligible: true
      }))
    })
    const providers = companies.map((c) => ({
      company_id: c.id,
      type: "mock",
      config: sql.json({}),
      active: true,
      created_at: now,
      updated_at: now
    }))
    await sql`insert into companies ${sql(companies)}`
    await sql`insert into company_skills ${sql(skills)}`
    await sql`insert into company_providers ${sql(providers)}`
  }
  await sql`analyze`
  await sql.end()
  console.log(`seeded ${COMPANIES} companies over ${SKILLS} skills in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`)

  const jobBody = () => {
    const required = [...new Set([skillName(Math.floor(Math.random() * SKILLS)), skillName(Math.floor(Math.random() * SKILLS))])]
    return JSON.stringify({
      summary: "Bench job",
      address: { street: "1 Main St", city: "Anytown", state: "CA", zip_code: AREAS === 0 ? "12345" : digits(5) },
      homeowner: { name: "Bench" },
      created_by_company_id: pick(companyIds),
      required_skills: required,
      skill_levels: { [required[0]!]: pick(LEVELS) }
    })
  }
  const post = async () => {
    const started = performance.now()
    const response = await fetch(`${baseUrl}/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: jobBody()
    })
    const body = await response.json() as { routings?: Array<unknown> }
    if (response.status !== 201) throw new Error(`POST /jobs answered ${response.status}: ${JSON.stringify(body)}`)
    return { ms: performance.now() - started, routings: body.routings?.length ?? 0 }
  }
  const run = async (total: number) => {
    const results: Array<{ ms: number; routings: number }> = []
    let next = 0
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        next++
        results.push(await post())
      }
    }))
    return results
  }

  await run(WARMUP)
  const started = performance.now()
  const results = await run(REQUESTS)
  const seconds = (performance.now() - started) / 1000
  const latencies = results.map((r) => r.ms).sort((a, b) => a - b)
  const routings = results.reduce((n, r) => n + r.routings, 0) / results.length
  const areas = AREAS === 0 ? "no service areas" : `half of them listing ${AREAS} service areas`
  console.log(`POST /jobs with ${COMPANIES} companies (${areas}) and ${SKILLS} skills: ${REQUESTS} requests, concurrency ${CONCURRENCY}`)
  console.log(`  p50 ${percentile(latencies, 50).toFixed(1)} ms   p95 ${percentile(latencies, 95).toFixed(1)} ms   p99 ${percentile(latencies, 99).toFixed(1)} ms   max ${latencies.at(-1)!.toFixed(1)} ms`)
  console.log(`  ${(REQUESTS / seconds).toFixed(0)} jobs/s, ${routings.toFixed(2)} routings per job on average`)
} finally {
  await service.stop()
  await admin.unsafe(`drop database if exists ${databaseName} with (force)`)
  await admin.end()
}
