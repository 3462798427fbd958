import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Option, TestClock } from "effect"
import { currentTopology } from "../../programs/brokerTopology.ts"
import { listDeadLetters, replayDeadLetter } from "../../programs/deadLetters.ts"
import { handleMaxDeliveries } from "../../programs/maxDeliveries.ts"
import { reconcileOnce } from "../../programs/reconcile.ts"
import { relayBatch } from "../../programs/relayOutbox.ts"
import { now } from "../../src/domain/time.ts"
import { Broker } from "../../src/services/Broker.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { CurrentPrincipal } from "../../src/services/CurrentPrincipal.ts"
import { MockLeadStore } from "../../src/services/MockLeads.ts"
import { OutboxRepo } from "../../src/services/Outbox.ts"
import { RoutingRepo } from "../../src/services/Routings.ts"
import { StorageError } from "../../src/services/StorageError.ts"
import { DeliverySettings } from "../../src/services/Settings.ts"
import { DeliveryDirectory, ActorRegistry } from "../../src/services/Actors.ts"
import { defaultDelivery, layerMemoryServices } from "../support/services.ts"
import { advance, attemptsOf, companyWithRoutings, routingOf, startActor } from "./delivery.support.ts"

const run = <A, E>(program: Effect.Effect<A, E, any>) =>
  program.pipe(Effect.provide(layerMemoryServices)) as Effect.Effect<A, E>

const withDelivery = (overrides: Partial<typeof defaultDelivery>) =>
  Effect.provideService(DeliverySettings, { ...defaultDelivery, ...overrides })

const leadsOf = (companyId: Parameters<MockLeadStore["Type"]["list"]>[0]) =>
  Effect.flatMap(MockLeadStore, (store) => store.list(companyId, 1000))

const setMockConfig = (companyId: Parameters<CompanyRepo["Type"]["get"]>[0], config: Record<string, number>) =>
  Effect.flatMap(CompanyRepo, (repo) =>
    Effect.flatMap(now, (at) => repo.setProvider(companyId, { type: "mock", config, credentials: null, active: true }, at)))

