import { Context, type Effect, type Option } from "effect"
import type { OutboxEvent } from "../domain/events.ts"
import type { CompanyId, JobId, RoutingId } from "../domain/ids.ts"
import type { ExternalStatus, Job, Priority, Routing } from "../domain/job.ts"
import type { PartitionLease } from "../domain/partitions.ts"
import type { StorageError } from "./StorageError.ts"

/** One provider call for a routing, as `GET /routings/:id` shows it. */
export interface RoutingAttempt {
  readonly at: Date
  readonly outcome: string
  readonly durationMs: number
  readonly error: string | null
}

/** A claim asked for: the routing, held until `leaseUntil`. */
export interface ClaimRequest {
  readonly id: RoutingId
  readonly leaseUntil: Date
  /**
   * The lease on the company's partition the claim is made under: the claim is refused unless that lease is still
   * held (not run out, not given up, not taken over since). None: made outside partition ownership.
   */
  readonly fence?: PartitionLease
}

/** A routing taken for delivery. */
export interface Claim {
  /** The last call's outcome is unknown (cut off, timed out): ask the provider before creating the lead again. */
  readonly needsLookup: boolean
  /** Provider calls so far, counting none that was rate limited. */
  readonly attempts: number
  /** When the provider began answering this routing 429 with no other outcome since; null when it is not doing so. */
  readonly rateLimitedSince: Date | null
}

/** The end of one delivery attempt. */
export type AttemptResult =
  | { readonly _tag: "Synced"; readonly externalId: string; readonly outcome: "created" | "found" }
  | {
    readonly _tag: "Failed"
    /** `retrying`: tried again later; `failed`: given up (dead-lettered). */
    readonly status: "retrying" | "failed"
    readonly outcome: string
    readonly error: string
    /** False for a call that never reached the provider's decision (rate limited): it does not use up an attempt. */
    readonly counts: boolean
    /** False when the provider may have created the lead (timeout): the next attempt looks it up first. */
    readonly known: boolean
  }

/** One routing's attempt, ended: what came of it, when, and how long the call took. */
export interface FinishedCall {
  readonly id: RoutingId
  /**
   * The lease of the claim the attempt ran under: the result is written only while the routing is still `syncing` under
   * that very claim (a routing claimed again after its lease ran out is the new claimant's). Null for a routing ended
   * without a claim (past the broker's max deliveries), written only while it is still to deliver.
   */
  readonly leaseUntil: Date | null
  readonly result: AttemptResult
  readonly timing: { readonly at: Date; readonly durationMs: number }
}

/** A routing still to deliver whose message is gone, with its job's priority (its message is made again). */
export interface WaitingRouting {
  readonly routingId: RoutingId
  readonly jobId: JobId
  readonly companyId: CompanyId
  readonly priority: Priority
}

