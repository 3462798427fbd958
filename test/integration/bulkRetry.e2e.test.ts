import { describe, expect, it } from "@effect/vitest"
import { type ApiClient, eventually, jobFor } from "../support/client.ts"
import { deliveryRunning, e2eHarness } from "../support/e2e.ts"
import { NATS_TEST_URL } from "../support/nats.ts"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface DeadLetter {
  readonly id: number
  readonly routing_id: string
  readonly company_id: string
}

/** A receiving company on its own skill whose mock provider fails every call, and `jobs` jobs routed to it alone. */
const failingTrade = async (api: ApiClient, creator: string, jobs: number) => {
  const skill = `bulk-${crypto.randomUUID().slice(0, 8)}`
  const trade = await api.post("/companies", {
    name: `Trade ${skill}`,
    skills: [{ skill, level: "expert", primary: true }],
    provider: { type: "mock", config: { failure_rate: 1 } },
    rate_limit_per_minute: 100_000,
    delivery_concurrency: 4
  })
  const created = await Promise.all(Array.from({ length: jobs }, (_, i) => api.post("/jobs", jobFor(creator, skill, i))))
  const routings: Array<string> = created.map((job) => job.routings[0].id)
  return { id: trade.id as string, routings }
}

const statusesOf = (api: ApiClient, routings: ReadonlyArray<string>) =>
  Promise.all(routings.map(async (id) => (await api.get(`/routings/${id}`)).sync_status as string))

const allAre = (api: ApiClient, routings: ReadonlyArray<string>, status: string) => async () =>
  (await statusesOf(api, routings)).every((s) => s === status)

const deadLettersOf = async (api: ApiClient, companyId: string): Promise<Array<DeadLetter>> =>
  (await api.get("/admin/dlq?limit=1000")).items.filter((l: DeadLetter) => l.company_id === companyId)

const leadsOf = (api: ApiClient, companyId: string) => api.get(`/admin/providers/mock/leads?company_id=${companyId}&limit=1000`)

describe("bulk replay and retry end to end (service process, real PostgreSQL and NATS)", () => {
  const { serve, setup } = e2eHarness()

  it("dead-letters a failing company's routings; once its provider is fixed, a bulk replay or a bulk retry delivers each once", async () => {
    const { env } = await setup(NATS_TEST_URL)
    // Two attempts 0.2 s apart, and a circuit that never opens: every routing is dead-lettered within a second or two.
    const { api } = await serve({ ...env, DELIVERY_ATTEMPTS: "2", RETRY_BASE_SECONDS: "0.2", CIRCUIT_FAILURE_THRESHOLD: "1000" })
    const creator = (await api.post("/companies", { name: "Creator", provider: { type: "mock" } })).id as string
    await deliveryRunning(api)
    const replayed = await failingTrade(api, creator, 6)
    const retried = await failingTrade(api, creator, 6)
    const everyRouting = [...replayed.routings, ...retried.routings]
    await eventually(allAre(api, everyRouting, "failed"), 20_000, async () => JSON.stringify(await statusesOf(api, everyRouting)))
    await eventually(async () => (await deadLettersOf(api, replayed.id)).length === 6 && (await deadLettersOf(api, retried.id)).length === 6, 5_000,
      async () => JSON.stringify((await api.get("/admin/dlq?limit=1000")).items))
    for (const trade of [replayed, retried]) {
      expect((await leadsOf(api, trade.id)).total).toBe(0)
      await api.put(`/companies/${trade.id}/provider`, { type: "mock", config: { failure_rate: 0 } })
    }

    // Replay: only the dead letters of the company named; each routing delivered once, its dead letter removed.
    expect(await api.post("/admin/dlq/replay", { company_id: replayed.id, reason_contains: "GAVE UP" })).toEqual({ count: 6, skipped: 0, batches: 1 })
    await eventually(allAre(api, replayed.routings, "synced"), 10_000, async () => JSON.stringify(await statusesOf(api, replayed.routings)))
    expect(await deadLettersOf(api, replayed.id)).toEqual([])
    expect(await statusesOf(api, retried.routings)).toEqual(retried.routings.map(() => "failed"))
    expect(await api.post("/admin/dlq/replay", { company_id: replayed.id })).toEqual({ count: 0, skipped: 0, batches: 1 })

    // Retry: every failed routing of the company; their dead letters stay, and a replay then skips them.
    expect(await api.post("/admin/routings/retry", { company_id: retried.id, status: "failed" })).toEqual({ count: 6, batches: 1 })
    await eventually(allAre(api, retried.routings, "synced"), 10_000, async () => JSON.stringify(await statusesOf(api, retried.routings)))
    expect(await api.post("/admin/routings/retry", { company_id: retried.id, status: "failed" })).toEqual({ count: 0, batches: 0 })
    expect(await deadLettersOf(api, retried.id)).toHaveLength(6)
    expect(await api.post("/admin/dlq/replay", {})).toEqual({ count: 0, skipped: 6, batches: 1 })

    await sleep(1_000)
    for (const trade of [replayed, retried]) {
      const leads = await leadsOf(api, trade.id)
      expect(leads).toMatchObject({ total: 6, duplicates: 0 })
      expect(leads.items.map((l: { external_id: string }) => l.external_id).sort()).toEqual([...trade.routings].sort())
    }
    expect((await api.get("/admin/providers/mock/leads?limit=1")).duplicates).toBe(0)
  }, 90_000)
})
