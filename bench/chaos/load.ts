import { setTimeout as sleep } from "node:timers/promises"
import { jobFor } from "../../test/support/client.ts"

/** A job the service accepted (201), with the routings its answer named. */
export interface AcceptedJob {
  readonly jobId: string
  readonly routingIds: ReadonlyArray<string>
}

/** What the load generator saw, once stopped. */
export interface LoadReport {
  readonly posted: number
  readonly accepted: ReadonlyArray<AcceptedJob>
  /** Answers by HTTP status. */
  readonly statuses: Readonly<Record<number, number>>
  /** 503 answers, and those of them without a `Retry-After` header. */
  readonly unavailable: number
  readonly unavailableWithoutRetryAfter: number
  /** 5xx answers other than 503. */
  readonly otherServerErrors: number
  /** Requests that got no answer: refused (the service is down), reset (killed mid-request) or timed out. */
  readonly noAnswer: number
  /** Those by reason: "timeout", or the socket error's code. */
  readonly noAnswerReasons: Readonly<Record<string, number>>
}

export interface LoadOptions {
  /** The URL of the service the `n`-th job is posted to (read at each post, so the load can follow replicas). */
  readonly baseUrl: (n: number) => string
  readonly key: string
  /** The company the jobs are created by, and the skill they ask for. */
  readonly creator: string
  readonly skill: string
  readonly jobsPerSecond: number
  /** Posts not answered yet at most; the generator skips its turn while this many are in flight. */
  readonly maxInFlight?: number
  readonly requestTimeoutMs?: number
}

const failureReason = (error: unknown) => {
  if (error instanceof Error && error.name === "TimeoutError") return "timeout"
  const cause = error instanceof Error ? error.cause as { code?: unknown } | undefined : undefined
  return typeof cause?.code === "string" ? cause.code : error instanceof Error ? error.message : String(error)
}

/**
 * Posts jobs at `jobsPerSecond` until `stop`, whatever state the service is in, and records each answer: the routing
 * ids of every 201 (the ledger to check), and the error answers by kind. `stop` waits for the posts in flight.
 */
export const startLoad = (options: LoadOptions) => {
  const intervalMs = 1000 / options.jobsPerSecond
  const maxInFlight = options.maxInFlight ?? 16
  const requestTimeoutMs = options.requestTimeoutMs ?? 15_000
  const accepted: Array<AcceptedJob> = []
  const statuses: Record<number, number> = {}
  let posted = 0
  let unavailable = 0
  let unavailableWithoutRetryAfter = 0
  let otherServerErrors = 0
  let noAnswer = 0
  const noAnswerReasons: Record<string, number> = {}
  const inFlight = new Set<Promise<void>>()

  const post = async (n: number) => {
    try {
      const response = await fetch(`${options.baseUrl(n)}/jobs`, {
        method: "POST",
        headers: { authorization: `Bearer ${options.key}`, "content-type": "application/json" },
        body: JSON.stringify(jobFor(options.creator, options.skill, n)),
        signal: AbortSignal.timeout(requestTimeoutMs)
      })
      const text = await response.text()
      statuses[response.status] = (statuses[response.status] ?? 0) + 1
      if (response.status === 201) {
        const job = JSON.parse(text) as { id: string; routings: ReadonlyArray<{ id: string }> }
        accepted.push({ jobId: job.id, routingIds: job.routings.map((r) => r.id) })
      } else if (response.status === 503) {
        unavailable++
        if (response.headers.get("retry-after") === null) unavailableWithoutRetryAfter++
      } else if (response.status >= 500) {
        otherServerErrors++
      }
    } catch (error) {
      noAnswer++
      const reason = failureReason(error)
      noAnswerReasons[reason] = (noAnswerReasons[reason] ?? 0) + 1
    }
  }

  let stopped = false
  const loop = (async () => {
    const started = Date.now()
    for (let n = 0; !stopped; n++) {
      // Paced against the start, so slow answers do not lower the rate (up to `maxInFlight` at once).
      await sleep(Math.max(0, started + n * intervalMs - Date.now()))
      if (stopped || inFlight.size >= maxInFlight) continue
      posted++
      const request = post(n)
      inFlight.add(request)
      void request.finally(() => inFlight.delete(request))
    }
  })()

  return {
    /** Jobs accepted so far. */
    accepted: () => accepted.length,
    stop: async (): Promise<LoadReport> => {
      stopped = true
      await loop
      await Promise.all(inFlight)
      return { posted, accepted, statuses, unavailable, unavailableWithoutRetryAfter, otherServerErrors, noAnswer, noAnswerReasons }
    }
  }
}

export type Load = ReturnType<typeof startLoad>
