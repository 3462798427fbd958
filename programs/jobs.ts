import { Effect, Option } from "effect"
import { jobAsSeenBy } from "../src/domain/access.ts"
import { actsFor } from "../src/domain/principal.ts"
import { Conflict, Forbidden, NotFound } from "../src/domain/errors.ts"
import { JobCanceled } from "../src/domain/events.ts"
import type { CompanyId, JobId } from "../src/domain/ids.ts"
import type { Job, JobStatus, Priority, SyncStatus } from "../src/domain/job.ts"
import type { JobSearch } from "../src/domain/jobSearch.ts"
import { type PageCursor, toPage } from "../src/domain/page.ts"
import { now } from "../src/domain/time.ts"
import { ArchiveRepo } from "../src/services/Archive.ts"
import { CurrentPrincipal } from "../src/services/CurrentPrincipal.ts"
import { JobRepo } from "../src/services/Jobs.ts"
import { OutboxRepo } from "../src/services/Outbox.ts"
import { Transactions } from "../src/services/Transactions.ts"
import { outboxEvent } from "./outboxEvent.ts"

/** A job as the caller may see it, and whether it was found in the archive (read-only) rather than the live tables. */
export interface FoundJob {
  readonly job: Job
  readonly archived: boolean
}

/**
 * The job, live or else archived, as the caller may see it (the same rules for both); `NotFound` also when the caller
 * may not see it, so existence does not leak.
 */
const visibleJob = (id: JobId) =>
  Effect.gen(function*() {
    const principal = yield* CurrentPrincipal
    const live = yield* (yield* JobRepo).get(id)
    const found: Option.Option<FoundJob> = Option.isSome(live)
      ? Option.some({ job: live.value, archived: false })
      : Option.map(yield* (yield* ArchiveRepo).findArchivedJob(id), ({ job }) => ({ job, archived: true }))
    const visible = Option.flatMapNullable(found, ({ archived, job }) => {
      const seen = jobAsSeenBy(principal, job)
      return seen === undefined ? undefined : { job: seen, archived }
    })
    if (Option.isNone(visible)) return yield* new NotFound({ resource: "job", id })
    return visible.value
  })

/** The job with its routings, from the live tables or else the archive. */
export const getJob = Effect.fn("Jobs.get")(visibleJob)

export interface JobListQuery {
  readonly status: JobStatus | null
  readonly companyId: CompanyId | null
  readonly createdAfter: Date | null
  readonly priority: Priority | null
  readonly createdBefore: Date | null
  readonly search: JobSearch | null
  readonly externalId: string | null
  readonly routingStatus: SyncStatus | null
  readonly limit: number
  readonly after: PageCursor | null
}

/**
 * A page of jobs, newest first; a company key sees the jobs its company created or received a routing for, and its
 * routing filters look only at the routings it sees.
 */
export const listJobs = Effect.fn("Jobs.list")(function*(query: JobListQuery) {
  const principal = yield* CurrentPrincipal
  if (principal.role === "company" && query.companyId !== null && query.companyId !== principal.companyId) {
    return yield* new Forbidden({ message: "a company key may list only its own company's jobs" })
  }
  const involving = principal.role === "company" ? principal.companyId : query.companyId
  const routingsSeenBy = principal.role === "company" ? principal.companyId : null
  const rows = yield* (yield* JobRepo).list({ ...query, involving, routingsSeenBy, limit: query.limit + 1 })
  const page = toPage(rows, query.limit)
  return {
    items: page.items.flatMap((job) => jobAsSeenBy(principal, job) ?? []),
    nextCursor: page.nextCursor
  }
})

/**
 * Cancels every routing of the job that has not reached its provider; delivered ones are left as they are (only an
 * admin dismisses one at its provider, through `cancelRouting`). The job becomes `canceled` unless a routing was
 * already delivered. Canceling a canceled job changes nothing; a completed or archived job cannot be canceled.
 */
export const cancelJob = Effect.fn("Jobs.cancel")(function*(id: JobId) {
  const principal = yield* CurrentPrincipal
  const jobs = yield* JobRepo
  const { archived, job } = yield* visibleJob(id)
  if (!actsFor(principal, job.createdByCompanyId)) {
    return yield* new Forbidden({ message: "only the admin or the company that created a job may cancel it" })
  }
  if (archived) return yield* new Conflict({ message: "an archived job is read-only" })
  if (job.status === "completed") return yield* new Conflict({ message: "a completed job cannot be canceled" })
  if (job.status === "canceled") return job
  // The archive run may move an old finished job (e.g. `unmatched`) between the read above and this transaction.
  const stillLive = jobs.get(id).pipe(
    Effect.flatMap(Option.match({
      onNone: () => Effect.fail(new Conflict({ message: "an archived job is read-only" })),
      onSome: Effect.succeed
    }))
  )
  return yield* (yield* Transactions).run(Effect.gen(function*() {
    const at = yield* now
    const canceled = yield* jobs.cancelUndelivered(id, at)
    const after = yield* stillLive
    if (!after.routings.some((r) => r.syncStatus === "synced")) {
      yield* jobs.setStatus(id, "canceled", at)
      const canceledEvent = JobCanceled.make({ job_id: id, canceled_at: at.toISOString() })
      yield* (yield* OutboxRepo).append([yield* outboxEvent("job.canceled", id, canceledEvent, at)])
    }
    yield* Effect.logInfo("job canceled").pipe(
      Effect.annotateLogs({ job_id: id, routings_canceled: canceled.length })
    )
    return jobAsSeenBy(principal, yield* stillLive) ?? job
  }))
})
