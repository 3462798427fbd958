/**
 * End-to-end delivery latency: from a job being accepted to each of its routings' leads being recorded by the mock
 * provider. The service runs as its own process (as `npm start` does) on real PostgreSQL, in a database of its own that
 * is dropped at the end, and real NATS JetStream, under a NATS_PREFIX of its own whose streams are deleted at the end.
 *
 *   npm run bench:delivery -- [--jobs 50] [--burst 1000] [--concurrency 32] [--routings-per-job 3]
 *                             [--companies 30] [--delivery-concurrency 4] [--db-pool-max 10] [--warmup 5] [--embedded]
 *                             [--cpu-prof DIR]   (a V8 CPU profile of the service, written to DIR when it stops)
 *
 * What is measured, per routing: latency = mock_leads.received_at (stamped by the mock provider inside the service when
 * it records the lead; mock_leads.external_id is the routing id) − the moment the client got the `201` of `POST /jobs`
 * (when `fetch` resolved with the response headers). The benchmark and the service run on the same machine, so the
 * client's `Date.now()` and the service's timestamps come from the same clock; the client's has millisecond resolution.
 * A lead may be recorded before the 201 reaches a busy client, so a latency can come out slightly negative. Also
 * printed: the server-only latency from the routing's `created_at` (stamped in the job's transaction, before commit),
 * and where that time goes, from timestamps the service already stores (outbox_events.published_at, the first
 * routing_attempts row, job_routings.synced_at).
 *
 * Scenarios:
 *  (a) sequential: `--jobs` jobs one after the other, each waiting until all its leads are recorded;
 *  (b) burst: `--burst` jobs posted as fast as `--concurrency` client connections allow, then waiting for every lead.
 * Each prints p50/p95/p99/max latency, throughput (leads / time from the first POST to the last lead recorded) and that
 * time; the burst also says how many leads were in when the last 201 came and how fast the rest drained. In (a) the
 * throughput includes the benchmark's own wait between jobs (it polls for the leads every few ms), so it is not a
 * capacity figure. Each scenario also prints the CPU time the service process and the benchmark used meanwhile (from
 * /proc): PostgreSQL, NATS and the benchmark share the machine's cores with the service.
 *
 * Set-up: `--companies` receiving companies on the mock provider (latency_ms 0) in groups of `--routings-per-job`; each
 * group shares a skill of its own and jobs ask for the groups' skills in turn, so every job matches exactly one group
 * (MATCH_MAX_ROUTINGS is set to `--routings-per-job`) and the load is spread over all companies. Each company has
 * rate_limit_per_minute 100000 (the most the API allows; the limiter is a token bucket that starts full, so it never
 * throttles here) and delivery_concurrency `--delivery-concurrency` (1..64; the default 1 would serialize a company's
 * deliveries). Jobs are created by a company with no skills and no provider.
 *
 * `--embedded` runs the service with no DATABASE_URL and no NATS_URL instead: embedded PGlite (in a temporary DATA_DIR,
 * removed at the end) and the in-process broker. The relay there has no NOTIFY and polls every RELAY_POLL_SECONDS, and
 * the leads are read through `GET /admin/providers/mock/leads` since the database lives inside the service; no stage
 * breakdown is printed.
 *
 * PostgreSQL: TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres); NATS: NATS_TEST_URL (default
 * nats://127.0.0.1:4222).
 */
import type postgres from "postgres"
import { cpus, loadavg } from "node:os"
import { parseArgs } from "node:util"
import type { ServiceProcess } from "../test/support/process.ts"
import {
  connectTo,
  embeddedBackends,
  launchService,
  type LeadReader,
  realBackends,
  type Routing,
  waitForLeads
} from "./support/backends.ts"
import { cpuSecondsOf, ownCpuSeconds } from "./support/cpu.ts"
import { distribution, median, ms, percentile, sortedOf } from "./support/figures.ts"
import { deliveryRunning } from "../test/support/e2eTools.ts"
import { createCompanies, type Creator, postJob, RATE_LIMIT_PER_MINUTE, type Workload } from "./support/workload.ts"

const { values: args } = parseArgs({
  options: {
    jobs: { type: "string", default: "50" },
    burst: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "32" },
    "routings-per-job": { type: "string", default: "3" },
    companies: { type: "string", default: "30" },
    "delivery-concurrency": { type: "string", default: "4" },
    "db-pool-max": { type: "string", default: "10" },
    warmup: { type: "string", default: "5" },
    embedded: { type: "boolean", default: false },
    "cpu-prof": { type: "string" }
  }
})
const JOBS = Number(args.jobs)
const BURST = Number(args.burst)
const CONCURRENCY = Number(args.concurrency)
const ROUTINGS_PER_JOB = Number(args["routings-per-job"])
const GROUPS = Math.max(1, Math.floor(Number(args.companies) / ROUTINGS_PER_JOB))
const DELIVERY_CONCURRENCY = Number(args["delivery-concurrency"])
const DB_POOL_MAX = Number(args["db-pool-max"])
const WARMUP = Number(args.warmup)
const EMBEDDED = args.embedded
/** A directory for a V8 CPU profile of the service (written when it exits), for Chrome DevTools or speedscope. */
const CPU_PROFILE_DIR = args["cpu-prof"]
const RUN_ID = crypto.randomUUID().replace(/-/g, "").slice(0, 8)
/** How often the sequential scenario looks for a job's leads; on the embedded database each look is a request to the service. */
const SEQUENTIAL_POLL_MS = EMBEDDED ? 25 : 5
const BURST_POLL_MS = 50
const IDLE_SAMPLE_MS = 3_000

