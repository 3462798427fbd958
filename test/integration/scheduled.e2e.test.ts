import { describe, expect, it } from "@effect/vitest"
import { type ApiClient, eventually, jobFor, tradesFor } from "../support/client.ts"
import { deliveryRunning, e2eHarness, statusCounts } from "../support/e2e.ts"
import { NATS_TEST_URL } from "../support/nats.ts"

interface MockLead {
  readonly external_id: string
  readonly received_at: string
}

/** The leads the mock provider received for the company, by routing id. */
const leadsOf = async (api: ApiClient, companyId: string): Promise<Map<string, MockLead>> => {
  const page = await api.get(`/admin/providers/mock/leads?company_id=${companyId}&limit=1000`)
  return new Map((page.items as Array<MockLead>).map((lead) => [lead.external_id, lead]))
}

const routingOf = async (api: ApiClient, jobId: string) => (await api.get(`/jobs/${jobId}`)).routings[0]

const syncedWithin = (api: ApiClient, jobId: string, timeoutMs: number) =>
  eventually(
    async () => (await routingOf(api, jobId)).sync_status === "synced",
    timeoutMs,
    async () => JSON.stringify(await routingOf(api, jobId))
  )

describe("scheduled jobs end to end (service process, real PostgreSQL and NATS)", () => {
  const { forget, serve, setup } = e2eHarness()
  /** The relay's poll never comes during a test: only its timer for held events, or a NOTIFY, wakes it. */
  const slowPoll = { RELAY_POLL_SECONDS: "3600" }

  it("a job scheduled 3 s ahead is scheduled, not delivered before its time, then delivered by the relay's timer; one canceled is never", async () => {
    const { env } = await setup(NATS_TEST_URL)
    const { api } = await serve({ ...env, ...slowPoll })
    const skill = `plumbing-${crypto.randomUUID().slice(0, 6)}`
    const { creator, receivers } = await tradesFor(api, skill, 1)
    const receiver = receivers[0]!
    await deliveryRunning(api)

    const deliverAfter = new Date(Date.now() + 3_000)
    const job = await api.post("/jobs", { ...jobFor(creator, skill, 1), deliver_after: deliverAfter.toISOString() })
    const canceled = await api.post("/jobs", { ...jobFor(creator, skill, 2), deliver_after: deliverAfter.toISOString() })
    expect(job.deliver_after).toBe(deliverAfter.toISOString())
    expect(job.routings[0].sync_status).toBe("scheduled")
    expect((await api.post(`/jobs/${canceled.id}/cancel`)).routings[0].sync_status).toBe("canceled")

    // Until its time, it stays scheduled and the provider has nothing: whatever was read before then says so.
    while (Date.now() < deliverAfter.getTime()) {
      const status = (await routingOf(api, job.id)).sync_status
      const leads = (await leadsOf(api, receiver)).size
      if (Date.now() >= deliverAfter.getTime()) break
      expect([status, leads]).toEqual(["scheduled", 0])
      await new Promise((resolve) => setTimeout(resolve, 200))
    }

    await syncedWithin(api, job.id, 30_000)
    const routing = await routingOf(api, job.id)
    const lead = (await leadsOf(api, receiver)).get(routing.id)
    expect(lead).toBeDefined()
    const receivedAt = new Date(lead!.received_at).getTime()
    expect(receivedAt).toBeGreaterThanOrEqual(deliverAfter.getTime())

    // The canceled one's held event came due with the other's: it was settled without a call.
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    expect((await routingOf(api, canceled.id)).sync_status).toBe("canceled")
    const leads = await leadsOf(api, receiver)
    expect(leads.has(canceled.routings[0].id)).toBe(false)
    expect(leads.size).toBe(1)
    expect((await api.get("/admin/outbox")).pending).toBe(0)
  }, 60_000)

  it("a job still scheduled when the service restarts is delivered by the next process", async () => {
    const { env, databaseUrl } = await setup(NATS_TEST_URL)
    const first = await serve({ ...env, ...slowPoll })
    const skill = `roofing-${crypto.randomUUID().slice(0, 6)}`
    const { creator, receivers } = await tradesFor(first.api, skill, 1)
    const receiver = receivers[0]!
    await deliveryRunning(first.api)
    const deliverAfter = new Date(Date.now() + 6_000)
    const job = await first.api.post("/jobs", { ...jobFor(creator, skill, 1), deliver_after: deliverAfter.toISOString() })

    expect(await first.service.stop()).toBe(0)
    forget(first.service)
    expect(await statusCounts(databaseUrl), "stopped while the job was still scheduled").toEqual({ scheduled: 1 })

    const second = await serve({ ...env, ...slowPoll })
    await syncedWithin(second.api, job.id, 30_000)
    const leads = await leadsOf(second.api, receiver)
    expect(leads.size).toBe(1)
    const lead = leads.get(job.routings[0].id)
    expect(new Date(lead!.received_at).getTime()).toBeGreaterThanOrEqual(deliverAfter.getTime())
  }, 90_000)
})
