import { Duration, Effect } from "effect"
import { now } from "../src/domain/time.ts"
import { retentionSweep } from "../src/Schedules.ts"
import { ArchiveRepo } from "../src/services/Archive.ts"
import { IdempotencyRepo } from "../src/services/Idempotency.ts"
import { MockLeadStore } from "../src/services/MockLeads.ts"
import { IdempotencySettings, RetentionSettings } from "../src/services/Settings.ts"
import type { StorageError } from "../src/services/StorageError.ts"
import { WebhookRepo } from "../src/services/Webhooks.ts"

/** Rows deleted per statement: each statement is short, so it holds its locks briefly. */
export const RETENTION_BATCH = 1000

/** How many rows one sweep deleted, by table. */
export interface RetentionReport {
  readonly idempotencyKeys: number
  readonly webhookDeliveries: number
  readonly mockLeads: number
  readonly archivedJobs: number
}

/** Deletes in batches of `RETENTION_BATCH` until one comes back short (none left, or the rest held by another sweep). */
const deleteAll = (deleteBatch: (before: Date, limit: number) => Effect.Effect<number, StorageError>, before: Date) =>
  Effect.iterate({ total: 0, last: RETENTION_BATCH }, {
    while: ({ last }) => last === RETENTION_BATCH,
    body: ({ total }) => Effect.map(deleteBatch(before, RETENTION_BATCH), (last) => ({ total: total + last, last }))
  }).pipe(Effect.map(({ total }) => total))

/**
 * One retention sweep: deletes the idempotency keys past `IDEMPOTENCY_TTL_SECONDS`, the finished webhook deliveries
 * (with their attempts) older than `WEBHOOK_DELIVERY_RETENTION_DAYS`, the mock provider's leads older than
 * `MOCK_LEAD_RETENTION_DAYS` and the jobs archived longer than `ARCHIVE_RETENTION_DAYS` ago, in bounded batches. Rows
 * another replica's sweep holds are skipped, so sweeps at once share the work. Logs how many rows it deleted.
 */
export const sweepOnce = Effect.fn("Retention.sweep")(function*() {
  const { ttl } = yield* IdempotencySettings
  const retention = yield* RetentionSettings
  const idempotency = yield* IdempotencyRepo
  const webhooks = yield* WebhookRepo
  const mockLeads = yield* MockLeadStore
  const archive = yield* ArchiveRepo
  const startedAt = yield* now
  const before = (age: Duration.Duration) => new Date(startedAt.getTime() - Duration.toMillis(age))
  const report: RetentionReport = {
    idempotencyKeys: yield* deleteAll(idempotency.deleteExpired, before(ttl)),
    webhookDeliveries: yield* deleteAll(webhooks.deleteFinishedBefore, before(retention.webhookDeliveries)),
    mockLeads: yield* deleteAll(mockLeads.deleteReceivedBefore, before(retention.mockLeads)),
    archivedJobs: yield* deleteAll(archive.deleteArchivedBefore, before(retention.archivedJobs))
  }
  yield* Effect.logInfo("retention sweep finished").pipe(
    Effect.annotateLogs({
      idempotency_keys_deleted: report.idempotencyKeys,
      webhook_deliveries_deleted: report.webhookDeliveries,
      mock_leads_deleted: report.mockLeads,
      archived_jobs_deleted: report.archivedJobs
    })
  )
  return report
})

/**
 * The retention sweep every hour for as long as it runs. A failed sweep is logged; the next one deletes what it left
 * (every batch that committed stays deleted).
 */
export const retentionSchedule = Effect.schedule(
  sweepOnce().pipe(
    Effect.catchAll((error) =>
      Effect.logWarning("retention sweep failed; the next one continues").pipe(Effect.annotateLogs("error", error.message))
    )
  ),
  retentionSweep
)
