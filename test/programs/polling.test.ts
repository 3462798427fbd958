import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Option } from "effect"
import { jobStatusFrom } from "../../programs/pollStatuses.ts"
import { relayBatch } from "../../programs/relayOutbox.ts"
import { currentTopology } from "../../programs/brokerTopology.ts"
import { Broker } from "../../src/services/Broker.ts"
import { RoutingRepo } from "../../src/services/Routings.ts"
import { makeCompany, makeJob } from "../support/fixtures.ts"
import { layerMemoryServices } from "../support/services.ts"
import { advance, companyWithRoutings, routingOf, startActor } from "./delivery.support.ts"

const run = <A, E>(program: Effect.Effect<A, E, any>) => program.pipe(Effect.provide(layerMemoryServices)) as Effect.Effect<A, E>

const jobOf = (id: Parameters<RoutingRepo["Type"]["get"]>[0]) =>
  Effect.flatMap(RoutingRepo, (r) => r.get(id)).pipe(Effect.map(Option.map((found) => found.job)))

describe("status polling on memory layers (TestClock)", () => {
  it.effect("polls each company on its interval and follows leads to completed with revenue, with their events", () =>
    run(Effect.gen(function*() {
      // The mock moves a lead one status every 200 s: scheduled at 200 s, in progress at 400 s, completed at 600 s.
      const { routings } = yield* companyWithRoutings({ status_step_seconds: 200 }, 3, { rateLimitPerMinute: 10_000 })
      const actor = yield* startActor(Duration.minutes(5))
      yield* advance(1_000)
      for (const id of routings) expect(yield* routingOf(id)).toMatchObject({ syncStatus: "synced", externalStatus: null })

      // Nothing is asked before the interval has passed; at 5 minutes the leads are scheduled.
      yield* advance(298_000, 2_000)
      for (const id of routings) expect((yield* routingOf(id))?.externalStatus).toBeNull()
      yield* advance(4_000, 1_000)
      for (const id of routings) expect((yield* routingOf(id))?.externalStatus).toBe("scheduled")
      expect(Option.map(yield* jobOf(routings[0]!), (j) => j.status)).toEqual(Option.some("routed"))

      // At 10 minutes they are completed, with revenue and completion time, and so are their jobs.
      yield* advance(300_000, 5_000)
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
