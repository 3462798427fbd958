import { Duration, Effect, Either, Schema } from "effect"
import type { NonEmptyReadonlyArray } from "effect/Array"
import { Conflict, type InvalidReference } from "../src/domain/errors.ts"
import { type OutboxEvent, RoutingCreated } from "../src/domain/events.ts"
import { EventId, JobId, newId, RoutingId } from "../src/domain/ids.ts"
import {
  type CreatedJob,
  decideKeys,
  type IntakeRequest,
  type KeyDecision,
  keyLeaders,
  referenceError
} from "../src/domain/intake.ts"
import { initialJobStatus, Job, newRouting } from "../src/domain/job.ts"
import { type Match, rankMatches } from "../src/domain/matching.ts"
import { isScheduled } from "../src/domain/schedule.ts"
import { jobZip } from "../src/domain/serviceAreas.ts"
import { now } from "../src/domain/time.ts"
import { CompanyDirectory } from "../src/services/CompanyDirectory.ts"
import { IdempotencyRepo } from "../src/services/Idempotency.ts"
import { JobRepo } from "../src/services/Jobs.ts"
import { OutboxRepo } from "../src/services/Outbox.ts"
import type { StorageError } from "../src/services/StorageError.ts"
import { IdempotencySettings, MatchSettings } from "../src/services/Settings.ts"
import { Transactions } from "../src/services/Transactions.ts"

const encodeJob = Schema.encode(Job)
const decodeJob = Schema.decodeUnknown(Job)

/**
 * The job of a request routed to its matches, and one `routing.created` event per routing, in the request's trace. A
 * job to deliver later has its routings `scheduled` and their events held until its `deliverAfter`.
 */
const buildJob = (request: IntakeRequest, matches: ReadonlyArray<Match>, at: Date) =>
  Effect.gen(function*() {
    const input = request.job
    const jobId = yield* newId(JobId)
    const scheduled = isScheduled(input.deliverAfter, at)
    const routings = yield* Effect.forEach(matches, (match) =>
      Effect.map(newId(RoutingId), (id) => newRouting({ id, jobId }, match, at, scheduled ? "scheduled" : "pending")))
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
      deliverAfter: input.deliverAfter,
      createdAt: at,
      updatedAt: at
    }
    const events = yield* Effect.forEach(routings, (routing) =>
      Effect.map(newId(EventId), (id): OutboxEvent => ({
        id,
        aggregateId: routing.id,
        type: "routing.created",
        payload: RoutingCreated.make({
          routing_id: routing.id,
          job_id: jobId,
          company_id: routing.companyId,
          priority: input.priority
        }),
        traceparent: request.traceparent,
        createdAt: at,
        ...(scheduled && input.deliverAfter !== null ? { availableAt: input.deliverAfter } : {})
      })))
    return { job, events }
  })

const keyConflict = () => new Conflict({ message: "this Idempotency-Key was used with a different request body" })

/**
 * Runs independent writes of one transaction at once, so that they reach the server together (pipelined on the
 * transaction's connection: one round trip, not one each); none is interrupted when another fails, and the first
 * failure is the outcome.
 */
const together = (writes: ReadonlyArray<Effect.Effect<void, StorageError>>) =>
  Effect.all(writes, { concurrency: "unbounded", mode: "either" }).pipe(
    Effect.flatMap((outcomes) => {
      const failed = outcomes.find(Either.isLeft)
      return failed === undefined ? Effect.void : Effect.fail(failed.left)
    })
  )

/** A request that passed the reference checks, with the companies it matched. */
interface Accepted {
  readonly request: IntakeRequest
  readonly matches: ReadonlyArray<Match>
}

/** The answer a request's key decided, given the jobs this batch created (by request). */
const answer = (
  decision: KeyDecision,
  created: ReadonlyArray<Job | undefined>,
  i: number
): Effect.Effect<Either.Either<CreatedJob, Conflict>> => {
  switch (decision._tag) {
    case "Create":
      return Effect.succeed(Either.right({ job: created[i]!, replayed: false }))
    case "ReplayOf":
      return Effect.succeed(Either.right({ job: created[decision.leader]!, replayed: true }))
    case "Replay":
      return Effect.map(Effect.orDie(decodeJob(decision.response)), (job) => Either.right({ job, replayed: true }))
    case "Conflict":
      return Effect.succeed(Either.left(keyConflict()))
  }
}

/** Writes the jobs of the accepted requests (null: refused already); answers each of them, null for the refused. */
const writeAccepted = (accepted: ReadonlyArray<Accepted | null>) =>
  Effect.gen(function*() {
    const { ttl } = yield* IdempotencySettings
    const idempotency = yield* IdempotencyRepo
    const jobs = yield* JobRepo
    const outbox = yield* OutboxRepo
    const at = yield* now
    const requests = accepted.map((a) => a?.request ?? null)
    const leaders = keyLeaders(requests)
    const records = yield* idempotency.claim(
      leaders.map((i) => ({ scope: requests[i]!.scope, ...requests[i]!.idempotency! })),
      { now: at, expiresBefore: new Date(at.getTime() - Duration.toMillis(ttl)) }
    )
    const decisions = decideKeys(requests, records)
    const built = yield* Effect.forEach(accepted, (a, i) =>
      a !== null && decisions[i]?._tag === "Create" ? buildJob(a.request, a.matches, at) : Effect.succeed(undefined))
    const created = built.map((b) => b?.job)
    const answers = yield* Effect.forEach(leaders.filter((i) => created[i] !== undefined), (i) =>
      Effect.map(Effect.orDie(encodeJob(created[i]!)), (response) => ({
        scope: requests[i]!.scope,
        key: requests[i]!.idempotency!.key,
        response
      })))
    yield* together([
      jobs.insert(created.filter((job) => job !== undefined)),
      outbox.append(built.flatMap((b) => b?.events ?? [])),
      idempotency.complete(answers)
    ])
    return yield* Effect.forEach(decisions, (decision, i) =>
      decision === null ? Effect.succeed(null) : answer(decision, created, i))
  })

/**
 * Writes the jobs of several `POST /jobs` in one transaction, on intake's own connection, and answers each request on
 * its own, in order. The transaction first brings the company index up to date (one small read) and checks references
 * and matches from it; a bad reference, a key conflict or a replay concerns only its request. It then writes, for
 * every job created, the job, its routings, their outbox events and its idempotency record, in one statement per
 * table; requests with the same key are answered as if they had come one after another. A storage failure fails the
 * whole batch.
 */
export const writeJobs = (requests: NonEmptyReadonlyArray<IntakeRequest>) =>
  Effect.gen(function*() {
    const directory = yield* CompanyDirectory
    const limits = yield* MatchSettings
    return yield* (yield* Transactions).runIntake(Effect.gen(function*() {
      const index = yield* directory.current
      const checked = requests.map((request): Either.Either<Accepted, InvalidReference> => {
        const error = referenceError(index, request.job)
        if (error !== null) return Either.left(error)
        const zip = jobZip(request.job.address.zipCode)
        const candidates = index.candidates(request.job, request.job.createdByCompanyId, limits, zip)
        const matches = rankMatches(request.job, candidates, limits)
        return Either.right({ request, matches })
      })
      const accepted = checked.map(Either.getOrNull)
      const written = accepted.some((a) => a !== null) ? yield* writeAccepted(accepted) : []
      return checked.map((check, i): Either.Either<CreatedJob, InvalidReference | Conflict> =>
        Either.isLeft(check) ? Either.left(check.left) : written[i]!)
    }))
  })
