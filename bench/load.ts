/**
 * Load benchmark: `npm run bench`. Starts the service as its own process on real PostgreSQL + NATS (a database and a
 * NATS prefix of its own, removed at the end) or, with `--embedded`, on the embedded default; the mock provider answers
 * at once (latency 0); every job matches 3 companies (3 routings).
 *
 *   npm run bench -- [--rate 500] [--duration 10] [--concurrency 32] [--mode open,closed] [--companies 30]
 *                    [--delivery-concurrency 8] [--db-pool-max 10] [--replicas 1] [--embedded] [--no-baselines] [--out bench/results]
 *                    [--service-env NAME=value,NAME=value]   (more environment for the service, e.g. OTEL_SDK_DISABLED=true)
 *
 * - open loop: `--rate` jobs a second for `--duration` seconds, each sent at its scheduled time whether or not earlier
 *   ones were answered; `POST /jobs` latency counts from the scheduled time (so a service falling behind shows as
 *   latency, not as a slower client).
 * - closed loop: `--concurrency` clients posting back to back for `--duration` seconds: the most it accepts.
 * For each: jobs/s accepted, `POST /jobs` p50/p95/p99, delivery latency p50/p95/p99 (the client has the 201 → the
 * mock recorded the lead), and the ledger: every routing of every accepted job delivered exactly once (lost and
 * duplicated leads counted). Baselines in the same run (real backends only): pgbench running the job transaction's
 * writes, and a minimal JetStream publish + consume; the service is stated as a fraction of each.
 * Prints a table, writes `<out>/load-<time>.json` and `<out>/load-<time>.svg` (the latency distributions).
 * `--replicas N` runs N service processes on the same database and NATS prefix (as a deployment of N replicas would),
 * the clients' jobs spread over them in turn, and counts the CPU of all of them; real backends only.
 */
import { mkdir, writeFile } from "node:fs/promises"
import { cpus, loadavg, totalmem } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import type { ServiceProcess } from "../test/support/process.ts"
import { connectTo, embeddedBackends, launchService, type LeadReader, realBackends, type Routing, waitForLeads } from "./support/backends.ts"
import { jetstreamPublishConsume, pgbenchJobTransactions } from "./support/baselines.ts"
import { latencyChart } from "./support/chart.ts"
import { cpuSecondsOf } from "./support/cpu.ts"
import { summary } from "./support/figures.ts"
import { deliveryRunning } from "../test/support/e2eTools.ts"
import { createCompanies, postJob, type Workload } from "./support/workload.ts"

const { values: args } = parseArgs({
  options: {
    rate: { type: "string", default: "500" },
    duration: { type: "string", default: "10" },
    concurrency: { type: "string", default: "32" },
    mode: { type: "string", default: "open,closed" },
    companies: { type: "string", default: "30" },
    "delivery-concurrency": { type: "string", default: "8" },
    "db-pool-max": { type: "string", default: "10" },
    replicas: { type: "string", default: "1" },
    embedded: { type: "boolean", default: false },
    "no-baselines": { type: "boolean", default: false },
    "service-env": { type: "string", default: "" },
    out: { type: "string", default: "bench/results" }
  }
})
const RATE = Number(args.rate)
const DURATION_S = Number(args.duration)
const CONCURRENCY = Number(args.concurrency)
const MODES = args.mode.split(",").map((m) => m.trim())
const SERVICE_ENV = Object.fromEntries(args["service-env"].split(",").filter((p) => p.includes("=")).map((p) => {
  const at = p.indexOf("=")
  return [p.slice(0, at).trim(), p.slice(at + 1).trim()]
}))
const REPLICAS = Number(args.replicas)
if (!Number.isInteger(REPLICAS) || REPLICAS < 1 || (args.embedded && REPLICAS > 1)) {
  throw new Error("--replicas takes a whole number from 1, and only 1 with --embedded (its database lives in the process)")
}
const ROUTINGS_PER_JOB = 3
const RUN_ID = crypto.randomUUID().replace(/-/g, "").slice(0, 8)
const workload: Workload = {
  runId: RUN_ID,
  groups: Math.max(1, Math.floor(Number(args.companies) / ROUTINGS_PER_JOB)),
  routingsPerJob: ROUTINGS_PER_JOB,
  deliveryConcurrency: Number(args["delivery-concurrency"])
}

