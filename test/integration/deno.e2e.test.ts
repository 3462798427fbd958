import { beforeAll, describe, expect, it } from "@effect/vitest"
import { eventually, jobFor, tradesFor } from "../support/client.ts"
import { deliveryRunning, e2eHarness } from "../support/e2e.ts"
import { NATS_TEST_URL } from "../support/nats.ts"
import { denoBinary, type ServiceProcess } from "../support/process.ts"
import { parsePrometheus, total } from "../support/prometheus.ts"

/** SIGTERM, then SIGKILL after `graceMs`: a service hanging on shutdown fails the test (exit code null) without outliving it. */
const stopWithin = async (service: ServiceProcess, graceMs: number) => {
  const timer = setTimeout(() => service.child.kill("SIGKILL"), graceMs)
  try {
    return await service.stop()
  } finally {
    clearTimeout(timer)
  }
}

// Never skipped: npx fetches Deno when it is missing, so a failure here is a real one.
describe("the service on Deno 2 (service process, real PostgreSQL and NATS)", () => {
  const { serve, setup, forget } = e2eHarness()

  // The first use fetches Deno from the npm registry (.ci/run does it before the tests); later ones take about a second.
  beforeAll(() => denoBinary(), 300_000)

  it("starts, delivers a job's routings once each, serves the dashboard and metrics, and exits 0 on SIGTERM", async () => {
    const { env } = await setup(NATS_TEST_URL)
    const { service, url, api } = await serve(env, { runtime: "deno" })
    expect(service.child.spawnfile).toBe(await denoBinary())
    expect((await fetch(`${url}/health/ready`)).status).toBe(200)

    const skill = `deno-${crypto.randomUUID().slice(0, 6)}`
    const { creator } = await tradesFor(api, skill, 3)
    await deliveryRunning(api)
    const job = await api.post("/jobs", jobFor(creator, skill, 1))
    expect(job.routings).toHaveLength(3)
    await eventually(
      async () => (await api.get(`/jobs/${job.id}`)).routings.every((r: { sync_status: string }) => r.sync_status === "synced"),
      10_000,
      async () => JSON.stringify((await api.get(`/jobs/${job.id}`)).routings)
    )
    for (const routing of job.routings as Array<{ id: string; company_id_received: string }>) {
      const leads = await api.get(`/admin/providers/mock/leads?company_id=${routing.company_id_received}`)
      expect(leads).toMatchObject({ total: 1, duplicates: 0, items: [{ external_id: routing.id }] })
    }

    const dashboard = await fetch(`${url}/dashboard`)
    expect(dashboard.status).toBe(200)
    expect(dashboard.headers.get("content-type")).toContain("text/html")
    expect(await dashboard.text()).toContain("<html")

    const metrics = await fetch(`${url}/metrics`)
    expect(metrics.status).toBe(200)
    expect(metrics.headers.get("content-type")).toContain("text/plain")
    expect(total(parsePrometheus(await metrics.text()), "si_jobs_created_total")).toBe(1)

    expect(await stopWithin(service, 20_000)).toBe(0)
    forget(service)
  }, 60_000)
})
