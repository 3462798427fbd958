import { expect, layer } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { SlaRepo } from "../../src/services/Sla.ts"
import { at, makeCompany } from "../support/fixtures.ts"
import { routedJob, type RoutingFate } from "../support/sla.ts"
import type { Repositories } from "./repositories.ts"

const MINUTE = 60_000
const SLA_MS = 5 * MINUTE

/** Two companies, and a way to write a job of one routed to the other, accepted at a time and moved to its fate. */
const twoCompanies = Effect.gen(function*() {
  const companies = yield* CompanyRepo
  const [creator, receiver] = [makeCompany(), makeCompany()]
  yield* Effect.forEach([creator, receiver], companies.insert)
  return (acceptedAt: Date, fate: RoutingFate) => routedJob(creator.id, receiver.id, acceptedAt, fate)
})

/** The delivery SLA's queries; run against every implementation of the repositories. */
export const slaContract = <E>(name: string, repositories: Layer.Layer<Repositories | SlaRepo, E>) =>
  layer(repositories)(`SLA repository: ${name}`, (it) => {
    it.effect("summarizes delivery latency with percentile_disc and counts late and overdue routings as breaches", () =>
      Effect.gen(function*() {
        const sla = yield* SlaRepo
        const route = yield* twoCompanies
        const base = at(40 * 86_400_000)
        const to = new Date(base.getTime() + 60 * MINUTE)
        // 250 ms to 4.75 s, one after exactly 5 minutes (no breach) and one after 6 (a breach), written out of order.
        const latencies = [...Array.from({ length: 19 }, (_, k) => (k + 1) * 250), 6 * MINUTE].reverse()
        yield* Effect.forEach(latencies, (ms, i) => route(new Date(base.getTime() + i * 1000), { deliveredAfterMs: ms }))
        yield* route(new Date(base.getTime() + 30_000), { deliveredAfterMs: SLA_MS })
        yield* Effect.forEach(["pending", "retrying", "syncing", "failed", "canceled"] as const, (fate) =>
          route(new Date(base.getTime() + 40_000), fate))
        yield* route(new Date(to.getTime() - SLA_MS), "pending")
        yield* route(new Date(to.getTime() - MINUTE), "pending")
        yield* route(new Date(base.getTime() - 1), { deliveredAfterMs: 1 })
        yield* route(new Date(to.getTime() + 1), "pending")

        expect(yield* sla.summary({ from: base, to, limitMs: SLA_MS })).toEqual({
          delivered: 21,
          p50Ms: 2750,
          p95Ms: SLA_MS,
          p99Ms: 6 * MINUTE,
          breaches: 5
        })
        const firstTen = { from: base, to: new Date(base.getTime() + 9_000), limitMs: SLA_MS }
        expect(yield* sla.summary(firstTen)).toEqual({
          delivered: 10,
          p50Ms: 3750,
          p95Ms: 6 * MINUTE,
          p99Ms: 6 * MINUTE,
          breaches: 1
        })
      }))

    it.effect("answers no percentiles and no breaches for a window with no routings", () =>
      Effect.gen(function*() {
        const sla = yield* SlaRepo
        const from = at(-300 * 86_400_000)
        expect(yield* sla.summary({ from, to: new Date(from.getTime() + 3_600_000), limitMs: SLA_MS })).toEqual({
          delivered: 0,
          p50Ms: null,
          p95Ms: null,
          p99Ms: null,
          breaches: 0
        })
      }))

    it.effect("counts jobs accepted and routings delivered per minute, in the window only, leaving empty minutes out", () =>
      Effect.gen(function*() {
        const sla = yield* SlaRepo
        const route = yield* twoCompanies
        const base = at(120 * 86_400_000)
        const minute = (n: number) => new Date(base.getTime() + n * MINUTE)
        yield* route(new Date(base.getTime() + 1_000), { deliveredAfterMs: 500 })
        yield* route(new Date(base.getTime() + 59_999), { deliveredAfterMs: 2 * MINUTE })
        yield* route(new Date(base.getTime() + 2 * MINUTE + 5_000), "pending")
        yield* route(new Date(base.getTime() - 1), { deliveredAfterMs: 10 })
        yield* route(minute(5), { deliveredAfterMs: 1 })

        expect(yield* sla.perMinute(base, minute(5))).toEqual([
          { minute: minute(0), jobs: 2, deliveries: 2 },
          { minute: minute(2), jobs: 1, deliveries: 1 }
        ])
        expect(yield* sla.perMinute(minute(3), minute(5))).toEqual([])
      }))

    it.effect("hands out each routing not delivered past the SLA once, oldest first, whatever asks", () =>
      Effect.gen(function*() {
        const sla = yield* SlaRepo
        const route = yield* twoCompanies
        const era = at(-200 * 86_400_000)
        const after = (ms: number) => new Date(era.getTime() + ms)
        const overdue = yield* Effect.forEach(["pending", "retrying", "syncing", "failed"] as const, (fate, i) =>
          route(after(i * 1000), fate))
        yield* route(after(10_000), { deliveredAfterMs: 10 * MINUTE })
        yield* route(after(11_000), "canceled")
        const recent = yield* route(after(20 * MINUTE), "pending")
        const before = after(10 * MINUTE)

        const first = yield* sla.claimBreaches(before, after(11 * MINUTE), 3)
        expect(first.map((b) => [b.routingId, b.syncStatus])).toEqual(
          overdue.slice(0, 3).map((r, i) => [r.routingId, ["pending", "retrying", "syncing"][i]])
        )
        expect(first[0]).toEqual({
          routingId: overdue[0]!.routingId,
          jobId: overdue[0]!.job.id,
          companyId: overdue[0]!.job.routings[0]!.companyId,
          dueAt: era,
          syncStatus: "pending"
        })
        const second = yield* sla.claimBreaches(before, after(11 * MINUTE), 3)
        expect(second.map((b) => b.routingId)).toEqual([overdue[3]!.routingId])
        expect(yield* sla.claimBreaches(before, after(12 * MINUTE), 3)).toEqual([])
        const later = yield* sla.claimBreaches(after(30 * MINUTE), after(31 * MINUTE), 10)
        expect(later.map((b) => b.routingId)).toEqual([recent.routingId])
      }))

    it.effect("concurrent claims never hand out a routing twice", () =>
      Effect.gen(function*() {
        const sla = yield* SlaRepo
        const route = yield* twoCompanies
        const era = at(-250 * 86_400_000)
        const routings = yield* Effect.forEach(Array.from({ length: 6 }, (_, i) => i), (i) =>
          route(new Date(era.getTime() + i), "pending"))
        const before = new Date(era.getTime() + 10 * MINUTE)
        const claim = sla.claimBreaches(before, before, 2)
        const concurrent = (yield* Effect.all([claim, claim, claim, claim], { concurrency: "unbounded" })).flat()
        const rest = yield* sla.claimBreaches(before, before, 100)
        const ids = [...concurrent, ...rest].map((b) => b.routingId)
        expect(ids.length).toBe(6)
        expect(new Set(ids)).toEqual(new Set(routings.map((r) => r.routingId)))
      }))
  })
