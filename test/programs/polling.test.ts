import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Option, TestClock } from "effect"
import { setDeliveryPaused } from "../../programs/operations.ts"
import { pollNow } from "../../programs/pollNow.ts"
import { jobStatusFrom } from "../../programs/pollStatuses.ts"
import { relayBatch } from "../../programs/relayOutbox.ts"
import { currentTopology } from "../../programs/brokerTopology.ts"
import { CompanyId } from "../../src/domain/ids.ts"
import { Broker } from "../../src/services/Broker.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { CurrentPrincipal } from "../../src/services/CurrentPrincipal.ts"
import { DeliverySettings } from "../../src/services/Settings.ts"
import { RoutingRepo } from "../../src/services/Routings.ts"
import { makeCompany, makeJob } from "../support/fixtures.ts"
import { defaultDelivery, layerMemoryServices } from "../support/services.ts"
import { advance, companyWithRoutings, routingOf, startActor } from "./delivery.support.ts"

const run = <A, E>(program: Effect.Effect<A, E, any>) => program.pipe(Effect.provide(layerMemoryServices)) as Effect.Effect<A, E>

const jobOf = (id: Parameters<RoutingRepo["Type"]["get"]>[0]) =>
  Effect.flatMap(RoutingRepo, (r) => r.get(id)).pipe(Effect.map(Option.map((found) => found.job)))

describe("status polling on memory layers (TestClock)", () => {
  it.effect("polls each company on its interval and follows leads to completed with revenue, with their events", () =>
    run(Effect.gen(function*() {
      // The mock moves a lead one status every 20 s: scheduled at 20 s, in progress at 40 s, completed at 60 s.
      const { routings } = yield* companyWithRoutings({ status_step_seconds: 20 }, 3, { rateLimitPerMinute: 10_000 })
      const actor = yield* startActor(Duration.seconds(30))
      yield* advance(1_000)
      for (const id of routings) expect(yield* routingOf(id)).toMatchObject({ syncStatus: "synced", externalStatus: null })

      // Nothing is asked before the interval has passed; at 30 s the leads are scheduled.
      yield* advance(28_000, 1_000)
      for (const id of routings) expect((yield* routingOf(id))?.externalStatus).toBeNull()
      yield* advance(4_000, 1_000)
      for (const id of routings) expect((yield* routingOf(id))?.externalStatus).toBe("scheduled")
      expect(Option.map(yield* jobOf(routings[0]!), (j) => j.status)).toEqual(Option.some("routed"))

      // At 60 s they are completed, with revenue and completion time, and so are their jobs.
      yield* advance(30_000, 1_000)
      for (const id of routings) {
        const routing = yield* routingOf(id)
        expect(routing).toMatchObject({ externalStatus: "completed" })
        expect(routing?.revenue).toBeGreaterThan(0)
        expect(routing?.completedAt).toBeInstanceOf(Date)
        expect(Option.map(yield* jobOf(id), (j) => j.status)).toEqual(Option.some("completed"))
      }
      yield* actor.stop

      yield* relayBatch()
      const names = yield* currentTopology
      const events = yield* (yield* Broker).listMessages(names.eventStream, { fromSequence: 1, limit: 100 })
      const types = events.map((m) => m.subject.slice(names.eventSubject("").length))
      expect(types.filter((t) => t === "routing.status_changed")).toHaveLength(6)
      expect(types.filter((t) => t === "job.completed")).toHaveLength(3)
    })))

  it("derives the job's status from its routings", () => {
    const job = makeJob(makeCompany().id, [makeCompany().id, makeCompany().id])
    const [a, b] = job.routings as [typeof job.routings[0], typeof job.routings[0]]
    const routed = { ...job, status: "routed" as const }
    expect(jobStatusFrom(routed, [{ ...a, externalStatus: "scheduled" }, b])).toBe("routed")
    expect(jobStatusFrom(routed, [{ ...a, externalStatus: "in_progress" }, b])).toBe("in_progress")
    expect(jobStatusFrom(routed, [{ ...a, externalStatus: "completed" }, { ...b, externalStatus: "in_progress" }])).toBe("completed")
    expect(jobStatusFrom(routed, [{ ...a, externalStatus: "canceled" }, { ...b, syncStatus: "canceled" }])).toBe("canceled")
    expect(jobStatusFrom(routed, [{ ...a, externalStatus: "canceled" }, b])).toBe("routed")
  })
})

