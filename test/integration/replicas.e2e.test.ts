import { describe, expect, it } from "@effect/vitest"
import { type ApiClient, eventually, jobFor, tradesFor } from "../support/client.ts"
import { e2eHarness, statusCounts } from "../support/e2e.ts"
import { NATS_TEST_URL } from "../support/nats.ts"

const PARTITIONS = 12

interface Replica {
  readonly id: string
  readonly partitions: ReadonlyArray<number>
  readonly alive: boolean
  readonly self: boolean
}

const aliveReplicas = async (api: ApiClient): Promise<ReadonlyArray<Replica>> =>
  ((await api.get("/admin/replicas")).items as ReadonlyArray<Replica>).filter((r) => r.alive)

/** Every partition held by exactly one of `count` live replicas, each holding its even share. */
const evenlyShared = (replicas: ReadonlyArray<Replica>, count: number) => {
  const held = replicas.flatMap((r) => r.partitions).sort((a, b) => a - b)
  const shares = replicas.map((r) => r.partitions.length).sort()
  const low = Math.floor(PARTITIONS / count)
  return replicas.length === count && held.join() === Array.from({ length: PARTITIONS }, (_, p) => p).join() &&
    shares.every((n) => n === low || n === low + 1)
}

const sharedBy = (api: ApiClient, count: number, timeoutMs: number) =>
  eventually(async () => evenlyShared(await aliveReplicas(api), count), timeoutMs, async () => JSON.stringify(await aliveReplicas(api)))

describe("replicas sharing partitions (three service processes, one PostgreSQL, real NATS)", () => {
  const { forget, serve, setup } = e2eHarness()

  it("split the partitions evenly, hand them over on SIGTERM and after SIGKILL, and deliver every lead once meanwhile", async () => {
    const { databaseUrl, env } = await setup(NATS_TEST_URL)
    const replicaEnv = { ...env, DELIVERY_PARTITIONS: String(PARTITIONS), PARTITION_LEASE_SECONDS: "3" }
    const [a, b, c] = [await serve(replicaEnv), await serve(replicaEnv), await serve(replicaEnv)]
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
})
