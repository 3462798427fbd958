import { expect, layer } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { EventId, JobId, type CompanyId } from "../../src/domain/ids.ts"
import type { Job } from "../../src/domain/job.ts"
import { ArchiveRepo } from "../../src/services/Archive.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { JobRepo } from "../../src/services/Jobs.ts"
import { OutboxRepo } from "../../src/services/Outbox.ts"
import { RoutingRepo } from "../../src/services/Routings.ts"
import { at, makeCompany, makeJob, uuid } from "../support/fixtures.ts"
import type { Repositories } from "./repositories.ts"

const DAY = 86_400_000

/** Two companies: one that creates jobs and one that receives their routings. */
const twoCompanies = Effect.gen(function*() {
  const [creator, receiver] = [makeCompany(), makeCompany()]
  yield* Effect.forEach([creator, receiver], (yield* CompanyRepo).insert)
  return { creator: creator.id, receiver: receiver.id }
})

/**
 * A job accepted at `acceptedAt` whose one routing failed once and was then delivered (two attempts), and which then
 * reached `status`, all within a few milliseconds; answered as the live tables read it.
 */
const deliveredJob = (creator: CompanyId, receiver: CompanyId, acceptedAt: Date, status: Job["status"]) =>
  Effect.gen(function*() {
    const jobs = yield* JobRepo
    const routings = yield* RoutingRepo
    const job = makeJob(creator, [receiver], { createdAt: acceptedAt })
    const id = job.routings[0]!.id
    const later = (ms: number) => new Date(acceptedAt.getTime() + ms)
    yield* jobs.insert([job])
    yield* routings.claim(id, later(1), later(30_000))
    yield* routings.finish([{ id, leaseUntil: later(30_000), result: { _tag: "Failed", status: "retrying", outcome: "error", error: "503", counts: true, known: true }, timing: {
      at: later(2),
      durationMs: 40
    } }])
    yield* routings.claim(id, later(3), later(30_000))
    yield* routings.finish([{ id, leaseUntil: later(30_000), result: { _tag: "Synced", externalId: `lead-${id}`, outcome: "created" }, timing: {
      at: later(4),
      durationMs: 25
    } }])
    yield* jobs.setStatus(job.id, status, later(5))
    return Option.getOrThrow(yield* jobs.get(job.id))
  })

const sorted = (ids: ReadonlyArray<string>) => [...ids].sort()

