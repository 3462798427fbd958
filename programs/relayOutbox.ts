import { Clock, Effect, Either, Exit, Option, Schema } from "effect"
import { isDomainEventType, type OutboxEvent, RoutingCreated } from "../src/domain/events.ts"
import type { EventId } from "../src/domain/ids.ts"
import { now } from "../src/domain/time.ts"
import type { Topology } from "../src/domain/topology.ts"
import { relayPoll } from "../src/Schedules.ts"
import { Broker } from "../src/services/Broker.ts"
import { OutboxRepo } from "../src/services/Outbox.ts"
import { OutboxSignal } from "../src/services/OutboxSignal.ts"
import { DeliverySettings } from "../src/services/Settings.ts"
import { Transactions } from "../src/services/Transactions.ts"
import { traceparentOf } from "../src/Telemetry.ts"
import { currentTopology } from "./brokerTopology.ts"
import { startPublishSpan } from "./messageSpans.ts"

const encoder = new TextEncoder()
const decodeRoutingCreated = Schema.decodeUnknownOption(RoutingCreated)

/** Headers every published event carries: its type and when it was made (the trace goes along in `traceparent`). */
const eventHeaders = (event: Pick<OutboxEvent, "type" | "createdAt">): Record<string, string> => ({
  "Event-Type": event.type,
  "Event-Created-At": event.createdAt.toISOString()
})

/** Where an event goes: a delivery to its company's consumer, a domain event to the events stream. */
const destinationOf = (names: Topology, event: OutboxEvent) =>
  event.type === "routing.created"
    ? Option.map(decodeRoutingCreated(event.payload), (p) => ({ stream: names.workStream, subject: names.deliverSubject(p.company_id) }))
    : isDomainEventType(event.type)
    ? Option.some({ stream: names.eventStream, subject: names.eventSubject(event.type) })
    : Option.none()

/**
 * One batch: claims unpublished events (`FOR UPDATE SKIP LOCKED`), publishes them all at once, each with `Nats-Msg-Id`
 * = the event id (so a retry after a crash between publish and mark is dropped as a duplicate), and marks published
 * those the broker acknowledged, all in one transaction. Answers how many events it claimed.
 */
export const relayBatch = Effect.fn("Outbox.relayBatch")(function*() {
  const outbox = yield* OutboxRepo
  const broker = yield* Broker
  const names = yield* currentTopology
  const { relayBatch: size } = yield* DeliverySettings
  return yield* (yield* Transactions).runAhead(Effect.gen(function*() {
    const events = yield* outbox.claimUnpublished(size)
    if (events.length === 0) return 0
    const routed: Array<{ readonly event: OutboxEvent; readonly stream: string; readonly subject: string }> = []
    for (const event of events) {
      const destination = destinationOf(names, event)
      if (Option.isSome(destination)) routed.push({ event, ...destination.value })
      else {
        yield* Effect.logError("outbox event with no subject; left unpublished").pipe(
          Effect.annotateLogs({ event_id: event.id, type: event.type })
        )
      }
    }
    const spans = yield* Effect.forEach(routed, ({ event, stream, subject }) =>
      startPublishSpan({ stream, subject, messageId: event.id, traceparent: event.traceparent }))
    const outcomes = yield* broker.publishAll(routed.map(({ event, subject }, i) => ({
      subject,
      data: encoder.encode(JSON.stringify(event.payload)),
      msgId: event.id,
      headers: { ...eventHeaders(event), traceparent: traceparentOf(spans[i]!) }
    })))
    const publishedAt = yield* Clock.currentTimeNanos
    const published: Array<EventId> = []
    for (const [i, outcome] of outcomes.entries()) {
      const { event } = routed[i]!
      spans[i]!.end(publishedAt, Either.isRight(outcome) ? Exit.void : Exit.fail(outcome.left))
      if (Either.isRight(outcome)) published.push(event.id)
      else {
        yield* Effect.logWarning("publish failed; the event stays in the outbox").pipe(
          Effect.annotateLogs({ event_id: event.id, error: outcome.left.message })
        )
      }
    }
    yield* outbox.markPublished(published, yield* now)
    return events.length
  }))
})

/**
 * The relay: publishes batches back to back while there is work, on the poll schedule and whenever a NOTIFY (a hint)
 * comes, one drain at a time. A failed batch is logged and tried again at the next turn.
 */
export const relayOutbox = Effect.gen(function*() {
  const signal = yield* OutboxSignal
  const { relayBatch: size, relayPoll: interval } = yield* DeliverySettings
  const lock = yield* Effect.makeSemaphore(1)
  const drain = relayBatch().pipe(
    Effect.catchAll((error) =>
      Effect.logWarning("outbox relay batch failed").pipe(Effect.annotateLogs("error", error.message), Effect.as(0))
    ),
    Effect.repeat({ while: (count) => count === size }),
    lock.withPermits(1)
  )
  yield* Effect.all([
    Effect.repeat(drain, relayPoll(interval)),
    Effect.forever(Effect.zipRight(signal.next, drain))
  ], { concurrency: 2, discard: true })
})
