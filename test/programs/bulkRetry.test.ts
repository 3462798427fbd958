import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { listDeadLetters, sendToDeadLetters } from "../../programs/deadLetters.ts"
import { replayDeadLetters } from "../../programs/replayDeadLetters.ts"
import { retryFailedRoutings } from "../../programs/retryFailedRoutings.ts"
import { ApiKeyId, type CompanyId, type RoutingId } from "../../src/domain/ids.ts"
import { AlertRepo } from "../../src/services/Alerts.ts"
import { CurrentPrincipal } from "../../src/services/CurrentPrincipal.ts"
import { OutboxRepo } from "../../src/services/Outbox.ts"
import { RoutingRepo } from "../../src/services/Routings.ts"
import { layerMemoryServices } from "../support/services.ts"
import { companyWithRoutings, routingOf } from "./delivery.support.ts"

const asAdmin = Effect.provideService(CurrentPrincipal, { role: "admin", keyId: null })

const jobOf = (routingId: RoutingId) =>
  Effect.flatMap(RoutingRepo, (r) => r.get(routingId)).pipe(Effect.map((found) => Option.getOrThrow(found).job.id))

/** The company's routings given up as delivery gives them up, each with a dead letter. */
const failedWithDeadLetters = (count: number) =>
  Effect.gen(function*() {
    const { companyId, routings } = yield* companyWithRoutings({}, count)
    yield* (yield* RoutingRepo).finish(routings.map((id) => ({
      id,
      leaseUntil: null,
      result: { _tag: "Failed", status: "failed", outcome: "error", error: "boom", counts: true, known: true } as const,
      timing: { at: new Date(0), durationMs: 1 }
    })))
    yield* Effect.forEach(routings, (routingId) =>
      Effect.flatMap(jobOf(routingId), (jobId) =>
        sendToDeadLetters({ subject: "work", data: new Uint8Array(), headers: {}, routingId, jobId, companyId, attempts: 8, reason: "boom" })))
    return { companyId, routings }
  })

/** The routings with an unpublished `routing.created` event each, counted once per event. */
const queuedEvents = (routings: ReadonlyArray<RoutingId>) =>
  Effect.map(Effect.flatMap(OutboxRepo, (outbox) => outbox.pending(10_000)), (events) =>
    events.filter((e) => e.type === "routing.created" && routings.includes(e.aggregateId as RoutingId)).length)

const statuses = (routings: ReadonlyArray<RoutingId>) => Effect.forEach(routings, (id) => Effect.map(routingOf(id), (r) => r?.syncStatus))

describe("bulk replay and retry (memory layers)", () => {
  it.effect("replays the dead letters a page at a time: each routing queued once, its dead letter removed", () =>
    Effect.gen(function*() {
      const { routings } = yield* failedWithDeadLetters(5)
      expect(yield* replayDeadLetters({ before: new Date(0) }, 2)).toEqual({ count: 0, skipped: 0, batches: 3 })
      expect(yield* replayDeadLetters({}, 2)).toEqual({ count: 5, skipped: 0, batches: 3 })
      expect(yield* statuses(routings)).toEqual(routings.map(() => "pending"))
      expect(yield* queuedEvents(routings)).toBe(5)
      expect(yield* listDeadLetters(100)).toEqual([])
      expect(yield* replayDeadLetters({}, 2)).toEqual({ count: 0, skipped: 0, batches: 0 })
    }).pipe(asAdmin, Effect.provide(layerMemoryServices)))

  it.effect("retries a company's failed routings in batches; their dead letters stay, and a replay then skips them", () =>
    Effect.gen(function*() {
      const { companyId, routings } = yield* failedWithDeadLetters(5)
      expect(yield* retryFailedRoutings(companyId, 2)).toEqual({ count: 5, batches: 3 })
      expect(yield* statuses(routings)).toEqual(routings.map(() => "pending"))
      expect(yield* queuedEvents(routings)).toBe(5)
      expect(yield* retryFailedRoutings(companyId, 2)).toEqual({ count: 0, batches: 0 })
      expect(yield* replayDeadLetters({ companyId }, 2)).toEqual({ count: 0, skipped: 5, batches: 3 })
      expect(yield* queuedEvents(routings)).toBe(5)
      expect(yield* listDeadLetters(100)).toHaveLength(5)
    }).pipe(asAdmin, Effect.provide(layerMemoryServices)))

  it.effect("a retry resolves the routings' dead-letter alerts with the reopening", () =>
    Effect.gen(function*() {
      const { companyId } = yield* failedWithDeadLetters(3)
      const deadLetterAlerts = Effect.map(Effect.flatMap(AlertRepo, (alerts) => alerts.open(100)), (open) =>
        open.items.filter((a) => a.kind === "dead_letter.added" && a.companyId === companyId).length)
      expect(yield* deadLetterAlerts).toBe(3)
      expect(yield* retryFailedRoutings(companyId, 2)).toEqual({ count: 3, batches: 2 })
      expect(yield* deadLetterAlerts).toBe(0)
    }).pipe(asAdmin, Effect.provide(layerMemoryServices)))

  it.effect("copies a routing given up again after a retry to the dead letters again, and a redelivered message once", () =>
    Effect.gen(function*() {
      const { companyId, routings: [routingId] } = yield* companyWithRoutings({}, 1)
      const jobId = yield* jobOf(routingId!)
      const giveUp = (workMessageId: string) =>
        sendToDeadLetters({
          subject: "work",
          data: new Uint8Array(),
          headers: { "Nats-Msg-Id": workMessageId },
          routingId: routingId!,
          jobId,
          companyId,
          attempts: 1,
          reason: "400 Bad Request"
        })
      yield* giveUp("first-event")
      yield* giveUp("first-event")
      expect((yield* listDeadLetters(100).pipe(asAdmin)).filter((d) => d.routingId === routingId)).toHaveLength(1)
      yield* giveUp("event-of-the-retry")
      expect((yield* listDeadLetters(100).pipe(asAdmin)).filter((d) => d.routingId === routingId)).toHaveLength(2)
    }).pipe(Effect.provide(layerMemoryServices)))

  it.effect("refuses a viewer and a company key, and answers not found for an unknown company", () =>
    Effect.gen(function*() {
      const { companyId } = yield* failedWithDeadLetters(1)
      const viewer = Effect.provideService(CurrentPrincipal, { role: "viewer", keyId: ApiKeyId.make(crypto.randomUUID()) })
      expect((yield* Effect.flip(retryFailedRoutings(companyId).pipe(viewer)))._tag).toBe("Forbidden")
      expect((yield* Effect.flip(replayDeadLetters({}).pipe(viewer)))._tag).toBe("Forbidden")
      const unknown = crypto.randomUUID() as CompanyId
      expect((yield* Effect.flip(retryFailedRoutings(unknown).pipe(asAdmin)))._tag).toBe("NotFound")
      expect((yield* Effect.flip(replayDeadLetters({ companyId: unknown }).pipe(asAdmin)))._tag).toBe("NotFound")
    }).pipe(Effect.provide(layerMemoryServices)))
})
