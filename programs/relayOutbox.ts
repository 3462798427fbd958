import { Effect, Option, Schema } from "effect"
import { isDomainEventType, type OutboxEvent, RoutingCreated } from "../src/domain/events.ts"
import { now } from "../src/domain/time.ts"
import { relayPoll } from "../src/Schedules.ts"
import { Broker } from "../src/services/Broker.ts"
import { OutboxRepo } from "../src/services/Outbox.ts"
import { OutboxSignal } from "../src/services/OutboxSignal.ts"
import { DeliverySettings } from "../src/services/Settings.ts"
import { Transactions } from "../src/services/Transactions.ts"
import { currentTopology } from "./brokerTopology.ts"
import { publishInTrace } from "./messageSpans.ts"

const encoder = new TextEncoder()
const decodeRoutingCreated = Schema.decodeUnknownOption(RoutingCreated)

/** Headers every published event carries: its type and when it was made (the trace goes along in `traceparent`). */
const eventHeaders = (event: Pick<OutboxEvent, "type" | "createdAt">): Record<string, string> => ({
  "Event-Type": event.type,
  "Event-Created-At": event.createdAt.toISOString()
})

/** Where an event goes: a delivery to its company's consumer, a domain event to the events stream. */
const destinationOf = (event: OutboxEvent) =>
  Effect.map(currentTopology, (names) =>
    event.type === "routing.created"
      ? Option.map(decodeRoutingCreated(event.payload), (p) => ({ stream: names.workStream, subject: names.deliverSubject(p.company_id) }))
      : isDomainEventType(event.type)
      ? Option.some({ stream: names.eventStream, subject: names.eventSubject(event.type) })
      : Option.none())

/**
 * One batch: claims unpublished events (`FOR UPDATE SKIP LOCKED`), publishes each with `Nats-Msg-Id` = the event id
 * (so a retry after a crash between publish and mark is dropped as a duplicate), and marks published those the broker
 * acknowledged, all in one transaction. Answers how many events it claimed.
 */
export const relayBatch = Effect.fn("Outbox.relayBatch")(function*() {
  const outbox = yield* OutboxRepo
  const broker = yield* Broker
  const { relayBatch: size } = yield* DeliverySettings
  return yield* (yield* Transactions).runAhead(Effect.gen(function*() {
    const events = yield* outbox.claimUnpublished(size)
    if (events.length === 0) return 0
    const published = yield* Effect.forEach(events, (event) =>
      Effect.gen(function*() {
        const destination = yield* destinationOf(event)
        if (Option.isNone(destination)) {
          yield* Effect.logError("outbox event with no subject; left unpublished").pipe(
            Effect.annotateLogs({ event_id: event.id, type: event.type })
          )
          return Option.none()
        }
        const { stream, subject } = destination.value
        return yield* publishInTrace({ stream, subject, messageId: event.id, traceparent: event.traceparent }, (traceHeaders) =>
          broker.publish(subject, encoder.encode(JSON.stringify(event.payload)), {
            msgId: event.id,
            headers: { ...eventHeaders(event), ...traceHeaders }
          })).pipe(
          Effect.as(Option.some(event.id)),
          Effect.catchAll((error) =>
            Effect.logWarning("publish failed; the event stays in the outbox").pipe(
              Effect.annotateLogs({ event_id: event.id, error: error.message }),
              Effect.as(Option.none())
            )
          )
        )
      }), { concurrency: "unbounded" })
    yield* outbox.markPublished(published.flatMap(Option.toArray), yield* now)
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
