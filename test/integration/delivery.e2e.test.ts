import { describe, expect, it } from "@effect/vitest"
import { eventually, jobFor, tradesFor } from "../support/client.ts"
import { deliveryRunning, e2eHarness, statusCounts } from "../support/e2e.ts"
import { NATS_TEST_URL, startNatsServer } from "../support/nats.ts"

/** Crashes and restarts under load (SIGKILL, NATS, PostgreSQL) are test/chaos's, with the exact ledger. */
describe("delivery end to end (service process, real PostgreSQL and NATS)", () => {
  const { serve, setup, cleanups } = e2eHarness()

  it("delivers every routing of a job to the mock provider, once", async () => {
    const { env } = await setup(NATS_TEST_URL)
    const { api } = await serve(env)
    const skill = `plumbing-${crypto.randomUUID().slice(0, 6)}`
    const { creator } = await tradesFor(api, skill, 3)
    await deliveryRunning(api)
    const job = await api.post("/jobs", jobFor(creator, skill, 1))
    expect(job.routings).toHaveLength(3)
    await eventually(
      async () => (await api.get(`/jobs/${job.id}`)).routings.every((r: { sync_status: string }) => r.sync_status === "synced"),
      30_000,
      async () => JSON.stringify((await api.get(`/jobs/${job.id}`)).routings)
    )
    const leads = await api.get("/admin/providers/mock/leads")
    expect(leads.total).toBe(3)
    expect(leads.duplicates).toBe(0)
    expect(leads.items.map((l: { external_id: string }) => l.external_id).sort())
      .toEqual(job.routings.map((r: { id: string }) => r.id).sort())
    expect((await api.get(`/jobs/${job.id}`)).status).toBe("routed")
  }, 90_000)

  it("starts while NATS is down, takes jobs, delivers them once NATS is up, and is ready only while NATS is", async () => {
    const nats = await startNatsServer()
    cleanups.push(nats.dispose)
    await nats.stop()
    const { env, databaseUrl } = await setup(nats.url)
    const { api, url } = await serve(env)
    expect((await fetch(`${url}/health/ready`)).status).toBe(503)
    const skill = `painting-${crypto.randomUUID().slice(0, 6)}`
    const { creator } = await tradesFor(api, skill, 2)
    for (let n = 0; n < 10; n++) await api.post("/jobs", jobFor(creator, skill, n))
    await nats.start()
    await eventually(async () => (await statusCounts(databaseUrl))["synced"] === 20, 60_000,
      async () => JSON.stringify(await statusCounts(databaseUrl)))
    expect((await fetch(`${url}/health/ready`)).status).toBe(200)
    const leads = await api.get("/admin/providers/mock/leads?limit=1")
    expect(leads.total).toBe(20)
    expect(leads.duplicates).toBe(0)

    // Readiness follows the broker: 503 while it is stopped, 200 again once it is back, without a restart.
    await nats.stop()
    await eventually(async () => (await fetch(`${url}/health/ready`)).status === 503, 15_000, async () => "still ready")
    await nats.start()
    await eventually(async () => (await fetch(`${url}/health/ready`)).status === 200, 30_000, async () => "not ready again")
  }, 120_000)
})
