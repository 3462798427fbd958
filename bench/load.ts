/**
 * Load benchmark: `npm run bench`. Starts the service as its own process on real PostgreSQL + NATS (a database and a
 * NATS prefix of its own, removed at the end) or, with `--embedded`, on the embedded default; the mock provider answers
 * at once (latency 0).
 *
 *   npm run bench -- [--shape marketplace|concentrated] [--companies 300] [--rate 500] [--duration 10] [--concurrency 32]
 *                    [--mode open,closed] [--delivery-concurrency N] [--db-pool-max 10] [--replicas 1] [--embedded]
 *                    [--no-baselines] [--out bench/results] [--service-env NAME=value,NAME=value] [--priority-mix]
 *                    [--peer | --target URL [--api-key KEY]]
 *
 * Shapes (support/workload.ts), with every company's rate limit raised so that the provider's never bounds a run:
 * - marketplace (default): `--companies` receiving companies (300 or more) in groups of three sharing a skill, each job
 *   matching one group (3 routings a job); every other company setting at its default (delivery_concurrency 1);
 * - concentrated: the seed example's shape, two receiving companies taking every job (2 routings a job),
 *   delivery_concurrency 1.
 * `--delivery-concurrency N` gives every company of either shape that delivery_concurrency instead.
 * `--priority-mix` posts the jobs with a mix of priorities (of every 20: 1 urgent, 3 high, 12 normal, 4 low) instead of
 * none (normal): what ordering a company's deliveries by priority costs.
 * - open loop: `--rate` jobs a second for `--duration` seconds, each sent at its scheduled time whether or not earlier
 *   ones were answered; `POST /jobs` latency counts from the scheduled time (so a service falling behind shows as
 *   latency, not as a slower client).
 * - closed loop: `--concurrency` clients posting back to back for `--duration` seconds: the most it accepts.
 * For each: jobs/s accepted, `POST /jobs` p50/p95/p99, delivery latency p50/p95/p99 (the client has the 201 → the
 * mock recorded the lead), and the ledger: every routing of every accepted job delivered exactly once (lost and
 * duplicated leads counted); and the CPU a job of the service, PostgreSQL, nats-server, the load generator and the
 * whole machine. Baselines after the service's run (real backends only): pgbench running the job transaction's writes,
 * a minimal JetStream publish + consume (the service is stated as a fraction of each), and PostgreSQL's ceiling:
 * pgbench doing a job's whole write set, intake to delivered, in batches of 10 and of 50 jobs a statement.
 * Prints a table, writes `<out>/load-<time>.json` and `<out>/load-<time>.svg` (the latency distributions).
 * `--replicas N` runs N service processes on the same database and NATS prefix (as a deployment of N replicas would),
 * the clients' jobs spread over them in turn, and counts the CPU of all of them; real backends only.
 * `--target URL` drives a service already running (ours, or the pg-boss peer) instead of starting one, through only the
 * routes the peer has too (POST /companies, POST /companies/:id/technicians, POST /jobs, GET /jobs/:id,
 * GET /admin/providers/mock/leads, GET /health/ready), with `--api-key` (or API_KEY) as its Bearer key. Delivery is then
 * the 201 → the routing's `synced_at` from GET /jobs/:id, duplicates come from the mock's leads route
 * (support/jobsReader.ts); no CPU figures and no baselines; the companies and jobs it creates stay in that service.
 * `--peer` runs the same shape against the pg-boss peer (../shared/peers/pgboss, started by support/peer.ts on a
 * database of its own) right after the service's run, and prints both in one table with the ratio of jobs/s
 * (ours / peer); both are then read as with `--target`, so that their delivery figures compare.
 */
import { mkdir, writeFile } from "node:fs/promises"
import { cpus, loadavg, totalmem } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { apiClient } from "../test/support/client.ts"
import { deliveryRunning } from "../test/support/e2eTools.ts"
import type { ServiceProcess } from "../test/support/process.ts"
import { ADMIN_KEY, connectTo, embeddedBackends, launchService, realBackends } from "./support/backends.ts"
import { jetstreamPublishConsume, pgbenchJobTransactions, pgbenchPipeline } from "./support/baselines.ts"
import { latencyChart } from "./support/chart.ts"
import { cpuSecondsOf } from "./support/cpu.ts"
import { jobsReader } from "./support/jobsReader.ts"
import { type Load, type ModeResult, runLoad, type Subject } from "./support/loadRun.ts"
import { withPeer } from "./support/peer.ts"
import {
  createCompanies,
  MARKETPLACE_MIN_COMPANIES,
  RATE_LIMIT_PER_MINUTE,
  type Shape,
  shapeWorkload,
  SHAPES
} from "./support/workload.ts"

