/**
 * Scale benchmark: `npm run bench:scale -- [--sizes 10,1000,10000] [--ready-timeout 180] [--load-seconds 5]`.
 * For each size, a fresh database (on TEST_DATABASE_URL, dropped after) is migrated and seeded directly in SQL with
 * that many companies, each with an active mock provider (latency 0) and one of 50 skills; then the service starts as
 * its own process on it and on NATS (a prefix of its own, deleted after). Measured:
 * - time to banner (HTTP up) and time until every partition of the work stream has its consumer (`/admin/workers`),
 *   from the spawn: the service then delivers to any company of the fleet;
 * - the service's resident memory once ready, and its CPU while idle for 5 s;
 * - per-job cost: 8 clients posting jobs back to back for `--load-seconds`, one routing a job: jobs/s, service CPU ms
 *   a job, delivery p50/p99, and the ledger (every routing delivered once).
 * Targets on this 2-core machine: 10,000 companies ready in < 10 s within < 512 MB, per-job cost flat across sizes.
 * A size that is not ready within `--ready-timeout` seconds is reported with how far it got.
 */
import { mkdir, writeFile } from "node:fs/promises"
import { cpus, totalmem } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { parseArgs } from "node:util"
import type { ApiClient } from "../test/support/client.ts"
import { runService, type ServiceProcess } from "../test/support/process.ts"
import { connectTo, launchService, realBackends, type Routing, waitForLeads } from "./support/backends.ts"
import { cpuSecondsOf, residentMiBOf } from "./support/cpu.ts"
import { summary } from "./support/figures.ts"
import { type Creator, postJob, RATE_LIMIT_PER_MINUTE, type Workload } from "./support/workload.ts"

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "10,1000,10000" },
    "ready-timeout": { type: "string", default: "180" },
    "load-seconds": { type: "string", default: "5" },
    out: { type: "string", default: "bench/results" }
  }
})
const SIZES = args.sizes.split(",").map(Number)
const READY_TIMEOUT_MS = Number(args["ready-timeout"]) * 1000
const LOAD_MS = Number(args["load-seconds"]) * 1000
const SKILLS = 50
const CLIENTS = 8
const IDLE_MS = 5_000

