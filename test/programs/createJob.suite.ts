import { expect, layer } from "@effect/vitest"
import { Effect, Either, Layer, Metric, Option } from "effect"
import { createJob, createJobs } from "../../programs/createJob.ts"
import { previewMatches } from "../../programs/previewMatches.ts"
import { Conflict, Forbidden, InvalidReference } from "../../src/domain/errors.ts"
import { ApiKeyId, TechnicianId } from "../../src/domain/ids.ts"
import { CompanyRepo, TechnicianRepo } from "../../src/services/Companies.ts"
import type { CompanyIndexRepo } from "../../src/services/CompanyIndexRepo.ts"
import type { CompanyIndexSignal } from "../../src/services/CompanyIndexSignal.ts"
import { CurrentPrincipal } from "../../src/services/CurrentPrincipal.ts"
import { JobRepo } from "../../src/services/Jobs.ts"
import { OutboxRepo } from "../../src/services/Outbox.ts"
import { StorageError } from "../../src/services/StorageError.ts"
import type { ApiServices } from "../../src/http/app.ts"
import type { IdempotencyRepo } from "../../src/services/Idempotency.ts"
import type { IdempotencySettings } from "../../src/services/Settings.ts"
import { groupCommitBatchSize, taggedBy } from "../../src/Metrics.ts"
import { makeCompany, makeNewJob, makeTechnician, skill, uniqueSkill, uuid } from "../support/fixtures.ts"
import { layerIntake } from "../support/services.ts"

const asAdmin = Effect.provideService(CurrentPrincipal, { role: "admin", keyId: null })

/** Intake transactions so far, in this process. */
const intakeBatchSize = taggedBy(groupCommitBatchSize, "stage")("Jobs.write")

/** Two receiving trades for a fresh skill pair, and a creating company with a technician. */
const setup = Effect.gen(function*() {
  const companies = yield* CompanyRepo
  const [plumbing, electrical] = [uniqueSkill("plumbing"), uniqueSkill("electrical")]
  const abc = makeCompany({ name: "ABC", skills: [skill(plumbing, "expert", true), skill(electrical, "intermediate")] })
  const xyz = makeCompany({ name: "XYZ", skills: [skill(electrical, "intermediate", true)] })
  const creator = makeCompany({ name: "Creator", skills: [skill(plumbing, "expert", true)] })
  yield* Effect.forEach([abc, xyz, creator], companies.insert)
  const technician = makeTechnician(creator.id)
  yield* (yield* TechnicianRepo).insert(technician)
  const input = makeNewJob({
    homeowner: { name: "John Doe", email: "john@example.com" },
    requiredSkills: [plumbing, electrical],
    skillLevels: { [plumbing]: "expert", [electrical]: "intermediate" },
    category: plumbing,
    createdByCompanyId: creator.id,
    createdByTechnicianId: technician.id
  })
  return { abc, xyz, creator, technician, input }
})

/** Outbox events of one job, from the pending outbox. */
const eventsOf = (jobId: string) =>
  Effect.map(OutboxRepo.pipe(Effect.flatMap((o) => o.pending(10_000))), (events) =>
    events.filter((e) => (e.payload as { job_id?: string }).job_id === jobId))