const { values: args } = parseArgs({
  options: {
    shape: { type: "string", default: "marketplace" },
    companies: { type: "string" },
    rate: { type: "string", default: "500" },
    duration: { type: "string", default: "10" },
    concurrency: { type: "string", default: "32" },
    mode: { type: "string", default: "open,closed" },
    "delivery-concurrency": { type: "string" },
    "db-pool-max": { type: "string", default: "10" },
    replicas: { type: "string", default: "1" },
    embedded: { type: "boolean", default: false },
    "priority-mix": { type: "boolean", default: false },
    "no-baselines": { type: "boolean", default: false },
    "service-env": { type: "string", default: "" },
    out: { type: "string", default: "bench/results" },
    peer: { type: "boolean", default: false },
    target: { type: "string" },
    "api-key": { type: "string", default: process.env["API_KEY"] ?? ADMIN_KEY }
  }
})
const SHAPE = args.shape as Shape
if (!SHAPES.includes(SHAPE)) throw new Error(`--shape takes ${SHAPES.join(" or ")}`)
const COMPANIES = Number(args.companies ?? MARKETPLACE_MIN_COMPANIES)
if (SHAPE === "marketplace" && !(COMPANIES >= MARKETPLACE_MIN_COMPANIES)) {
  throw new Error(`the marketplace shape takes --companies ${MARKETPLACE_MIN_COMPANIES} or more`)
}
if (SHAPE === "concentrated" && args.companies !== undefined) {
  throw new Error("the concentrated shape has 2 companies; --companies is the marketplace's")
}
const REPLICAS = Number(args.replicas)
if (!Number.isInteger(REPLICAS) || REPLICAS < 1 || (args.embedded && REPLICAS > 1)) {
  throw new Error("--replicas takes a whole number from 1, and only 1 with --embedded (its database lives in the process)")
}
if (args.target !== undefined && (args.peer || args.embedded || REPLICAS > 1)) {
  throw new Error("--target drives a service already running: no --peer, --embedded or --replicas with it")
}
const SERVICE_ENV = Object.fromEntries(args["service-env"].split(",").filter((p) => p.includes("=")).map((p) => {
  const at = p.indexOf("=")
  return [p.slice(0, at).trim(), p.slice(at + 1).trim()]
}))
const LOAD: Load = {
  rate: Number(args.rate),
  durationSeconds: Number(args.duration),
  concurrency: Number(args.concurrency),
  modes: args.mode.split(",").map((m) => m.trim())
}
const RUN_ID = crypto.randomUUID().replace(/-/g, "").slice(0, 8)
const workload = {
  ...shapeWorkload(SHAPE, RUN_ID, COMPANIES),
  ...(args["delivery-concurrency"] === undefined ? {} : { deliveryConcurrency: Number(args["delivery-concurrency"]) }),
  priorityMix: args["priority-mix"]
}
/** How often a reader through the API looks for leads: a request to the service each time, so not too often. */
const API_POLL_MS = 250
const BY_API = args.peer || args.target !== undefined

type Run = Awaited<ReturnType<typeof runLoad>> & { readonly on: string; readonly baselines?: Record<string, unknown> | null }

