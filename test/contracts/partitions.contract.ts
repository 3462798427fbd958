import { expect, layer } from "@effect/vitest"
import { Duration, Effect, type Layer, TestServices } from "effect"
import type { RoutingId } from "../../src/domain/ids.ts"
import type { PartitionLease } from "../../src/domain/partitions.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { JobRepo } from "../../src/services/Jobs.ts"
import { PartitionLeases } from "../../src/services/Partitions.ts"
import { RoutingRepo } from "../../src/services/Routings.ts"
import type { ActorStatus } from "../../src/services/Actors.ts"
import { makeCompany, makeJob, uuid } from "../support/fixtures.ts"

type Services = PartitionLeases | CompanyRepo | JobRepo | RoutingRepo

const LEASE = Duration.seconds(10)

const replica = (label: string) => ({ id: `${label}-${uuid()}`, host: `host-${label}`, version: "1.2.3" })

const byPartition = (leases: ReadonlyArray<PartitionLease>) => [...leases].sort((a, b) => a.partition - b.partition)

/** A routing waiting for delivery, to claim under partition leases. */
const waitingRouting = Effect.gen(function*() {
  const [creator, receiver] = [makeCompany(), makeCompany()]
  yield* Effect.forEach([creator, receiver], (yield* CompanyRepo).insert)
  const job = makeJob(creator.id, [receiver.id])
  yield* (yield* JobRepo).insert([job])
  return job.routings[0]!.id as RoutingId
})

/** Claims the routing under `fence` (its lease from the real clock: these tests run on the live clock); true when taken. */
const claimUnder = (id: RoutingId, fence: PartitionLease) =>
  Effect.gen(function*() {
    const now = new Date()
    const claims = yield* (yield* RoutingRepo).claimMany([{ id, leaseUntil: new Date(now.getTime() + 30_000), fence }], now)
    if (claims.size > 0) yield* (yield* RoutingRepo).release([id], now)
    return claims.size > 0
  })

