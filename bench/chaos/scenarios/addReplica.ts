import { setTimeout as sleep } from "node:timers/promises"
import { sharedBackends } from "../backends.ts"
import { runScenario, type Size } from "../harness.ts"
import { awaitShared } from "../../../test/support/replicas.ts"
import { PARTITIONS, partitionsOf, replicaEnv, SHARE_TIMEOUT_MS, workPartitions } from "../replicas.ts"

const sizes = {
  full: { added: 2, jobsPerSecond: 20, uptimeMs: 10_000, settleTimeoutMs: 120_000 },
  short: { added: 1, jobsPerSecond: 4, uptimeMs: 3_000, settleTimeoutMs: 45_000 }
}

/**
 * One replica holds all 12 partitions (leases of 3 s) while jobs are posted; a second starts (and, in the full version,
 * a third), the load spread over it once it is up. The partitions must be shared evenly again, the new replica holding
 * its share (`GET /admin/replicas`), after each start and still once everything is delivered.
 */
export const addReplica = (size: Size) => {
  const { added, uptimeMs, ...rest } = sizes[size]
  return runScenario({
    name: `replica added ×${added} (1 → ${1 + added})`,
    backends: sharedBackends,
    env: replicaEnv,
    receivers: 3,
    mock: { latency_ms: 100 },
    ...rest,
    chaos: async ({ service, receivers, startReplica, note }) => {
      const work = workPartitions(receivers)
      const sharedAfter: Array<number> = []
      const workMoved: Array<number> = []
      for (let replica = 2; replica <= 1 + added; replica++) {
        await sleep(uptimeMs)
        const joined = await startReplica()
        sharedAfter.push(await awaitShared(service.api, replica, PARTITIONS, SHARE_TIMEOUT_MS))
        workMoved.push((await partitionsOf(joined)).filter((p) => work.has(p)).length)
      }
      await sleep(uptimeMs)
      note(`replicas added under load: ${added}; partitions shared evenly ${sharedAfter.join(", ")} ms after each ` +
        `start; receivers' partitions (of ${work.size}) each new replica took: ${workMoved.join(", ")}`)
    },
    verify: async ({ service, fail }) => {
      await awaitShared(service.api, 1 + added, PARTITIONS, SHARE_TIMEOUT_MS).catch((error: unknown) =>
        fail(`partitions not shared by the ${1 + added} replicas at the end: ${String(error)}`)
      )
    }
  })
}
