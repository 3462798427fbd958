import { type ApiClient, eventually } from "./client.ts"

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