/** The behaviour of job creation, on any storage. */
export const createJobSuite = <E>(name: string, services: Layer.Layer<ApiServices | IdempotencyRepo | IdempotencySettings | CompanyIndexRepo | CompanyIndexSignal, E>) =>
  layer(services)(`createJob on ${name}`, (it) => {
    it.effect("routes the job to the best companies and writes one routing.created event per routing", () =>
      Effect.gen(function*() {
        const { abc, xyz, input } = yield* setup
        const { job, replayed } = yield* createJob(input, null).pipe(asAdmin)
        expect(replayed).toBe(false)
        expect(job.status).toBe("pending")
        expect(job.matchingScore).toBe(4.8)
        expect(job.routings.map((r) => [r.companyId, r.score, r.syncStatus])).toEqual([
          [abc.id, 4.8, "pending"],
          [xyz.id, 3.3, "pending"]
        ])
        expect(yield* (yield* JobRepo).get(job.id)).toEqual(Option.some(job))
        const events = yield* eventsOf(job.id)
        expect(events.map((e) => e.type)).toEqual(["routing.created", "routing.created"])
        expect(events.map((e) => e.payload)).toHaveLength(2)
        expect(events.map((e) => e.payload)).toEqual(expect.arrayContaining(
          job.routings.map((r) => ({ routing_id: r.id, job_id: job.id, company_id: r.companyId, priority: job.priority }))
        ))
        expect(events.map((e) => e.aggregateId).sort()).toEqual(job.routings.map((r) => r.id).sort())
        expect(events.map((e) => e.traceparent)).toEqual([expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/), expect.anything()])
      }))

    it.effect("a job nobody can do is unmatched, with no routing and no event", () =>
      Effect.gen(function*() {
        const { input } = yield* setup
        const { job } = yield* createJob({ ...input, requiredSkills: [uniqueSkill()], skillLevels: {} }, null).pipe(asAdmin)
        expect(job).toMatchObject({ status: "unmatched", matchingScore: 0, routings: [] })
        expect(yield* eventsOf(job.id)).toEqual([])
      }))

    it.effect("routes a job only to the companies serving its ZIP code; the preview says which were left out and why", () =>
      Effect.gen(function*() {
        const { abc, xyz, input } = yield* setup
        yield* (yield* CompanyRepo).update(abc.id, { serviceAreas: ["90210"] }, new Date())
        const inZip = (zipCode: string) => ({ ...input, address: { ...input.address, zipCode } })
        const elsewhere = (yield* createJob(inZip("12345"), null).pipe(asAdmin)).job
        expect(elsewhere.routings.map((r) => r.companyId)).toEqual([xyz.id])
        const beverly = (yield* createJob(inZip("90210-1234"), null).pipe(asAdmin)).job
        expect(beverly.routings.map((r) => r.companyId)).toEqual([abc.id, xyz.id])

        const preview = yield* previewMatches(input, input.createdByCompanyId, "12345").pipe(asAdmin)
        expect(preview.matches.map((m) => m.companyId)).toEqual([xyz.id])
        expect(preview.excluded).toEqual([{ companyId: abc.id, companyName: "ABC", reason: "does not serve 12345" }])
        const noZip = yield* previewMatches(input, input.createdByCompanyId, null).pipe(asAdmin)
        expect(noZip.excluded).toEqual([{ companyId: abc.id, companyName: "ABC", reason: "does not serve jobs without a ZIP code" }])
        expect((yield* previewMatches(input, input.createdByCompanyId, "90210").pipe(asAdmin)).excluded).toEqual([])
      }))

    it.effect("writes nothing when a failure comes after the routings are written", () =>
      Effect.gen(function*() {
        const { input } = yield* setup
        const jobs = yield* JobRepo
        const failingOutbox = Layer.succeed(OutboxRepo, {
          ...(yield* OutboxRepo),
          append: () => Effect.fail(new StorageError({ operation: "outbox.append", unavailable: false, cause: "injected" }))
        })
        let written: string | undefined
        const spyingJobs = Layer.succeed(JobRepo, {
          ...jobs,
          insert: (inserted) => Effect.tap(jobs.insert(inserted), () => Effect.sync(() => (written = inserted[0]?.id)))
        })
        // Intake of its own over the failing outbox.
        const error = yield* createJob(input, "key-" + uuid()).pipe(
          asAdmin,
          Effect.provide(layerIntake.pipe(Layer.provide(Layer.merge(failingOutbox, spyingJobs)))),
          Effect.flip
        )
        expect(error).toBeInstanceOf(StorageError)
        expect(written).toBeDefined()
        expect(yield* jobs.get(written as never)).toEqual(Option.none())
        expect(yield* eventsOf(written!)).toEqual([])
        const page = yield* jobs.list({ status: null, involving: input.createdByCompanyId, createdAfter: null, priority: null, limit: 10, after: null })
        expect(page).toEqual([])
      }))

    it.effect("the same Idempotency-Key and body answers the same job; another body is a conflict", () =>
      Effect.gen(function*() {
        const { input } = yield* setup
        const key = `key-${uuid()}`
        const first = yield* createJob(input, key).pipe(asAdmin)
        const again = yield* createJob(input, key).pipe(asAdmin)
        expect(again).toEqual({ job: first.job, replayed: true })
        const conflict = yield* createJob({ ...input, summary: "Another" }, key).pipe(asAdmin, Effect.flip)
        expect(conflict).toBeInstanceOf(Conflict)
        const companyKey = { role: "company" as const, companyId: input.createdByCompanyId, keyId: ApiKeyId.make(uuid()) }
        const otherScope = yield* createJob(input, key).pipe(Effect.provideService(CurrentPrincipal, companyKey))
        expect(otherScope.replayed).toBe(false)
        const jobs = yield* (yield* JobRepo).list({ status: null, involving: input.createdByCompanyId, createdAfter: null, priority: null, limit: 10, after: null })
        expect(jobs.map((j) => j.id).sort()).toEqual([first.job.id, otherScope.job.id].sort())
      }))

    it.effect("concurrent requests with one Idempotency-Key create one job", () =>
      Effect.gen(function*() {
        const { input } = yield* setup
        const key = `key-${uuid()}`
        const results = yield* Effect.all(Array.from({ length: 5 }, () => createJob(input, key).pipe(asAdmin)), {
          concurrency: "unbounded"
        })
        expect(new Set(results.map((r) => r.job.id)).size).toBe(1)
        expect(results.filter((r) => !r.replayed)).toHaveLength(1)
      }))

    it.effect("refuses unknown companies and technicians, and technicians of another company", () =>
      Effect.gen(function*() {
        const { input, abc } = yield* setup
        const unknownCompany = yield* createJob({ ...input, createdByCompanyId: makeCompany().id }, null).pipe(asAdmin, Effect.flip)
        expect(unknownCompany).toBeInstanceOf(InvalidReference)
        const unknownTech = yield* createJob({ ...input, createdByTechnicianId: TechnicianId.make(uuid()) }, null).pipe(asAdmin, Effect.flip)
        expect(unknownTech).toMatchObject({ _tag: "InvalidReference", details: [{ path: "created_by_technician_id" }] })
        const foreignTech = makeTechnician(abc.id)
        yield* (yield* TechnicianRepo).insert(foreignTech)
        const mismatched = yield* createJob({ ...input, createdByTechnicianId: foreignTech.id }, null).pipe(asAdmin, Effect.flip)
        expect(mismatched).toMatchObject({ _tag: "InvalidReference", details: [{ message: "technician does not belong to created_by_company_id" }] })
      }))

    it.effect("a company key creates jobs only for its own company, and never routes to itself", () =>
      Effect.gen(function*() {
        const { input, abc, creator } = yield* setup
        const asCreator = Effect.provideService(CurrentPrincipal, { role: "company", companyId: creator.id, keyId: ApiKeyId.make(uuid()) })
        const { job } = yield* createJob(input, null).pipe(asCreator)
        expect(job.routings.map((r) => r.companyId)).not.toContain(creator.id)
        const forOther = yield* createJob({ ...input, createdByCompanyId: abc.id, createdByTechnicianId: null }, null).pipe(asCreator, Effect.flip)
        expect(forOther).toBeInstanceOf(Forbidden)
      }))

    it.effect("jobs in bulk each stand or fail on their own, in order, handed to the intake together", () =>
      Effect.gen(function*() {
        const { input, abc, creator } = yield* setup
        const asCreator = Effect.provideService(CurrentPrincipal, { role: "company", companyId: creator.id, keyId: ApiKeyId.make(uuid()) })
        const key = `bulk-${uuid()}`
        const jobs = [
          { job: input, idempotencyKey: key },
          { job: { ...input, createdByCompanyId: abc.id, createdByTechnicianId: null }, idempotencyKey: null },
          { job: { ...input, createdByTechnicianId: TechnicianId.make(uuid()) }, idempotencyKey: null },
          ...Array.from({ length: 20 }, (_, n) => ({ job: { ...input, summary: `Bulk job ${n}` }, idempotencyKey: n % 2 === 0 ? `${key}-${n}` : null }))
        ]
        const batchesBefore = (yield* Metric.value(intakeBatchSize)).count
        const { outcomes, bulkTrace } = yield* Effect.gen(function*() {
          return { outcomes: yield* createJobs(jobs).pipe(asCreator), bulkTrace: (yield* Effect.currentSpan).traceId }
        }).pipe(Effect.withSpan("bulk request"))
        expect(outcomes.map((o) => Either.isRight(o) ? "created" : o.left._tag)).toEqual([
          "created",
          "Forbidden",
          "InvalidReference",
          ...Array.from({ length: 20 }, () => "created")
        ])
        const created = outcomes.flatMap((o) => Either.isRight(o) ? [o.right.job] : [])
        expect(created.slice(1).map((j) => j.summary)).toEqual(Array.from({ length: 20 }, (_, n) => `Bulk job ${n}`))
        // One intake transaction for all of them.
        expect((yield* Metric.value(intakeBatchSize)).count - batchesBefore).toBe(1)
        // One trace per job: each job's outbox events carry a trace of its own, not the bulk's.
        const traceIds = yield* Effect.forEach(created, (job) =>
          Effect.map(eventsOf(job.id), (events) => [...new Set(events.map((e) => e.traceparent?.split("-")[1]))]))
        expect(traceIds.every((ids) => ids.length === 1 && ids[0] !== undefined)).toBe(true)
        expect(new Set(traceIds.map((ids) => ids[0])).size).toBe(created.length)
        expect(traceIds.map((ids) => ids[0])).not.toContain(bulkTrace)
        const again = yield* createJob(input, key).pipe(asCreator)
        expect(again).toMatchObject({ replayed: true, job: { id: created[0]!.id } })
      }))
  })