/** Companies `bench-<runId>-<k>` skilled, each with an active mock provider, written in a few statements. */
const seed = async (databaseUrl: string, size: number, workload: Workload) => {
  const migrated = runService("src/migrate.ts", { DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" })
  if ((await migrated.exited) !== 0) throw new Error(`migrations failed: ${migrated.output()}`)
  const { default: postgres } = await import("postgres")
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  try {
    await sql.begin(async (tx) => {
      await tx`
        insert into companies (id, name, status, rate_limit_per_minute, created_at, updated_at)
        select gen_random_uuid(), 'Scale trade ' || i, 'active', ${RATE_LIMIT_PER_MINUTE}, now(), now()
        from generate_series(1, ${size}) as i`
      await tx`
        insert into company_skills (company_id, skill, level, is_primary, eligible)
        select id, 'bench-' || ${workload.runId} || '-' || (row_number() over (order by id) % ${workload.groups}), 'expert', true, true
        from companies`
      await tx`
        insert into company_providers (company_id, type, config, active, created_at, updated_at)
        select id, 'mock', '{"latency_ms": 0}', true, now(), now() from companies`
    })
    const [creator] = await sql<Array<Creator>>`
      with company as (
        insert into companies (id, name, status, created_at, updated_at)
        values (gen_random_uuid(), 'Scale creator', 'active', now(), now()) returning id
      )
      insert into technicians (id, company_id, name, created_at)
      select gen_random_uuid(), id, 'Scale technician', now() from company
      returning company_id as "companyId", id as "technicianId"`
    return creator!
  } finally {
    await sql.end()
  }
}


/**
 * Polls `/admin/workers` until every partition of the work stream has its consumer (the service then delivers to any
 * company of the fleet) or time is up; answers when (ms since `since`) and how many partitions were ready.
 */
const untilReady = async (api: ApiClient, service: ServiceProcess, since: number) => {
  let ready = 0
  let exited = false
  void service.exited.then(() => (exited = true))
  while (performance.now() - since < READY_TIMEOUT_MS && !exited) {
    // A service too busy to answer is not ready yet; one that died is reported below.
    const partitions = await api.get("/admin/workers").then((w) => w.partitions as Array<{ consumer: string }>, () => [])
    ready = partitions.filter((p) => p.consumer !== "").length
    if (partitions.length > 0 && ready === partitions.length) return { readyMs: performance.now() - since, ready }
    const seconds = Math.floor((performance.now() - since) / 1000)
    if (seconds % 10 === 0) console.log(`    ${seconds} s: ${ready} partitions, ${(await residentMiBOf(service.child.pid)).toFixed(0)} MiB`)
    await sleep(200)
  }
  if (exited) throw new Error(`the service exited before its partitions were ready (${ready} were): ${service.output().slice(-2000)}`)
  return { readyMs: Number.NaN, ready }
}

const measure = async (size: number) => {
  const runId = `${crypto.randomUUID().replace(/-/g, "").slice(0, 6)}s${size}`
  const workload: Workload = { runId, groups: Math.min(SKILLS, size), routingsPerJob: 1, deliveryConcurrency: 1 }
  const backends = await realBackends("scale", runId)
  let service: ServiceProcess | null = null
  try {
    const creator = await seed(backends.databaseUrl!, size, workload)
    const spawned = performance.now()
    service = launchService(backends, { MATCH_MAX_ROUTINGS: "1" })
    const { api, baseUrl } = await connectTo(service, READY_TIMEOUT_MS)
    const bannerMs = performance.now() - spawned
    const { readyMs, ready } = await untilReady(api, service, spawned)
    const residentMiB = await residentMiBOf(service.child.pid)
    const idleBefore = await cpuSecondsOf(service.child.pid)
    await sleep(IDLE_MS)
    const idleCpuPercent = (100 * ((await cpuSecondsOf(service.child.pid)) - idleBefore)) / (IDLE_MS / 1000)

    const routings: Array<Routing> = []
    let next = 0
    const cpuBefore = await cpuSecondsOf(service.child.pid)
    const started = performance.now()
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (performance.now() - started < LOAD_MS) routings.push(...(await postJob(baseUrl, workload, creator, next++)).routings)
    }))
    const loadSeconds = (performance.now() - started) / 1000
    const reader = backends.makeReader(api)
    const received = await waitForLeads(reader, routings, 100, 120_000).catch(() => reader.receivedAt(routings))
    const cpuMsPerJob = (((await cpuSecondsOf(service.child.pid)) - cpuBefore) * 1000) / Math.max(1, routings.length)
    const delivery = summary(routings.flatMap((r) => (received.has(r.id) ? [received.get(r.id)! - r.acceptedAt] : [])))
    return {
      companies: size,
      bannerSeconds: bannerMs / 1000,
      readySeconds: readyMs / 1000,
      partitionsReady: ready,
      residentMiB,
      idleCpuPercent,
      jobs: routings.length,
      jobsPerSecond: routings.length / loadSeconds,
      cpuMsPerJob,
      deliveryP50Ms: delivery.p50,
      deliveryP99Ms: delivery.p99,
      lost: routings.length - received.size,
      duplicates: await reader.duplicates()
    }
  } finally {
    if (service !== null) await service.stop()
    await backends.cleanup()
  }
}

const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "—")

const main = async () => {
  const results = []
  for (const size of SIZES) {
    console.log(`${size} companies …`)
    const result = await measure(size)
    console.log(`  ${JSON.stringify(result)}`)
    results.push(result)
  }
  console.log("")
  console.log("| companies | HTTP up (s) | partitions ready (s) | RSS when ready (MiB) | idle CPU (% of a core) | jobs/s (8 clients) | service CPU ms/job | delivery p50 / p99 ms | lost / duplicates |")
  console.log("|---|---|---|---|---|---|---|---|---|")
  for (const r of results) {
    const ready = Number.isFinite(r.readySeconds) ? fixed(r.readySeconds) : `not within ${args["ready-timeout"]} s (${r.partitionsReady} partitions ready)`
    console.log(`| ${r.companies} | ${fixed(r.bannerSeconds)} | ${ready} | ${fixed(r.residentMiB, 0)} | ${fixed(r.idleCpuPercent, 0)} | ` +
      `${fixed(r.jobsPerSecond)} | ${fixed(r.cpuMsPerJob)} | ${fixed(r.deliveryP50Ms, 0)} / ${fixed(r.deliveryP99Ms, 0)} | ${r.lost} / ${r.duplicates} |`)
  }
  await mkdir(args.out, { recursive: true })
  const file = join(args.out, `scale-${new Date().toISOString().replace(/[:.]/g, "-")}.json`)
  await writeFile(file, `${JSON.stringify({ at: new Date().toISOString(), machine: { cores: cpus().length, memoryGiB: totalmem() / 2 ** 30 }, results }, null, 2)}\n`)
  console.log(`\nwritten: ${file}`)
}

await main()
