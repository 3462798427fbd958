import { Clock, Duration, Effect } from "effect"
import { CurrentReplica, PartitionLeases, type ReplicaRecord } from "../src/services/Partitions.ts"
import { DeliverySettings } from "../src/services/Settings.ts"
import { ActorRegistry } from "../src/services/Actors.ts"
import { requireSeesAll } from "./access.ts"

/** A replica is alive while its last heartbeat is within a partition lease. */
const aliveAt = (replica: ReplicaRecord, at: number, lease: Duration.Duration) =>
  at - replica.heartbeatAt.getTime() <= Duration.toMillis(lease)

/** Every registered replica, each marked alive or not (`aliveAt`). */
export const listReplicas = Effect.fn("Operations.replicas")(function*() {
  yield* requireSeesAll
  const settings = yield* DeliverySettings
  const at = yield* Clock.currentTimeMillis
  const self = yield* CurrentReplica
  const replicas = yield* (yield* PartitionLeases).replicas
  return replicas.map((replica) => ({
    ...replica,
    self: replica.id === self.id,
    alive: aliveAt(replica, at, settings.partitionLease)
  }))
})

/**
 * The company actors of the whole deployment, each with the replica it runs in: this replica's as they are now, the
 * others' as their last heartbeat (a third of a partition lease ago at most) reported them. A replica that stopped
 * beating is left out.
 */
export const deploymentActors = Effect.gen(function*() {
  const settings = yield* DeliverySettings
  const self = yield* CurrentReplica
  const at = yield* Clock.currentTimeMillis
  const own = (yield* (yield* ActorRegistry).all).map((status) => ({ replica: self.id, status }))
  const others = (yield* (yield* PartitionLeases).replicas).filter((r) => r.id !== self.id && aliveAt(r, at, settings.partitionLease))
  return [...own, ...others.flatMap((r) => r.actors.map((status) => ({ replica: r.id, status })))]
})
