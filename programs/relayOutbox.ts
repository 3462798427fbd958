import { Clock, Duration, Effect, Either, Exit, Option, Queue, Schema } from "effect"
import { isDomainEventType, type OutboxEvent, RoutingCreated } from "../src/domain/events.ts"
import type { EventId } from "../src/domain/ids.ts"
import { now } from "../src/domain/time.ts"
import type { Topology } from "../src/domain/topology.ts"
import { relayHeldRecheck, relayPoll } from "../src/Schedules.ts"
import { Broker } from "../src/services/Broker.ts"
import { type OutboxClaim, OutboxRepo } from "../src/services/Outbox.ts"
import { OutboxSignal } from "../src/services/OutboxSignal.ts"
import { RoutingRepo } from "../src/services/Routings.ts"
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
 * One batch of one kind of event (see `OutboxClaim`). For held events, first, in a transaction of its own, the
 * `scheduled` routings whose held events are due become `pending`, so that their messages never find them still
 * `scheduled`. Then it claims unpublished events due now (`FOR UPDATE SKIP LOCKED`), publishes them all at once, each
 * with `Nats-Msg-Id` = the event id (so a retry after a crash between publish and mark is dropped as a duplicate), and
 * marks published those the broker acknowledged, all in one transaction. Answers how many events it claimed.
 */
export const relayBatch = Effect.fn("Outbox.relayBatch")(function*(kind: OutboxClaim = "immediate") {
  const outbox = yield* OutboxRepo
  const broker = yield* Broker
  const names = yield* currentTopology
  const { relayBatch: size } = yield* DeliverySettings
  const transactions = yield* Transactions
  const at = yield* now
  if (kind === "held") yield* transactions.runAhead((yield* RoutingRepo).releaseDue(at))
  return yield* transactions.runAhead(Effect.gen(function*() {
    const events = yield* outbox.claimUnpublished(size, at, kind)
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
 * The relay: publishes batches back to back while there is work, one drain at a time: events published as soon as
 * written whenever a NOTIFY (a hint) comes, held events when the next comes due (a timer set from the outbox, looked at
 * again after each NOTIFY and at least every `relayHeldRecheck`), and both on the poll schedule. Held events have
 * drains of their own so that the hot path (a NOTIFY's drain) runs no release transaction. A failed batch is logged
 * and tried again at the next turn.
 */
export const relayOutbox = Effect.gen(function*() {
  const signal = yield* OutboxSignal
  const outbox = yield* OutboxRepo
  const { relayBatch: size, relayPoll: interval } = yield* DeliverySettings
  const lock = yield* Effect.makeSemaphore(1)
  const drainOf = (kind: OutboxClaim) =>
    relayBatch(kind).pipe(
      Effect.catchAll((error) =>
        Effect.logWarning("outbox relay batch failed").pipe(Effect.annotateLogs("error", error.message), Effect.as(0))
      ),
      Effect.repeat({ while: (count) => count === size }),
      lock.withPermits(1)
    )
  const drain = drainOf("immediate")
  const drainHeld = drainOf("held")
  /** Offered when events were written (a NOTIFY), which may hold one due sooner than the timer was set for. */
  const rearm = yield* Queue.sliding<void>(1)
  const timer = Effect.gen(function*() {
    const at = yield* now
    const next = yield* outbox.nextHeld(at).pipe(
      Effect.catchAll((error) =>
        Effect.logWarning("outbox relay could not read the next held event").pipe(
          Effect.annotateLogs("error", error.message),
          Effect.as(Option.none<Date>())
        )
      )
    )
    const untilDue = Option.map(next, (due) => Duration.millis(due.getTime() - at.getTime()))
    const comesDue = Option.exists(untilDue, (wait) => Duration.lessThanOrEqualTo(wait, relayHeldRecheck))
    const wait = comesDue ? Option.getOrThrow(untilDue) : relayHeldRecheck
    const slept = yield* Effect.raceFirst(Effect.as(Effect.sleep(wait), true), Effect.as(Queue.take(rearm), false))
    if (slept && comesDue) yield* drainHeld
  })
  yield* Effect.all([
    Effect.repeat(Effect.zipRight(drainHeld, drain), relayPoll(interval)),
    Effect.forever(Effect.zipRight(signal.next, Effect.zipRight(drain, Queue.offer(rearm, undefined)))),
    Effect.forever(timer)
  ], { concurrency: 3, discard: true })
})
