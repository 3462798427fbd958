import { Context, type Duration, type Effect } from "effect"
import type { PartitionLease } from "../domain/partitions.ts"
import type { StorageError } from "./StorageError.ts"
import type { ActorStatus } from "./Actors.ts"

/** A replica of the service, as it registers itself. */
export interface ReplicaInfo {
  readonly id: string
  readonly host: string
  readonly version: string
}

/** A registered replica, as `GET /admin/replicas` shows it. */
export interface ReplicaRecord extends ReplicaInfo {
  readonly startedAt: Date
  readonly heartbeatAt: Date
  /** The partitions it held at its last heartbeat. */
  readonly partitions: ReadonlyArray<number>
  /** Its company actors at its last heartbeat. */
  readonly actors: ReadonlyArray<ActorStatus>
}

/**
 * The replicas sharing one database and the leases through which each partition of the work stream is owned by one
 * of them at a time. Lease times are the storage's own clock, so replicas' clocks need not agree; a lease runs out
 * `lease` after it was last taken or renewed.
 */
export class PartitionLeases extends Context.Tag("PartitionLeases")<PartitionLeases, {
  /**
   * Records the replica as alive now, holding `partitions`, with its actors, and forgets replicas silent for longer
   * than `forgetAfter`; answers the ids of the replicas whose last heartbeat is within `aliveWithin` (itself included).
   */
  readonly heartbeat: (replica: ReplicaInfo, state: {
    readonly partitions: ReadonlyArray<number>
    readonly actors: ReadonlyArray<ActorStatus>
    readonly aliveWithin: Duration.Duration
    readonly forgetAfter: Duration.Duration
  }) => Effect.Effect<ReadonlyArray<string>, StorageError>
  /** Extends the owner's leases on `partitions` to `lease` from now; answers those it still held (not run out or taken). */
  readonly renew: (
    owner: string,
    partitions: ReadonlyArray<number>,
    lease: Duration.Duration
  ) => Effect.Effect<ReadonlyArray<PartitionLease>, StorageError>
  /**
   * Takes up to `count` of the partitions `0 … total - 1` that nobody holds (never taken, given up, or run out), each
   * under a new epoch, for `lease` from now; answers those taken.
   */
  readonly acquire: (
    owner: string,
    total: number,
    count: number,
    lease: Duration.Duration
  ) => Effect.Effect<ReadonlyArray<PartitionLease>, StorageError>
  /** Gives the owner's leases on `partitions` up at once: claims under them are refused from now on. */
  readonly release: (owner: string, partitions: ReadonlyArray<number>) => Effect.Effect<void, StorageError>
  /** Gives up every lease of the replica and removes its record (it is shutting down). */
  readonly leave: (owner: string) => Effect.Effect<void, StorageError>
  /** Every registered replica, oldest first (one that stopped without leaving stays until a heartbeat forgets it). */
  readonly replicas: Effect.Effect<ReadonlyArray<ReplicaRecord>, StorageError>
}>() {}

/** This process, as it registers itself among the replicas. */
export class CurrentReplica extends Context.Tag("CurrentReplica")<CurrentReplica, ReplicaInfo>() {}