/** Our service, started here on its own database and NATS prefix (or the embedded default), removed after. */
const ours = async (): Promise<Run> => {
  const backends = args.embedded ? await embeddedBackends("load") : await realBackends("load", RUN_ID)
  const services: Array<ServiceProcess> = []
  try {
    for (let n = 0; n < REPLICAS; n++) {
      services.push(launchService(backends, {
        MATCH_MAX_ROUTINGS: String(workload.routingsPerJob),
        DB_POOL_MAX: String(args["db-pool-max"]),
        ...SERVICE_ENV
      }))
    }
    const replicas = await Promise.all(services.map((service) => connectTo(service)))
    const { api, baseUrl } = replicas[0]!
    const { creator } = await createCompanies(api, workload)
    for (const replica of replicas) await deliveryRunning(replica.api)
    const subject: Subject = {
      name: "service-integration",
      baseUrls: replicas.map((r) => r.baseUrl),
      apiKey: ADMIN_KEY,
      reader: BY_API ? await jobsReader(baseUrl, ADMIN_KEY) : backends.makeReader(api),
      pollMs: BY_API ? API_POLL_MS : 100,
      cpuSeconds: async () => (await Promise.all(services.map((s) => cpuSecondsOf(s.child.pid)))).reduce((a, b) => a + b, 0)
    }
    const on = `${backends.label}${REPLICAS > 1 ? `, ${REPLICAS} service processes` : ""}`
    console.log(`${subject.name} on ${on}`)
    const run = await runLoad(subject, workload, creator, LOAD)
    const baselines = args["no-baselines"] || args.embedded ? null : {
      pgbench: await pgbenchJobTransactions({ routings: workload.routingsPerJob, clients: 8, seconds: 10, runId: RUN_ID }),
      jetstream: await jetstreamPublishConsume({ count: 30_000, size: 120, window: 256, runId: RUN_ID }),
      pipeline: [
        { batch: 10, ...await pgbenchPipeline({ routings: workload.routingsPerJob, batch: 10, clients: 8, seconds: 10, runId: RUN_ID }) },
        { batch: 50, ...await pgbenchPipeline({ routings: workload.routingsPerJob, batch: 50, clients: 8, seconds: 10, runId: RUN_ID }) }
      ]
    }
    return { ...run, on, baselines }
  } finally {
    await Promise.all(services.map((service) => service.stop()))
    await backends.cleanup()
  }
}

/** A service already running at `baseUrl`, driven through the routes the peer has too. */
const driven = async (name: string, baseUrl: string, cpuSeconds: () => Promise<number>): Promise<Run> => {
  const ready = await fetch(`${baseUrl}/health/ready`).then((r) => r.status, (e) => String(e))
  if (ready !== 200) throw new Error(`${baseUrl}/health/ready answered ${ready}`)
  const apiKey = args["api-key"]
  const { creator } = await createCompanies(apiClient(baseUrl, apiKey), workload)
  const reader = await jobsReader(baseUrl, apiKey)
  console.log(`${name} at ${baseUrl}`)
  const run = await runLoad({ name, baseUrls: [baseUrl], apiKey, reader, pollMs: API_POLL_MS, cpuSeconds }, workload, creator, LOAD)
  return { ...run, on: baseUrl }
}

const figure = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "—")

const printTable = (results: ReadonlyArray<ModeResult>) => {
  console.log("")
  console.log("| service | mode | offered | accepted | jobs/s | POST p50 / p95 / p99 ms | delivery p50 / p95 / p99 ms | routings | lost | duplicates | service CPU ms/job |")
  console.log("|---|---|---|---|---|---|---|---|---|---|---|")
  for (const r of results) {
    console.log(`| ${r.service} | ${r.mode} | ${r.offered} | ${r.accepted}${r.failed > 0 ? ` (+${r.failed} failed)` : ""} | ` +
      `${figure(r.jobsPerSecond)} | ${figure(r.postMs.p50)} / ${figure(r.postMs.p95)} / ${figure(r.postMs.p99)} | ` +
      `${figure(r.deliveryMs.p50)} / ${figure(r.deliveryMs.p95)} / ${figure(r.deliveryMs.p99)} | ${r.routings} | ` +
      `${r.lost} | ${r.duplicates} | ${figure(r.serviceCpuMsPerJob)} |`)
  }
  for (const r of results) {
    const reasons = Object.entries(r.failures)
    if (reasons.length > 0) console.log(`${r.service}, ${r.mode}: failed requests: ${reasons.map(([k, n]) => `${n} × ${k}`).join("; ")}`)
  }
}

/** Where the CPU went, a job: each part, and the machine as a whole (all its cores). */
const printCpuSplit = (results: ReadonlyArray<ModeResult>) => {
  console.log("")
  console.log(`| CPU ms a job | mode | service | PostgreSQL | nats-server | load generator | machine (${cpus().length} cores) |`)
  console.log("|---|---|---|---|---|---|---|")
  for (const r of results) {
    const c = r.cpuMsPerJob
    console.log(`| ${r.service} | ${r.mode} | ${figure(c.service)} | ${figure(c.postgres)} | ${figure(c.nats)} | ` +
      `${figure(c.loadGenerator)} | ${figure(c.machine)} |`)
  }
}

