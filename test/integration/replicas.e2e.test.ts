import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type ApiClient, eventually, jobFor, tradesFor } from "../support/client.ts"
import { partitionOf } from "../../src/domain/topology.ts"
import { e2eHarness, statusCounts, withSql } from "../support/e2e.ts"
import { type NatsCluster, startNatsCluster } from "../support/natsCluster.ts"
import { aliveReplicas, awaitShared } from "../support/replicas.ts"

const PARTITIONS = 12

const sharedBy = (api: ApiClient, count: number, timeoutMs: number) => awaitShared(api, count, PARTITIONS, timeoutMs)

/** A receiving company with its own skill, on the mock provider with `config`. */
const receiver = async (api: ApiClient, rateLimitPerMinute: number, config: Record<string, number>, concurrency: number) => {
  const skill = `gutters-${crypto.randomUUID().slice(0, 6)}`
  const company = await api.post("/companies", {
    name: `Receiver ${skill}`,
    skills: [{ skill, level: "expert", primary: true }],
    provider: { type: "mock", config },
    rate_limit_per_minute: rateLimitPerMinute,
    delivery_concurrency: concurrency
  })
  return { id: company.id as string, skill }
}

describe.concurrent("replicas sharing partitions (three service processes, one PostgreSQL, a three-node JetStream cluster)", () => {
  let cluster: NatsCluster
  beforeAll(async () => {
    cluster = await startNatsCluster()
  }, 60_000)
  // Registered before the harness's, so it runs after it (after-hooks run in reverse order): the services are stopped
  // and the streams removed while the cluster is still up.
  afterAll(() => cluster.dispose())
  const { forget, serve, setup } = e2eHarness()

  /** A database and a stream prefix of the test's own, the streams replicated on the three nodes. */
  const replicaEnv = async (extra: Record<string, string> = {}) => {
    const { databaseUrl, env } = await setup(cluster.servers)
    return {
      databaseUrl,
      env: { ...env, NATS_STREAM_REPLICAS: "3", DELIVERY_PARTITIONS: String(PARTITIONS), PARTITION_LEASE_SECONDS: "3", ...extra }
    }
  }

  it("split the partitions evenly, hand them over on SIGTERM and after SIGKILL, and deliver every lead once meanwhile", async () => {
    const { databaseUrl, env } = await replicaEnv()
    const [a, b, c] = [await serve(env), await serve(env), await serve(env)]
    await sharedBy(a.api, 3, 15_000)
    const seen = await aliveReplicas(b.api)
    expect(seen.filter((r) => r.self)).toHaveLength(1)
    expect((await a.api.get("/admin/workers")).items.every((w: { replica: string }) => typeof w.replica === "string")).toBe(true)

    const skill = `roofing-${crypto.randomUUID().slice(0, 6)}`
    const { creator } = await tradesFor(a.api, skill, 6)
    let posted = 0
    const post = async (api: ApiClient, count: number) => {
      for (let n = 0; n < count; n++) {
        const job = await api.post("/jobs", jobFor(creator, skill, posted++))
        expect(job.routings.length).toBeGreaterThan(0)
      }
    }
    await post(b.api, 20)

    // SIGTERM: the replica finishes its work and gives its leases up; the others take its share at once.
    const stopping = c.service.stop()
    await post(a.api, 20)
    expect(await stopping).toBe(0)
    forget(c.service)
    await sharedBy(a.api, 2, 10_000)

    // SIGKILL: the replica's leases run out (3 s) and the last one takes every partition.
    b.service.child.kill("SIGKILL")
    await b.service.exited
    forget(b.service)
    await post(a.api, 20)
    await sharedBy(a.api, 1, 15_000)

    const total = await a.api.get("/admin/providers/mock/leads?limit=1")
    await eventually(
      async () => {
        const counts = await statusCounts(databaseUrl)
        return (counts["synced"] ?? 0) > 0 && Object.keys(counts).every((s) => s === "synced")
      },
      60_000,
      async () => JSON.stringify(await statusCounts(databaseUrl))
    )
    const counts = await statusCounts(databaseUrl)
    const leads = await a.api.get("/admin/providers/mock/leads?limit=1")
    expect(leads.total).toBe(counts["synced"])
    expect(leads.total).toBeGreaterThanOrEqual(total.total)
    expect(leads.duplicates).toBe(0)
  }, 180_000)

  it("hold a company's rate limit and circuit for the whole deployment, across a hand-over", async () => {
    // Leases of 10 s: the hand-overs here are SIGTERMs', at once whatever the lease, and a replica starved of CPU for a
    // few seconds keeps its partitions. A cooldown of a minute: the dead provider's circuit stays open all the test.
    const { databaseUrl, env } = await replicaEnv({
      CIRCUIT_FAILURE_THRESHOLD: "5",
      CIRCUIT_COOLDOWN_SECONDS: "60",
      PARTITION_LEASE_SECONDS: "10",
      // For the diagnosis below: partition hand-overs and parked work are logged at info.
      LOG_LEVEL: "info"
    })
    const replicas = [await serve(env), await serve(env), await serve(env)]
    const api = replicas[0]!.api
    await sharedBy(api, 3, 15_000)
    const creator = (await api.post("/companies", { name: "Creator", provider: { type: "mock" } })).id as string
    // One call at a time, so that each call takes its turn on its own (calls side by side wait for each other's turns).
    const limited = await receiver(api, 5, {}, 1)
    const dead = await receiver(api, 100_000, { failure_rate: 1 }, 4)
    for (let n = 0; n < 8; n++) {
      await api.post("/jobs", jobFor(creator, limited.skill, n))
      await api.post("/jobs", jobFor(creator, dead.skill, n))
    }
    // Provider calls as recorded (their start), each company's in time order.
    const callsTo = (companyId: string) =>
      withSql(databaseUrl, async (sql) =>
        (await sql<Array<{ at: Date }>>`
          select a.at from routing_attempts a join job_routings r on r.id = a.routing_id
          where r.company_id_received = ${companyId} order by a.at`).map((row) => row.at.getTime()))
    /** The company's routings as stored: status, attempts, lease and whether a lookup is due. */
    const routingsOf = (companyId: string) =>
      withSql(databaseUrl, (sql) =>
        sql`
          select sync_status, attempts, lease_until, needs_lookup, updated_at from job_routings
          where company_id_received = ${companyId} order by created_at`)
    /** On a failure: the calls so far, the routings, and what each replica said about partitions, the company, and anything amiss. */
    const diagnosis = (companyId: string) => async () =>
      [
        `calls: ${JSON.stringify(await callsTo(companyId))}`,
        `routings: ${JSON.stringify(await routingsOf(companyId))}`,
        ...replicas.map((r, n) =>
          `replica ${n}:\n` + r.service.output().split("\n")
            .filter((line) => /partition|parked|"level":"(warn|error|fatal)"/i.test(line) || line.includes(companyId))
            .slice(-60).join("\n")
        )
      ].join("\n")
    // Bounds for a loaded machine: should a starved replica lose a partition here, its messages come back to the new
    // owner only after their ack wait.
    await eventually(async () => (await callsTo(limited.id)).length >= 5, 40_000, diagnosis(limited.id))

    // The dead provider: one actor in the deployment, so its circuit opens after 5 calls, not 5 per replica.
    await eventually(async () => (await callsTo(dead.id)).length >= 5, 40_000, diagnosis(dead.id))
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    expect(await callsTo(dead.id)).toHaveLength(5)

    const alive = [...replicas]
    const ownerOf = async (companyId: string) =>
      (await aliveReplicas(alive[0]!.api)).find((r) => r.partitions.includes(partitionOf(companyId, PARTITIONS)))!.id
    /** Stops the replica delivering for the company and waits for the hand-over; answers the stopped replica's id. */
    const handOver = async (companyId: string) => {
      const owner = await ownerOf(companyId)
      const ids = await Promise.all(alive.map(async (r) => (await aliveReplicas(r.api)).find((x) => x.self)!.id))
      const [replica] = alive.splice(ids.indexOf(owner), 1)
      expect(await replica!.service.stop()).toBe(0)
      forget(replica!.service)
      await sharedBy(alive[0]!.api, alive.length, 10_000)
      return owner
    }

    // The replica delivering for the limited company stops: the one that takes its partition over counts the calls
    // of the last minute, and makes no more until it has passed.
    const deadOwner = await ownerOf(dead.id)
    const stopped = await handOver(limited.id)
    // Well inside the minute of the first calls: the new owner has made none of the 3 calls left.
    await new Promise((resolve) => setTimeout(resolve, 5_000))
    const calls = await callsTo(limited.id)
    expect(calls).toHaveLength(5)
    expect(Date.now() - calls[0]!).toBeLessThan(60_000)

    // The same for the dead provider's replica, if it still runs: the new owner starts the circuit open, as recorded,
    // and makes no call before the cooldown ends (it would make 5 more with a circuit of its own).
    if (deadOwner !== stopped) await handOver(dead.id)
    await new Promise((resolve) => setTimeout(resolve, 5_000))
    const deadCalls = await callsTo(dead.id)
    expect(deadCalls).toHaveLength(5)
    expect(Date.now() - deadCalls[4]!).toBeLessThan(60_000)
  }, 150_000)
})
