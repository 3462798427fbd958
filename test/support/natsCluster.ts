import type { ChildProcess } from "node:child_process"
import { mkdir, mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { launchNatsServer, terminateNatsServer } from "./nats.ts"
import { spareDistinctPorts } from "./ports.ts"

/** One server of a test cluster. */
export interface NatsClusterNode {
  /** Its server name (`n1`, `n2`, `n3`), as stream info names leaders and replicas. */
  readonly name: string
  /** Where clients connect: `nats://127.0.0.1:<port>`. */
  readonly url: string
  readonly port: number
  readonly clusterPort: number
  /** The monitoring port (`/jsz`, `/varz`). */
  readonly monitorPort: number
  readonly storeDir: string
}

/** A JetStream cluster of a test's (or a chaos run's) own, on local ports, with a node to kill and start again. */
export interface NatsCluster {
  readonly nodes: ReadonlyArray<NatsClusterNode>
  /** Every node's client URL, comma-separated, as `NATS_URL` takes them. */
  readonly servers: string
  /** Stops a node by name: SIGTERM (SIGKILL after 5 s), or SIGKILL at once as a crash; its store stays. */
  readonly stop: (name: string, signal?: "SIGTERM" | "SIGKILL") => Promise<void>
  /** Starts a stopped node again on its ports and store, and waits until it is back in the cluster (`ready`). */
  readonly start: (name: string) => Promise<void>
  /** Waits until every running node follows one JetStream meta leader, which counts each of them current. */
  readonly ready: (timeoutMs?: number) => Promise<void>
  /** Stops every node and removes the stores. */
  readonly dispose: () => Promise<void>
}

interface MetaCluster {
  readonly leader?: string
  readonly replicas?: ReadonlyArray<{ readonly name: string; readonly current: boolean }>
}

/** What a node's `/jsz` says of the meta group; null while it does not answer. */
const metaOf = (node: NatsClusterNode): Promise<MetaCluster | null> =>
  fetch(`http://127.0.0.1:${node.monitorPort}/jsz`, { signal: AbortSignal.timeout(1_000) })
    .then((response) => response.json() as Promise<{ readonly meta_cluster?: MetaCluster }>)
    .then((jsz) => jsz.meta_cluster ?? null, () => null)

/**
 * Starts `size` (3 by default) nats-servers with JetStream as one cluster: spare client, cluster and monitoring ports,
 * each node with its own store directory, routes to the others, and a cluster name of its own. Resolves once they have
 * a meta leader; call `dispose` at the end (the process exit kills the servers in any case).
 */
export const startNatsCluster = async (size = 3): Promise<NatsCluster> => {
  const root = await mkdtemp(join(tmpdir(), "nats-cluster-"))
  const ports = await spareDistinctPorts(size * 3)
  const clusterName = `test-${crypto.randomUUID().slice(0, 8)}`
  const nodes = Array.from({ length: size }, (_, i): NatsClusterNode => ({
    name: `n${i + 1}`,
    port: ports[i]!,
    url: `nats://127.0.0.1:${ports[i]}`,
    clusterPort: ports[size + i]!,
    monitorPort: ports[2 * size + i]!,
    storeDir: join(root, `n${i + 1}`)
  }))
  const running = new Map<string, ChildProcess>()

  const launch = async (node: NatsClusterNode) => {
    const routes = nodes.filter((other) => other !== node).map((other) => `nats://127.0.0.1:${other.clusterPort}`)
    const child = await launchNatsServer([
      "-a", "127.0.0.1", "-p", String(node.port), "-m", String(node.monitorPort),
      "-js", "-sd", node.storeDir, "--server_name", node.name,
      "--cluster_name", clusterName, "--cluster", `nats://127.0.0.1:${node.clusterPort}`, "-routes", routes.join(",")
    ])
    running.set(node.name, child)
  }
  const nodeNamed = (name: string) => {
    const node = nodes.find((n) => n.name === name)
    if (node === undefined) throw new Error(`no node ${name} in the cluster (${nodes.map((n) => n.name).join(", ")})`)
    return node
  }

  const ready = async (timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const up = nodes.filter((node) => running.has(node.name))
      const metas = await Promise.all(up.map(metaOf))
      const leader = metas[0]?.leader
      const leaderMeta = metas[up.findIndex((node) => node.name === leader)]
      const followers = new Map(leaderMeta?.replicas?.map((r) => [r.name, r.current]))
      const joined = leader !== undefined && leader !== "" && metas.every((meta) => meta?.leader === leader) &&
        up.every((node) => node.name === leader || followers.get(node.name) === true)
      if (joined) return
      if (Date.now() > deadline) throw new Error(`the NATS cluster has no meta leader all nodes follow: ${JSON.stringify(metas)}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  const stop = async (name: string, signal: "SIGTERM" | "SIGKILL" = "SIGTERM") => {
    const child = running.get(nodeNamed(name).name)
    running.delete(name)
    if (child !== undefined) await terminateNatsServer(child, signal)
  }

  const dispose = async () => {
    await Promise.all(nodes.map((node) => stop(node.name)))
    await rm(root, { recursive: true, force: true })
  }

  try {
    await Promise.all(nodes.map((node) => mkdir(node.storeDir)))
    await Promise.all(nodes.map(launch))
    await ready()
  } catch (error) {
    await dispose()
    throw error
  }

  return {
    nodes,
    servers: nodes.map((node) => node.url).join(","),
    stop,
    start: async (name) => {
      const node = nodeNamed(name)
      if (!running.has(name)) await launch(node)
      await ready()
    },
    ready,
    dispose
  }
}
