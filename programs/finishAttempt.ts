import { Effect, Option } from "effect"
import { type OutboxEvent, RoutingFailed, RoutingSynced } from "../src/domain/events.ts"
import type { Routing } from "../src/domain/job.ts"
import { OutboxRepo } from "../src/services/Outbox.ts"
import { type AttemptResult, RoutingRepo } from "../src/services/Routings.ts"
import { Transactions } from "../src/services/Transactions.ts"
import { outboxEvent } from "./outboxEvent.ts"

/** The domain event an attempt's result announces: `routing.synced`, `routing.failed` when delivery gave up, else none. */
const eventOf = (routing: Routing, result: AttemptResult, at: Date): Option.Option<Pick<OutboxEvent, "type" | "payload">> => {
  const ids = { routing_id: routing.id, job_id: routing.jobId, company_id: routing.companyId }
  if (result._tag === "Synced") {
    return Option.some({
      type: "routing.synced",
      payload: RoutingSynced.make({ ...ids, external_id: result.externalId, synced_at: at.toISOString() })
    })
  }
  if (result.status !== "failed") return Option.none()
  return Option.some({
    type: "routing.failed",
    payload: RoutingFailed.make({
      ...ids,
      attempts: routing.attempts + (result.counts ? 1 : 0),
      error: result.error,
      failed_at: at.toISOString()
    })
  })
}

/**
 * Writes an attempt's result (the routing's new state and the attempt) and, in the same transaction, the domain event
 * it causes, so subscribers hear of every delivery and every give-up exactly when it is recorded.
 */
export const finishAttempt = Effect.fn("Routing.finishAttempt")(function*(
  routing: Routing,
  result: AttemptResult,
  timing: { readonly at: Date; readonly durationMs: number }
) {
  const routings = yield* RoutingRepo
  const outbox = yield* OutboxRepo
  const events = yield* Effect.forEach(Option.toArray(eventOf(routing, result, timing.at)), (event) =>
    outboxEvent(event.type, routing.id, event.payload, timing.at))
  yield* (yield* Transactions).run(routings.finish(routing.id, result, timing).pipe(Effect.zipRight(outbox.append(events))))
})
