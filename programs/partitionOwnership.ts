import { Duration, Effect } from "effect"
import { type PartitionLease, shareOf } from "../src/domain/partitions.ts"
import { partitionLeaseWatch, partitionRenewal } from "../src/Schedules.ts"
import { CurrentReplica, PartitionLeases } from "../src/services/Partitions.ts"
import { DeliverySettings } from "../src/services/Settings.ts"
import { ActorRegistry } from "../src/services/Actors.ts"

/** A replica silent this long is forgotten by the others (its leases ran out long before). */
const FORGET_AFTER = Duration.hours(1)

/** The partitions this replica holds, read on the hot path. */
export interface OwnedPartitions {
  /** The lease under which the partition is held now; none when it is not held, or its hold may have run out. */
  readonly leaseOf: (partition: number) => PartitionLease | undefined
}

/** What the runtime does when the replica gains or loses a partition; neither may block for long. */
export interface OwnershipHandlers {
  /** Start working on the partitions (taken in one round). */
  readonly gained: (leases: ReadonlyArray<PartitionLease>) => Effect.Effect<void>
  /**
   * Stop pulling and starting provider calls for the partition now; `handOver`, when given, is to run once the work in
   * flight is done (it gives the lease up, so another replica takes the partition at once).
   */
  readonly lost: (partition: number, handOver: Effect.Effect<void> | undefined) => Effect.Effect<void>
}

/**
 * Holds this replica's share of the partitions: registers the replica, and every third of `PARTITION_LEASE_SECONDS`
 * renews its leases and compares its share with the replicas alive (an even split in id order). Beyond its share it
 * hands the highest partitions over (their work stopped first, then the lease given up); below it, it takes free
 * ones (never taken, given up, or run out). A lease not renewed is dropped a fifth of its length before it runs out on
 * the database's clock, so this replica stops before another may take over; a claim made under an old lease is
 * refused by storage all the same. Answers once the first round ran (one replica alone then holds every partition);
 * the rounds go on in the scope, and closing it gives every lease up.
 */
export const holdPartitions = (handlers: OwnershipHandlers) =>
  Effect.gen(function*() {
    const leases = yield* PartitionLeases
    const self = yield* CurrentReplica
    const registry = yield* ActorRegistry
    const settings = yield* DeliverySettings
    const clock = yield* Effect.clock
    const total = settings.partitions
    const leaseMs = Duration.toMillis(settings.partitionLease)
    const safety = leaseMs / 5
    const held = new Map<number, { readonly lease: PartitionLease; readonly until: number }>()
    const lock = yield* Effect.makeSemaphore(1)

    const drop = (partition: number, handOver: Effect.Effect<void> | undefined) =>
      Effect.suspend(() => {
        held.delete(partition)
        return handlers.lost(partition, handOver)
      })

    /** Gives the lease up once the partition's work stopped; failing that, it runs out on its own. */
    const giveUp = (partition: number) =>
      leases.release(self.id, [partition]).pipe(
        Effect.catchAll((error) =>
          Effect.logWarning("partition lease not given up; it runs out on its own").pipe(
            Effect.annotateLogs({ partition, error: error.message })
          )
        )
      )

    const hold = (leased: ReadonlyArray<PartitionLease>, sentAt: number) => {
      for (const lease of leased) held.set(lease.partition, { lease, until: sentAt + leaseMs - safety })
    }

    const round = Effect.gen(function*() {
      const sentAt = clock.unsafeCurrentTimeMillis()
      const alive = yield* leases.heartbeat(self, {
        partitions: [...held.keys()].sort((a, b) => a - b),
        actors: yield* registry.all,
        aliveWithin: settings.partitionLease,
        forgetAfter: FORGET_AFTER
      })
      const renewed = yield* leases.renew(self.id, [...held.keys()], settings.partitionLease)
      const kept = new Set(renewed.map((lease) => lease.partition))
      for (const partition of [...held.keys()].filter((p) => !kept.has(p))) {
        yield* Effect.logWarning("partition lease lost; its work stops here").pipe(Effect.annotateLogs("partition", partition))
        yield* drop(partition, undefined)
      }
      hold(renewed, sentAt)

      const share = shareOf(alive, self.id, total)
      if (held.size > share) {
        const extra = [...held.keys()].sort((a, b) => b - a).slice(0, held.size - share)
        yield* Effect.logInfo("handing partitions over").pipe(Effect.annotateLogs({ partitions: extra.join(","), replicas: alive.length }))
        yield* Effect.forEach(extra, (partition) => drop(partition, giveUp(partition)), { discard: true })
      } else if (held.size < share) {
        const taken = yield* leases.acquire(self.id, total, share - held.size, settings.partitionLease)
        hold(taken, sentAt)
        if (taken.length > 0) {
          yield* Effect.logInfo("partitions taken").pipe(
            Effect.annotateLogs({ partitions: taken.map((l) => l.partition).join(","), replicas: alive.length })
          )
          yield* handlers.gained(taken)
        }
      }
    }).pipe(
      Effect.catchAll((error) =>
        Effect.logWarning("partition leases not renewed; trying again").pipe(Effect.annotateLogs("error", error.message))
      ),
      lock.withPermits(1)
    )

    /** Drops the partitions whose hold may run out before the next renewal could land. */
    const watch = Effect.suspend(() => {
      const now = clock.unsafeCurrentTimeMillis()
      const expiring = [...held].filter(([, h]) => h.until <= now).map(([partition]) => partition)
      return Effect.forEach(expiring, (partition) =>
        Effect.logWarning("partition lease about to run out unrenewed; its work stops here").pipe(
          Effect.annotateLogs("partition", partition),
          Effect.zipRight(drop(partition, undefined))
        ), { discard: true })
    }).pipe(lock.withPermits(1))

    yield* Effect.addFinalizer(() =>
      leases.leave(self.id).pipe(
        Effect.catchAll((error) =>
          Effect.logWarning("partition leases not given up; they run out on their own").pipe(Effect.annotateLogs("error", error.message))
        )
      )
    )
    yield* round
    yield* Effect.forkScoped(Effect.schedule(round, partitionRenewal(settings.partitionLease)))
    yield* Effect.forkScoped(Effect.repeat(watch, partitionLeaseWatch))

    return {
      leaseOf: (partition) => {
        const h = held.get(partition)
        return h !== undefined && h.until > clock.unsafeCurrentTimeMillis() ? h.lease : undefined
      }
    } satisfies OwnedPartitions
  })
