import { expect, layer } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { CompanyId } from "../../src/domain/ids.ts"
import { at, uuid } from "../support/fixtures.ts"
import type { Repositories } from "./repositories.ts"
import { oneRouting } from "./routings.contract.ts"

/**
 * What every implementation of the routing repository does with delivered routings' provider statuses (poll claims,
 * recorded statuses, and what they forbid); run against each layer.
 */
export const routingStatusContract = <E>(name: string, repositories: Layer.Layer<Repositories, E>) =>
  layer(repositories)(`repositories: ${name}`, (it) => {
    it.effect("delivered routings not final are claimed for polls least recently first, once an interval; a status or a poll stamp moves them back", () =>
      Effect.gen(function*() {
        const { routings, id, job } = yield* oneRouting
        const companyId = job.routings[0]!.companyId
        expect(yield* routings.claimToPoll(companyId, at(10_000), 10, at(10_000))).toEqual([])
        yield* routings.claim(id, at(1000), at(5000))
        yield* routings.finish([{ id, leaseUntil: at(5000), result: { _tag: "Synced", externalId: "lead-9", outcome: "created" }, timing: { at: at(2000), durationMs: 1 } }])
        const nobody = CompanyId.make(uuid())
        const dueAt = (ms: number) => [companyId, job.createdByCompanyId, nobody].map((c) => ({ companyId: c, polledBefore: at(ms) }))
        expect([...(yield* routings.companiesToPoll(dueAt(10_000)))]).toEqual([companyId])
        expect((yield* routings.claimToPoll(companyId, at(2500), 10, at(2500))).map((r) => r.id)).toEqual([id])
        // Claimed: another poller of the same interval does not take it again.
        expect(yield* routings.claimToPoll(companyId, at(2500), 10, at(2600))).toEqual([])
        yield* routings.markPolled([id], at(3000))
        expect(yield* routings.claimToPoll(companyId, at(3000), 10, at(3000))).toEqual([])
        expect((yield* routings.companiesToPoll(dueAt(3000))).size).toBe(0)
        expect([...(yield* routings.companiesToPoll(dueAt(3001)))]).toEqual([companyId])
        expect((yield* routings.claimToPoll(companyId, at(3001), 10, at(3500))).map((r) => r.id)).toEqual([id])
        expect((yield* routings.companiesToPoll([])).size).toBe(0)
        yield* routings.recordStatus(id, { externalStatus: "in_progress", revenue: null, completedAt: null }, at(4000))
        expect(Option.getOrThrow(yield* routings.get(id)).routing).toMatchObject({ externalStatus: "in_progress" })
        yield* routings.recordStatus(id, { externalStatus: "completed", revenue: 123.45, completedAt: at(4500) }, at(5000))
        expect(Option.getOrThrow(yield* routings.get(id)).routing).toMatchObject({
          externalStatus: "completed",
          revenue: 123.45,
          completedAt: at(4500)
        })
        expect(yield* routings.claimToPoll(companyId, at(99_000), 10, at(99_000))).toEqual([])
        expect((yield* routings.companiesToPoll(dueAt(99_000))).size).toBe(0)
      }))

    it.effect("a delivered routing its provider reports in progress or completed is not canceled", () =>
      Effect.gen(function*() {
        const { routings, id } = yield* oneRouting
        yield* routings.claim(id, at(1000), at(31_000))
        yield* routings.finish([{ id, leaseUntil: at(31_000), result: { _tag: "Synced", externalId: "lead-1", outcome: "created" }, timing: { at: at(2000), durationMs: 1 } }])
        const cancel = routings.cancelDelivered(id, { outcome: "canceled_at_provider", note: null, at: at(9000), durationMs: 1 })
        for (const [status, ms] of [["in_progress", 3000], ["completed", 4000]] as const) {
          yield* routings.recordStatus(id, { externalStatus: status, revenue: null, completedAt: null }, at(ms))
          expect(yield* cancel).toBe(false)
          expect(Option.getOrThrow(yield* routings.get(id)).routing.syncStatus).toBe("synced")
        }
      }))
  })