/** Ours / the peer's jobs/s, mode by mode. */
const printRatios = (ours: ReadonlyArray<ModeResult>, peer: ReadonlyArray<ModeResult>) => {
  console.log("")
  for (const o of ours) {
    const p = peer.find((r) => r.mode === o.mode)
    if (p !== undefined) {
      console.log(`${o.mode}: jobs/s ours / peer = ${figure(o.jobsPerSecond)} / ${figure(p.jobsPerSecond)} = ` +
        `${(o.jobsPerSecond / p.jobsPerSecond).toFixed(2)}`)
    }
  }
}

const printBaselines = (results: ReadonlyArray<ModeResult>, baselines: Record<string, any>) => {
  const best = Math.max(...results.map((r) => r.jobsPerSecond))
  const routings = workload.routingsPerJob
  console.log("")
  console.log(`baselines: pgbench (job transaction: 1 job + ${routings} routings + ${routings} outbox rows, 8 clients) ` +
    `${figure(baselines["pgbench"].tps)} tps; JetStream publish (with msg id) + pull consume and ack ` +
    `${figure(baselines["jetstream"].messagesPerSecond)} msgs/s`)
  console.log(`the service's best: ${figure(best)} jobs/s = ${figure((100 * best) / baselines["pgbench"].tps)} % of pgbench's tps, ` +
    `${figure((100 * best * routings) / baselines["jetstream"].messagesPerSecond)} % of JetStream's msgs/s ` +
    `(${routings} messages a job)`)
  const pipelines = baselines["pipeline"] as ReadonlyArray<{ batch: number; jobsPerSecond: number }>
  console.log(`PostgreSQL's ceiling (pgbench doing nothing but a job's whole write set, each stage one statement for ` +
    `the batch, 8 clients): ${pipelines.map((p) => `${figure(p.jobsPerSecond)} jobs/s in batches of ${p.batch}`).join(", ")}`)
}

const main = async () => {
  console.log(`shape ${SHAPE}: ${workload.groups * workload.routingsPerJob} receiving companies in ${workload.groups} ` +
    `group(s) of ${workload.routingsPerJob} (${workload.routingsPerJob} routings a job), delivery_concurrency ` +
    `${workload.deliveryConcurrency ?? "default"}, rate_limit_per_minute ${RATE_LIMIT_PER_MINUTE}, mock latency 0, ` +
    `priorities ${workload.priorityMix ? "mixed" : "none given (normal)"}; ` +
    `${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`)
  console.log(`delivery: the 201 at the client → ${BY_API ? "the routing's synced_at (GET /jobs/:id)" : "the lead recorded at the mock"}`)
  const runs: Array<Run> = []
  if (args.target !== undefined) runs.push(await driven("target", args.target.replace(/\/$/, ""), async () => Number.NaN))
  else {
    runs.push(await ours())
    if (args.peer) {
      const peerEnv = { MATCH_MAX_ROUTINGS: String(workload.routingsPerJob) }
      runs.push(await withPeer(RUN_ID, peerEnv, (peer) => driven("pg-boss peer", peer.baseUrl, () => cpuSecondsOf(peer.pid))))
    }
  }
  const results = runs.flatMap((r) => r.results)
  printTable(results)
  printCpuSplit(results)
  if (runs.length === 2) printRatios(runs[0]!.results, runs[1]!.results)
  const baselines = runs[0]!.baselines ?? null
  if (baselines !== null) printBaselines(runs[0]!.results, baselines)

  const stamp = new Date().toISOString().replace(/[:.]/g, "-")
  await mkdir(args.out, { recursive: true })
  const json = join(args.out, `load-${stamp}.json`)
  const svg = join(args.out, `load-${stamp}.svg`)
  await writeFile(json, `${JSON.stringify({
    at: new Date().toISOString(),
    on: runs.map((r) => r.on),
    machine: { cores: cpus().length, model: cpus()[0]?.model, memoryGiB: totalmem() / 2 ** 30, loadAverage: loadavg() },
    workload: { shape: SHAPE, ...workload, ...LOAD, replicas: REPLICAS, serviceEnv: SERVICE_ENV, deliveryBy: BY_API ? "synced_at" : "mock" },
    results,
    baselines
  }, null, 2)}\n`)
  await writeFile(svg, latencyChart(`service-integration load benchmark (${SHAPE}, ${runs.map((r) => r.on.split(" (")[0]).join(" / ")})`,
    runs.flatMap((r) => r.charts)))
  console.log(`\nwritten: ${json}, ${svg}`)
  if (results.some((r) => r.lost !== 0 || r.duplicates !== 0)) {
    console.error("LEDGER CHECK FAILED: some routings were lost or delivered twice")
    process.exitCode = 1
  }
}

await main()
