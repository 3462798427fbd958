import { Duration, Effect, Metric, Option, Schema } from "effect"
import { jobsCreated } from "../src/Metrics.ts"
import { Conflict, InvalidReference } from "../src/domain/errors.ts"
import { type OutboxEvent, RoutingCreated } from "../src/domain/events.ts"
import { canonicalJson, sha256Hex } from "../src/domain/hash.ts"
import { type CompanyId, EventId, JobId, newId, RoutingId, type TechnicianId } from "../src/domain/ids.ts"
import { type Address, type Homeowner, initialJobStatus, Job, type MatchCriteria, pendingRouting, type Priority } from "../src/domain/job.ts"
import type { Match } from "../src/domain/matching.ts"
import { idempotencyScope } from "../src/domain/principal.ts"
import { now } from "../src/domain/time.ts"
import { CompanyRepo, TechnicianRepo } from "../src/services/Companies.ts"
import { CurrentPrincipal } from "../src/services/CurrentPrincipal.ts"
import { IdempotencyRepo } from "../src/services/Idempotency.ts"
import { JobRepo } from "../src/services/Jobs.ts"
import { OutboxRepo } from "../src/services/Outbox.ts"
import { IdempotencySettings } from "../src/services/Settings.ts"
import { Transactions } from "../src/services/Transactions.ts"
import { currentTraceparent } from "../src/Telemetry.ts"
import { requireActingFor } from "./access.ts"
import { findMatches } from "./matching.ts"

export interface NewJob extends MatchCriteria {
  readonly summary: string
  readonly address: Address
  readonly homeowner: Homeowner
  readonly priority: Priority
  readonly createdByCompanyId: CompanyId
  readonly createdByTechnicianId: TechnicianId | null
}

export interface CreatedJob {
  readonly job: Job
  /** True when an earlier request with the same `Idempotency-Key` created the job. */
  readonly replayed: boolean
}

const encodeJob = Schema.encode(Job)
const decodeJob = Schema.decodeUnknown(Job)

/** The creating company and technician must exist, and the technician must work for that company. */
const checkReferences = Effect.fn("Jobs.checkReferences")(function*(input: NewJob) {
  const companies = yield* CompanyRepo
  const technicians = yield* TechnicianRepo
  if (!(yield* companies.exists(input.createdByCompanyId))) {
    return yield* new InvalidReference({
      message: "unknown company",
      details: [{ path: "created_by_company_id", message: "no company with this id" }]
    })
  }
  if (input.createdByTechnicianId === null) return
  const technician = yield* technicians.get(input.createdByTechnicianId)
  if (Option.isNone(technician) || technician.value.companyId !== input.createdByCompanyId) {
    return yield* new InvalidReference({
      message: "unknown technician",
      details: [{
        path: "created_by_technician_id",
        message: Option.isNone(technician) ? "no technician with this id" : "technician does not belong to created_by_company_id"
      }]
    })
  }
})

/** Writes the job with its routings and one `routing.created` outbox event per routing. */
const writeJob = Effect.fn("Jobs.write")(function*(input: NewJob, matches: ReadonlyArray<Match>) {
  const at = yield* now
  const jobId = yield* newId(JobId)
  const routings = yield* Effect.forEach(matches, (match) =>
    Effect.map(newId(RoutingId), (id) => pendingRouting({ id, jobId }, match, at)))
  const job: Job = {
    id: jobId,
    summary: input.summary,
    address: input.address,
    homeowner: input.homeowner,
    requiredSkills: input.requiredSkills,
    skillLevels: input.skillLevels,
    category: input.category,
    priority: input.priority,
    status: initialJobStatus(routings.length),
    matchingScore: matches[0]?.score ?? 0,
    createdByCompanyId: input.createdByCompanyId,
    createdByTechnicianId: input.createdByTechnicianId,
    routings,
    createdAt: at,
    updatedAt: at
  }
  const traceparent = yield* currentTraceparent
  const events = yield* Effect.forEach(routings, (routing) =>
    Effect.map(newId(EventId), (id): OutboxEvent => ({
      id,
      aggregateId: routing.id,
      type: "routing.created",
      payload: RoutingCreated.make({ routing_id: routing.id, job_id: jobId, company_id: routing.companyId }),
      traceparent,
      createdAt: at
    })))
  yield* (yield* JobRepo).insert(job)
  yield* (yield* OutboxRepo).append(events)
  return job
})

/**
 * Accepts a job: one transaction writes the job, its routings, their outbox events and the idempotency record, or
 * nothing. With an `Idempotency-Key` seen before (within the TTL) it answers the first job again, or `Conflict` when the
 * body differs.
 */
export const createJob = Effect.fn("Jobs.create")(function*(input: NewJob, idempotencyKey: string | null) {
  yield* requireActingFor(input.createdByCompanyId)
  const principal = yield* CurrentPrincipal
  const transactions = yield* Transactions
  const idempotency = yield* IdempotencyRepo
  const { ttl } = yield* IdempotencySettings
  const scope = idempotencyScope(principal)
  const claim = idempotencyKey === null ? null : { key: idempotencyKey, requestHash: yield* sha256Hex(canonicalJson(input)) }

  // Reads first, outside the transaction, so that it holds its connection only for the writes.
  yield* checkReferences(input)
  const matches = yield* findMatches(input, input.createdByCompanyId)
  const created = yield* transactions.run(Effect.gen(function*() {
    if (claim !== null) {
      const at = yield* now
      const outcome = yield* idempotency.claim({
        ...claim,
        scope,
        now: at,
        expiresBefore: new Date(at.getTime() - Duration.toMillis(ttl))
      })
      if (outcome._tag === "Mismatch") {
        return yield* new Conflict({ message: "this Idempotency-Key was used with a different request body" })
      }
      if (outcome._tag === "Replay") {
        return { job: yield* Effect.orDie(decodeJob(outcome.response)), replayed: true } satisfies CreatedJob
      }
    }
    const job = yield* writeJob(input, matches)
    if (claim !== null) yield* idempotency.complete(scope, claim.key, yield* Effect.orDie(encodeJob(job)))
    return { job, replayed: false } satisfies CreatedJob
  }))
  // Operators find a job's trace by this attribute.
  yield* Effect.annotateCurrentSpan("job.id", created.job.id)
  if (!created.replayed) {
    yield* Metric.increment(jobsCreated)
    yield* Effect.logInfo("job created").pipe(
      Effect.annotateLogs({ job_id: created.job.id, routings: created.job.routings.length, status: created.job.status })
    )
  }
  return created
})
