import { Deferred, Effect, Metric } from "effect"
import { jobsCreated } from "../src/Metrics.ts"
import { canonicalJson, sha256Hex } from "../src/domain/hash.ts"
import type { NewJob } from "../src/domain/intake.ts"
import { idempotencyScope } from "../src/domain/principal.ts"
import { deliverAfterError } from "../src/domain/schedule.ts"
import { now } from "../src/domain/time.ts"
import { CurrentPrincipal } from "../src/services/CurrentPrincipal.ts"
import { JobIntake } from "../src/services/JobIntake.ts"
import { currentTraceparent } from "../src/Telemetry.ts"
import { requireActingFor } from "./access.ts"

/** What `createJob` does, in the span its caller opens. */
const acceptJob = function*(
  input: NewJob,
  idempotencyKey: string | null,
  /** Runs once the job is checked, just before it goes to the intake (see `createJobs`). */
  beforeSubmit: Effect.Effect<void> = Effect.void
) {
  yield* requireActingFor(input.createdByCompanyId)
  const tooFar = deliverAfterError(input.deliverAfter, yield* now)
  if (tooFar !== null) return yield* tooFar
  const principal = yield* CurrentPrincipal
  const idempotency = idempotencyKey === null
    ? null
    : { key: idempotencyKey, requestHash: yield* sha256Hex(canonicalJson(input)) }
  yield* beforeSubmit
  const created = yield* (yield* JobIntake).submit({
    job: input,
    scope: idempotencyScope(principal),
    idempotency,
    traceparent: yield* currentTraceparent
  })
  // Operators find a job's trace by this attribute.
  yield* Effect.annotateCurrentSpan("job.id", created.job.id)
  if (!created.replayed) {
    yield* Metric.increment(jobsCreated)
    yield* Effect.logInfo("job created").pipe(
      Effect.annotateLogs({ job_id: created.job.id, routings: created.job.routings.length, status: created.job.status })
    )
  }
  return created
}

/**
 * Accepts a job: it is matched and written with its routings, their outbox events and the idempotency record, or
 * nothing, in one transaction that may hold other requests' jobs too. With an `Idempotency-Key` seen before (within
 * the TTL) it answers the first job again, or `Conflict` when the body differs. A `deliverAfter` more than 30 days
 * ahead fails with `InvalidInput`; a later one than now leaves the routings `scheduled` until then. The job's deliveries
 * continue the trace of its `Jobs.create` span.
 */
export const createJob = Effect.fn("Jobs.create")(acceptJob)

/**
 * Accepts several jobs, each as `createJob` (its own checks, idempotency and outcome, a failure failing only its job,
 * and its own trace: a root `Jobs.create` span linked to the `Jobs.createBulk` span), handed to the intake together
 * once every job is checked, so that they share its group commit (one transaction for up to the intake's batch size).
 * Answers each job's outcome in order.
 */
export const createJobs = Effect.fn("Jobs.createBulk")(function*(
  jobs: ReadonlyArray<{ readonly job: NewJob; readonly idempotencyKey: string | null }>
) {
  const bulk = yield* Effect.currentSpan.pipe(Effect.orDie)
  yield* Effect.annotateCurrentSpan("jobs.count", jobs.length)
  // One trace per job, as for POST /jobs: each job's span starts a trace of its own, linked to the bulk's span.
  const createOne = Effect.fn("Jobs.create", { root: true, links: [{ _tag: "SpanLink", span: bulk, attributes: {} }] })(acceptJob)
  // A Deferred, not a latch: completing it resumes the waiting jobs at once, ahead of the intake's worker, which the
  // last job checked wakes as it goes on (a latch resumes its waiters a turn later, after that worker took its batch).
  const allChecked = yield* Deferred.make<void>()
  let unchecked = jobs.length
  return yield* Effect.forEach(jobs, ({ job, idempotencyKey }) => {
    // A job counts as checked when it reaches the intake, or when it fails before, so that none waits for it.
    let counted = false
    const checked = Effect.suspend(() => {
      if (counted) return Effect.void
      counted = true
      return --unchecked === 0 ? Deferred.succeed(allChecked, undefined) : Effect.void
    })
    return createOne(job, idempotencyKey, Effect.zipRight(checked, Deferred.await(allChecked))).pipe(
      Effect.either,
      Effect.ensuring(checked)
    )
  }, { concurrency: "unbounded" })
})
