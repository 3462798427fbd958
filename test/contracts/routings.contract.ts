import { expect, layer } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { EventId, RoutingId } from "../../src/domain/ids.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { JobRepo } from "../../src/services/Jobs.ts"
import { OutboxRepo } from "../../src/services/Outbox.ts"
import { RoutingRepo } from "../../src/services/Routings.ts"
import { at, makeCompany, makeJob, uuid } from "../support/fixtures.ts"
import type { Repositories } from "./repositories.ts"

/** A job of one company routed to another: the routing repository and the routing's id. */
export const oneRouting = Effect.gen(function*() {
  const companies = yield* CompanyRepo
  const [creator, receiver] = [makeCompany(), makeCompany()]
  yield* Effect.forEach([creator, receiver], companies.insert)
  const job = makeJob(creator.id, [receiver.id])
  yield* (yield* JobRepo).insert([job])
  return { routings: yield* RoutingRepo, id: job.routings[0]!.id, job }
})

/**
 * What every implementation of the routing repository does with deliveries (claims, results, attempts, reopening and
 * waiting routings); run against each layer. Status polls are `routingStatusContract`'s.
 */
export const routingContract = <E>(name: string, repositories: Layer.Layer<Repositories, E>) =>
  layer(repositories)(`repositories: ${name}`, (it) => {
    const failed = (status: "retrying" | "failed", counts: boolean, known: boolean) =>
      ({ _tag: "Failed", status, outcome: "error", error: "boom", counts, known }) as const

    it.effect("several routings of several jobs are finished at once, each as its own result says", () =>
      Effect.gen(function*() {
        const companies = yield* CompanyRepo
        const [creator, first, second] = [makeCompany(), makeCompany(), makeCompany()]
        yield* Effect.forEach([creator, first, second], companies.insert)
        const [routedJob, waitingJob] = [makeJob(creator.id, [first.id, second.id]), makeJob(creator.id, [first.id])]
        yield* (yield* JobRepo).insert([routedJob, waitingJob])
        const routings = yield* RoutingRepo
        const [synced, timedOut] = routedJob.routings.map((r) => r.id) as [RoutingId, RoutingId]
        const givenUp = waitingJob.routings[0]!.id
        yield* routings.claimMany([synced, timedOut, givenUp].map((id) => ({ id, leaseUntil: at(31_000) })), at(1000))
        const event = (aggregateId: RoutingId, type: string) => ({
          id: EventId.make(uuid()),
          aggregateId,
          type,
          payload: { routing_id: aggregateId, note: "ünïcode, \"quoted\"" },
          traceparent: type === "routing.synced" ? "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" : null,
          createdAt: at(2300)
        })
        const events = [event(synced, "routing.synced"), event(givenUp, "routing.failed")]
        yield* routings.finish([
          { id: synced, leaseUntil: at(31_000), result: { _tag: "Synced", externalId: "lead-7", outcome: "found" }, timing: { at: at(2000), durationMs: 3 } },
          { id: timedOut, leaseUntil: at(31_000), result: failed("retrying", true, false), timing: { at: at(2100), durationMs: 10_000 } },
          { id: givenUp, leaseUntil: at(31_000), result: failed("failed", true, true), timing: { at: at(2200), durationMs: 4 } }
        ], events)
        // The events the results cause are appended in the same step, as given.
        const appended = (yield* (yield* OutboxRepo).pending(10)).filter((e) => events.some((x) => x.id === e.id))
        expect(appended.sort((x, y) => x.type.localeCompare(y.type))).toEqual(events.sort((x, y) => x.type.localeCompare(y.type)))
        const routingOf = (id: RoutingId) => Effect.map(routings.get(id), (found) => Option.getOrThrow(found))
        expect(yield* routingOf(synced)).toMatchObject({
          routing: { syncStatus: "synced", externalId: "lead-7", attempts: 1, syncedAt: at(2000), lastError: null },
          job: { status: "routed" }
        })
        expect((yield* routingOf(timedOut)).routing).toMatchObject({ syncStatus: "retrying", attempts: 1, externalId: null })
        expect(yield* routingOf(givenUp)).toMatchObject({ routing: { syncStatus: "failed", attempts: 1 }, job: { status: "pending" } })
        expect(yield* routings.attempts(timedOut)).toEqual([{ at: at(2100), outcome: "error", durationMs: 10_000, error: "boom" }])
        // The call that timed out may have created the lead: the next claim asks for a lookup first.
        expect(yield* routings.claim(timedOut, at(3000), at(33_000))).toEqual(Option.some({ needsLookup: true, attempts: 1, rateLimitedSince: null }))
        expect(yield* routings.claim(givenUp, at(3000), at(33_000))).toEqual(Option.none())
      }))

    it.effect("a routing is claimed once, finished as synced with its attempt recorded, and the job becomes routed", () =>
      Effect.gen(function*() {
        const { routings, id } = yield* oneRouting
        expect(Option.getOrThrow(yield* routings.get(id)).routing.syncStatus).toBe("pending")
        expect(yield* routings.claim(id, at(1000), at(31_000))).toEqual(Option.some({ needsLookup: false, attempts: 0, rateLimitedSince: null }))
        expect(yield* routings.claim(id, at(2000), at(32_000))).toEqual(Option.none())
        yield* routings.finish([{ id, leaseUntil: at(31_000), result: { _tag: "Synced", externalId: "lead-1", outcome: "created" }, timing: { at: at(3000), durationMs: 12.4 } }])
        const { routing, job: after } = Option.getOrThrow(yield* routings.get(id))
        expect(routing).toMatchObject({ syncStatus: "synced", externalId: "lead-1", attempts: 1, syncedAt: at(3000), lastError: null })
        expect(after.status).toBe("routed")
        expect(yield* routings.attempts(id)).toEqual([{ at: at(3000), outcome: "created", durationMs: 12, error: null }])
        expect(yield* routings.claim(id, at(4000), at(34_000))).toEqual(Option.none())
        expect(yield* routings.cancel(id, at(5000))).toBe(false)
        const note = "canceled here only"
        expect(yield* routings.cancelDelivered(id, { outcome: "canceled_locally", note, at: at(6000), durationMs: 3.2 })).toBe(true)
        expect(Option.getOrThrow(yield* routings.get(id)).routing.syncStatus).toBe("canceled")
        expect((yield* routings.attempts(id)).at(-1)).toEqual({ at: at(6000), outcome: "canceled_locally", durationMs: 3, error: note })
        expect(yield* routings.cancelDelivered(id, { outcome: "canceled_at_provider", note: null, at: at(7000), durationMs: 1 })).toBe(false)
      }))

    it.effect("an attempt's result is written only under its own claim: a late result never overwrites the new claimant's", () =>
      Effect.gen(function*() {
        const { routings, id } = yield* oneRouting
        const event = (type: string, createdAt: Date) => ({
          id: EventId.make(uuid()),
          aggregateId: id,
          type,
          payload: { routing_id: id },
          traceparent: null,
          createdAt
        })
        const synced = { _tag: "Synced", externalId: "lead-2", outcome: "found" } as const
        // The first claim's lease runs out mid-call; a second actor takes the routing over and delivers it.
        yield* routings.claim(id, at(0), at(10_000))
        yield* routings.claim(id, at(11_000), at(21_000))
        const lateEvent = event("routing.failed", at(12_000))
        yield* routings.finish([{ id, leaseUntil: at(10_000), result: failed("failed", true, true), timing: { at: at(12_000), durationMs: 5 } }], [lateEvent])
        expect(Option.getOrThrow(yield* routings.get(id)).routing).toMatchObject({ syncStatus: "syncing", attempts: 0, lastError: null })
        yield* routings.finish([{ id, leaseUntil: at(21_000), result: synced, timing: { at: at(13_000), durationMs: 5 } }], [event("routing.synced", at(13_000))])
        // The first actor's result, written again late (a retried write), is dropped with its attempt and its event.
        yield* routings.finish([{ id, leaseUntil: at(10_000), result: failed("failed", true, true), timing: { at: at(14_000), durationMs: 5 } }], [lateEvent])
        yield* routings.finish([{ id, leaseUntil: at(21_000), result: failed("retrying", true, true), timing: { at: at(15_000), durationMs: 5 } }])
        expect(Option.getOrThrow(yield* routings.get(id))).toMatchObject({
          routing: { syncStatus: "synced", externalId: "lead-2", attempts: 1, lastError: null },
          job: { status: "routed" }
        })
        expect((yield* routings.attempts(id)).map((a) => [a.at, a.outcome])).toEqual([[at(13_000), "found"]])
        const events = (yield* (yield* OutboxRepo).pending(100)).filter((e) => e.aggregateId === id)
        expect(events.map((e) => e.type)).toEqual(["routing.synced"])
        // Ended without a claim (past the broker's max deliveries): written only while the routing is still to deliver.
        const other = yield* oneRouting
        yield* other.routings.finish([{ id: other.id, leaseUntil: null, result: failed("failed", false, false), timing: { at: at(1000), durationMs: 0 } }])
        expect(Option.getOrThrow(yield* other.routings.get(other.id)).routing.syncStatus).toBe("failed")
        yield* routings.finish([{ id, leaseUntil: null, result: failed("failed", false, false), timing: { at: at(16_000), durationMs: 0 } }])
        expect(Option.getOrThrow(yield* routings.get(id)).routing.syncStatus).toBe("synced")
      }))

    /** Two jobs: the first routed to companies a and b (routings one and two), the second to a (three); and an id of none. */
    const threeRoutings = Effect.gen(function*() {
      const companies = yield* CompanyRepo
      const [creator, a, b] = [makeCompany(), makeCompany(), makeCompany()]
      yield* Effect.forEach([creator, a, b], companies.insert)
      const first = makeJob(creator.id, [a.id, b.id])
      const second = makeJob(creator.id, [a.id])
      yield* (yield* JobRepo).insert([first, second])
      const [one, two] = first.routings.map((r) => r.id) as [RoutingId, RoutingId]
      return { routings: yield* RoutingRepo, a, first, second, one, two, three: second.routings[0]!.id, missing: RoutingId.make(uuid()) }
    })

    it.effect("routings are read as they were and claimed in one statement, each only while it is there to take", () =>
      Effect.gen(function*() {
        const { routings, first, second, one, two, three, missing } = yield* threeRoutings
        yield* routings.claim(two, at(0), at(60_000))
        yield* routings.claim(three, at(0), at(1_000))

        const leased = (id: RoutingId) => ({ id, leaseUntil: at(40_000) })
        const { found, claims } = yield* routings.getAndClaimMany([one, two, three, missing].map(leased), at(2_000))
        expect([...found.keys()].sort()).toEqual([one, two, three].sort())
        // Read as they were before the claim, each with its whole job.
        expect(found.get(one)).toMatchObject({ routing: { id: one, syncStatus: "pending" }, job: { id: first.id } })
        expect(found.get(one)?.job.routings).toHaveLength(2)
        expect(found.get(two)?.routing.syncStatus).toBe("syncing")
        expect(found.get(three)?.job.id).toBe(second.id)
        // Taken: the pending one, and the one whose lease ran out (a lookup first); not the one leased until later.
        expect(Object.fromEntries(claims)).toEqual({
          [one]: { needsLookup: false, attempts: 0, rateLimitedSince: null },
          [three]: { needsLookup: true, attempts: 0, rateLimitedSince: null }
        })
        expect(Option.getOrThrow(yield* routings.get(one)).routing.syncStatus).toBe("syncing")
        expect((yield* routings.getAndClaimMany([one, three].map(leased), at(3_000))).claims.size).toBe(0)
        const none = yield* routings.getAndClaimMany([], at(3_000))
        expect([none.found.size, none.claims.size]).toEqual([0, 0])
      }))

    it.effect("many routings are read and claimed in one step, each only while it is there to take", () =>
      Effect.gen(function*() {
        const { routings, a, first, second, one, two, three, missing } = yield* threeRoutings
        const found = yield* routings.getMany([one, three, missing])
        expect([...found.keys()].sort()).toEqual([one, three].sort())
        expect(found.get(one)).toMatchObject({ routing: { id: one, companyId: a.id }, job: { id: first.id } })
        expect(found.get(one)?.job.routings).toHaveLength(2)
        expect(found.get(three)?.job.id).toBe(second.id)
        expect((yield* routings.getMany([])).size).toBe(0)

        yield* routings.claim(two, at(0), at(60_000))
        yield* routings.claim(three, at(0), at(1_000))
        const leased = (until: Date) => (id: RoutingId) => ({ id, leaseUntil: until })
        const claimed = yield* routings.claimMany([one, two, missing].map(leased(at(40_000))).concat(leased(at(2_500))(three)), at(2_000))
        expect(Object.fromEntries(claimed)).toEqual({
          [one]: { needsLookup: false, attempts: 0, rateLimitedSince: null },
          [three]: { needsLookup: true, attempts: 0, rateLimitedSince: null }
        })
        // Each claim holds for its own lease: only the shorter one has run out.
        expect(Object.fromEntries(yield* routings.claimMany([one, two, three].map(leased(at(40_000))), at(3_000)))).toEqual({
          [three]: { needsLookup: true, attempts: 0, rateLimitedSince: null }
        })
        expect((yield* routings.claimMany([], at(3_000))).size).toBe(0)

        // Claims never tried are given back: pending again (a lookup still asked for), and taken again at once.
        yield* routings.release([one, three], at(4_000))
        expect(Option.getOrThrow(yield* routings.get(one)).routing.syncStatus).toBe("pending")
        expect(Object.fromEntries(yield* routings.claimMany([one, three].map(leased(at(40_000))), at(5_000)))).toEqual({
          [one]: { needsLookup: false, attempts: 0, rateLimitedSince: null },
          [three]: { needsLookup: true, attempts: 0, rateLimitedSince: null }
        })
      }))

    it.effect("failures count attempts; an unknown outcome or a cut-off lease asks for a lookup; failed routings reopen", () =>
      Effect.gen(function*() {
        const { routings, id } = yield* oneRouting
        yield* routings.claim(id, at(0), at(10_000))
        yield* routings.finish([{ id, leaseUntil: at(10_000), result: failed("retrying", true, true), timing: { at: at(1000), durationMs: 5 } }])
        expect(yield* routings.claim(id, at(2000), at(12_000))).toEqual(Option.some({ needsLookup: false, attempts: 1, rateLimitedSince: null }))
        yield* routings.finish([{ id, leaseUntil: at(12_000), result: failed("retrying", false, true), timing: { at: at(3000), durationMs: 5 } }])
        expect(yield* routings.claim(id, at(4000), at(14_000))).toEqual(Option.some({ needsLookup: false, attempts: 1, rateLimitedSince: null }))
        yield* routings.finish([{ id, leaseUntil: at(14_000), result: failed("retrying", true, false), timing: { at: at(5000), durationMs: 5 } }])
        expect(yield* routings.claim(id, at(6000), at(16_000))).toEqual(Option.some({ needsLookup: true, attempts: 2, rateLimitedSince: null }))
        expect(yield* routings.claim(id, at(15_000), at(25_000))).toEqual(Option.none())
        expect(yield* routings.claim(id, at(17_000), at(27_000))).toEqual(Option.some({ needsLookup: true, attempts: 2, rateLimitedSince: null }))
        yield* routings.finish([{ id, leaseUntil: at(27_000), result: failed("failed", true, true), timing: { at: at(18_000), durationMs: 5 } }])
        expect(Option.getOrThrow(yield* routings.get(id)).routing).toMatchObject({ syncStatus: "failed", attempts: 3, lastError: "boom" })
        expect((yield* routings.attempts(id)).map((a) => a.at)).toEqual([at(1000), at(3000), at(5000), at(18_000)])
        expect((yield* routings.reopenMany([id], at(19_000))).map((r) => r.routingId)).toEqual([id])
        expect(Option.getOrThrow(yield* routings.get(id)).routing).toMatchObject({ syncStatus: "pending", attempts: 0 })
        expect(yield* routings.reopenMany([id], at(19_000))).toEqual([])
        expect(yield* routings.cancel(id, at(20_000))).toBe(true)
        expect(yield* routings.claim(id, at(21_000), at(31_000))).toEqual(Option.none())
      }))

    it.effect("a claim tells since when the routing has been answered only 429; another outcome or a reopen ends it", () =>
      Effect.gen(function*() {
        const { routings, id } = yield* oneRouting
        const limited = { _tag: "Failed", status: "retrying", outcome: "rate_limited", error: "429", counts: false, known: true } as const
        const claimAt = (ms: number) => Effect.map(routings.claim(id, at(ms), at(ms + 500)), Option.getOrThrow)
        // Each result comes under the claim made a second before it, leased for half a second.
        const finishAt = (ms: number, result: Parameters<typeof routings.finish>[0][number]["result"]) =>
          routings.finish([{ id, leaseUntil: at(ms - 500), result, timing: { at: at(ms), durationMs: 5 } }])
        expect((yield* claimAt(0)).rateLimitedSince).toBeNull()
        yield* finishAt(1000, limited)
        expect((yield* claimAt(2000)).rateLimitedSince).toEqual(at(1000))
        yield* finishAt(3000, limited)
        const [many] = (yield* routings.getAndClaimMany([{ id, leaseUntil: at(4500) }], at(4000))).claims.values()
        expect(many).toEqual({ needsLookup: false, attempts: 0, rateLimitedSince: at(1000) })
        yield* finishAt(5000, failed("retrying", true, true))
        expect((yield* routings.claimMany([{ id, leaseUntil: at(6500) }], at(6000))).get(id)?.rateLimitedSince).toBeNull()
        yield* finishAt(7000, limited)
        expect((yield* claimAt(8000)).rateLimitedSince).toEqual(at(7000))
        yield* finishAt(9000, { ...limited, status: "failed", counts: true })
        expect((yield* routings.reopenMany([id], at(10_000))).map((r) => r.routingId)).toEqual([id])
        expect((yield* claimAt(11_000)).rateLimitedSince).toBeNull()
      }))

    it.effect("waiting routings: old enough, still to deliver, no unpublished event; each with its job's priority", () =>
      Effect.gen(function*() {
        const companies = yield* CompanyRepo
        const [creator, receiver] = [makeCompany(), makeCompany()]
        yield* Effect.forEach([creator, receiver], companies.insert)
        const old = makeJob(creator.id, [receiver.id, receiver.id], { createdAt: at(-500_000_000), priority: "high" })
        yield* (yield* JobRepo).insert([old])
        const routings = yield* RoutingRepo
        const outbox = yield* OutboxRepo
        const [withEvent, without] = old.routings
        yield* outbox.append([{
          id: EventId.make(uuid()),
          aggregateId: withEvent!.id,
          type: "routing.created",
          payload: {},
          traceparent: null,
          createdAt: at(-500_000_000)
        }])
        const waiting = (yield* routings.waiting(at(-400_000_000), 1000)).filter((w) => w.jobId === old.id)
        expect(waiting).toEqual([{ routingId: without!.id, jobId: old.id, companyId: receiver.id, priority: "high" }])
        expect(yield* routings.waiting(at(-400_000_000), 1000, receiver.id)).toEqual(waiting)
        expect(yield* routings.waiting(at(-400_000_000), 1000, creator.id)).toEqual([])
        yield* routings.touch([without!.id], at(-300_000_000))
        expect((yield* routings.waiting(at(-400_000_000), 1000)).filter((w) => w.jobId === old.id)).toEqual([])
      }))
  })
