import { Clock, Duration, Effect, Option } from "effect"
import { RoutingCreated } from "../src/domain/events.ts"
import { type CompanyId, EventId, newId } from "../src/domain/ids.ts"
import { reconcileEvery } from "../src/Schedules.ts"
import { Broker } from "../src/services/Broker.ts"
import { OutboxRepo } from "../src/services/Outbox.ts"
import { RoutingRepo, type WaitingRouting } from "../src/services/Routings.ts"
import { DeliverySettings } from "../src/services/Settings.ts"
import { Transactions } from "../src/services/Transactions.ts"
import { currentTopology } from "./brokerTopology.ts"

/** Routings looked at per round; more wait for the next one. */
const BATCH = 1000

/**
 * Queues again, through the outbox, the routings untouched since `before` that are still to deliver, of companies
 * whose consumer holds no message at all (so theirs is surely lost). Companies with a backlog are left alone: their
 * routings' messages may be in it. Answers how many routings it queued.
 */
export const reconcileOnce = Effect.fn("Reconcile.once")(function*(before: Date) {
  const routings = yield* RoutingRepo
  const outbox = yield* OutboxRepo
  const broker = yield* Broker
  const names = yield* currentTopology
  const waiting = yield* routings.waiting(before, BATCH)
  const byCompany = new Map<CompanyId, Array<WaitingRouting>>()
  for (const w of waiting) byCompany.set(w.companyId, [...(byCompany.get(w.companyId) ?? []), w])

  const lost = yield* Effect.forEach([...byCompany], ([companyId, routingsOf]) =>
    Effect.map(broker.consumerState(names.workStream, names.consumerName(companyId)), (state) =>
      Option.isSome(state) && state.value.pending + state.value.ackPending === 0 ? routingsOf : []), { concurrency: 8 })
  const requeue = lost.flat()
  if (requeue.length === 0) return 0

  const at = new Date(yield* Clock.currentTimeMillis)
  yield* (yield* Transactions).run(Effect.gen(function*() {
    yield* outbox.append(yield* Effect.forEach(requeue, (w) =>
      Effect.map(newId(EventId), (id) => ({
        id,
        aggregateId: w.routingId,
        type: "routing.created",
        payload: RoutingCreated.make({ routing_id: w.routingId, job_id: w.jobId, company_id: w.companyId }),
        traceparent: null,
        createdAt: at
      }))))
    yield* routings.touch(requeue.map((w) => w.routingId), at)
  }))
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
