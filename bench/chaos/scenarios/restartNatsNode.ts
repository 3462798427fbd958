import { jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import { partitionOf, topology } from "../../../src/domain/topology.ts"
import { eventually } from "../../../test/support/client.ts"
import { withSql } from "../../../test/support/e2eTools.ts"
import { natsClusterBackends } from "../backends.ts"
import { outages, runScenario, type Size } from "../harness.ts"

const sizes = {
  full: { restarts: 3, jobsPerSecond: 20, upMs: 8_000, downMs: 8_000, settleTimeoutMs: 120_000 },
  short: { restarts: 2, jobsPerSecond: 4, upMs: 3_000, downMs: 3_000, settleTimeoutMs: 45_000 }
}

const NODES = 3
const PARTITIONS = 8

/** The work stream's info, read on the cluster as an operator would; null while it cannot be read. */
const workStreamInfo = (servers: string, prefix: string) =>
  connect({ servers: servers.split(","), timeout: 5_000 }).then(async (nc) => {
    try {
      return await (await jetstreamManager(nc)).streams.info(topology(prefix, PARTITIONS).workStream)
    } finally {
      await nc.close()
    }
  }).catch(() => null)

/** Waits until the work stream is R3 with a leader and both other replicas current; answers the leader's name. */
const replicatedLeader = async (servers: string, prefix: string) => {
  let leader = ""
  await eventually(
    async () => {
      const info = await workStreamInfo(servers, prefix)
      leader = info?.cluster?.leader ?? ""
      const current = info?.cluster?.replicas?.filter((replica) => replica.current).length ?? 0
      return info?.config.num_replicas === NODES && leader !== "" && current === NODES - 1
    },
    30_000,
    async () => `the work stream replicated on ${NODES} nodes: ${JSON.stringify((await workStreamInfo(servers, prefix))?.cluster)}`
  )
  return leader
}

/**
 * The service on a three-node NATS cluster of the run's own (`NATS_URL` listing the three, `NATS_STREAM_REPLICAS=3`,
 * 8 partitions). While jobs are posted, SIGKILL the node leading the work stream, keep it down a while, start it again
 * and wait until it is a current replica again; twice (3 times in the full version), each time the leader then.
 * A partition whose consumer the killed node led gets no messages until the service's open pull expires or is found
 * dead (two missed idle heartbeats): a few seconds (see `PULL_EXPIRES_MS` in the JetStream layer); the longest delivery
 * is noted.
 */
export const restartNatsNode = (size: Size) => {
  const { restarts, upMs, downMs, ...rest } = sizes[size]
  return runScenario({
    name: `NATS node SIGKILL ×${restarts} (R${NODES})`,
    backends: natsClusterBackends,
    env: { NATS_STREAM_REPLICAS: String(NODES), DELIVERY_PARTITIONS: String(PARTITIONS) },
    receivers: 3,
    mock: { latency_ms: 50 },
    ...rest,
    chaos: async ({ backends, prefix, load, note }) => {
      const killed: Array<string> = []
      const acceptedWhileDown = await outages({
        times: restarts,
        upMs,
        downMs,
        load,
        stop: async () => {
          killed.push(await replicatedLeader(backends.natsUrl, prefix))
          await backends.nats.stop(killed.at(-1)!, "SIGKILL")
        },
        start: async () => {
          await backends.nats.start(killed.at(-1)!)
          await replicatedLeader(backends.natsUrl, prefix)
        }
      })
      note(`killed the work stream's leader ${killed.join(", ")} for ${downMs / 1000} s each; jobs accepted while ` +
        `down: ${acceptedWhileDown.join(", ")}; the stream was R${NODES} with every replica current after each restart`)
    },
    verify: async ({ backends, note }) => {
      const [slowest] = await withSql(backends.databaseUrl, (sql) =>
        sql<Array<{ company_id: string; seconds: number }>>`
          select company_id_received as company_id, extract(epoch from synced_at - created_at)::float as seconds
          from job_routings where synced_at is not null order by synced_at - created_at desc limit 1`)
      if (slowest !== undefined) {
        note(`longest delivery (job accepted → lead): ${slowest.seconds.toFixed(1)} s, in partition ` +
          `${partitionOf(slowest.company_id, PARTITIONS)}`)
      }
    }
  })
}
