import { Effect, Option } from "effect"
import { type OutboxEvent, RoutingFailed, RoutingSynced } from "../src/domain/events.ts"
import type { Routing } from "../src/domain/job.ts"
import { type AttemptResult, RoutingRepo } from "../src/services/Routings.ts"
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

/** An attempt's result as it is to be written, with the events it causes (made in the routing's trace). */
export interface FinishedAttempt {
  readonly routing: Routing
  /** The lease of the claim the attempt ran under; null when it ran under none (see `FinishedCall.leaseUntil`). */
  readonly leaseUntil: Date | null
  readonly result: AttemptResult
  readonly timing: { readonly at: Date; readonly durationMs: number }
  readonly events: ReadonlyArray<OutboxEvent>
}

/** The outbox events an attempt's result announces, made in the current trace. */
export const attemptEvents = (routing: Routing, result: AttemptResult, at: Date) =>
  Effect.forEach(Option.toArray(eventOf(routing, result, at)), (event) => outboxEvent(event.type, routing.id, event.payload, at))

/**
 * Writes attempts' results (each routing's new state and the attempt) and the domain events they cause in one step, so
 * subscribers hear of every delivery and every give-up exactly when it is recorded.
 */
export const finishAttempts = Effect.fn("Routing.finishAttempts")(function*(finished: ReadonlyArray<FinishedAttempt>) {
  if (finished.length === 0) return
  yield* (yield* RoutingRepo).finish(
    finished.map((f) => ({ id: f.routing.id, leaseUntil: f.leaseUntil, result: f.result, timing: f.timing })),
    finished.flatMap((f) => f.events)
  )
})

/** One attempt's result and its events, written as `finishAttempts` does. */
export const finishAttempt = (
  routing: Routing,
  leaseUntil: Date | null,
  result: AttemptResult,
  timing: { readonly at: Date; readonly durationMs: number }
) => Effect.flatMap(attemptEvents(routing, result, timing.at), (events) => finishAttempts([{ routing, leaseUntil, result, timing, events }]))
