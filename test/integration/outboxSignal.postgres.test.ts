import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Option } from "effect"
import { layerListen, layerPollOnly } from "../../layers/storage/outboxSignal.ts"
import { layer as layerOutbox } from "../../layers/storage/postgres/outbox.ts"
import { EventId, newId } from "../../src/domain/ids.ts"
import { OutboxRepo } from "../../src/services/Outbox.ts"
import { OutboxSignal } from "../../src/services/OutboxSignal.ts"
import { layerFreshDb } from "../support/postgres.ts"

/** Writes one outbox event, whose insert trigger notifies the listeners. */
const writeEvent = Effect.gen(function*() {
  yield* (yield* OutboxRepo).append([{
    id: yield* newId(EventId),
    aggregateId: crypto.randomUUID(),
    type: "routing.created",
    payload: {},
    traceparent: null,
    createdAt: new Date()
  }])
})

/** Long enough for a notification to come on an idle machine; the checks below hold whatever it takes. */
const QUIET_MS = 300

describe("the outbox signal on PostgreSQL (LISTEN/NOTIFY)", () => {
  const layer = Layer.mergeAll(layerListen, layerOutbox).pipe(Layer.provideMerge(layerFreshDb()))

  it.live("waits while nothing is written, and wakes once an event is written", () =>
    Effect.gen(function*() {
      const signal = yield* OutboxSignal
      const waiting = yield* Effect.fork(signal.next)
      yield* Effect.sleep(QUIET_MS)
      expect(Option.isNone(yield* Fiber.poll(waiting))).toBe(true)
      yield* writeEvent
      expect(Option.isSome(yield* Fiber.await(waiting).pipe(Effect.timeoutOption("10 seconds")))).toBe(true)
    }).pipe(Effect.provide(layer)), 30_000)

  it.live("wakes for an event written before the call (a notification is kept until taken)", () =>
    Effect.gen(function*() {
      const signal = yield* OutboxSignal
      yield* writeEvent
      yield* Effect.sleep(QUIET_MS)
      expect(Option.isSome(yield* signal.next.pipe(Effect.timeoutOption("10 seconds")))).toBe(true)
    }).pipe(Effect.provide(layer)), 30_000)
})

describe("the outbox signal without notifications (PGlite, memory)", () => {
  it.live("never wakes: the relay polls", () =>
    Effect.gen(function*() {
      const waiting = yield* Effect.fork((yield* OutboxSignal).next)
      yield* Effect.sleep(QUIET_MS)
      expect(Option.isNone(yield* Fiber.poll(waiting))).toBe(true)
      yield* Fiber.interrupt(waiting)
    }).pipe(Effect.provide(layerPollOnly)))
})