/** The behaviour every implementation of the partition leases must have; run against each layer. Each test leaves no lease behind. */
export const partitionsContract = <E>(name: string, services: Layer.Layer<Services, E>) =>
  layer(services)(`partition leases: ${name}`, (it) => {
    it.effect("a partition is held by one replica at a time; given up, it is taken again under a new epoch", () =>
      TestServices.provideLive(Effect.gen(function*() {
        const leases = yield* PartitionLeases
        const [a, b] = [replica("a"), replica("b")]
        const total = 4
        const first = yield* leases.acquire(a.id, total, 3, LEASE)
        expect(byPartition(first).map((l) => l.partition)).toEqual([0, 1, 2])
        const rest = yield* leases.acquire(b.id, total, 3, LEASE)
        expect(rest.map((l) => l.partition)).toEqual([3])
        expect(yield* leases.acquire(b.id, total, 1, LEASE)).toEqual([])

        expect(byPartition(yield* leases.renew(a.id, [0, 1, 2, 3], LEASE))).toEqual(byPartition(first))
        expect(yield* leases.renew(b.id, [0], LEASE)).toEqual([])

        yield* leases.release(b.id, [0])
        expect((yield* leases.renew(a.id, [0], LEASE)).map((l) => l.partition)).toEqual([0])
        yield* leases.release(a.id, [0])
        expect(yield* leases.renew(a.id, [0], LEASE)).toEqual([])
        const [again] = yield* leases.acquire(b.id, total, 1, LEASE)
        const before = first.find((l) => l.partition === 0)!
        expect(again?.partition).toBe(0)
        expect(again!.epoch).toBeGreaterThan(before.epoch)
        yield* Effect.forEach([a, b], (r) => leases.leave(r.id))
      })))

    it.effect("a claim is taken only under the partition lease held now: not after it was given up, taken over, or ran out", () =>
      TestServices.provideLive(Effect.gen(function*() {
        const leases = yield* PartitionLeases
        const routing = yield* waitingRouting
        const [a, b] = [replica("a"), replica("b")]
        const total = 1
        const [held] = yield* leases.acquire(a.id, total, 1, LEASE)
        expect(yield* claimUnder(routing, held!)).toBe(true)
        expect(yield* claimUnder(routing, { partition: 0, epoch: held!.epoch + 1 })).toBe(false)

        yield* leases.release(a.id, [0])
        expect(yield* claimUnder(routing, held!)).toBe(false)
        const [taken] = yield* leases.acquire(b.id, total, 1, Duration.millis(300))
        expect(yield* claimUnder(routing, held!)).toBe(false)
        expect(yield* claimUnder(routing, taken!)).toBe(true)

        yield* Effect.sleep(Duration.millis(400))
        expect(yield* claimUnder(routing, taken!)).toBe(false)
        expect(yield* leases.renew(b.id, [0], LEASE)).toEqual([])
        const [afterRunOut] = yield* leases.acquire(a.id, total, 1, LEASE)
        expect(afterRunOut!.epoch).toBeGreaterThan(taken!.epoch)
        expect(yield* claimUnder(routing, afterRunOut!)).toBe(true)
        yield* Effect.forEach([a, b], (r) => leases.leave(r.id))
      })))

    it.effect("a partition's new owner finds the provider calls of the last minute, by company", () =>
      Effect.gen(function*() {
        const routings = yield* RoutingRepo
        const [creator, first, second] = [makeCompany(), makeCompany(), makeCompany()]
        yield* Effect.forEach([creator, first, second], (yield* CompanyRepo).insert)
        const job = makeJob(creator.id, [first.id, second.id])
        yield* (yield* JobRepo).insert([job])
        const start = Date.UTC(2031, 0, 1)
        const lease = new Date(start + 60_000)
        const ids = job.routings.map((r) => r.id as RoutingId)
        yield* routings.claimMany(ids.map((id) => ({ id, leaseUntil: lease })), new Date(start))
        yield* routings.finish(ids.map((id, i) => ({
          id,
          leaseUntil: lease,
          result: { _tag: "Failed", status: "retrying", outcome: "error", error: "503", counts: true, known: true },
          timing: { at: new Date(start + 1_000 * (i + 1)), durationMs: 5 }
        })))
        const companyOf = new Map(job.routings.map((r) => [r.id, r.companyId]))
        expect(yield* routings.callsSince(new Date(start + 1_500))).toEqual([{ companyId: companyOf.get(ids[1]!), at: new Date(start + 2_000) }])
        expect((yield* routings.callsSince(new Date(start))).map((c) => c.companyId)).toEqual(ids.map((id) => companyOf.get(id)))
      }))

    it.effect("replicas register with their partitions and actors, are alive while they beat, and leave", () =>
      TestServices.provideLive(Effect.gen(function*() {
        const leases = yield* PartitionLeases
        const [a, b] = [replica("a"), replica("b")]
        const actor: ActorStatus = {
          companyId: makeCompany().id,
          consumer: "work_p3",
          paused: false,
          rateLimitedUntil: new Date("2026-12-06T10:00:00.000Z"),
          inFlight: 2,
          held: 5,
          circuit: "half_open",
          tokens: 7,
          lastError: "mock: 503"
        }
        const beat = { aliveWithin: Duration.seconds(10), forgetAfter: Duration.hours(1) }
        expect(yield* leases.heartbeat(a, { ...beat, partitions: [0, 2], actors: [actor] })).toContain(a.id)
        yield* Effect.sleep(Duration.millis(300))
        const alive = yield* leases.heartbeat(b, { ...beat, partitions: [1], actors: [] })
        expect(alive).toEqual(expect.arrayContaining([a.id, b.id]))
        expect(yield* leases.heartbeat(b, { ...beat, aliveWithin: Duration.millis(200), partitions: [1], actors: [] })).not.toContain(a.id)

        const records = (yield* leases.replicas).filter((r) => r.id === a.id || r.id === b.id)
        expect(records.map((r) => r.id)).toEqual([a.id, b.id])
        expect(records[0]).toMatchObject({ host: a.host, version: "1.2.3", partitions: [0, 2], actors: [actor] })
        expect(records[0]!.heartbeatAt.getTime()).toBeGreaterThanOrEqual(records[0]!.startedAt.getTime())

        yield* leases.heartbeat(b, { ...beat, forgetAfter: Duration.millis(200), partitions: [1], actors: [] })
        expect((yield* leases.replicas).map((r) => r.id)).not.toContain(a.id)

        yield* leases.acquire(b.id, 2, 1, LEASE)
        yield* leases.leave(b.id)
        expect((yield* leases.replicas).map((r) => r.id)).not.toContain(b.id)
        expect(yield* leases.renew(b.id, [0, 1], LEASE)).toEqual([])
      })))
  })
