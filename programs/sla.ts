import { Clock, Duration, Effect } from "effect"
import { slaBreachedMessage } from "../src/domain/alerts.ts"
import { SlaBreached } from "../src/domain/events.ts"
import { SLA_DELIVERY, type SlaWindow } from "../src/domain/sla.ts"
import { slaBreachWatch } from "../src/Schedules.ts"
import { type SlaBreach, SlaRepo } from "../src/services/Sla.ts"
import { Transactions } from "../src/services/Transactions.ts"
import { requireSeesAll } from "./access.ts"
import { alertSubject, raiseAlert } from "./alerts.ts"

/** Breaches claimed and logged per statement; a full batch is followed at once by the next. */
const BATCH = 500

/**
 * The delivery SLA over the jobs accepted in the last `window`: how many routings were delivered, their latency
 * percentiles (job accepted → lead accepted by the provider, `percentile_disc`) and the breaches of the 5-minute SLA.
 */
export const deliverySla = Effect.fn("Sla.report")(function*(window: SlaWindow) {
  yield* requireSeesAll
  const nowMs = yield* Clock.currentTimeMillis
  const to = new Date(nowMs)
  const from = new Date(nowMs - Duration.toMillis(window.duration))
  const summary = yield* (yield* SlaRepo).summary({ from, to, limitMs: Duration.toMillis(SLA_DELIVERY) })
  return { window: window.label, from, to, ...summary }
})

const MINUTE_MS = 60_000

/**
 * Jobs accepted and routings delivered in each of the last `minutes` minutes (the current one last, so far), every
 * minute present, zeros included.
 */
export const throughput = Effect.fn("Sla.throughput")(function*(minutes: number) {
  yield* requireSeesAll
  const nowMs = yield* Clock.currentTimeMillis
  const first = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS - (minutes - 1) * MINUTE_MS
  const counted = yield* (yield* SlaRepo).perMinute(new Date(first), new Date(nowMs + 1))
  const byMinute = new Map(counted.map((c) => [c.minute.getTime(), c]))
  return Array.from({ length: minutes }, (_, i) => {
    const minute = first + i * MINUTE_MS
    const found = byMinute.get(minute)
    return { minute: new Date(minute), jobs: found?.jobs ?? 0, deliveries: found?.deliveries ?? 0 }
  })
})

/** Opens a breach's `sla.breached` alert and announces it (in the claim's transaction). */
const raiseBreach = (breach: SlaBreach) =>
  Effect.gen(function*() {
    const message = slaBreachedMessage(yield* alertSubject(breach.companyId), breach.jobId, breach.dueAt)
    yield* raiseAlert({
      kind: "sla.breached",
      companyId: breach.companyId,
      routingId: breach.routingId,
      jobId: breach.jobId,
      message,
      payload: SlaBreached.make({
        company_id: breach.companyId,
        message,
        routing_id: breach.routingId,
        job_id: breach.jobId,
        due_at: breach.dueAt.toISOString()
      })
    })
  })

/**
 * Logs, once each and at warn level, the routings still not delivered 5 minutes after they were due (their job's
 * acceptance, or its `deliver_after` when later), and opens and announces each one's `sla.breached` alert; the claim
 * stamps them in the same transaction, so no other round or process logs or announces them again. Answers how many it
 * logged.
 */
export const logSlaBreaches = Effect.fn("Sla.logBreaches")(function*() {
  const repo = yield* SlaRepo
  const transactions = yield* Transactions
  let logged = 0
  for (;;) {
    const nowMs = yield* Clock.currentTimeMillis
    const breaches = yield* transactions.run(
      repo.claimBreaches(new Date(nowMs - Duration.toMillis(SLA_DELIVERY)), new Date(nowMs), BATCH).pipe(
        Effect.tap((claimed) => Effect.forEach(claimed, raiseBreach, { discard: true }))
      )
    )
    yield* Effect.forEach(breaches, (breach) =>
      Effect.logWarning("delivery SLA breached: routing not delivered 5 minutes after it was due").pipe(
        Effect.annotateLogs({
          routing_id: breach.routingId,
          company_id: breach.companyId,
          job_id: breach.jobId,
          sync_status: breach.syncStatus,
          age_ms: nowMs - breach.dueAt.getTime()
        })
      ), { discard: true })
    logged += breaches.length
    if (breaches.length < BATCH) return logged
  }
})

/** The SLA watcher: `logSlaBreaches` every 30 seconds for as long as it runs, riding out storage faults. */
export const watchSlaBreaches = Effect.repeat(
  logSlaBreaches().pipe(
    Effect.catchAll((error) =>
      Effect.logWarning("SLA breach check failed; trying again").pipe(Effect.annotateLogs("error", error.message))
    )
  ),
  slaBreachWatch
)
