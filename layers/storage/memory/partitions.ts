import { Clock, Duration, Effect } from "effect"
import type { PartitionLease } from "../../../src/domain/partitions.ts"
import { PartitionLeases } from "../../../src/services/Partitions.ts"
import { type MemoryState, repository } from "./store.ts"

/** Whether `lease` is held now (at `now`, epoch milliseconds): the claim fencing of the memory routings. */
export const holdsLease = (state: MemoryState, lease: PartitionLease, now: number) => {
  const held = state.partitionLeases.get(lease.partition)
  return held !== undefined && held.owner !== null && held.epoch === lease.epoch && held.leaseUntil > now
}

/** Replicas and partition leases in the memory store, on `Clock`; what the PostgreSQL layer does. */
export const layerMemory = repository(PartitionLeases, ({ state }) => {
  const releaseWhere = (owner: string, partitions?: ReadonlyArray<number>) => {
    for (const [partition, lease] of state.partitionLeases) {
      if (lease.owner === owner && (partitions === undefined || partitions.includes(partition))) {
        state.partitionLeases.set(partition, { owner: null, epoch: lease.epoch, leaseUntil: Number.NEGATIVE_INFINITY })
      }
    }
  }
  return PartitionLeases.of({
    heartbeat: (replica, beat) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        for (const [id, record] of state.replicas) {
          if (id !== replica.id && record.heartbeatAt.getTime() < now - Duration.toMillis(beat.forgetAfter)) state.replicas.delete(id)
        }
        const startedAt = state.replicas.get(replica.id)?.startedAt ?? new Date(now)
        state.replicas.set(replica.id, {
          ...replica,
          startedAt,
          heartbeatAt: new Date(now),
          partitions: [...beat.partitions],
          actors: [...beat.actors]
        })
        return [...state.replicas.values()]
          .filter((r) => r.heartbeatAt.getTime() >= now - Duration.toMillis(beat.aliveWithin))
          .map((r) => r.id)
      }),
    renew: (owner, partitions, lease) =>
      Effect.map(Clock.currentTimeMillis, (now) =>
        partitions.flatMap((partition): Array<PartitionLease> => {
          const held = state.partitionLeases.get(partition)
          if (held === undefined || held.owner !== owner || held.leaseUntil <= now) return []
          state.partitionLeases.set(partition, { ...held, leaseUntil: now + Duration.toMillis(lease) })
          return [{ partition, epoch: held.epoch }]
        })),
    acquire: (owner, total, count, lease) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const taken: Array<PartitionLease> = []
        for (let partition = 0; partition < total && taken.length < count; partition++) {
          const held = state.partitionLeases.get(partition)
          if (held !== undefined && held.owner !== null && held.leaseUntil > now) continue
          const epoch = (held?.epoch ?? 0) + 1
          state.partitionLeases.set(partition, { owner, epoch, leaseUntil: now + Duration.toMillis(lease) })
          taken.push({ partition, epoch })
        }
        return taken
      }),
    release: (owner, partitions) => Effect.sync(() => releaseWhere(owner, partitions)),
    leave: (owner) =>
      Effect.sync(() => {
        releaseWhere(owner)
        state.replicas.delete(owner)
      }),
    replicas: Effect.sync(() =>
      [...state.replicas.values()].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || a.id.localeCompare(b.id))
    )
  })
})
