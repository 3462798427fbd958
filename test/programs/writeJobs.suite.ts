import { expect, layer } from "@effect/vitest"
import { Array as Arr, Effect, Either, type Layer, Option } from "effect"
import { createJob } from "../../programs/createJob.ts"
import { writeJobs } from "../../programs/writeJobs.ts"
import { Conflict, InvalidReference } from "../../src/domain/errors.ts"
import { canonicalJson, sha256Hex } from "../../src/domain/hash.ts"
import { CompanyId, TechnicianId } from "../../src/domain/ids.ts"
import type { IntakeRequest, NewJob } from "../../src/domain/intake.ts"
import type { ApiServices } from "../../src/http/app.ts"
import type { IdempotencyRepo } from "../../src/services/Idempotency.ts"
import type { IdempotencySettings } from "../../src/services/Settings.ts"
import { CompanyRepo, TechnicianRepo } from "../../src/services/Companies.ts"
import type { CompanyIndexRepo } from "../../src/services/CompanyIndexRepo.ts"
import type { CompanyIndexSignal } from "../../src/services/CompanyIndexSignal.ts"
import { CurrentPrincipal } from "../../src/services/CurrentPrincipal.ts"
import { JobRepo } from "../../src/services/Jobs.ts"
import { OutboxRepo } from "../../src/services/Outbox.ts"
import { at, makeCompany, makeNewJob, makeTechnician, skill, uniqueSkill, uuid } from "../support/fixtures.ts"

const asAdmin = Effect.provideService(CurrentPrincipal, { role: "admin", keyId: null })

/** Two receiving trades for a fresh skill, and a creating company with a technician. */
const setup = Effect.gen(function*() {
  const companies = yield* CompanyRepo
  const trade = uniqueSkill("plumbing")
  const abc = makeCompany({ name: "ABC", skills: [skill(trade, "expert", true)] })
  const xyz = makeCompany({ name: "XYZ", skills: [skill(trade, "basic")] })
  const creator = makeCompany({ name: "Creator" })
  yield* Effect.forEach([abc, xyz, creator], companies.insert)
  const technician = makeTechnician(creator.id)
  yield* (yield* TechnicianRepo).insert(technician)
  const job = makeNewJob({
    requiredSkills: [trade],
    skillLevels: {},
    category: null,
    createdByCompanyId: creator.id,
    createdByTechnicianId: technician.id
  })
  return { abc, xyz, creator, job }
})

/** A request as `createJob` hands it over, with a trace context of its own. */
const request = (job: NewJob, key: string | null = null) =>
  Effect.gen(function*() {
    const traceparent = `00-${uuid().replace(/-/g, "")}-${uuid().replace(/-/g, "").slice(0, 16)}-01`
    const idempotency = key === null ? null : { key, requestHash: yield* sha256Hex(canonicalJson(job)) }
    return { job, scope: "admin", idempotency, traceparent } satisfies IntakeRequest
  })

const eventsOf = (jobId: string) =>
  Effect.map(OutboxRepo.pipe(Effect.flatMap((o) => o.pending(10_000))), (events) =>
    events.filter((e) => (e.payload as { job_id?: string }).job_id === jobId))

/** The job a request was answered with; fails the test when it was refused. */
const createdJob = <A, E>(answer: Either.Either<A, E> | undefined): A => Either.getOrThrow(answer!)

