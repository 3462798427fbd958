import { expect, layer } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { JobRepo } from "../../src/services/Jobs.ts"
import { at, makeCompany, makeJob } from "../support/fixtures.ts"
import type { Repositories } from "./repositories.ts"

/** The behaviour every implementation of the job repository must have; run against each layer. */
export const jobContract = <E>(name: string, repositories: Layer.Layer<Repositories, E>) =>
  layer(repositories)(`repositories: ${name}`, (it) => {
    it.effect("a job reads back with its routings in order", () =>
      Effect.gen(function*() {
        const companies = yield* CompanyRepo
        const [creator, r1, r2] = [makeCompany(), makeCompany(), makeCompany()]
        yield* Effect.forEach([creator, r1, r2], companies.insert)
        const jobs = yield* JobRepo
        const job = makeJob(creator.id, [r1.id, r2.id], { createdAt: at(123) })
        yield* jobs.insert([job])
        expect(yield* jobs.get(job.id)).toEqual(Option.some(job))
        const unmatched = makeJob(creator.id, [])
        yield* jobs.insert([unmatched])
        expect(yield* jobs.get(unmatched.id)).toEqual(Option.some(unmatched))
      }))

    it.effect("several jobs written at once read back, each with its own routings", () =>
      Effect.gen(function*() {
        const companies = yield* CompanyRepo
        const [creator, r1, r2] = [makeCompany(), makeCompany(), makeCompany()]
        yield* Effect.forEach([creator, r1, r2], companies.insert)
        const jobs = yield* JobRepo
        const written = [makeJob(creator.id, [r2.id, r1.id]), makeJob(creator.id, []), makeJob(creator.id, [r1.id], { priority: "urgent" })]
        yield* jobs.insert(written)
        for (const job of written) expect(yield* jobs.get(job.id)).toEqual(Option.some(job))
        yield* jobs.insert([])
      }))

    it.effect("jobs list newest first by the companies involved, status, priority and time, in pages", () =>
      Effect.gen(function*() {
        const companies = yield* CompanyRepo
        const [creator, receiver, stranger] = [makeCompany(), makeCompany(), makeCompany()]
        yield* Effect.forEach([creator, receiver, stranger], companies.insert)
        const jobs = yield* JobRepo
        const created = Array.from({ length: 4 }, (_, i) =>
          makeJob(creator.id, i < 2 ? [receiver.id] : [], { createdAt: at(1000 * (i + 1)), priority: i === 1 ? "urgent" : "normal" }))
        const foreign = makeJob(stranger.id, [])
        yield* jobs.insert([...created, foreign])
        const query = { status: null, involving: creator.id, createdAfter: null, priority: null, limit: 10, after: null }
        expect((yield* jobs.list(query)).map((j) => j.id)).toEqual(created.map((j) => j.id).reverse())
        expect((yield* jobs.list({ ...query, involving: receiver.id })).map((j) => j.id)).toEqual([created[1]!.id, created[0]!.id])
        expect((yield* jobs.list({ ...query, status: "unmatched" })).map((j) => j.id)).toEqual([created[3]!.id, created[2]!.id])
        expect((yield* jobs.list({ ...query, createdAfter: at(2000) })).map((j) => j.id)).toEqual([created[3]!.id, created[2]!.id])
        expect((yield* jobs.list({ ...query, priority: "urgent" })).map((j) => j.id)).toEqual([created[1]!.id])
        expect((yield* jobs.list({ ...query, priority: "low" }))).toEqual([])
        const page = yield* jobs.list({ ...query, limit: 2 })
        const next = yield* jobs.list({ ...query, after: { createdAt: page[1]!.createdAt, id: page[1]!.id } })
        expect(next.map((j) => j.id)).toEqual([created[1]!.id, created[0]!.id])
      }))

    it.effect("canceling a job's routings touches only those not delivered", () =>
      Effect.gen(function*() {
        const companies = yield* CompanyRepo
        const [creator, r1, r2, r3] = [makeCompany(), makeCompany(), makeCompany(), makeCompany()]
        yield* Effect.forEach([creator, r1, r2, r3], companies.insert)
        const jobs = yield* JobRepo
        const job = makeJob(creator.id, [r1.id, r2.id, r3.id])
        const routings = [
          { ...job.routings[0]!, syncStatus: "synced" as const },
          { ...job.routings[1]!, syncStatus: "failed" as const },
          job.routings[2]!
        ]
        yield* jobs.insert([{ ...job, routings }])
        const canceled = yield* jobs.cancelUndelivered(job.id, at(9))
        expect([...canceled].sort()).toEqual([routings[1]!.id, routings[2]!.id].sort())
        yield* jobs.setStatus(job.id, "routed", at(9))
        const after = Option.getOrThrow(yield* jobs.get(job.id))
        expect(after.status).toBe("routed")
        expect(after.updatedAt).toEqual(at(9))
        expect(after.routings.map((r) => r.syncStatus)).toEqual(["synced", "canceled", "canceled"])
        expect(yield* jobs.cancelUndelivered(job.id, at(10))).toEqual([])
      }))
  })