const asAdmin = Effect.provideService(CurrentPrincipal, { role: "admin", keyId: null })

describe("per-company schedules, polls now and the daily reconciliation (TestClock)", () => {
  it.effect("a company on a cron schedule in its time zone is polled at its times, not on the interval", () =>
    run(Effect.gen(function*() {
      // Friday 6 March 2026, 07:57:30 in Chicago (CST, UTC-6); the mock's leads are completed 30 s after delivery.
      yield* TestClock.setTime(Date.parse("2026-03-06T13:57:30Z"))
      const { routings } = yield* companyWithRoutings({ status_step_seconds: 10 }, 2, {
        rateLimitPerMinute: 10_000,
        company: { pollSchedule: "0 8 * * 1-5", timeZone: "America/Chicago", pollIntervalSeconds: 10 }
      })
      const actor = yield* startActor(Duration.seconds(10))
      yield* advance(1_000)
      for (const id of routings) expect(yield* routingOf(id)).toMatchObject({ syncStatus: "synced", externalStatus: null })

      // 07:59:55: an interval of 10 s would have polled 14 times; the schedule, not yet.
      yield* advance(144_000, 1_000)
      for (const id of routings) expect((yield* routingOf(id))?.externalStatus).toBeNull()
      // 08:00 in Chicago.
      yield* advance(10_000, 1_000)
      for (const id of routings) expect((yield* routingOf(id))?.externalStatus).toBe("completed")
      yield* actor.stop
    })))

  it.effect("a company's changed plan takes effect without a restart", () =>
    run(Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-03-06T12:00:20Z"))
      const { companyId, routings } = yield* companyWithRoutings({ status_step_seconds: 5 }, 1, {
        rateLimitPerMinute: 10_000,
        company: { pollIntervalSeconds: 86_400 }
      })
      const actor = yield* startActor(Duration.hours(24))
      yield* advance(20_000, 1_000)
      expect((yield* routingOf(routings[0]!))?.externalStatus).toBeNull()
      // Every minute, from the next one (12:01 UTC).
      yield* (yield* CompanyRepo).update(companyId, { pollSchedule: "* * * * *" }, new Date(yield* Clock.currentTimeMillis))
      yield* advance(15_000, 1_000)
      expect((yield* routingOf(routings[0]!))?.externalStatus).toBeNull()
      yield* advance(10_000, 1_000)
      expect((yield* routingOf(routings[0]!))?.externalStatus).toBe("completed")
      yield* actor.stop
    })))

  it.effect("a poll asked for now while the company's circuit is open is refused with the wait until its probe", () =>
    run(Effect.gen(function*() {
      const { companyId, routings } = yield* companyWithRoutings({ failure_rate: 1 }, 8)
      const actor = yield* startActor(Duration.hours(24))
      yield* advance(10_000)
      const refused = yield* Effect.flip(asAdmin(pollNow(companyId)))
      expect(refused).toMatchObject({ _tag: "Unavailable", message: expect.stringContaining("circuit is open") })
      expect(refused._tag === "Unavailable" && Duration.toMillis(refused.retryAfter)).toBeGreaterThan(0)
      // The provider back, the probe closes the circuit and the routings are delivered, before the actor stops.
      const companies = yield* CompanyRepo
      yield* companies.setProvider(companyId, { type: "mock", config: {}, credentials: null, active: true }, new Date(yield* Clock.currentTimeMillis))
      yield* advance(80_000, 1_000)
      for (const id of routings) expect((yield* routingOf(id))?.syncStatus).toBe("synced")
      expect(yield* asAdmin(pollNow(companyId))).toMatchObject({ polled: 8 })
      yield* actor.stop
    }).pipe(Effect.provideService(DeliverySettings, { ...defaultDelivery, attempts: 100 }))))

  it.effect("a poll asked for now polls every open lead and answers how many it asked about and how many changed", () =>
    run(Effect.gen(function*() {
      const { companyId, routings } = yield* companyWithRoutings({ status_step_seconds: 20 }, 3, { rateLimitPerMinute: 10_000 })
      // Before delivery runs in the process, there is nothing to poll with.
      expect(yield* Effect.flip(asAdmin(pollNow(companyId)))).toMatchObject({ _tag: "Unavailable" })
      const actor = yield* startActor(Duration.hours(24))
      yield* advance(1_000)
      // Delivered, not polled: each is scheduled at the provider after 20 s, completed after 60 s.
      yield* advance(25_000, 1_000)
      expect(yield* asAdmin(pollNow(companyId))).toEqual({ polled: 3, changed: 3 })
      for (const id of routings) expect((yield* routingOf(id))?.externalStatus).toBe("scheduled")
      yield* advance(1_000)
      expect(yield* asAdmin(pollNow(companyId))).toEqual({ polled: 3, changed: 0 })
      yield* advance(40_000, 1_000)
      expect(yield* asAdmin(pollNow(companyId))).toEqual({ polled: 3, changed: 3 })
      // Completed leads are not open any more.
      expect(yield* asAdmin(pollNow(companyId))).toEqual({ polled: 0, changed: 0 })

      expect(yield* Effect.flip(asAdmin(pollNow(CompanyId.make(crypto.randomUUID()))))).toMatchObject({ _tag: "NotFound" })
      yield* asAdmin(setDeliveryPaused(companyId, true))
      expect(yield* Effect.flip(asAdmin(pollNow(companyId)))).toMatchObject({ _tag: "Conflict", message: expect.stringContaining("paused") })
      yield* asAdmin(setDeliveryPaused(companyId, false))
      const companies = yield* CompanyRepo
      yield* companies.setProvider(companyId, null, new Date(yield* Clock.currentTimeMillis))
      expect(yield* Effect.flip(asAdmin(pollNow(companyId)))).toMatchObject({ _tag: "Conflict", message: expect.stringContaining("no active provider") })
      yield* actor.stop
    })))

  it.effect("every day at RECONCILE_ALL_AT every open lead is polled, whatever the company's interval", () =>
    run(Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-03-06T03:59:00Z"))
      const { routings } = yield* companyWithRoutings({ status_step_seconds: 5 }, 2, {
        rateLimitPerMinute: 10_000,
        company: { pollIntervalSeconds: 86_400 }
      })
      const paused = yield* companyWithRoutings({ status_step_seconds: 5 }, 1, { rateLimitPerMinute: 10_000 })
      const actor = yield* startActor(Duration.hours(24), { reconcileAllAt: { hour: 4, minute: 0 } })
      yield* advance(1_000)
      yield* asAdmin(setDeliveryPaused(paused.companyId, true))
      // 03:59:50: the leads have been completed at the provider for a while, but no poll is due for a day.
      yield* advance(49_000, 1_000)
      for (const id of [...routings, ...paused.routings]) expect((yield* routingOf(id))?.externalStatus).toBeNull()
      // 04:00 UTC: the reconciliation polls them all, except a paused company's.
      yield* advance(20_000, 1_000)
      for (const id of routings) expect((yield* routingOf(id))?.externalStatus).toBe("completed")
      expect((yield* routingOf(paused.routings[0]!))?.externalStatus).toBeNull()
      yield* actor.stop
    })))
})
