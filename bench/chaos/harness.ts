import { writeFile } from "node:fs/promises"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { generateSecretKey } from "../../src/domain/secretKey.ts"
import { tradesFor } from "../../test/support/client.ts"
import { ADMIN_KEY, deliveryRunning, statusCounts, withSql } from "../../test/support/e2eTools.ts"
import { deleteStreams } from "../../test/support/nats.ts"
import type { Backends } from "./backends.ts"
import { cleanupStack, type CleanupStack } from "./cleanup.ts"
import { awaitSettled, type Ledger, readLedger } from "./ledger.ts"
import { type Load, type LoadReport, startLoad } from "./load.ts"
import { chaosService, type ChaosService } from "./service.ts"
import type { ScenarioResult } from "./summary.ts"

/** A scenario's two sizes: the full run (`bench/chaos/run.ts`) and the short one CI runs (`test/chaos`). */
export type Size = "full" | "short"

/** What a scenario's chaos works with while the load runs. */
export interface ChaosRun<B extends Backends> {
  readonly backends: B
  /** The first replica of the service (the only one, unless the scenario starts more). */
  readonly service: ChaosService
  /** Every replica started so far, `service` first; the load is spread over those up. */
  readonly replicas: ReadonlyArray<ChaosService>
  /** Starts one more replica on the run's database and stream prefix; the load takes it in once it is up. */
  readonly startReplica: () => Promise<ChaosService>
  /** The run's NATS stream prefix (its work stream is `<prefix>_work`). */
  readonly prefix: string
  /** The receiving companies; every job is routed to each of them. */
  readonly receivers: ReadonlyArray<string>
  readonly load: Load
  /** Sets every receiver's mock provider config (how it fails), as `PUT /companies/:id/provider` does. */
  readonly configureMock: (config: Record<string, number>) => Promise<unknown>
  /** Leads the mock provider recorded so far. */
  readonly leads: () => Promise<number>
  /** Records an observation for the summary. */
  readonly note: (detail: string) => void
  /** Records a failed check; the scenario fails. */
  readonly fail: (failure: string) => void
}

export interface ScenarioSpec<B extends Backends> {
  readonly name: string
  readonly backends: (cleanup: CleanupStack) => Promise<B>
  /** Service environment over the chaos defaults. */
  readonly env?: Record<string, string>
  /** Replicas of the service started at the outset, on one database and stream prefix (1 unless given). */
  readonly replicas?: number
  /** Receiving companies (at most MATCH_MAX_ROUTINGS, 3: every job is routed to each). */
  readonly receivers: number
  /** Their mock provider's config. */
  readonly mock?: Record<string, number>
  readonly jobsPerSecond: number
  /** How long delivery may take to finish once the load stops. */
  readonly settleTimeoutMs: number
  /** The chaos, done while jobs are posted; the load stops when it returns. */
  readonly chaos: (run: ChaosRun<B>) => Promise<void>
  /** Checks of the scenario's own, once every routing is delivered (record failures with `run.fail`). */
  readonly verify?: (run: ChaosRun<B>, outcome: { readonly ledger: Ledger; readonly load: LoadReport }) => Promise<void>
}

/**
 * `times` outages of a server the run owns: up for `upMs`, `stop`, down for `downMs`, `start`; then up for `upMs`
 * again. Answers, for each outage, how many jobs the service accepted while the server was down.
 */
export const outages = async (options: {
  readonly times: number
  readonly upMs: number
  readonly downMs: number
  readonly load: Load
  readonly stop: () => Promise<void>
  readonly start: () => Promise<void>
}): Promise<Array<number>> => {
  const acceptedWhileDown: Array<number> = []
  for (let outage = 0; outage < options.times; outage++) {
    await sleep(options.upMs)
    await options.stop()
    const before = options.load.accepted()
    await sleep(options.downMs)
    acceptedWhileDown.push(options.load.accepted() - before)
    await options.start()
  }
  await sleep(options.upMs)
  return acceptedWhileDown
}

const emptyLedger: Ledger = {
  routings: 0,
  delivered: 0,
  lost: 0,
  duplicates: 0,
  adminDuplicates: 0,
  failed: 0,
  failedReasons: {},
  open: 0
}
const emptyLoad: LoadReport = {
  posted: 0,
  accepted: [],
  statuses: {},
  unavailable: 0,
  unavailableWithoutRetryAfter: 0,
  otherServerErrors: 0,
  noAnswer: 0,
  noAnswerReasons: {}
}

/** The exact ledger: every accepted routing delivered once, nothing failed, and no answer but 201 and 503. */
const ledgerFailures = (ledger: Ledger, load: LoadReport, receivers: number): Array<string> => {
  const unexpected = Object.entries(load.statuses).filter(([status]) => status !== "201" && status !== "503")
  return [
    load.accepted.length === 0 ? "no job was accepted" : "",
    load.accepted.some((job) => job.routingIds.length !== receivers) ? `a job was not routed to all ${receivers} companies` : "",
    ledger.lost > 0 ? `${ledger.lost} accepted routings never reached the provider` : "",
    ledger.duplicates > 0 ? `${ledger.duplicates} leads delivered more than once` : "",
    ledger.adminDuplicates === null ? "the admin route did not answer" : "",
    (ledger.adminDuplicates ?? 0) > 0 ? `the admin route counts ${ledger.adminDuplicates} duplicates` : "",
    ledger.failed > 0 ? `${ledger.failed} routings failed (dead-lettered): ${JSON.stringify(ledger.failedReasons)}` : "",
    ledger.open > 0 ? `${ledger.open} routings still not delivered` : "",
    load.otherServerErrors > 0 ? `${load.otherServerErrors} 5xx answers other than 503` : "",
    load.unavailableWithoutRetryAfter > 0 ? `${load.unavailableWithoutRetryAfter} 503 answers without Retry-After` : "",
    unexpected.length > 0 ? `unexpected answers: ${JSON.stringify(Object.fromEntries(unexpected))}` : ""
  ].filter((failure) => failure !== "")
}

