import { describe, expect, it } from "@effect/vitest"
import { Chunk, Clock, Duration, Effect, Fiber, Layer, Option, Random, TestClock } from "effect"
import { createHmac } from "node:crypto"
import { provisionStreams } from "../../programs/brokerTopology.ts"
import { deliverWebhooks, sendDueWebhooks } from "../../programs/deliverWebhooks.ts"
import { relayBatch } from "../../programs/relayOutbox.ts"
import { fanOutMessages, fanOutWebhooks, webhookConsumerSpec } from "../../programs/webhookFanOut.ts"
import { createWebhook, enableWebhook } from "../../programs/webhooks.ts"
import { RoutingSynced } from "../../src/domain/events.ts"
import { CompanyId, EventId, JobId, RoutingId } from "../../src/domain/ids.ts"
import type { DomainEventType } from "../../src/domain/events.ts"
import type { Delivery } from "../../src/services/Broker.ts"
import { CurrentPrincipal } from "../../src/services/CurrentPrincipal.ts"
import { OutboxRepo } from "../../src/services/Outbox.ts"
import { WebhookSettings } from "../../src/services/Settings.ts"
import { StorageError } from "../../src/services/StorageError.ts"
import { WebhookRepo } from "../../src/services/Webhooks.ts"
import { uuid } from "../support/fixtures.ts"
import { defaultWebhooks, layerMemoryServices } from "../support/services.ts"
import { layerRecordingTransport, type SentWebhook } from "../support/webhookReceiver.ts"

const asAdmin = Effect.provideService(CurrentPrincipal, { role: "admin", keyId: null })

const layers = (sent: Array<SentWebhook>, status: (request: SentWebhook, n: number) => number, settings: Partial<typeof defaultWebhooks> = {}) =>
  Layer.mergeAll(layerRecordingTransport(sent, status), Layer.succeed(WebhookSettings, { ...defaultWebhooks, ...settings })).pipe(
    Layer.provideMerge(layerMemoryServices)
  )

const syncedEvent = (id: EventId) =>
  RoutingSynced.make({
    routing_id: RoutingId.make(uuid()),
    job_id: JobId.make(uuid()),
    company_id: CompanyId.make(uuid()),
    external_id: "ext-1",
    synced_at: new Date(0).toISOString()
  })

/** An events-stream message as the broker hands it out; settling it does nothing. */
const eventMessage = (id: EventId, type: DomainEventType, data: unknown): Delivery => ({
  subject: `test.event.${type}`,
  data: new TextEncoder().encode(JSON.stringify(data)),
  headers: { "Nats-Msg-Id": id, "Event-Type": type, "Event-Created-At": new Date(0).toISOString() },
  streamSequence: 1,
  deliveryCount: 1,
  ack: Effect.void,
  nak: () => Effect.void,
  term: () => Effect.void,
  working: Effect.void
})

/** Fans out one message, as a pull of one. */
const fanOutOne = (message: Delivery) => Effect.flatMap(webhookConsumerSpec, (spec) => fanOutMessages([message], spec))

/** A hook on `routing.synced` and one pending delivery of a fresh event to it. */
const hookWithEvent = Effect.gen(function*() {
  const { hook } = yield* asAdmin(createWebhook({ url: "https://receiver.test/hook", events: ["routing.synced"], companyId: null }))
  const id = EventId.make(uuid())
  expect(yield* fanOutOne(eventMessage(id, "routing.synced", syncedEvent(id)))).toBe(1)
  return { hook, eventId: id }
})

/**
 * Moves the test clock forward by `ms` in steps of the sender's poll. Before each step it waits (in real time: signing
 * is WebCrypto, a real promise) until the sender is asleep until its next poll, one step from now: waiting for any
 * fiber to be asleep was not enough, as another fiber's sleep let a step pass before the sender's round was done.
 */
const advance = (ms: number, step = Duration.toMillis(defaultWebhooks.poll)) =>
  Effect.gen(function*() {
    for (let t = 0; t < ms; t += step) {
      for (let spins = 0; spins < 2000; spins++) {
        const now = yield* Clock.currentTimeMillis
        if (Chunk.some(yield* TestClock.sleeps(), (deadline) => deadline === now + step)) break
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 1)))
      }
      yield* TestClock.adjust(Duration.millis(step))
    }
  })

/** Jitter drawn at its midpoint: every wait is exactly the schedule's base delay. */
const noJitter = Effect.withRandom(Random.fixed([0.5]))

