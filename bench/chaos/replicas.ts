import { partitionOf } from "../../src/domain/topology.ts"
import { aliveReplicas } from "../../test/support/replicas.ts"
import type { ChaosService } from "./service.ts"

/** The partitions of the replica scenarios' work stream. */
export const PARTITIONS = 12

/** The replica scenarios' partition leases: short, so that a dead replica's partitions move within seconds. */
export const replicaEnv = { DELIVERY_PARTITIONS: String(PARTITIONS), PARTITION_LEASE_SECONDS: "3" }

/** How long the partitions may take to be shared again: a dead replica's leases run out, then a round or two. */
export const SHARE_TIMEOUT_MS = 20_000

/** The partitions a running replica holds, as of its last heartbeat. */
export const partitionsOf = async (replica: ChaosService): Promise<ReadonlyArray<number>> =>
  (await aliveReplicas(replica.api)).find((view) => view.self)?.partitions ?? []

/** The partitions the receivers' work goes to (each company's always to the same one). */
export const workPartitions = (receivers: ReadonlyArray<string>): ReadonlySet<number> =>
  new Set(receivers.map((id) => partitionOf(id, PARTITIONS)))