/**
 * The end of a failed run's service output, for the summary; with CHAOS_LOG_DIR set, all of it is also written to a
 * file there (kept: it is what to read when a scenario fails).
 */
const keepOutput = async (scenario: string, output: string) => {
  const dir = process.env["CHAOS_LOG_DIR"]
  if (dir === undefined) return `service output (end; set CHAOS_LOG_DIR to keep all of it):\n${output.slice(-4000)}`
  const file = join(dir, `${scenario.replace(/[^a-z0-9]+/gi, "-")}-${Date.now()}.log`)
  await writeFile(file, output)
  return `service output in ${file}`
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 1000)

/**
 * Runs one chaos scenario end to end: its backends, the service on them (a database and a NATS stream prefix of its
 * own; one replica or more), receiving companies on the mock provider, jobs posted at a steady rate while the chaos
 * happens (each to the next replica up), then, once the load stops and delivery has settled, the ledger. Everything it
 * made is removed at the end, also when it fails.
 */
export const runScenario = async <B extends Backends>(spec: ScenarioSpec<B>): Promise<ScenarioResult> => {
  const started = Date.now()
  const cleanup = cleanupStack()
  const details: Array<string> = []
  const failures: Array<string> = []
  let load: Load | null = null
  let report = emptyLoad
  let ledger = emptyLedger
  let serviceOutput = () => ""
  try {
    const backends = await spec.backends(cleanup)
    const prefix = `chaos${crypto.randomUUID().slice(0, 8)}`
    cleanup.defer("NATS streams", () => deleteStreams(backends.natsUrl, prefix))
    const env = {
      DATABASE_URL: backends.databaseUrl,
      NATS_URL: backends.natsUrl,
      NATS_PREFIX: prefix,
      SECRETS_KEY: generateSecretKey(),
      SHUTDOWN_TIMEOUT_SECONDS: "5",
      // The provider fakes listen on 127.0.0.1.
      OUTBOUND_ALLOW_PRIVATE: "true",
      ...spec.env
    }
    const replicas: Array<ChaosService> = []
    const startReplica = async () => {
      const replica = await chaosService(env)
      replicas.push(replica)
      cleanup.defer(`replica ${replicas.length}`, replica.stop)
      await replica.start()
      return replica
    }
    const live = () => {
      const up = replicas.filter((replica) => replica.up())
      return up.length > 0 ? up : replicas
    }
    serviceOutput = () =>
      replicas.length === 1 ? replicas[0]!.output() : replicas.map((r, i) => `--- replica ${i + 1}\n${r.output()}`).join("\n")
    await Promise.all(Array.from({ length: spec.replicas ?? 1 }, () => startReplica()))
    const service = replicas[0]!

    const skill = `chaos-${crypto.randomUUID().slice(0, 6)}`
    const { receivers, creator } = await tradesFor(service.api, skill, spec.receivers, spec.mock ?? {})
    await deliveryRunning(service.api, 30_000)
    const baseUrl = (n: number) => {
      const pool = live()
      return pool[n % pool.length]!.url
    }
    load = startLoad({ baseUrl, key: ADMIN_KEY, creator, skill, jobsPerSecond: spec.jobsPerSecond })
    const run: ChaosRun<B> = {
      backends,
      service,
      replicas,
      startReplica,
      prefix,
      receivers,
      load,
      configureMock: (config) =>
        Promise.all(receivers.map((id) => service.api.put(`/companies/${id}/provider`, { type: "mock", config }))),
      leads: () => withSql(backends.databaseUrl, async (sql) => (await sql`select count(*)::int as n from mock_leads`)[0]!["n"]),
      note: (detail) => details.push(detail),
      fail: (failure) => failures.push(failure)
    }
    await spec.chaos(run)
    report = await load.stop()

    const routingIds = report.accepted.flatMap((job) => job.routingIds)
    if (!(await awaitSettled(backends.databaseUrl, routingIds, spec.settleTimeoutMs))) {
      failures.push(`delivery not settled ${spec.settleTimeoutMs / 1000} s after the load: ` +
        JSON.stringify(await statusCounts(backends.databaseUrl)))
    }
    ledger = await readLedger(backends.databaseUrl, routingIds, live()[0]!.api)
    await spec.verify?.(run, { ledger, load: report })
    failures.push(...ledgerFailures(ledger, report, spec.receivers))
    const crashes = replicas.reduce((n, replica) => n + replica.crashes(), 0)
    if (crashes > 0) failures.push(`the service exited by itself ${crashes} times`)
  } catch (error) {
    failures.push(`run aborted: ${messageOf(error)}`)
    if (load !== null) report = await load.stop()
  } finally {
    if (failures.length > 0) details.push(await keepOutput(spec.name, serviceOutput()))
    failures.push(...await cleanup.run())
  }
  details.unshift(
    `posted ${report.posted}, no answer ${report.noAnswer} ${JSON.stringify(report.noAnswerReasons)}, ` +
      `answers ${JSON.stringify(report.statuses)}`
  )
  return {
    scenario: spec.name,
    jobsAccepted: report.accepted.length,
    ledger,
    load: report,
    durationMs: Date.now() - started,
    details,
    failures
  }
}