/** Why requests failed, counted: the answer's status and error code, or the client's error. */
const failures = new Map<string, number>()
const countFailure = (error: unknown) => {
  const text = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}` : String(error)
  const reason = /answered (\d+): .*"code":"([a-z_]+)"/.exec(text)?.slice(1).join(" ") ?? text.slice(0, 80)
  failures.set(reason, (failures.get(reason) ?? 0) + 1)
}

interface Run {
  readonly mode: string
  readonly offered: string
  readonly accepted: number
  readonly failed: number
  readonly seconds: number
  readonly postMs: ReadonlyArray<number>
  readonly routings: ReadonlyArray<Routing>
}

/** Open loop: job `k` is sent at `start + k / rate`, answered or not; latency from that scheduled time. */
const openLoop = async (baseUrls: ReadonlyArray<string>, creator: string, first: number): Promise<Run> => {
  const total = Math.round(RATE * DURATION_S)
  const routings: Array<Routing> = []
  const postMs: Array<number> = []
  let failed = 0
  const start = performance.now()
  const sent: Array<Promise<void>> = []
  for (let k = 0; k < total; k++) {
    const scheduled = start + (k * 1000) / RATE
    const wait = scheduled - performance.now()
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
    sent.push(postJob(baseUrls[k % baseUrls.length]!, workload, creator, first + k).then(
      (job) => {
        postMs.push(performance.now() - scheduled)
        routings.push(...job.routings)
      },
      (error) => {
        failed++
        countFailure(error)
      }
    ))
  }
  await Promise.all(sent)
  const seconds = (performance.now() - start) / 1000
  return { mode: "open", offered: `${RATE} jobs/s for ${DURATION_S} s`, accepted: postMs.length, failed, seconds, postMs, routings }
}

/** Closed loop: `CONCURRENCY` clients, each posting its next job as soon as the last is answered. */
const closedLoop = async (baseUrls: ReadonlyArray<string>, creator: string, first: number): Promise<Run> => {
  const routings: Array<Routing> = []
  const postMs: Array<number> = []
  let failed = 0
  let next = first
  const start = performance.now()
  const end = start + DURATION_S * 1000
  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, client) => {
    const baseUrl = baseUrls[client % baseUrls.length]!
    while (performance.now() < end) {
      const job = await postJob(baseUrl, workload, creator, next++).catch((error) => {
        countFailure(error)
        return null
      })
      if (job === null) failed++
      else {
        postMs.push(job.requestMs)
        routings.push(...job.routings)
      }
    }
  }))
  const seconds = (performance.now() - start) / 1000
  return { mode: "closed", offered: `${CONCURRENCY} clients for ${DURATION_S} s`, accepted: postMs.length, failed, seconds, postMs, routings }
}

/** Waits for every lead, then checks the ledger: one lead per routing, none twice. */
const settle = async (run: Run, reader: LeadReader) => {
  const received = await waitForLeads(reader, run.routings, 100, 300_000).catch(async () => reader.receivedAt(run.routings))
  const deliveryMs = run.routings.flatMap((r) => (received.has(r.id) ? [received.get(r.id)! - r.acceptedAt] : []))
  return { received, deliveryMs, lost: run.routings.length - received.size, duplicates: await reader.duplicates() }
}

const figure = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "—")

const main = async () => {
  const backends = args.embedded ? await embeddedBackends("load") : await realBackends("load", RUN_ID)
  const services: Array<ServiceProcess> = []
  const results: Array<Record<string, unknown>> = []
  const charts: Array<{ label: string; valuesMs: ReadonlyArray<number> }> = []
  try {
    for (let n = 0; n < REPLICAS; n++) {
      services.push(launchService(backends, {
        MATCH_MAX_ROUTINGS: String(ROUTINGS_PER_JOB),
        DB_POOL_MAX: String(args["db-pool-max"]),
        ...SERVICE_ENV
      }))
    }
    const replicas = await Promise.all(services.map((service) => connectTo(service)))
    const { api, baseUrl } = replicas[0]!
    const baseUrls = replicas.map((r) => r.baseUrl)
    const reader = backends.makeReader(api)
    const { receivers, creator } = await createCompanies(api, workload)
    for (const replica of replicas) await deliveryRunning(replica.api)
    const cpuOfServices = async () => (await Promise.all(services.map((s) => cpuSecondsOf(s.child.pid)))).reduce((a, b) => a + b, 0)
    console.log(`load benchmark on ${backends.label}${REPLICAS > 1 ? `, ${REPLICAS} service processes` : ""}`)
    console.log(`  ${receivers.length} receiving companies on the mock (latency 0), ${ROUTINGS_PER_JOB} routings a job, ` +
      `delivery_concurrency ${workload.deliveryConcurrency}; ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`)
    // A short warm-up, so that connections and code paths are ready before measuring.
    await closedLoopWarmUp(baseUrl, creator, reader)

    let first = 1_000
    for (const mode of MODES) {
      failures.clear()
      const cpuBefore = await cpuOfServices()
      const run = mode === "open" ? await openLoop(baseUrls, creator, first) : await closedLoop(baseUrls, creator, first)
      first += run.accepted + run.failed
      const settled = await settle(run, reader)
      const serviceCpu = (await cpuOfServices()) - cpuBefore
      const post = summary(run.postMs)
      const delivery = summary(settled.deliveryMs)
      results.push({
        mode: run.mode,
        offered: run.offered,
        accepted: run.accepted,
        failed: run.failed,
        jobsPerSecond: run.accepted / run.seconds,
        postMs: post,
        deliveryMs: delivery,
        routings: run.routings.length,
        delivered: settled.received.size,
        lost: settled.lost,
        duplicates: settled.duplicates,
        failures: Object.fromEntries(failures),
        serviceCpuSeconds: serviceCpu,
        serviceCpuMsPerJob: (serviceCpu * 1000) / Math.max(1, run.accepted)
      })
      charts.push({ label: `${run.mode}: POST /jobs`, valuesMs: run.postMs }, { label: `${run.mode}: delivery`, valuesMs: settled.deliveryMs })
    }

    const baselines = args["no-baselines"] || args.embedded ? null : {
      pgbench: await pgbenchJobTransactions({ routings: ROUTINGS_PER_JOB, clients: 8, seconds: 10, runId: RUN_ID }),
      jetstream: await jetstreamPublishConsume({ count: 30_000, size: 120, window: 256, runId: RUN_ID })
    }

    printTable(results, baselines)
    const stamp = new Date().toISOString().replace(/[:.]/g, "-")
    await mkdir(args.out, { recursive: true })
    const json = join(args.out, `load-${stamp}.json`)
    const svg = join(args.out, `load-${stamp}.svg`)
    await writeFile(json, `${JSON.stringify({
      at: new Date().toISOString(),
      backends: backends.label,
      machine: { cores: cpus().length, model: cpus()[0]?.model, memoryGiB: totalmem() / 2 ** 30, loadAverage: loadavg() },
      workload: { ...workload, rate: RATE, durationSeconds: DURATION_S, concurrency: CONCURRENCY, replicas: REPLICAS, serviceEnv: SERVICE_ENV },
      results,
      baselines
    }, null, 2)}\n`)
    await writeFile(svg, latencyChart(`service-integration load benchmark (${backends.label.split(" (")[0]})`, charts))
    console.log(`\nwritten: ${json}, ${svg}`)
    const broken = results.filter((r) => r["lost"] !== 0 || r["duplicates"] !== 0)
    if (broken.length > 0) {
      console.error("LEDGER CHECK FAILED: some routings were lost or delivered twice")
      process.exitCode = 1
    }
  } finally {
    await Promise.all(services.map((service) => service.stop()))
    await backends.cleanup()
  }
}

const closedLoopWarmUp = async (baseUrl: string, creator: string, reader: LeadReader) => {
  const routings: Array<Routing> = []
  for (let n = 0; n < 20; n++) routings.push(...(await postJob(baseUrl, workload, creator, n)).routings)
  await waitForLeads(reader, routings, 50, 60_000)
}

const printTable = (results: ReadonlyArray<Record<string, any>>, baselines: Record<string, any> | null) => {
  console.log("")
  console.log("| mode | offered | accepted | jobs/s | POST p50 / p95 / p99 ms | delivery p50 / p95 / p99 ms | routings | lost | duplicates | service CPU ms/job |")
  console.log("|---|---|---|---|---|---|---|---|---|---|")
  for (const r of results) {
    console.log(`| ${r["mode"]} | ${r["offered"]} | ${r["accepted"]}${r["failed"] > 0 ? ` (+${r["failed"]} failed)` : ""} | ` +
      `${figure(r["jobsPerSecond"])} | ${figure(r["postMs"].p50)} / ${figure(r["postMs"].p95)} / ${figure(r["postMs"].p99)} | ` +
      `${figure(r["deliveryMs"].p50)} / ${figure(r["deliveryMs"].p95)} / ${figure(r["deliveryMs"].p99)} | ${r["routings"]} | ` +
      `${r["lost"]} | ${r["duplicates"]} | ${figure(r["serviceCpuMsPerJob"])} |`)
  }
  for (const r of results) {
    const reasons = Object.entries(r["failures"] as Record<string, number>)
    if (reasons.length > 0) console.log(`${r["mode"]}: failed requests: ${reasons.map(([k, n]) => `${n} × ${k}`).join("; ")}`)
  }
  if (baselines === null) return
  const best = Math.max(...results.map((r) => r["jobsPerSecond"] as number))
  console.log("")
  console.log(`baselines: pgbench (job transaction: 1 job + ${ROUTINGS_PER_JOB} routings + ${ROUTINGS_PER_JOB} outbox rows, 8 clients) ` +
    `${figure(baselines["pgbench"].tps)} tps; JetStream publish (with msg id) + pull consume and ack ` +
    `${figure(baselines["jetstream"].messagesPerSecond)} msgs/s`)
  console.log(`the service's best: ${figure(best)} jobs/s = ${figure((100 * best) / baselines["pgbench"].tps)} % of pgbench's tps, ` +
    `${figure((100 * best * ROUTINGS_PER_JOB) / baselines["jetstream"].messagesPerSecond)} % of JetStream's msgs/s ` +
    `(${ROUTINGS_PER_JOB} messages a job)`)
}

await main()
