import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber } from "effect"
import { provisionStreams } from "../../programs/brokerTopology.ts"
import { createJob } from "../../programs/createJob.ts"
import { cancelJob } from "../../programs/jobs.ts"
import { reconcileOnce } from "../../programs/reconcile.ts"
import { relayOutbox } from "../../programs/relayOutbox.ts"
import type { CompanyId } from "../../src/domain/ids.ts"
import { now } from "../../src/domain/time.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { CurrentPrincipal } from "../../src/services/CurrentPrincipal.ts"
import { MockLeadStore } from "../../src/services/MockLeads.ts"
import { OutboxRepo } from "../../src/services/Outbox.ts"
import { RoutingRepo } from "../../src/services/Routings.ts"
import { DeliverySettings } from "../../src/services/Settings.ts"
import { makeCompany, makeNewJob, skill, uniqueSkill } from "../support/fixtures.ts"
import { defaultDelivery, layerMemoryServices } from "../support/services.ts"
import { advance, routingOf, startActor } from "./delivery.support.ts"

const run = <A, E>(program: Effect.Effect<A, E, any>) =>
  program.pipe(Effect.provide(layerMemoryServices)) as Effect.Effect<A, E>

const asAdmin = Effect.provideService(CurrentPrincipal, { role: "admin", keyId: null })

const DAY_MS = 86_400_000

/** A receiving company on the mock provider and a creating one; answers a way to post a job from one to the other. */
const twoCompanies = Effect.gen(function*() {
  const trade = uniqueSkill("trade")
  const receiver = makeCompany({ skills: [skill(trade, "expert", true)] })
  const creator = makeCompany({ provider: null })
  yield* Effect.forEach([receiver, creator], (yield* CompanyRepo).insert)
  yield* provisionStreams
  const post = (deliverAfter: Date | null) =>
    createJob(
      makeNewJob({ summary: "water heater", requiredSkills: [trade], skillLevels: {}, category: null, createdByCompanyId: creator.id, deliverAfter }),
      null
    ).pipe(asAdmin, Effect.map(({ job }) => job))
  return { receiver: receiver.id, post }
})

const leadsOf = (companyId: CompanyId) => Effect.flatMap(MockLeadStore, (store) => store.list(companyId, 100))

/** The relay as the service runs it, with a poll so slow that only its timer for held events can deliver them. */
const startRelay = relayOutbox.pipe(
  Effect.provideService(DeliverySettings, { ...defaultDelivery, relayPoll: Duration.hours(1) }),
  Effect.fork
)

describe("scheduled jobs on memory layers (TestClock)", () => {
  it.effect("a job's routings stay scheduled until deliver_after, then go out within a second of it", () =>
    run(Effect.gen(function*() {
      const { post, receiver } = yield* twoCompanies
      const actor = yield* startActor()
      const relay = yield* startRelay
      const deliverAfter = new Date((yield* now).getTime() + 10_000)
      const job = yield* post(deliverAfter)
      expect(job.deliverAfter).toEqual(deliverAfter)
      expect(job.routings.map((r) => r.syncStatus)).toEqual(["scheduled"])
      const id = job.routings[0]!.id

      yield* advance(9_900)
      expect((yield* routingOf(id))?.syncStatus).toBe("scheduled")
      expect((yield* leadsOf(receiver)).total).toBe(0)
      expect((yield* (yield* OutboxRepo).backlog(yield* now)).pending).toBe(0)

      yield* advance(1_100)
      const delivered = yield* routingOf(id)
      expect(delivered?.syncStatus).toBe("synced")
      expect(delivered!.syncedAt!.getTime()).toBeGreaterThanOrEqual(deliverAfter.getTime())
      expect(delivered!.syncedAt!.getTime()).toBeLessThanOrEqual(deliverAfter.getTime() + 1_000)
      expect((yield* leadsOf(receiver)).total).toBe(1)
      yield* Fiber.interrupt(relay)
      yield* actor.stop
    })))

  it.effect("a job canceled while scheduled is never delivered", () =>
    run(Effect.gen(function*() {
      const { post, receiver } = yield* twoCompanies
      const actor = yield* startActor()
      const relay = yield* startRelay
      const job = yield* post(new Date((yield* now).getTime() + 5_000))
      const canceled = yield* cancelJob(job.id).pipe(asAdmin)
      expect(canceled.status).toBe("canceled")
      expect(canceled.routings.map((r) => r.syncStatus)).toEqual(["canceled"])
      yield* advance(8_000)
      expect((yield* routingOf(job.routings[0]!.id))?.syncStatus).toBe("canceled")
      expect((yield* leadsOf(receiver)).total).toBe(0)
      yield* Fiber.interrupt(relay)
      yield* actor.stop
    })))

  it.effect("deliver_after more than 30 days ahead is refused; a time already past delivers at once", () =>
    run(Effect.gen(function*() {
      const { post } = yield* twoCompanies
      const start = (yield* now).getTime()
      const refused = yield* Effect.flip(post(new Date(start + 30 * DAY_MS + 1)))
      expect(refused).toMatchObject({
        _tag: "InvalidInput",
        details: [{ path: "deliver_after", message: "at most 30 days ahead" }]
      })
      expect((yield* post(new Date(start + 30 * DAY_MS))).routings.map((r) => r.syncStatus)).toEqual(["scheduled"])
      const past = new Date(start - 60_000)
      const atOnce = yield* post(past)
      expect(atOnce.deliverAfter).toEqual(past)
      expect(atOnce.routings.map((r) => r.syncStatus)).toEqual(["pending"])
      expect((yield* post(new Date(start))).routings.map((r) => r.syncStatus)).toEqual(["pending"])
    })))

  it.effect("reconciliation never queues a scheduled routing early", () =>
    run(Effect.gen(function*() {
      const { post } = yield* twoCompanies
      const job = yield* post(new Date((yield* now).getTime() + DAY_MS))
      const farAhead = new Date((yield* now).getTime() + 2 * DAY_MS)
      const waiting = yield* (yield* RoutingRepo).waiting(farAhead, 1000)
      expect(waiting.map((w) => w.routingId)).not.toContain(job.routings[0]!.id)
      expect(yield* reconcileOnce(farAhead)).toBe(0)
      expect((yield* routingOf(job.routings[0]!.id))?.syncStatus).toBe("scheduled")
    })))
})
