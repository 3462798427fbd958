import { Context, type Effect } from "effect"
import type { CompanyId, JobId, RoutingId } from "../domain/ids.ts"
import type { SyncStatus } from "../domain/job.ts"
import type { SlaSummary } from "../domain/sla.ts"
import type { StorageError } from "./StorageError.ts"

/** A routing found not delivered past the SLA, claimed so that its breach is logged once. */
export interface SlaBreach {
  readonly routingId: RoutingId
  readonly jobId: JobId
  readonly companyId: CompanyId
  /** When the routing was due: its job's acceptance, or the job's `deliverAfter` when later. */
  readonly dueAt: Date
  readonly syncStatus: SyncStatus
}

/** Longest due first, then by routing id: the order `claimBreaches` hands breaches out in. */
export const byDue = (a: SlaBreach, b: SlaBreach): number =>
  a.dueAt.getTime() - b.dueAt.getTime() || (a.routingId < b.routingId ? -1 : a.routingId > b.routingId ? 1 : 0)

/** Jobs accepted and routings delivered (synced) in one minute. */
export interface MinuteCounts {
  /** The minute's start. */
  readonly minute: Date
  readonly jobs: number
  readonly deliveries: number
}

/**
 * The delivery SLA over the routings: latency from when the routing was due (its job's `created_at`, or the job's
 * `deliver_after` when later) to the provider's acceptance of the lead (the routing's `synced_at`), recorded when the
 * routing becomes synced. A `scheduled` routing is not counted against it.
 */
export class SlaRepo extends Context.Tag("SlaRepo")<SlaRepo, {
  /**
   * Over the routings (not canceled) of jobs accepted from `from` to `to` inclusive: how many were delivered, their
   * latency percentiles (`percentile_disc`), and the breaches: delivered after more than `limitMs`, or not delivered
   * (`pending`, `retrying`, `syncing`, `failed`) and due more than `limitMs` before `to`.
   */
  readonly summary: (
    window: { readonly from: Date; readonly to: Date; readonly limitMs: number }
  ) => Effect.Effect<SlaSummary, StorageError>
  /**
   * Jobs accepted and routings synced from `from` (inclusive) to `to` (exclusive), per minute (by the minute's start),
   * oldest first; minutes with neither are left out.
   */
  readonly perMinute: (from: Date, to: Date) => Effect.Effect<ReadonlyArray<MinuteCounts>, StorageError>
  /**
   * Up to `limit` routings not delivered (`pending`, `retrying`, `syncing`, `failed`) that were due before `dueBefore`
   * and whose breach is not logged yet, longest due first, stamped as logged at `now` in the same statement; a routing
   * is handed out once, whichever process asks.
   */
  readonly claimBreaches: (
    dueBefore: Date,
    now: Date,
    limit: number
  ) => Effect.Effect<ReadonlyArray<SlaBreach>, StorageError>
}>() {}
