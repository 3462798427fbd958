import { Effect } from "effect"
import type { OutboxEvent } from "../src/domain/events.ts"
import { EventId, newId } from "../src/domain/ids.ts"
import { currentTraceparent } from "../src/Telemetry.ts"

/** An outbox event of `type` about `aggregateId`, made at `at` in the current trace (its `traceparent` goes along). */
export const outboxEvent = (type: string, aggregateId: string, payload: unknown, at: Date) =>
  Effect.gen(function*() {
    const event: OutboxEvent = {
      id: yield* newId(EventId),
      aggregateId,
      type,
      payload,
      traceparent: yield* currentTraceparent,
      createdAt: at
    }
    return event
  })
