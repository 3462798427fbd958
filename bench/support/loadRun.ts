/**
 * The load benchmark's run against one service, whichever started it: a warm-up, then an open and/or a closed loop of
 * `POST /jobs`, each followed by waiting for every lead and checking the ledger (every routing delivered exactly once).
 */
import { type LeadReader, type Routing, waitForLeads } from "./backends.ts"
import { cpuMsPerJob, type CpuSnapshot, cpuSnapshot } from "./cpu.ts"
import { summary } from "./figures.ts"
import { type Creator, postJob, type Workload } from "./workload.ts"

/** The service a run drives. */
export interface Subject {
  /** Its name in the table. */
  readonly name: string
  /** One base URL per process; the clients take them in turn. */
  readonly baseUrls: ReadonlyArray<string>
  readonly apiKey: string
  readonly reader: LeadReader
  /** How often to look for leads while waiting for them. */
  readonly pollMs: number
  /** CPU seconds its processes have used so far; NaN where they cannot be read. */
  readonly cpuSeconds: () => Promise<number>
}

export interface Load {
  readonly rate: number
  readonly durationSeconds: number
  readonly concurrency: number
  readonly modes: ReadonlyArray<string>
}

export interface ModeResult {
  readonly service: string
  readonly mode: string
  readonly offered: string
  readonly accepted: number
  readonly failed: number
  readonly jobsPerSecond: number
  readonly postMs: ReturnType<typeof summary>
  readonly deliveryMs: ReturnType<typeof summary>
  readonly routings: number
  readonly delivered: number
  readonly lost: number
  readonly duplicates: number
  /** Why requests failed, counted: the answer's status and error code, or the client's error. */
  readonly failures: Record<string, number>
  readonly serviceCpuSeconds: number
  readonly serviceCpuMsPerJob: number
  /**
   * Milliseconds of CPU a job, over the loop and the wait for its leads: the service, PostgreSQL (all its processes),
   * nats-server, this load generator, and the whole machine (all cores; other processes included).
   */
  readonly cpuMsPerJob: CpuSnapshot
}

interface Sent {
  readonly offered: string
  readonly accepted: number
  readonly failed: number
  readonly seconds: number
  readonly postMs: ReadonlyArray<number>
  readonly routings: ReadonlyArray<Routing>
}

type Post = (baseUrl: string, n: number) => ReturnType<typeof postJob>

