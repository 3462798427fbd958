import { setTimeout as sleep } from "node:timers/promises"
import { eventually } from "../../../test/support/client.ts"
import { sharedBackends } from "../backends.ts"
import { runScenario, type Size } from "../harness.ts"
import { awaitShared } from "../../../test/support/replicas.ts"
import { PARTITIONS, partitionsOf, replicaEnv, SHARE_TIMEOUT_MS, workPartitions } from "../replicas.ts"
import type { ChaosService } from "../service.ts"

const sizes = {
  full: { kills: 3, jobsPerSecond: 20, uptimeMs: 8_000, settleTimeoutMs: 120_000 },
  short: { kills: 1, jobsPerSecond: 4, uptimeMs: 2_000, settleTimeoutMs: 45_000 }
}

const REPLICAS = 3

/**
 * Three replicas on one database share 12 partitions (leases of 3 s), the load spread over them. Once a lead was
 * recorded since the last kill, SIGKILL the replica holding most of the receivers' partitions, so deliveries are under
 * way in it: the two left must take its partitions when its leases run out. It then starts again, a new replica, and
 * takes its share back. Once (3 times in the full version).
 */
export const killReplica = (size: Size) => {
  const { kills, uptimeMs, ...rest } = sizes[size]
  return runScenario({
    name: `replica SIGKILL ×${kills} (of ${REPLICAS})`,
    backends: sharedBackends,
    env: replicaEnv,
    replicas: REPLICAS,
    receivers: 3,
    mock: { latency_ms: 100 },
    ...rest,
    chaos: async ({ replicas, receivers, leads, note }) => {
      const work = workPartitions(receivers)
      const workOf = async (replica: ChaosService) => (await partitionsOf(replica)).filter((p) => work.has(p)).length
      const shared = (count: number) => awaitShared(replicas.find((r) => r.up())!.api, count, PARTITIONS, SHARE_TIMEOUT_MS)
      const victimWork: Array<number> = []
      const takenOver: Array<number> = []
      const sharedAgain: Array<number> = []
      await shared(REPLICAS)
      for (let kill = 0; kill < kills; kill++) {
        const before = await leads()
        await sleep(uptimeMs)
        await eventually(async () => (await leads()) > before, 30_000, async () => "no lead recorded since the last kill")
        const held = await Promise.all(replicas.map(workOf))
        const victim = held.indexOf(Math.max(...held))
        victimWork.push(held[victim]!)
        await replicas[victim]!.kill()
        takenOver.push(await shared(REPLICAS - 1))
        await sleep(uptimeMs)
        await replicas[victim]!.start()
        sharedAgain.push(await shared(REPLICAS))
      }
      await sleep(uptimeMs)
      note(`kills: ${kills}, each of the replica holding most of the receivers' partitions (${victimWork.join(", ")} ` +
        `of ${work.size}); survivors held every partition ${takenOver.join(", ")} ms after each kill; the restarted ` +
        `replica held its share ${sharedAgain.join(", ")} ms after its start`)
    }
  })
}
