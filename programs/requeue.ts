import { Effect } from "effect"
import { RoutingCreated } from "../src/domain/events.ts"
import { type CompanyId, EventId, newId } from "../src/domain/ids.ts"
import { now } from "../src/domain/time.ts"
import { OutboxRepo } from "../src/services/Outbox.ts"
import { RoutingRepo, type WaitingRouting } from "../src/services/Routings.ts"
import { Transactions } from "../src/services/Transactions.ts"

/** Routings queued again per transaction. */
const BATCH = 500

/**
 * Queues the routings again through the outbox (a `routing.created` event each, as at intake) and stamps them so that
 * reconciliation leaves them alone for a while, in one transaction.
 */
export const requeueRoutings = Effect.fn("Delivery.requeue")(function*(waiting: ReadonlyArray<WaitingRouting>, at: Date) {
  const events = yield* Effect.forEach(waiting, (w) =>
    Effect.map(newId(EventId), (id) => ({
      id,
      aggregateId: w.routingId,
      type: "routing.created",
      payload: RoutingCreated.make({
        routing_id: w.routingId,
        job_id: w.jobId,
        company_id: w.companyId,
        priority: w.priority
      }),
      traceparent: null,
      createdAt: at
    })))
  const outbox = yield* OutboxRepo
  const routings = yield* RoutingRepo
  yield* (yield* Transactions).run(Effect.zipRight(outbox.append(events), routings.touch(waiting.map((w) => w.routingId), at)))
})

/**
 * Queues again every routing of the company still to deliver (its messages were acknowledged unworked while the company
 * could not take them); answers how many.
 */
export const requeueCompany = Effect.fn("Delivery.requeueCompany")(function*(companyId: CompanyId) {
  const routings = yield* RoutingRepo
  const since = yield* now
  let queued = 0
  while (true) {
    const waiting = yield* routings.waiting(since, BATCH, companyId)
    if (waiting.length > 0) yield* requeueRoutings(waiting, since)
    queued += waiting.length
    if (waiting.length < BATCH) return queued
  }
})