describe("delivery on memory layers (TestClock)", () => {
  it.effect("delivers each routing once, writes it synced, and moves the job to routed", () =>
    run(Effect.gen(function*() {
      const { companyId, routings } = yield* companyWithRoutings({}, 3)
      const actor = yield* startActor()
      yield* advance(500)
      for (const id of routings) expect((yield* routingOf(id))?.syncStatus).toBe("synced")
      const leads = yield* leadsOf(companyId)
      expect(leads.total).toBe(3)
      expect(leads.duplicates).toBe(0)
      expect((yield* (yield* RoutingRepo).get(routings[0]!)).pipe(Option.map((f) => f.job.status))).toEqual(Option.some("routed"))
      yield* actor.stop
      yield* relayBatch()
      const names = yield* currentTopology
      const events = yield* (yield* Broker).listMessages(names.eventStream, { fromSequence: 1, limit: 100 })
      const synced = events.map((m) => ({ subject: m.subject, payload: JSON.parse(new TextDecoder().decode(m.data)) }))
        .filter((e) => routings.includes(e.payload.routing_id))
      expect(synced.map((e) => e.subject)).toEqual(routings.map(() => names.eventSubject("routing.synced")))
      expect(synced.map((e) => e.payload)).toEqual(expect.arrayContaining(routings.map((id) =>
        expect.objectContaining({ routing_id: id, company_id: companyId, external_id: expect.stringMatching(/^mock-/) }))))
    })))

  it.effect("retries on the redelivery schedule, then dead-letters after the last attempt", () =>
    run(Effect.gen(function*() {
      const { companyId, routings } = yield* companyWithRoutings({ failure_rate: 1 }, 1)
      const actor = yield* startActor()
      yield* advance(200_000, 100)
      const attempts = yield* attemptsOf(routings[0]!)
      expect(attempts).toHaveLength(8)
      const gaps = attempts.slice(1).map((a, i) => a.at.getTime() - attempts[i]!.at.getTime())
      gaps.forEach((gap, i) => {
        const base = 1000 * 2 ** i
        expect(gap).toBeGreaterThanOrEqual(base * 0.75)
        expect(gap).toBeLessThanOrEqual(base * 1.25 + 200)
      })
      expect(yield* routingOf(routings[0]!)).toMatchObject({ syncStatus: "failed", attempts: 8 })
      const letters = yield* listDeadLetters(10).pipe(Effect.provideService(CurrentPrincipal, { role: "admin", keyId: null }))
      expect(letters).toHaveLength(1)
      expect(letters[0]).toMatchObject({ routingId: routings[0], attempts: 8, reason: expect.stringContaining("gave up after 8 attempts") })
      yield* relayBatch()
      const names = yield* currentTopology
      const events = yield* (yield* Broker).listMessages(names.eventStream, { fromSequence: 1, limit: 100 })
      expect(events.filter((m) => m.subject === names.eventSubject("routing.failed")).map((m) => JSON.parse(new TextDecoder().decode(m.data))))
        .toContainEqual(expect.objectContaining({ routing_id: routings[0], attempts: 8, error: expect.stringContaining("gave up after 8") }))
      expect((yield* leadsOf(companyId)).total).toBe(0)
      yield* actor.stop
    }).pipe(withDelivery({ circuitThreshold: 100 }))), 120_000) // 2,000 steps of the test clock: ~13 s alone, more beside other suites

  it.effect("opens the circuit after 5 failures, stops calling, and recovers through a half-open probe", () =>
    run(Effect.gen(function*() {
      const { companyId, routings } = yield* companyWithRoutings({ failure_rate: 1 }, 8)
      const actor = yield* startActor()
      const calls = Effect.map(Effect.forEach(routings, attemptsOf), (all) => all.flat().length)
      yield* advance(10_000)
      expect(yield* calls).toBe(5)
      const circuit = Effect.map(Effect.flatMap(ActorRegistry, (r) => r.all), (all) => all[0]?.circuit)
      expect(yield* circuit).toBe("open")
      yield* advance(19_000)
      expect(yield* calls).toBe(5)
      yield* setMockConfig(companyId, {})
      yield* advance(2_000)
      expect(yield* calls).toBeGreaterThan(5)
      expect(yield* circuit).toBe("closed")
      yield* advance(60_000)
      for (const id of routings) expect((yield* routingOf(id))?.syncStatus).toBe("synced")
      expect(yield* leadsOf(companyId)).toMatchObject({ total: 8, duplicates: 0 })
      yield* actor.stop
    }).pipe(withDelivery({ attempts: 100 }))))

  it.effect("a provider that goes down fails its status polls too: they count toward its circuit, never close it", () =>
    run(Effect.gen(function*() {
      const { companyId, routings } = yield* companyWithRoutings({}, 2, { rateLimitPerMinute: 10_000 })
      const actor = yield* startActor(Duration.seconds(2))
      yield* advance(1_000)
      for (const id of routings) expect((yield* routingOf(id))?.syncStatus).toBe("synced")
      const circuit = Effect.map(Effect.flatMap(ActorRegistry, (r) => r.all), (all) => all[0]?.circuit)
      expect(yield* circuit).toBe("closed")
      yield* setMockConfig(companyId, { failure_rate: 1 })
      yield* advance(14_000, 250)
      expect(yield* circuit).not.toBe("closed")
      yield* setMockConfig(companyId, {})
      yield* advance(60_000, 250)
      expect(yield* circuit).toBe("closed")
      yield* actor.stop
    })))

  it.effect("spaces calls by the company's rate limit: at most rate_limit_per_minute in any minute", () =>
    run(Effect.gen(function*() {
      const { routings } = yield* companyWithRoutings({}, 5, { rateLimitPerMinute: 2 })
      const actor = yield* startActor()
      const synced = Effect.map(Effect.forEach(routings, routingOf), (all) => all.filter((r) => r?.syncStatus === "synced").length)
      yield* advance(1_000)
      expect(yield* synced).toBe(2)
      yield* advance(58_000)
      expect(yield* synced).toBe(2)
      yield* advance(2_000)
      expect(yield* synced).toBe(4)
      yield* advance(58_000)
      expect(yield* synced).toBe(4)
      yield* advance(2_000)
      expect(yield* synced).toBe(5)
      yield* actor.stop
    })))

  it.effect("shutdown cuts a wait for the rate limit short, within SHUTDOWN_TIMEOUT_SECONDS, and gives back the claims not called", () =>
    run(Effect.gen(function*() {
      const { routings } = yield* companyWithRoutings({}, 4, { rateLimitPerMinute: 2 })
      const actor = yield* startActor()
      yield* advance(1_000)
      const stopping = yield* Effect.fork(actor.stop)
      yield* advance(Duration.toMillis(defaultDelivery.shutdownTimeout) + 1_000, 500)
      expect((yield* Fiber.poll(stopping))._tag).toBe("Some")
      const statuses = (yield* Effect.forEach(routings, routingOf)).map((r) => r?.syncStatus).sort()
      expect(statuses).toEqual(["pending", "pending", "synced", "synced"])
    })))

  it.effect("a 429 pauses the company without using up an attempt", () =>
    run(Effect.gen(function*() {
      const { companyId, routings } = yield* companyWithRoutings({ rate_limited_rate: 1 }, 1)
      const actor = yield* startActor()
      yield* advance(3_500)
      const limited = yield* attemptsOf(routings[0]!)
      expect(limited.length).toBeGreaterThanOrEqual(3)
      expect(limited.every((a) => a.outcome === "rate_limited")).toBe(true)
      limited.slice(1).forEach((a, i) => expect(a.at.getTime() - limited[i]!.at.getTime()).toBeGreaterThanOrEqual(1000))
      expect(yield* routingOf(routings[0]!)).toMatchObject({ syncStatus: "retrying", attempts: 0 })
      yield* setMockConfig(companyId, {})
      yield* advance(2_000)
      expect(yield* routingOf(routings[0]!)).toMatchObject({ syncStatus: "synced", attempts: 1 })
      yield* actor.stop
    })))

  it.effect("a routing answered only 429 for RATE_LIMITED_GIVE_UP_HOURS from the first of them is dead-lettered", () =>
    run(Effect.gen(function*() {
      const { routings } = yield* companyWithRoutings({ rate_limited_rate: 1 }, 1)
      // Created well before its first call: the wait runs from the first 429, not from the routing's creation.
      yield* TestClock.adjust(Duration.seconds(20))
      const started = (yield* now).getTime()
      const actor = yield* startActor()
      yield* advance(9_500)
      expect(yield* routingOf(routings[0]!)).toMatchObject({ syncStatus: "retrying", attempts: 0 })
      const first = (yield* attemptsOf(routings[0]!))[0]!
      yield* advance(3_000)
      const attempts = yield* attemptsOf(routings[0]!)
      expect(attempts.every((a) => a.outcome === "rate_limited")).toBe(true)
      const last = attempts.at(-1)!
      expect(last.at.getTime() - first.at.getTime()).toBeGreaterThanOrEqual(10_000)
      expect(last.at.getTime() - started).toBeLessThan(12_500)
      expect(yield* routingOf(routings[0]!)).toMatchObject({ syncStatus: "failed", attempts: 1 })
      const [letter] = yield* listDeadLetters(10).pipe(Effect.provideService(CurrentPrincipal, { role: "admin", keyId: null }))
      expect(letter?.reason).toContain(`of rate limiting (429) since ${first.at.toISOString()}`)
      const count = attempts.length
      yield* advance(5_000)
      expect(yield* attemptsOf(routings[0]!)).toHaveLength(count)
      yield* actor.stop
    }).pipe(withDelivery({ rateLimitedGiveUp: Duration.seconds(10) }))))

  it.effect("while the provider answers 429, the routing at the head of the queue meets each of them; the rest wait", () =>
    run(Effect.gen(function*() {
      // Calls slow enough that the batch writes each result before it goes on.
      const { companyId, routings } = yield* companyWithRoutings({ rate_limited_rate: 1, latency_ms: 60 }, 4, { rateLimitPerMinute: 10_000 })
      const actor = yield* startActor()
      yield* advance(4_500)
      const counts = (yield* Effect.forEach(routings, attemptsOf)).map((attempts) => attempts.length).sort().reverse()
      expect(counts[0]).toBeGreaterThanOrEqual(3)
      expect(counts.slice(1)).toEqual([0, 0, 0])
      yield* setMockConfig(companyId, {})
      yield* advance(2_000)
      for (const id of routings) expect(yield* routingOf(id)).toMatchObject({ syncStatus: "synced", attempts: 1 })
      yield* actor.stop
    })))

  it.effect("a permanent failure dead-letters at once; replaying it after a fix delivers it", () =>
    run(Effect.gen(function*() {
      const { companyId, routings } = yield* companyWithRoutings({ failure_rate: 2 }, 1)
      const actor = yield* startActor()
      yield* advance(500)
      expect(yield* routingOf(routings[0]!)).toMatchObject({ syncStatus: "failed", attempts: 1 })
      const asAdmin = Effect.provideService(CurrentPrincipal, { role: "admin", keyId: null })
      const [letter] = yield* listDeadLetters(10).pipe(asAdmin)
      expect(letter?.reason).toContain("invalid mock config")
      yield* setMockConfig(companyId, {})
      yield* replayDeadLetter(letter!.id).pipe(asAdmin)
      expect(yield* listDeadLetters(10).pipe(asAdmin)).toEqual([])
      yield* relayBatch()
      yield* advance(500)
      expect(yield* routingOf(routings[0]!)).toMatchObject({ syncStatus: "synced" })
      expect(yield* leadsOf(companyId)).toMatchObject({ total: 1, duplicates: 0 })
      yield* actor.stop
    })))

  it.effect("makes no provider call for a routing already synced", () =>
    run(Effect.gen(function*() {
      const { companyId, routings } = yield* companyWithRoutings({}, 1)
      const repo = yield* RoutingRepo
      yield* repo.claim(routings[0]!, yield* now, new Date(60_000))
      yield* repo.finish([{ id: routings[0]!, leaseUntil: new Date(60_000), result: { _tag: "Synced", externalId: "elsewhere", outcome: "created" }, timing: { at: yield* now, durationMs: 1 } }])
      const actor = yield* startActor()
      yield* advance(500)
      expect((yield* leadsOf(companyId)).total).toBe(0)
      expect(yield* attemptsOf(routings[0]!)).toHaveLength(1)
      const names = yield* currentTopology
      expect((yield* (yield* Broker).subjectCounts(names.workStream, names.deliverSubject(companyId))).size).toBe(0)
      yield* actor.stop
    })))

  it.effect("after a call that timed out, looks the lead up instead of creating it twice", () =>
    run(Effect.gen(function*() {
      const { companyId, routings } = yield* companyWithRoutings({ latency_ms: 16_000 }, 1)
      const actor = yield* startActor()
      yield* advance(10_500)
      expect(yield* routingOf(routings[0]!)).toMatchObject({ syncStatus: "retrying" })
      yield* setMockConfig(companyId, {})
      yield* advance(5_000)
      expect(yield* routingOf(routings[0]!)).toMatchObject({ syncStatus: "synced" })
      expect((yield* attemptsOf(routings[0]!)).map((a) => a.outcome)).toEqual(["retryable", "found"])
      expect(yield* leadsOf(companyId)).toMatchObject({ total: 1, duplicates: 0 })
      yield* actor.stop
    })))

  it.effect("a lookup that fails leaves the outcome unknown: the next attempt looks again rather than creating a second lead", () =>
    run(Effect.gen(function*() {
      const { companyId, routings } = yield* companyWithRoutings({ latency_ms: 16_000 }, 1)
      const actor = yield* startActor()
      yield* advance(10_500)
      yield* setMockConfig(companyId, { failure_rate: 1 })
      yield* advance(3_000)
      const failedLookups = (yield* attemptsOf(routings[0]!)).length - 1
      expect(failedLookups).toBeGreaterThan(0)
      yield* setMockConfig(companyId, {})
      yield* advance(10_000)
      expect(yield* routingOf(routings[0]!)).toMatchObject({ syncStatus: "synced" })
      expect((yield* attemptsOf(routings[0]!)).map((a) => a.outcome)).toEqual([...Array(failedLookups + 1).fill("retryable"), "found"])
      expect(yield* leadsOf(companyId)).toMatchObject({ total: 1, duplicates: 0 })
      yield* actor.stop
    })))

  it.effect("a routing syncing when its message passed the max deliveries fails with an unknown outcome: reopened, it is looked up", () =>
    run(Effect.gen(function*() {
      const { routings } = yield* companyWithRoutings({}, 1)
      const repo = yield* RoutingRepo
      yield* repo.claim(routings[0]!, yield* now, new Date(25_000))
      const names = yield* currentTopology
      const [stored] = yield* (yield* Broker).listMessages(names.workStream, { fromSequence: 1, limit: 10 })
      yield* handleMaxDeliveries({ stream: names.workStream, consumer: names.partitionConsumer(0), streamSequence: stored!.sequence })
      expect(yield* routingOf(routings[0]!)).toMatchObject({ syncStatus: "failed" })
      expect((yield* repo.reopenMany([routings[0]!], yield* now)).map((r) => r.routingId)).toEqual([routings[0]!])
      expect(yield* repo.claim(routings[0]!, yield* now, new Date(60_000))).toEqual(Option.some({ needsLookup: true, attempts: 0, rateLimitedSince: null }))
    })))

  it.effect("a routing left syncing by a crashed actor is taken over after its lease, with a lookup first", () =>
    run(Effect.gen(function*() {
      const { companyId, routings } = yield* companyWithRoutings({}, 1)
      const repo = yield* RoutingRepo
      yield* repo.claim(routings[0]!, yield* now, new Date(25_000))
      yield* (yield* MockLeadStore).record([{
        leadId: "mock-before-crash",
        companyId,
        externalId: routings[0]!,
        payload: {},
        receivedAt: yield* now
      }])
      const actor = yield* startActor()
      yield* advance(20_000)
      expect(yield* routingOf(routings[0]!)).toMatchObject({ syncStatus: "syncing" })
      yield* advance(15_000)
      expect(yield* routingOf(routings[0]!)).toMatchObject({ syncStatus: "synced", externalId: "mock-before-crash" })
      expect(yield* leadsOf(companyId)).toMatchObject({ total: 1, duplicates: 0 })
      yield* actor.stop
    })))

  it.effect("reconciliation queues again a routing whose message was lost", () =>
    run(Effect.gen(function*() {
      const { routings } = yield* companyWithRoutings({}, 1)
      const names = yield* currentTopology
      const broker = yield* Broker
      const [stored] = yield* broker.listMessages(names.workStream, { fromSequence: 1, limit: 10 })
      yield* broker.deleteMessage(names.workStream, stored!.sequence)
      const actor = yield* startActor()
      yield* advance(1_000)
      expect(yield* routingOf(routings[0]!)).toMatchObject({ syncStatus: "pending" })
      expect(yield* reconcileOnce(yield* now)).toBe(1)
      expect(yield* reconcileOnce(yield* now)).toBe(0)
      yield* relayBatch()
      yield* advance(1_000)
      expect(yield* routingOf(routings[0]!)).toMatchObject({ syncStatus: "synced" })
      yield* relayBatch()
      expect((yield* (yield* OutboxRepo).backlog(yield* now)).pending).toBe(0)
      yield* actor.stop
    })))

  it.effect("a message past its max deliveries is dead-lettered and removed from the work stream", () =>
    run(Effect.gen(function*() {
      const { routings } = yield* companyWithRoutings({}, 1)
      const names = yield* currentTopology
      const broker = yield* Broker
      const [stored] = yield* broker.listMessages(names.workStream, { fromSequence: 1, limit: 10 })
      yield* handleMaxDeliveries({ stream: names.workStream, consumer: names.partitionConsumer(0), streamSequence: stored!.sequence })
      expect(yield* routingOf(routings[0]!)).toMatchObject({ syncStatus: "failed" })
      expect(yield* broker.getMessage(names.workStream, stored!.sequence)).toEqual(Option.none())
      const letters = yield* listDeadLetters(10).pipe(Effect.provideService(CurrentPrincipal, { role: "admin", keyId: null }))
      expect(letters.map((l) => l.routingId)).toEqual([routings[0]])
    })))

  it.effect("a paused company's work is parked with no provider call and delivered once after the resume", () =>
    run(Effect.gen(function*() {
      const { companyId, routings } = yield* companyWithRoutings({}, 3)
      yield* (yield* CompanyRepo).update(companyId, { deliveryPaused: true }, yield* now)
      const actor = yield* startActor()
      yield* advance(3_000)
      for (const id of routings) expect(yield* routingOf(id)).toMatchObject({ syncStatus: "pending", attempts: 0 })
      expect((yield* leadsOf(companyId)).total).toBe(0)
      const names = yield* currentTopology
      expect((yield* (yield* Broker).subjectCounts(names.workStream, names.deliverSubject(companyId))).size).toBe(0)
      expect(yield* reconcileOnce(yield* now)).toBe(0)

      yield* (yield* CompanyRepo).update(companyId, { deliveryPaused: false }, yield* now)
      yield* (yield* DeliveryDirectory).setPaused(companyId, false)
      yield* advance(1_500)
      yield* relayBatch()
      yield* advance(1_000)
      for (const id of routings) expect((yield* routingOf(id))?.syncStatus).toBe("synced")
      expect(yield* leadsOf(companyId)).toMatchObject({ total: 3, duplicates: 0 })
      yield* actor.stop
    })))

  it.effect("an actor is made with the company's first message and dropped after a while idle", () =>
    run(Effect.gen(function*() {
      const { companyId } = yield* companyWithRoutings({}, 1)
      const running = Effect.map(Effect.flatMap(ActorRegistry, (r) => r.all), (all) => all.map((w) => w.companyId))
      const actor = yield* startActor()
      yield* advance(500)
      expect(yield* running).toEqual([companyId])
      yield* advance(40_000, 500)
      expect(yield* running).toEqual([])
      yield* actor.stop
    })))

  it.effect("a company with delivery concurrency 1 still gets its leads in batches: one write records many", () =>
    Effect.gen(function*() {
      const { companyId, routings } = yield* companyWithRoutings({}, 20, { rateLimitPerMinute: 10_000 })
      const repo = yield* RoutingRepo
      let runs = 0
      const counting = RoutingRepo.of({
        ...repo,
        finish: (finished, events) => Effect.zipRight(Effect.sync(() => void runs++), repo.finish(finished, events))
      })
      const actor = yield* startActor().pipe(Effect.provideService(RoutingRepo, counting))
      yield* advance(1_000)
      for (const id of routings) expect((yield* routingOf(id))?.syncStatus).toBe("synced")
      expect(yield* leadsOf(companyId)).toMatchObject({ total: 20, duplicates: 0 })
      expect(runs).toBeGreaterThan(0)
      expect(runs).toBeLessThanOrEqual(2)
      yield* actor.stop
    }).pipe(Effect.provide(layerMemoryServices)))

  it.effect("a result write that fails is tried again within the lease: the routing is synced once, with one call", () =>
    Effect.gen(function*() {
      const { companyId, routings } = yield* companyWithRoutings({}, 1)
      const repo = yield* RoutingRepo
      let failures = 2
      const flaky = RoutingRepo.of({
        ...repo,
        finish: (finished, events) =>
          failures-- > 0 ? Effect.fail(new StorageError({ operation: "routings.finish", unavailable: true, cause: "connection lost" })) : repo.finish(finished, events)
      })
      const actor = yield* startActor().pipe(Effect.provideService(RoutingRepo, flaky))
      yield* advance(1_000)
      expect(failures).toBeLessThan(0)
      expect(yield* routingOf(routings[0]!)).toMatchObject({ syncStatus: "synced" })
      expect((yield* attemptsOf(routings[0]!)).map((a) => a.outcome)).toEqual(["created"])
      expect(yield* leadsOf(companyId)).toMatchObject({ total: 1, duplicates: 0 })
      yield* actor.stop
    }).pipe(Effect.provide(layerMemoryServices)))

  it.effect("after a 429 the rest of a batch claimed ahead is given back, waits for the pause, and is delivered once", () =>
    run(Effect.gen(function*() {
      const { companyId, routings } = yield* companyWithRoutings({ rate_limited_rate: 1 }, 5, { rateLimitPerMinute: 10_000 })
      const actor = yield* startActor()
      yield* advance(1_500)
      for (const id of routings) expect((yield* routingOf(id))?.syncStatus).not.toBe("syncing")
      expect((yield* Effect.forEach(routings, attemptsOf)).flat().every((a) => a.outcome === "rate_limited")).toBe(true)
      yield* setMockConfig(companyId, {})
      yield* advance(3_000)
      for (const id of routings) expect(yield* routingOf(id)).toMatchObject({ syncStatus: "synced", attempts: 1 })
      expect(yield* leadsOf(companyId)).toMatchObject({ total: 5, duplicates: 0 })
      yield* actor.stop
    })))
})