/** Routings as delivery moves them: claimed with a lease, then synced, retrying or failed, each call recorded. */
export class RoutingRepo extends Context.Tag("RoutingRepo")<RoutingRepo, {
  /** The routing with its job (all of the job's routings). */
  readonly get: (id: RoutingId) => Effect.Effect<Option.Option<{ readonly routing: Routing; readonly job: Job }>, StorageError>
  /** The routings found, each with its job (all of the job's routings). */
  readonly getMany: (
    ids: ReadonlyArray<RoutingId>
  ) => Effect.Effect<ReadonlyMap<RoutingId, { readonly routing: Routing; readonly job: Job }>, StorageError>
  /** `claim` for many routings in one step, each with its own lease; answers those it took. */
  readonly claimMany: (
    claims: ReadonlyArray<ClaimRequest>,
    now: Date
  ) => Effect.Effect<ReadonlyMap<RoutingId, Claim>, StorageError>
  /**
   * `getMany` and `claimMany` in one step: the routings found, each with its job as they were before the claim, and the
   * claims taken among them.
   */
  readonly getAndClaimMany: (
    claims: ReadonlyArray<ClaimRequest>,
    now: Date
  ) => Effect.Effect<{
    readonly found: ReadonlyMap<RoutingId, { readonly routing: Routing; readonly job: Job }>
    readonly claims: ReadonlyMap<RoutingId, Claim>
  }, StorageError>
  /**
   * Marks the routing `syncing` until `leaseUntil` when it is `pending` or `retrying`, or `syncing` with its lease
   * run out (the last call was cut off: it then needs a lookup). None when it is not there to take: delivered,
   * canceled, failed, or leased by another actor.
   */
  readonly claim: (id: RoutingId, now: Date, leaseUntil: Date) => Effect.Effect<Option.Option<Claim>, StorageError>
  /**
   * Gives back claims that were never tried (no call made): each routing goes back to `retrying` when it has attempts,
   * else `pending`, with no lease; a lookup asked for by an earlier attempt is still asked for.
   */
  readonly release: (ids: ReadonlyArray<RoutingId>, now: Date) => Effect.Effect<void, StorageError>
  /**
   * Ends the attempts begun by `claim` (each routing once at most), records them, moves each job to `routed` on its
   * first synced routing, and appends the outbox events they cause, all in one step. A result whose claim is no longer
   * the routing's (see `FinishedCall.leaseUntil`) is dropped with its attempt and its events: a late `failed` never
   * overwrites a `synced`. A `rate_limited` outcome starts the routing's `rateLimitedSince` (or keeps it); any other
   * ends it.
   */
  readonly finish: (finished: ReadonlyArray<FinishedCall>, events?: ReadonlyArray<OutboxEvent>) => Effect.Effect<void, StorageError>
  readonly attempts: (id: RoutingId) => Effect.Effect<ReadonlyArray<RoutingAttempt>, StorageError>
  /** Every recorded provider call made at or after `since`, with its company, in time order. */
  readonly callsSince: (since: Date) => Effect.Effect<ReadonlyArray<{ readonly companyId: CompanyId; readonly at: Date }>, StorageError>
  /**
   * Routings still to deliver (`pending`, `retrying`, or `syncing` with the lease run out) untouched since `before`,
   * with no unpublished outbox event; oldest first; only the company's when one is given.
   */
  readonly waiting: (before: Date, limit: number, companyId?: CompanyId) => Effect.Effect<ReadonlyArray<WaitingRouting>, StorageError>
  /** Stamps the routings so that reconciliation leaves them alone for a while. */
  readonly touch: (ids: ReadonlyArray<RoutingId>, now: Date) => Effect.Effect<void, StorageError>
  /** Up to `limit` of the company's `failed` routings, by id, after `after` (null: from the first): a keyset page. */
  readonly failedOf: (
    companyId: CompanyId,
    after: RoutingId | null,
    limit: number
  ) => Effect.Effect<ReadonlyArray<RoutingId>, StorageError>
  /**
   * The routings that are `failed` go back to `pending` with their attempts and `rateLimitedSince` reset, in one step;
   * answers those it reopened, each with its job's priority (a routing not `failed` is left alone).
   */
  readonly reopenMany: (ids: ReadonlyArray<RoutingId>, now: Date) => Effect.Effect<ReadonlyArray<WaitingRouting>, StorageError>
  /**
   * The `scheduled` routings whose held `routing.created` event is due by `now` and not published yet become `pending`
   * (at `now`); answers how many. The relay commits this before it publishes those events, so that no message finds
   * its routing still `scheduled`.
   */
  readonly releaseDue: (now: Date) => Effect.Effect<number, StorageError>
  /** A routing not delivered yet (`scheduled` included) becomes `canceled`; false when it was already delivered or final. */
  readonly cancel: (id: RoutingId, now: Date) => Effect.Effect<boolean, StorageError>
  /**
   * Claims for a status poll a company's delivered routings whose lead is not final yet (no external status, or
   * scheduled / in progress), last polled before `polledBefore` (or never), least recently polled first: each is
   * stamped polled at `now`, so that no other poller (another replica) takes it again within its interval.
   */
  readonly claimToPoll: (
    companyId: CompanyId,
    polledBefore: Date,
    limit: number,
    now: Date
  ) => Effect.Effect<ReadonlyArray<Routing>, StorageError>
  /** The companies among those given that have a routing `claimToPoll` would take, each with its own `polledBefore`. */
  readonly companiesToPoll: (
    due: ReadonlyArray<{ readonly companyId: CompanyId; readonly polledBefore: Date }>
  ) => Effect.Effect<ReadonlySet<CompanyId>, StorageError>
  /** Writes what the provider said of the lead and stamps the poll. */
  readonly recordStatus: (
    id: RoutingId,
    status: { readonly externalStatus: ExternalStatus | null; readonly revenue: number | null; readonly completedAt: Date | null },
    at: Date
  ) => Effect.Effect<void, StorageError>
  /** Stamps a poll that found nothing new. */
  readonly markPolled: (ids: ReadonlyArray<RoutingId>, at: Date) => Effect.Effect<void, StorageError>
  /**
   * A `synced` routing becomes `canceled`, with the cancellation recorded as an attempt (`canceled_at_provider`, or
   * `canceled_locally` with a note saying why the provider was not told); false when it is not `synced`, or when its
   * provider reports it `in_progress` or `completed`.
   */
  readonly cancelDelivered: (
    id: RoutingId,
    record: { readonly outcome: "canceled_at_provider" | "canceled_locally"; readonly note: string | null; readonly at: Date; readonly durationMs: number }
  ) => Effect.Effect<boolean, StorageError>
}>() {}