/** Group commit's semantics: requests written in one transaction, each answered on its own. */
export const writeJobsSuite = <E>(name: string, services: Layer.Layer<ApiServices | IdempotencyRepo | IdempotencySettings | CompanyIndexRepo | CompanyIndexSignal, E>) =>
  layer(services)(`intake batches on ${name}`, (it) => {
    it.effect("in one batch a key conflict and a bad reference fail alone; the others are written, each in its own trace", () =>
      Effect.gen(function*() {
        const { job } = yield* setup
        const key = `key-${uuid()}`
        const batch = [
          yield* request(job),
          yield* request(job, key),
          yield* request({ ...job, summary: "Another body" }, key),
          yield* request({ ...job, createdByCompanyId: CompanyId.make(uuid()), createdByTechnicianId: null }),
          yield* request({ ...job, createdByTechnicianId: TechnicianId.make(uuid()) }),
          yield* request({ ...job, summary: "Third" })
        ] as const
        const answers = yield* writeJobs(batch)
        expect(answers[2]).toEqual(Either.left(expect.any(Conflict)))
        expect(answers[3]).toEqual(Either.left(expect.objectContaining({ _tag: "InvalidReference", details: [expect.objectContaining({ path: "created_by_company_id" })] })))
        expect(answers[4]).toEqual(Either.left(expect.objectContaining({ _tag: "InvalidReference", details: [expect.objectContaining({ path: "created_by_technician_id" })] })))
        expect(Either.getLeft(answers[3]!).pipe(Option.getOrThrow)).toBeInstanceOf(InvalidReference)
        const written = [0, 1, 5].map((i) => createdJob(answers[i]))
        expect(written.map((w) => w.replayed)).toEqual([false, false, false])
        expect(new Set(written.map((w) => w.job.id)).size).toBe(3)
        const jobs = yield* JobRepo
        for (const [n, i] of [0, 1, 5].entries()) {
          const { job: created } = written[n]!
          expect(yield* jobs.get(created.id)).toEqual(Option.some(created))
          expect(created.routings).toHaveLength(2)
          const events = yield* eventsOf(created.id)
          expect(events).toHaveLength(2)
          expect(events.map((e) => e.traceparent)).toEqual([batch[i]!.traceparent, batch[i]!.traceparent])
        }
        const again = yield* createJob(job, key).pipe(asAdmin)
        expect(again).toEqual({ job: written[1]!.job, replayed: true })
      }))

    it.effect("a request repeating a key of the same batch replays the job its first request creates", () =>
      Effect.gen(function*() {
        const { creator, job } = yield* setup
        const key = `key-${uuid()}`
        const answers = yield* writeJobs([yield* request(job, key), yield* request(job, key), yield* request(job, key)])
        const [first, ...replays] = answers.map(createdJob)
        expect(first!.replayed).toBe(false)
        expect(replays).toEqual([{ job: first!.job, replayed: true }, { job: first!.job, replayed: true }])
        const stored = yield* (yield* JobRepo).list({ status: null, involving: creator.id, createdAfter: null, priority: null, limit: 10, after: null })
        expect(stored.map((j) => j.id)).toEqual([first!.job.id])
      }))

    it.effect("a key of an earlier batch replays, beside a request that conflicts with it", () =>
      Effect.gen(function*() {
        const { job } = yield* setup
        const key = `key-${uuid()}`
        const [earlier] = yield* writeJobs([yield* request(job, key)])
        const answers = yield* writeJobs([yield* request({ ...job, summary: "Changed" }, key), yield* request(job, key)])
        expect(answers[0]).toEqual(Either.left(expect.any(Conflict)))
        expect(createdJob(answers[1])).toEqual({ job: createdJob(earlier).job, replayed: true })
      }))

    it.effect("a batch of refused requests writes nothing", () =>
      Effect.gen(function*() {
        const { creator, job } = yield* setup
        const answers = yield* writeJobs([yield* request({ ...job, createdByTechnicianId: TechnicianId.make(uuid()) })])
        expect(Either.isLeft(answers[0]!)).toBe(true)
        const stored = yield* (yield* JobRepo).list({ status: null, involving: creator.id, createdAfter: null, priority: null, limit: 10, after: null })
        expect(stored).toEqual([])
      }))

    it.effect("a company changed just before a job is matched as it is now; a new technician is known at once", () =>
      Effect.gen(function*() {
        const { abc, creator, job, xyz } = yield* setup
        const companies = yield* CompanyRepo
        const before = yield* createJob(job, null).pipe(asAdmin)
        expect(before.job.routings.map((r) => r.companyId)).toEqual([abc.id, xyz.id])
        yield* companies.update(abc.id, { status: "inactive" }, at(1))
        const deactivated = yield* createJob(job, null).pipe(asAdmin)
        expect(deactivated.job.routings.map((r) => r.companyId)).toEqual([xyz.id])
        yield* companies.setProvider(xyz.id, null, at(2))
        expect((yield* createJob(job, null).pipe(asAdmin)).job).toMatchObject({ status: "unmatched", routings: [] })
        yield* companies.update(abc.id, { status: "active" }, at(3))
        expect((yield* createJob(job, null).pipe(asAdmin)).job.routings.map((r) => r.companyId)).toEqual([abc.id])
        const hired = makeTechnician(creator.id)
        yield* (yield* TechnicianRepo).insert(hired)
        expect((yield* createJob({ ...job, createdByTechnicianId: hired.id }, null).pipe(asAdmin)).job.createdByTechnicianId).toBe(hired.id)
      }))

    it.effect("concurrent requests are each answered on their own, however they are batched", () =>
      Effect.gen(function*() {
        const { job } = yield* setup
        const key = `key-${uuid()}`
        const requests = [
          createJob(job, null),
          createJob(job, key),
          createJob({ ...job, summary: "Another body" }, key),
          createJob({ ...job, createdByTechnicianId: TechnicianId.make(uuid()) }, null),
          createJob({ ...job, summary: "Third" }, null)
        ]
        const answers = yield* Effect.all(requests.map((r) => Effect.either(asAdmin(r))), { concurrency: "unbounded" })
        expect(answers.map((a) => Either.isRight(a))).toEqual([true, expect.any(Boolean), expect.any(Boolean), false, true])
        const [keyed, conflicting] = [answers[1]!, answers[2]!]
        expect([keyed, conflicting].filter(Either.isLeft).map((a) => a.left)).toEqual([expect.any(Conflict)])
        expect(answers[3]).toEqual(Either.left(expect.any(InvalidReference)))
        const ids = Arr.getRights(answers).map((a) => a.job.id)
        expect(new Set(ids).size).toBe(3)
      }))
  })
