import { Context, type Effect, type Option } from "effect"
import type { JobId, RoutingId } from "../domain/ids.ts"
import type { Job } from "../domain/job.ts"
import type { RoutingAttempt } from "./Routings.ts"
import type { StorageError } from "./StorageError.ts"

/** A job moved out of the live tables with its routings and each routing's attempts; read-only from then on. */
export interface ArchivedJob {
  readonly job: Job
  readonly attempts: ReadonlyMap<RoutingId, ReadonlyArray<RoutingAttempt>>
  readonly archivedAt: Date
}

/** Job statuses that nothing changes any more; only jobs in one of them are archived. */
export const finishedJobStatuses = ["completed", "canceled", "unmatched"] as const

/** The archive of finished jobs, its retention, and the clean-up of published outbox events. */
export class ArchiveRepo extends Context.Tag("ArchiveRepo")<ArchiveRepo, {
  /**
   * Moves up to `limit` finished jobs whose last change, their own or any of their routings', is before `olderThan`
   * (oldest first) into the archive with their routings and attempts, stamped `archivedAt`; a batch moves whole or not
   * at all. Jobs another run is moving are skipped (`FOR UPDATE SKIP LOCKED`), so runs at once never move a job twice
   * nor fail. Answers the ids moved, in no particular order.
   */
  readonly archiveBatch: (olderThan: Date, archivedAt: Date, limit: number) => Effect.Effect<ReadonlyArray<JobId>, StorageError>
  /** Deletes up to `limit` outbox events published before `olderThan`, oldest first; answers how many. */
  readonly deletePublishedOutbox: (olderThan: Date, limit: number) => Effect.Effect<number, StorageError>
  /** Deletes up to `limit` archived jobs archived before `before`, oldest first; answers how many. */
  readonly deleteArchivedBefore: (before: Date, limit: number) => Effect.Effect<number, StorageError>
  readonly findArchivedJob: (id: JobId) => Effect.Effect<Option.Option<ArchivedJob>, StorageError>
}>() {}