/** The archive's moves and reads; run against every implementation of the repositories. */
export const archiveContract = <E>(name: string, repositories: Layer.Layer<Repositories | ArchiveRepo, E>) =>
  layer(repositories)(`archive repository: ${name}`, (it) => {
    it.effect("moves old finished jobs with their routings and attempts, and leaves recent and unfinished ones", () =>
      Effect.gen(function*() {
        const archive = yield* ArchiveRepo
        const jobs = yield* JobRepo
        const routings = yield* RoutingRepo
        const { creator, receiver } = yield* twoCompanies
        const cutoff = at(-300 * DAY)
        const old = at(-400 * DAY)
        const recent = at(-200 * DAY)

        const completed = yield* deliveredJob(creator, receiver, old, "completed")
        const attempts = yield* routings.attempts(completed.routings[0]!.id)
        expect(attempts.map((a) => a.outcome)).toEqual(["error", "created"])
        const canceled = makeJob(creator, [receiver], { createdAt: old, status: "canceled" })
        const unmatched = makeJob(creator, [], { createdAt: old })
        const unfinished = yield* deliveredJob(creator, receiver, old, "routed")
        const pending = makeJob(creator, [receiver], { createdAt: old })
        const finishedLately = yield* deliveredJob(creator, receiver, recent, "completed")
        const completedLately = makeJob(creator, [receiver], { createdAt: old, updatedAt: recent, status: "completed" })
        const oldJob = makeJob(creator, [receiver], { createdAt: old, status: "completed" })
        const routingChangedLately: Job = { ...oldJob, routings: oldJob.routings.map((r) => ({ ...r, updatedAt: recent })) }
        yield* jobs.insert([canceled, unmatched, pending, completedLately, routingChangedLately])
        const archivedAt = at(-100 * DAY)

        const moved = yield* archive.archiveBatch(cutoff, archivedAt, 100)
        const mine = [completed, canceled, unmatched].map((j) => j.id)
        const kept = [unfinished, pending, finishedLately, completedLately, routingChangedLately].map((j) => j.id)
        expect(moved).toEqual(expect.arrayContaining(mine))
        expect(moved.filter((id) => kept.includes(id))).toEqual([])

        for (const id of mine) expect(yield* jobs.get(id)).toEqual(Option.none())
        for (const id of kept) expect(Option.isSome(yield* jobs.get(id))).toBe(true)
        const found = Option.getOrThrow(yield* archive.findArchivedJob(completed.id))
        expect(found.job).toEqual(completed)
        expect(found.archivedAt).toEqual(archivedAt)
        expect(found.attempts).toEqual(new Map([[completed.routings[0]!.id, attempts]]))
        expect(yield* routings.get(completed.routings[0]!.id)).toEqual(Option.none())
        expect(yield* routings.attempts(completed.routings[0]!.id)).toEqual([])
        expect(Option.getOrThrow(yield* archive.findArchivedJob(canceled.id)).job).toEqual(canceled)
        expect(Option.getOrThrow(yield* archive.findArchivedJob(unmatched.id))).toMatchObject({ job: unmatched, attempts: new Map() })
        for (const id of kept) expect(yield* archive.findArchivedJob(id)).toEqual(Option.none())
        expect(yield* archive.findArchivedJob(JobId.make(uuid()))).toEqual(Option.none())

        const again = yield* archive.archiveBatch(cutoff, archivedAt, 100)
        expect(again.filter((id) => [...mine, ...kept].includes(id))).toEqual([])
      }))

    it.effect("moves at most `limit` jobs a batch, the least recently changed first", () =>
      Effect.gen(function*() {
        const archive = yield* ArchiveRepo
        const jobs = yield* JobRepo
        const { creator, receiver } = yield* twoCompanies
        const era = at(-3000 * DAY)
        const five = Array.from({ length: 5 }, (_, i) =>
          makeJob(creator, [receiver], { createdAt: era, updatedAt: new Date(era.getTime() + (5 - i) * 1000), status: "canceled" }))
        yield* jobs.insert(five)
        const cutoff = new Date(era.getTime() + DAY)
        const byAge = [...five].reverse().map((j) => j.id)

        expect(sorted(yield* archive.archiveBatch(cutoff, at(0), 2))).toEqual(sorted(byAge.slice(0, 2)))
        expect(sorted(yield* archive.archiveBatch(cutoff, at(0), 2))).toEqual(sorted(byAge.slice(2, 4)))
        expect(yield* archive.archiveBatch(cutoff, at(0), 2)).toEqual(byAge.slice(4))
        expect(yield* archive.archiveBatch(cutoff, at(0), 2)).toEqual([])
      }))

    it.effect("runs at once never move a job twice and together move every one", () =>
      Effect.gen(function*() {
        const archive = yield* ArchiveRepo
        const jobs = yield* JobRepo
        const { creator, receiver } = yield* twoCompanies
        const era = at(-2000 * DAY)
        const many = Array.from({ length: 60 }, (_, i) =>
          makeJob(creator, [receiver, creator].slice(0, 1 + (i % 2)), { createdAt: era, status: i % 3 === 0 ? "unmatched" : "completed" }))
        yield* jobs.insert(many)
        const cutoff = new Date(era.getTime() + DAY)
        const run = Effect.gen(function*() {
          const moved: Array<JobId> = []
          for (;;) {
            const batch = yield* archive.archiveBatch(cutoff, at(0), 7)
            moved.push(...batch)
            if (batch.length < 7) return moved
          }
        })

        const runs = yield* Effect.all([run, run, run, run], { concurrency: "unbounded" })
        const all = runs.flat()
        expect(new Set(all).size).toBe(all.length)
        expect(sorted(all.filter((id) => many.some((j) => j.id === id)))).toEqual(sorted(many.map((j) => j.id)))
        for (const job of many) expect(yield* jobs.get(job.id)).toEqual(Option.none())
        expect(Option.getOrThrow(yield* archive.findArchivedJob(many[1]!.id)).job.routings.map((r) => r.companyId))
          .toEqual([receiver, creator])
      }))

    it.effect("deletes outbox events published before the cutoff in bounded batches, keeping the rest", () =>
      Effect.gen(function*() {
        const archive = yield* ArchiveRepo
        const outbox = yield* OutboxRepo
        const era = at(-5000 * DAY)
        const events = Array.from({ length: 5 }, (_, i) => ({
          id: EventId.make(uuid()),
          aggregateId: uuid(),
          type: "routing.created",
          payload: { n: i },
          traceparent: null,
          createdAt: new Date(era.getTime() + i)
        }))
        yield* outbox.append(events)
        const cutoff = new Date(era.getTime() + 10 * DAY)
        yield* outbox.markPublished(events.slice(0, 3).map((e) => e.id), new Date(era.getTime() + DAY))
        yield* outbox.markPublished([events[3]!.id], new Date(cutoff.getTime() + 1))

        expect(yield* archive.deletePublishedOutbox(cutoff, 2)).toBe(2)
        expect(yield* archive.deletePublishedOutbox(cutoff, 2)).toBe(1)
        expect(yield* archive.deletePublishedOutbox(cutoff, 2)).toBe(0)
        expect((yield* outbox.pending(1000)).map((e) => e.id)).toContain(events[4]!.id)
        expect(yield* archive.deletePublishedOutbox(new Date(cutoff.getTime() + 2), 10)).toBe(1)
      }))
  })
