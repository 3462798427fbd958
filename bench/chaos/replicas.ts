import { partitionOf } from "../../src/domain/topology.ts"
import { type ApiClient, eventually } from "../../test/support/client.ts"
import type { ChaosService } from "./service.ts"

/** A replica as `GET /admin/replicas` lists it. */
export interface ReplicaView {
  readonly id: string
  readonly partitions: ReadonlyArray<number>
  readonly alive: boolean
  readonly self: boolean
}

/** The replicas alive, as the service behind `api` sees them. */
export const aliveReplicas = async (api: ApiClient): Promise<ReadonlyArray<ReplicaView>> =>
  ((await api.get("/admin/replicas")).items as ReadonlyArray<ReplicaView>).filter((replica) => replica.alive)

/** The partitions a running replica holds, as of its last heartbeat. */
export const partitionsOf = async (replica: ChaosService): Promise<ReadonlyArray<number>> =>
  (await aliveReplicas(replica.api)).find((view) => view.self)?.partitions ?? []

/** The partitions the receivers' work goes to (each company's always to the same one). */
export const workPartitions = (receivers: ReadonlyArray<string>, total: number): ReadonlySet<number> =>
  new Set(receivers.map((id) => partitionOf(id, total)))

/** Every one of `total` partitions held by exactly one of `count` live replicas, each holding its even share. */
const evenlyShared = (replicas: ReadonlyArray<ReplicaView>, count: number, total: number) => {
  const held = replicas.flatMap((replica) => replica.partitions).sort((a, b) => a - b)
  const low = Math.floor(total / count)
  return replicas.length === count && held.join() === Array.from({ length: total }, (_, p) => p).join() &&
    replicas.every((replica) => replica.partitions.length === low || replica.partitions.length === low + 1)
}

/**
 * Waits until `count` replicas alive share the `total` partitions evenly, as the service behind `api` sees them, and
 * answers how long that took in ms; throws with what `GET /admin/replicas` last showed after `timeoutMs`.
 */
export const awaitShared = async (api: ApiClient, count: number, total: number, timeoutMs: number): Promise<number> => {
  const started = Date.now()
  await eventually(
    async () => evenlyShared(await aliveReplicas(api), count, total),
    timeoutMs,
    async () => `${count} replicas sharing ${total} partitions; alive: ${JSON.stringify(await aliveReplicas(api))}`
  )
  return Date.now() - started
}