describe("webhooks on memory layers (TestClock)", () => {
  it.effect("an outbox event reaches the hook once, signed with its secret, as { id, type, created_at, data }", () => {
    const sent: Array<SentWebhook> = []
    return Effect.gen(function*() {
      const { secret } = yield* asAdmin(createWebhook({
        url: "https://receiver.test/hook",
        events: ["routing.synced", "job.completed"],
        companyId: null
      }))
      yield* provisionStreams
      const id = EventId.make(uuid())
      const payload = syncedEvent(id)
      yield* (yield* OutboxRepo).append([{ id, aggregateId: payload.routing_id, type: "routing.synced", payload, traceparent: null, createdAt: new Date(0) }])
      yield* relayBatch()
      const fanOut = yield* Effect.fork(fanOutWebhooks)
      yield* TestClock.adjust("10 millis")
      expect(yield* fanOutOne(eventMessage(id, "routing.synced", payload))).toBe(0)
      expect(yield* sendDueWebhooks()).toBe(1)
      expect(yield* sendDueWebhooks()).toBe(0)
      yield* Fiber.interrupt(fanOut)

      expect(sent).toHaveLength(1)
      const [request] = sent
      expect(JSON.parse(request!.body)).toEqual({ id, type: "routing.synced", created_at: new Date(0).toISOString(), data: payload })
      expect(request!.headers).toMatchObject({ "X-Event-Id": id, "Content-Type": "application/json" })
      const expected = createHmac("sha256", secret).update(request!.body).digest("hex")
      expect(request!.headers["X-Signature"]).toBe(`sha256=${expected}`)
    }).pipe(Effect.provide(layers(sent, () => 204)))
  })

  it.effect("a 3-minute database outage loses no event: the fan-out keeps trying, with backoff, and writes them all", () => {
    const sent: Array<SentWebhook> = []
    return Effect.gen(function*() {
      yield* asAdmin(createWebhook({ url: "https://receiver.test/hook", events: ["routing.synced"], companyId: null }))
      yield* provisionStreams
      const ids = Array.from({ length: 5 }, () => EventId.make(uuid()))
      yield* (yield* OutboxRepo).append(ids.map((id) => {
        const payload = syncedEvent(id)
        return { id, aggregateId: payload.routing_id, type: "routing.synced", payload, traceparent: null, createdAt: new Date(0) }
      }))
      yield* relayBatch()
      const repo = yield* WebhookRepo
      let down = true
      let tries = 0
      const outage = WebhookRepo.of({
        ...repo,
        enqueue: (events, at) =>
          Effect.suspend(() => {
            if (!down) return repo.enqueue(events, at)
            tries++
            return Effect.fail(new StorageError({ operation: "webhooks.enqueue", unavailable: true, cause: "connection refused" }))
          })
      })
      const fanOut = yield* Effect.fork(fanOutWebhooks.pipe(Effect.provideService(WebhookRepo, outage)))
      const step = async () => await new Promise((resolve) => setTimeout(resolve, 1))
      for (let second = 0; second < 180; second++) {
        yield* Effect.promise(step)
        yield* TestClock.adjust("1 second")
      }
      // Backoff between tries (1 s, doubling, capped at 30 s), not one every second.
      expect(tries).toBeGreaterThan(3)
      expect(tries).toBeLessThan(15)
      down = false
      for (let second = 0; second < 40; second++) {
        yield* Effect.promise(step)
        yield* TestClock.adjust("1 second")
      }
      yield* Fiber.interrupt(fanOut)
      expect(yield* sendDueWebhooks()).toBe(5)
      expect(sent.map((s) => s.headers["X-Event-Id"]).sort()).toEqual([...ids].sort())
    }).pipe(Effect.provide(layers(sent, () => 200)))
  })

  it.effect("a duplicate event message yields one delivery", () => {
    const sent: Array<SentWebhook> = []
    return Effect.gen(function*() {
      const { eventId, hook } = yield* hookWithEvent
      const again = eventMessage(eventId, "routing.synced", syncedEvent(eventId))
      expect(yield* fanOutOne(again)).toBe(0)
      expect(yield* fanOutOne({ ...again, deliveryCount: 2 })).toBe(0)
      yield* sendDueWebhooks()
      expect(sent.map((s) => s.headers["X-Event-Id"])).toEqual([eventId])
      expect((yield* (yield* WebhookRepo).attempts(hook.id, 10)).map((a) => a.statusCode)).toEqual([200])
    }).pipe(Effect.provide(layers(sent, () => 200)))
  })

  it.effect("retries follow attemptBackoff (1 s, 2 s, 4 s, ...) and the delivery gives up after WEBHOOK_ATTEMPTS", () => {
    const sent: Array<SentWebhook> = []
    return Effect.gen(function*() {
      const { hook } = yield* hookWithEvent
      const sender = yield* Effect.fork(noJitter(deliverWebhooks))
      yield* advance(60_000)
      yield* Fiber.interrupt(sender)
      const attempts = yield* (yield* WebhookRepo).attempts(hook.id, 100)
      expect(attempts.map((a) => a.at.getTime() / 1000).reverse()).toEqual([0, 1, 3, 7, 15])
      expect(attempts.every((a) => a.statusCode === 503 && a.error === "receiver answered 503")).toBe(true)
      expect(Option.getOrThrow(yield* (yield* WebhookRepo).get(hook.id))).toMatchObject({ active: true, consecutiveFailures: 1 })
    }).pipe(Effect.provide(layers(sent, () => 503, { attempts: 5 })))
  })

  it.effect("a receiver that recovers gets the event once more and resets the hook's consecutive failures", () => {
    const sent: Array<SentWebhook> = []
    return Effect.gen(function*() {
      const { hook } = yield* hookWithEvent
      const sender = yield* Effect.fork(noJitter(deliverWebhooks))
      yield* advance(10_000)
      yield* Fiber.interrupt(sender)
      const attempts = yield* (yield* WebhookRepo).attempts(hook.id, 100)
      expect(attempts.map((a) => [a.at.getTime() / 1000, a.statusCode]).reverse()).toEqual([[0, 500], [1, 500], [3, 200]])
      expect(Option.getOrThrow(yield* (yield* WebhookRepo).get(hook.id)).consecutiveFailures).toBe(0)
    }).pipe(Effect.provide(layers(sent, (_, n) => (n < 2 ? 500 : 200))))
  })

  it.effect("a receiver that fails the first try of every event but takes each in the end is never disabled", () => {
    const sent: Array<SentWebhook> = []
    return Effect.gen(function*() {
      const { hook } = yield* hookWithEvent
      for (let i = 0; i < 19; i++) {
        const id = EventId.make(uuid())
        yield* fanOutOne(eventMessage(id, "routing.synced", syncedEvent(id)))
      }
      const sender = yield* Effect.fork(noJitter(deliverWebhooks))
      yield* advance(10_000)
      yield* Fiber.interrupt(sender)
      expect(Option.getOrThrow(yield* (yield* WebhookRepo).get(hook.id))).toMatchObject({ active: true, consecutiveFailures: 0 })
      const attempts = yield* (yield* WebhookRepo).attempts(hook.id, 100)
      expect(attempts).toHaveLength(40)
      expect(new Set(attempts.filter((a) => a.statusCode === 200).map((a) => a.eventId)).size).toBe(20)
    }).pipe(Effect.provide(layers(sent, (_, n) => (n === 0 ? 500 : 200), { maxFailures: 3 })))
  })

  it.effect("a hook is disabled after WEBHOOK_MAX_FAILURES events in a row given up; enabled, it gets the events it missed", () => {
    const sent: Array<SentWebhook> = []
    let up = false
    return Effect.gen(function*() {
      const { eventId: first, hook } = yield* hookWithEvent
      const second = EventId.make(uuid())
      yield* fanOutOne(eventMessage(second, "routing.synced", syncedEvent(second)))
      const sender = yield* Effect.fork(noJitter(deliverWebhooks))
      yield* advance(10_000)
      const after = Option.getOrThrow(yield* (yield* WebhookRepo).get(hook.id))
      expect(after).toMatchObject({ active: false, consecutiveFailures: 2 })
      // Each event had its 3 attempts (at 0, 1 and 3 s): the hook was disabled when the second was given up.
      expect(after.disabledAt?.getTime()).toBe(Duration.toMillis("3 seconds"))
      expect(sent).toHaveLength(6)
      const missed = EventId.make(uuid())
      expect(yield* fanOutOne(eventMessage(missed, "routing.synced", syncedEvent(missed)))).toBe(1)
      yield* advance(5_000)
      expect(sent).toHaveLength(6)

      up = true
      const enabled = yield* asAdmin(enableWebhook(hook.id))
      expect(enabled).toMatchObject({ hook: { active: true, consecutiveFailures: 0, disabledAt: null }, resent: 3 })
      yield* advance(2_000)
      yield* Fiber.interrupt(sender)
      expect(sent.slice(6).map((s) => s.headers["X-Event-Id"]).sort()).toEqual([first, second, missed].sort())
    }).pipe(Effect.provide(layers(sent, () => (up ? 200 : 500), { attempts: 3, maxFailures: 2 })))
  })
})
