import { expect, layer } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import type { RoutingId } from "../../src/domain/ids.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { JobRepo } from "../../src/services/Jobs.ts"
import { RoutingRepo } from "../../src/services/Routings.ts"
import { at, makeCompany, makeJob } from "../support/fixtures.ts"

/** Gives the routings up as delivery does past its last attempt: `failed`, with no claim. */
const fail = (ids: ReadonlyArray<RoutingId>) =>
  Effect.flatMap(RoutingRepo, (routings) =>
    routings.finish(ids.map((id) => ({
      id,
      leaseUntil: null,
      result: { _tag: "Failed", status: "failed", outcome: "error", error: "boom", counts: true, known: true } as const,
      timing: { at: at(1000), durationMs: 5 }
    }))))

/** The behaviour of paging through a company's failed routings and reopening many at once, on every implementation. */
export const bulkRetryContract = <E>(name: string, repositories: Layer.Layer<CompanyRepo | JobRepo | RoutingRepo, E>) =>
  layer(repositories)(`bulk retry: ${name}`, (it) => {
    it.effect("pages through a company's failed routings by id; reopens those still failed with their jobs' priority", () =>
      Effect.gen(function*() {
        const companies = yield* CompanyRepo
        const [creator, receiver, other] = [makeCompany(), makeCompany(), makeCompany()]
        yield* Effect.forEach([creator, receiver, other], companies.insert)
        const jobs = Array.from({ length: 5 }, (_, i) => makeJob(creator.id, [receiver.id, other.id], { priority: i === 0 ? "urgent" : "normal" }))
        yield* (yield* JobRepo).insert(jobs)
        const toReceiver = jobs.map((j) => j.routings[0]!.id)
        yield* fail([...toReceiver.slice(0, 4), jobs[0]!.routings[1]!.id])
        const routings = yield* RoutingRepo
        const failed = [...toReceiver.slice(0, 4)].sort()

        const first = yield* routings.failedOf(receiver.id, null, 3)
        expect(first).toEqual(failed.slice(0, 3))
        expect(yield* routings.failedOf(receiver.id, first[2]!, 3)).toEqual(failed.slice(3))
        expect(yield* routings.failedOf(receiver.id, failed[3]!, 3)).toEqual([])
        expect(yield* routings.failedOf(other.id, null, 10)).toEqual([jobs[0]!.routings[1]!.id])
        expect(yield* routings.failedOf(creator.id, null, 10)).toEqual([])

        const reopened = yield* routings.reopenMany([toReceiver[0]!, toReceiver[1]!, toReceiver[4]!], at(2000))
        expect([...reopened].sort((a, b) => a.routingId.localeCompare(b.routingId))).toEqual(
          [
            { routingId: toReceiver[0]!, jobId: jobs[0]!.id, companyId: receiver.id, priority: "urgent" },
            { routingId: toReceiver[1]!, jobId: jobs[1]!.id, companyId: receiver.id, priority: "normal" }
          ].sort((a, b) => a.routingId.localeCompare(b.routingId))
        )
        expect(Option.getOrThrow(yield* routings.get(toReceiver[0]!)).routing).toMatchObject({
          syncStatus: "pending",
          attempts: 0,
          lastError: null,
          updatedAt: at(2000)
        })
        expect(Option.getOrThrow(yield* routings.get(toReceiver[4]!)).routing.syncStatus).toBe("pending")
        expect(yield* routings.reopenMany([toReceiver[0]!], at(3000))).toEqual([])
        expect(yield* routings.reopenMany([], at(3000))).toEqual([])
        expect(yield* routings.failedOf(receiver.id, null, 10)).toEqual(failed.filter((id) => id !== toReceiver[0] && id !== toReceiver[1]))
      }))
  })
