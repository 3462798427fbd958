import { Effect } from "effect"
import { JobCanceled, type OutboxEvent } from "../src/domain/events.ts"
import { EventId, type JobId, newId } from "../src/domain/ids.ts"
import { currentTraceparent } from "../src/Telemetry.ts"

/** The `job.canceled` event of a job whose routings are all canceled, for the outbox. */
export const jobCanceledEvent = (jobId: JobId, at: Date) =>
  Effect.gen(function*() {
    const event: OutboxEvent = {
      id: yield* newId(EventId),
      aggregateId: jobId,
      type: "job.canceled",
      payload: JobCanceled.make({ job_id: jobId, canceled_at: at.toISOString() }),
      traceparent: yield* currentTraceparent,
      createdAt: at
    }
    return event
  })