/** Counts why a request failed: the answer's status and error code, or the client's error. */
const countFailure = (failures: Map<string, number>, error: unknown) => {
  const text = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}` : String(error)
  const reason = /answered (\d+): .*"code":"([a-z_]+)"/.exec(text)?.slice(1).join(" ") ?? text.slice(0, 80)
  failures.set(reason, (failures.get(reason) ?? 0) + 1)
}

/** Open loop: job `k` is sent at `start + k / rate`, answered or not; latency from that scheduled time. */
const openLoop = async (post: Post, baseUrls: ReadonlyArray<string>, load: Load, first: number, failures: Map<string, number>) => {
  const total = Math.round(load.rate * load.durationSeconds)
  const routings: Array<Routing> = []
  const postMs: Array<number> = []
  let failed = 0
  const start = performance.now()
  const sent: Array<Promise<void>> = []
  for (let k = 0; k < total; k++) {
    const scheduled = start + (k * 1000) / load.rate
    const wait = scheduled - performance.now()
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
    sent.push(post(baseUrls[k % baseUrls.length]!, first + k).then(
      (job) => {
        postMs.push(performance.now() - scheduled)
        routings.push(...job.routings)
      },
      (error) => {
        failed++
        countFailure(failures, error)
      }
    ))
  }
  await Promise.all(sent)
  const seconds = (performance.now() - start) / 1000
  const offered = `${load.rate} jobs/s for ${load.durationSeconds} s`
  return { offered, accepted: postMs.length, failed, seconds, postMs, routings } satisfies Sent
}

/** Closed loop: `concurrency` clients, each posting its next job as soon as the last is answered. */
const closedLoop = async (post: Post, baseUrls: ReadonlyArray<string>, load: Load, first: number, failures: Map<string, number>) => {
  const routings: Array<Routing> = []
  const postMs: Array<number> = []
  let failed = 0
  let next = first
  const start = performance.now()
  const end = start + load.durationSeconds * 1000
  await Promise.all(Array.from({ length: load.concurrency }, async (_, client) => {
    const baseUrl = baseUrls[client % baseUrls.length]!
    while (performance.now() < end) {
      const job = await post(baseUrl, next++).catch((error) => {
        countFailure(failures, error)
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
  const offered = `${load.concurrency} clients for ${load.durationSeconds} s`
  return { offered, accepted: postMs.length, failed, seconds, postMs, routings } satisfies Sent
}

/** Waits for every lead (or 5 minutes), then checks the ledger: one lead per routing, none twice. */
const settle = async (subject: Subject, routings: ReadonlyArray<Routing>) => {
  const received = await waitForLeads(subject.reader, routings, subject.pollMs, 300_000)
    .catch(async () => subject.reader.receivedAt(routings))
  const deliveryMs = routings.flatMap((r) => (received.has(r.id) ? [received.get(r.id)! - r.acceptedAt] : []))
  return { delivered: received.size, deliveryMs, lost: routings.length - received.size, duplicates: await subject.reader.duplicates() }
}

/**
 * Warms the service up with one job a group (at least 20), sent to its processes in turn, each lead in, so that
 * connections, code paths and every company's delivery are ready in every replica; then runs each mode. Answers a
 * result and the latencies for the chart per mode. A run's first seconds still include the JIT's warm-up: compare
 * replica counts on the second of two runs (`--mode closed,closed`).
 */
export const runLoad = async (subject: Subject, workload: Workload, creator: Creator, load: Load) => {
  const post: Post = (baseUrl, n) => postJob(baseUrl, workload, creator, n, subject.apiKey)
  const warmUp = Math.max(20, workload.groups)
  const warmRoutings: Array<Routing> = []
  for (let n = 0; n < warmUp; n++) {
    warmRoutings.push(...(await post(subject.baseUrls[n % subject.baseUrls.length]!, n)).routings)
  }
  await waitForLeads(subject.reader, warmRoutings, subject.pollMs, 60_000)

  const results: Array<ModeResult> = []
  const charts: Array<{ label: string; valuesMs: ReadonlyArray<number> }> = []
  let first = warmUp
  for (const mode of load.modes) {
    const failures = new Map<string, number>()
    const cpuBefore = await cpuSnapshot(subject.cpuSeconds)
    const sent = mode === "open"
      ? await openLoop(post, subject.baseUrls, load, first, failures)
      : await closedLoop(post, subject.baseUrls, load, first, failures)
    first += sent.accepted + sent.failed
    const settled = await settle(subject, sent.routings)
    const cpuAfter = await cpuSnapshot(subject.cpuSeconds)
    const cpu = cpuAfter.service - cpuBefore.service
    results.push({
      service: subject.name,
      mode,
      offered: sent.offered,
      accepted: sent.accepted,
      failed: sent.failed,
      jobsPerSecond: sent.accepted / sent.seconds,
      postMs: summary(sent.postMs),
      deliveryMs: summary(settled.deliveryMs),
      routings: sent.routings.length,
      delivered: settled.delivered,
      lost: settled.lost,
      duplicates: settled.duplicates,
      failures: Object.fromEntries(failures),
      serviceCpuSeconds: cpu,
      serviceCpuMsPerJob: (cpu * 1000) / Math.max(1, sent.accepted),
      cpuMsPerJob: cpuMsPerJob(cpuBefore, cpuAfter, sent.accepted)
    })
    charts.push(
      { label: `${subject.name}, ${mode}: POST /jobs`, valuesMs: sent.postMs },
      { label: `${subject.name}, ${mode}: delivery`, valuesMs: settled.deliveryMs }
    )
  }
  return { results, charts }
}