const workload: Workload = { runId: RUN_ID, groups: GROUPS, routingsPerJob: ROUTINGS_PER_JOB, deliveryConcurrency: DELIVERY_CONCURRENCY }

// ---------------------------------------------------------------------------------------------------------------------
// Where the time goes (PostgreSQL only): the service's own timestamps of each routing

interface Stages {
  readonly id: string
  readonly createdMs: number
  readonly publishedMs: number
  readonly callStartedMs: number
  readonly receivedMs: number
  readonly syncedMs: number
}

const stagesOf = (sql: postgres.Sql, routings: ReadonlyArray<Routing>) =>
  sql<Array<Stages>>`
    select r.id,
      (extract(epoch from r.created_at) * 1000)::float8 as "createdMs",
      (extract(epoch from o.published_at) * 1000)::float8 as "publishedMs",
      (extract(epoch from a.at) * 1000 - a.duration_ms)::float8 as "callStartedMs",
      (extract(epoch from m.received_at) * 1000)::float8 as "receivedMs",
      (extract(epoch from r.synced_at) * 1000)::float8 as "syncedMs"
    from job_routings r
    join outbox_events o on o.aggregate_id = r.id and o.type = 'routing.created'
    join mock_leads m on m.external_id = r.id::text
    join lateral (select at, duration_ms from routing_attempts where routing_id = r.id order by at limit 1) a on true
    where r.id = any(${routings.map((r) => r.id)}::uuid[])`

const printStages = (rows: ReadonlyArray<Stages>, routings: ReadonlyArray<Routing>) => {
  const acceptedAt = new Map(routings.map((r) => [r.id, r.acceptedAt]))
  const line = (label: string, values: ReadonlyArray<number>) =>
    console.log(`    ${label.padEnd(44)} p50 ${ms(median(values)).padStart(9)}   p95 ${ms(percentile(sortedOf(values), 95)).padStart(9)}`)
  console.log("  where the time goes (service timestamps, ms resolution; published_at is stamped after the publish, so stages can overlap):")
  line("created_at → 201 at the client", rows.map((r) => acceptedAt.get(r.id)! - r.createdMs))
  line("created_at → outbox published_at (relay)", rows.map((r) => r.publishedMs - r.createdMs))
  line("published_at → provider call starts (actor)", rows.map((r) => r.callStartedMs - r.publishedMs))
  line("call starts → lead recorded (mock)", rows.map((r) => r.receivedMs - r.callStartedMs))
  line("lead recorded → routing synced", rows.map((r) => r.syncedMs - r.receivedMs))
  line("created_at → lead recorded (server only)", rows.map((r) => r.receivedMs - r.createdMs))
}

// ---------------------------------------------------------------------------------------------------------------------
// Scenarios

interface Outcome {
  readonly routings: ReadonlyArray<Routing>
  readonly received: Map<string, number>
  /** Epoch ms of the first request. */
  readonly startedAt: number
}

const latenciesOf = ({ routings, received }: Outcome) => routings.map((r) => received.get(r.id)! - r.acceptedAt)

const printOutcome = async (outcome: Outcome, sql: postgres.Sql | null) => {
  const latencies = latenciesOf(outcome)
  const lastLead = Math.max(...outcome.received.values())
  const drainSeconds = (lastLead - outcome.startedAt) / 1000
  console.log(`  latency (201 → lead recorded)  ${distribution(latencies)}`)
  console.log(`  ${(outcome.routings.length / drainSeconds).toFixed(0)} leads/s; all ${outcome.routings.length} leads in ` +
    `${drainSeconds.toFixed(2)} s after the first POST`)
  if (sql !== null) printStages(await stagesOf(sql, outcome.routings), outcome.routings)
}

/** Posts jobs one after the other, each only once every lead of the one before was recorded. */
const runSequential = async (baseUrl: string, creator: Creator, reader: LeadReader, count: number, first: number) => {
  const routings: Array<Routing> = []
  const received = new Map<string, number>()
  const startedAt = Date.now()
  for (let n = first; n < first + count; n++) {
    const job = await postJob(baseUrl, workload, creator, n)
    for (const [id, at] of await waitForLeads(reader, job.routings, SEQUENTIAL_POLL_MS)) received.set(id, at)
    routings.push(...job.routings)
  }
  return { routings, received, startedAt }
}

