import { describe, expect, it } from "@effect/vitest"
import { type ApiClient, eventually, jobFor } from "../support/client.ts"
import { deliveryRunning, e2eHarness } from "../support/e2e.ts"
import { NATS_TEST_URL } from "../support/nats.ts"

interface MockLead {
  readonly external_id: string
}

/** The routing ids the mock provider received, oldest first. */
const leadsReceived = async (api: ApiClient, companyId: string): Promise<Array<string>> => {
  const page = await api.get(`/admin/providers/mock/leads?company_id=${companyId}&limit=1000`)
  return (page.items as Array<MockLead>).map((lead) => lead.external_id).reverse()
}

describe("delivery order by priority end to end (service process, real PostgreSQL and NATS)", () => {
  const { serve, setup } = e2eHarness()

  it("an urgent job posted behind 1,000 normal ones for a company at concurrency 1 goes out within the next few calls", async () => {
    const { env } = await setup(NATS_TEST_URL)
    const { api } = await serve(env)
    const skill = `plumbing-${crypto.randomUUID().slice(0, 6)}`
    // One provider call at a time, 100 ms each: 1,000 routings are 100 s of work.
    const receiver = await api.post("/companies", {
      name: "Slow Trade",
      skills: [{ skill, level: "expert", primary: true }],
      provider: { type: "mock", config: { latency_ms: 100 } },
      rate_limit_per_minute: 100_000,
      delivery_concurrency: 1
    })
    const creator = await api.post("/companies", { name: "Creator", provider: { type: "mock" } })
    await deliveryRunning(api)
    for (let bulk = 0; bulk < 10; bulk++) {
      const jobs = Array.from({ length: 100 }, (_, n) => ({ ...jobFor(creator.id, skill, bulk * 100 + n), priority: "normal" }))
      const answer = await api.post("/jobs/bulk", { jobs })
      expect(answer.results.every((r: { status: number }) => r.status === 201)).toBe(true)
    }
    await eventually(async () => (await leadsReceived(api, receiver.id)).length >= 20, 30_000, async () => "no leads yet")

    const before = (await leadsReceived(api, receiver.id)).length
    const urgent = await api.post("/jobs", { ...jobFor(creator.id, skill, 1_000), priority: "urgent" })
    const routingId = urgent.routings[0].id as string
    await eventually(
      async () => (await api.get(`/jobs/${urgent.id}`)).routings[0].sync_status === "synced",
      30_000,
      async () => JSON.stringify((await api.get(`/jobs/${urgent.id}`)).routings)
    )
    const received = await leadsReceived(api, receiver.id)
    // Calls that went out between the post and the urgent one's: at 100 ms each, 20 are its 2 s.
    const between = received.indexOf(routingId) - before
    expect(between).toBeGreaterThanOrEqual(0)
    expect(between).toBeLessThanOrEqual(20)
    // The normal ones were still waiting: most of the backlog is still to go.
    expect(received.length).toBeLessThan(500)
    const leads = await api.get(`/admin/providers/mock/leads?company_id=${receiver.id}&limit=1`)
    expect(leads.duplicates).toBe(0)
  }, 180_000)
})
