import { Context, type Effect, type Option } from "effect"
import type { CompanyId, JobId, RoutingId } from "../domain/ids.ts"
import type { Job, JobStatus, Priority, SyncStatus } from "../domain/job.ts"
import type { JobSearch } from "../domain/jobSearch.ts"
import type { PageCursor } from "../domain/page.ts"
import type { StorageError } from "./StorageError.ts"

export interface JobQuery {
  readonly status: JobStatus | null
  /** Jobs this company created or received a routing for. */
  readonly involving: CompanyId | null
  readonly createdAfter: Date | null
  readonly priority: Priority | null
  /** Created strictly before. Absent (as the search filters below): no filter. */
  readonly createdBefore?: Date | null
  readonly search?: JobSearch | null
  /** Jobs with a routing whose provider id is this. */
  readonly externalId?: string | null
  /** Jobs with at least one routing in this status. */
  readonly routingStatus?: SyncStatus | null
  /**
   * The company whose view the routing filters see: of a job it did not create, only its own routings (it must not
   * learn another company's status or provider id). Null: every routing.
   */
  readonly routingsSeenBy?: CompanyId | null
  readonly limit: number
  readonly after: PageCursor | null
}

/** Jobs with their routings. */
export class JobRepo extends Context.Tag("JobRepo")<JobRepo, {
  /** Writes the jobs and all their routings. */
  readonly insert: (jobs: ReadonlyArray<Job>) => Effect.Effect<void, StorageError>
  readonly get: (id: JobId) => Effect.Effect<Option.Option<Job>, StorageError>
  /** Newest first, after the cursor when one is given. */
  readonly list: (query: JobQuery) => Effect.Effect<ReadonlyArray<Job>, StorageError>
  /** Cancels the job's routings that have not reached their provider; answers the ids it canceled. */
  readonly cancelUndelivered: (id: JobId, now: Date) => Effect.Effect<ReadonlyArray<RoutingId>, StorageError>
  readonly setStatus: (id: JobId, status: JobStatus, now: Date) => Effect.Effect<void, StorageError>
}>() {}