/** Posts `count` jobs over `CONCURRENCY` connections as fast as they are answered, then waits for every lead. */
const runBurst = async (baseUrl: string, creator: Creator, reader: LeadReader, count: number, first: number) => {
  const routings: Array<Routing> = []
  const requestMs: Array<number> = []
  let next = first
  const startedAt = Date.now()
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < first + count) {
      const job = await postJob(baseUrl, workload, creator, next++)
      routings.push(...job.routings)
      requestMs.push(job.requestMs)
    }
  }))
  const postedAt = Date.now()
  const postedSeconds = (postedAt - startedAt) / 1000
  console.log(`  posting took ${postedSeconds.toFixed(2)} s (${(count / postedSeconds).toFixed(0)} jobs/s); ` +
    `POST /jobs ${distribution(requestMs)}`)
  const inWhilePosting = (await reader.receivedAt(routings)).size
  const received = await waitForLeads(reader, routings, BURST_POLL_MS)
  const rest = routings.length - inWhilePosting
  const restSeconds = (Math.max(...received.values()) - postedAt) / 1000
  console.log(`  ${inWhilePosting} leads were in when the last 201 came; the other ${rest} took ${restSeconds.toFixed(2)} s more ` +
    `(${(rest / restSeconds).toFixed(0)} leads/s with no new jobs coming)`)
  return { routings, received, startedAt }
}

// ---------------------------------------------------------------------------------------------------------------------
// CPU: a cheap hint of where the time goes

/** Runs a scenario and prints the CPU the service and the benchmark used meanwhile. */
const withCpu = async <A>(service: ServiceProcess, scenario: () => Promise<A>, label = "") => {
  const before = { service: await cpuSecondsOf(service.child.pid), own: ownCpuSeconds(), at: performance.now() }
  const result = await scenario()
  const wall = (performance.now() - before.at) / 1000
  const serviceCpu = (await cpuSecondsOf(service.child.pid)) - before.service
  const ownCpu = ownCpuSeconds() - before.own
  console.log(`  CPU${label === "" ? "" : ` (${label})`} over ${wall.toFixed(1)} s: service ${serviceCpu.toFixed(1)} s (${(100 * serviceCpu / wall).toFixed(0)} % of a core), ` +
    `benchmark client ${ownCpu.toFixed(1)} s; ${cpus().length} cores, load average now ${loadavg()[0]!.toFixed(1)}`)
  return result
}

// ---------------------------------------------------------------------------------------------------------------------

const main = async () => {
  const backends = EMBEDDED ? await embeddedBackends("delivery") : await realBackends("delivery", RUN_ID)
  const { sql } = backends
  let service: ServiceProcess | null = null
  try {
    service = launchService(backends, { MATCH_MAX_ROUTINGS: String(ROUTINGS_PER_JOB), DB_POOL_MAX: String(DB_POOL_MAX) }, CPU_PROFILE_DIR)
    const { api, baseUrl } = await connectTo(service)
    const reader = backends.makeReader(api)
    const { receivers, creator } = await createCompanies(api, workload)
    await deliveryRunning(api)

    console.log(`delivery latency on ${backends.label}`)
    console.log(`  ${receivers.length} receiving companies (${GROUPS} groups of ${ROUTINGS_PER_JOB}, ${ROUTINGS_PER_JOB} routings ` +
      `per job), mock latency_ms 0, delivery_concurrency ${DELIVERY_CONCURRENCY}, rate_limit_per_minute ` +
      `${RATE_LIMIT_PER_MINUTE}, DB_POOL_MAX ${DB_POOL_MAX}`)

    await withCpu(service, () => new Promise((resolve) => setTimeout(resolve, IDLE_SAMPLE_MS)), "idle, before any job")

    let n = 0
    if (WARMUP > 0) {
      await runSequential(baseUrl, creator, reader, WARMUP, n)
      n += WARMUP
    }

    if (JOBS > 0) {
      console.log(`(a) sequential: ${JOBS} jobs one after the other, ${JOBS * ROUTINGS_PER_JOB} leads (after ${WARMUP} warm-up jobs)`)
      await printOutcome(await withCpu(service, () => runSequential(baseUrl, creator, reader, JOBS, n)), sql)
      n += JOBS
    }

    if (BURST > 0) {
      console.log(`(b) burst: ${BURST} jobs at client concurrency ${CONCURRENCY}, ${BURST * ROUTINGS_PER_JOB} leads`)
      await printOutcome(await withCpu(service, () => runBurst(baseUrl, creator, reader, BURST, n)), sql)
    }

    const duplicates = await reader.duplicates()
    if (duplicates > 0) console.log(`  !! the mock recorded ${duplicates} leads more than once`)
  } finally {
    if (service !== null) {
      const code = await service.stop()
      if (code !== 0) console.error(`service exited with ${code}; its output:\n${service.output()}`)
    }
    await backends.cleanup()
  }
}

await main()
