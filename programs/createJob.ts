import { Effect, Metric } from "effect"
import { jobsCreated } from "../src/Metrics.ts"
import { canonicalJson, sha256Hex } from "../src/domain/hash.ts"
import type { NewJob } from "../src/domain/intake.ts"
import { idempotencyScope } from "../src/domain/principal.ts"
import { CurrentPrincipal } from "../src/services/CurrentPrincipal.ts"
import { JobIntake } from "../src/services/JobIntake.ts"
import { currentTraceparent } from "../src/Telemetry.ts"
import { requireActingFor } from "./access.ts"

/**
 * Accepts a job: it is matched and written with its routings, their outbox events and the idempotency record, or
 * nothing, in one transaction that may hold other requests' jobs too. With an `Idempotency-Key` seen before (within
 * the TTL) it answers the first job again, or `Conflict` when the body differs.
 */
export const createJob = Effect.fn("Jobs.create")(function*(input: NewJob, idempotencyKey: string | null) {
  yield* requireActingFor(input.createdByCompanyId)
  const principal = yield* CurrentPrincipal
  const idempotency = idempotencyKey === null
    ? null
    : { key: idempotencyKey, requestHash: yield* sha256Hex(canonicalJson(input)) }
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
})
