import { Clock, Duration, Effect } from "effect"
import { reconcileEvery } from "../src/Schedules.ts"
import { Broker } from "../src/services/Broker.ts"
import { RoutingRepo } from "../src/services/Routings.ts"
import { DeliverySettings } from "../src/services/Settings.ts"
import { DeliveryDirectory } from "../src/services/Actors.ts"
import { currentTopology } from "./brokerTopology.ts"
import { requeueRoutings } from "./requeue.ts"

/** Routings looked at per round; more wait for the next one. */
const BATCH = 1000

/**
 * Queues again, through the outbox, the routings untouched since `before` that are still to deliver, of companies
 * with no message at all in the work stream (so theirs is surely lost). Companies with a backlog are left alone: their
 * routings' messages may be in it; so are paused companies and those without an active provider, whose routings are
 * queued again when they come back. Answers how many routings it queued.
 */
export const reconcileOnce = Effect.fn("Reconcile.once")(function*(before: Date) {
  const routings = yield* RoutingRepo
  const broker = yield* Broker
  const directory = yield* DeliveryDirectory
  const names = yield* currentTopology
  const waiting = yield* routings.waiting(before, BATCH)
  if (waiting.length === 0) return 0

  const backlog = new Set<string>()
  for (const filter of names.workSubjects) {
    for (const [subject, count] of yield* broker.subjectCounts(names.workStream, filter)) {
      const companyId = names.companyOfSubject(subject)
      if (count > 0 && companyId !== null) backlog.add(companyId)
    }
  }
  const requeue = []
  for (const w of waiting) {
    const target = directory.get(w.companyId)
    if (target !== undefined && !target.paused && !backlog.has(w.companyId)) requeue.push(w)
  }
  if (requeue.length === 0) return 0
  yield* requeueRoutings(requeue, new Date(yield* Clock.currentTimeMillis))
  yield* Effect.logWarning("routings with no live message queued again").pipe(Effect.annotateLogs("routings", requeue.length))
  return requeue.length
})

/**
 * Reconciliation on its schedule. With a broker that keeps nothing across restarts (the in-process one), the first round
 * takes every routing still to deliver, however recent: their messages went with the last process.
 */
export const reconcile = Effect.gen(function*() {
  const { reconcileAfter } = yield* DeliverySettings
  const broker = yield* Broker
  const round = (threshold: Duration.Duration) =>
    Effect.flatMap(Clock.currentTimeMillis, (nowMs) => reconcileOnce(new Date(nowMs - Duration.toMillis(threshold)))).pipe(
      Effect.catchAll((error) =>
        Effect.logWarning("reconciliation failed; trying again").pipe(Effect.annotateLogs("error", error.message))
      )
    )
  if (!broker.durable) yield* round(Duration.zero)
  yield* Effect.repeat(round(reconcileAfter), reconcileEvery(reconcileAfter))
})
