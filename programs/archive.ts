import { Duration, Effect } from "effect"
import { now } from "../src/domain/time.ts"
import { dailyAt } from "../src/Schedules.ts"
import { ArchiveRepo } from "../src/services/Archive.ts"
import { ArchiveSettings } from "../src/services/Settings.ts"

/** Published outbox events are kept this long (for `GET /admin/outbox` and investigations), then deleted. */
export const OUTBOX_RETENTION = Duration.days(7)

/** What one archive run did. */
export interface ArchiveReport {
  readonly batches: number
  readonly jobsArchived: number
  readonly outboxDeleted: number
}

/**
 * One archive run: moves the finished jobs unchanged for `ARCHIVE_AFTER_DAYS` to the archive, `ARCHIVE_BATCH_SIZE` per
 * transaction, until a batch comes back short (none left, or the rest taken by a run at the same time), then deletes
 * the outbox events published more than 7 days ago in batches of the same size. Logs each batch and the totals.
 */
export const archiveOnce = Effect.fn("Archive.run")(function*() {
  const repo = yield* ArchiveRepo
  const { after, batch } = yield* ArchiveSettings
  const startedAt = yield* now
  const cutoff = new Date(startedAt.getTime() - Duration.toMillis(after))
  let batches = 0
  let jobsArchived = 0
  for (;;) {
    const moved = yield* repo.archiveBatch(cutoff, startedAt, batch)
    if (moved.length === 0) break
    batches++
    jobsArchived += moved.length
    yield* Effect.logInfo("archive batch moved").pipe(
      Effect.annotateLogs({ batch: batches, jobs: moved.length, jobs_archived: jobsArchived })
    )
    if (moved.length < batch) break
  }
  const outboxCutoff = new Date(startedAt.getTime() - Duration.toMillis(OUTBOX_RETENTION))
  let outboxDeleted = 0
  for (;;) {
    const deleted = yield* repo.deletePublishedOutbox(outboxCutoff, batch)
    outboxDeleted += deleted
    if (deleted < batch) break
  }
  yield* Effect.logInfo("archive run finished").pipe(
    Effect.annotateLogs({
      batches,
      jobs_archived: jobsArchived,
      outbox_deleted: outboxDeleted,
      archived_before: cutoff.toISOString()
    })
  )
  return { batches, jobsArchived, outboxDeleted } satisfies ArchiveReport
})

/**
 * The archive schedule: `archiveOnce` every day at `ARCHIVE_AT` (UTC), the first at the next such time, for as long as
 * it runs. A failed run is logged and the next day's run picks up where it stopped (every batch that committed stays).
 */
export const archiveSchedule = Effect.gen(function*() {
  const { at } = yield* ArchiveSettings
  yield* Effect.schedule(
    archiveOnce().pipe(
      Effect.catchAll((error) =>
        Effect.logWarning("archive run failed; the next one continues").pipe(Effect.annotateLogs("error", error.message))
      )
    ),
    dailyAt(at)
  )
})
