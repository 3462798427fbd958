import { describe, expect, it } from "@effect/vitest"
import { type ApiClient, eventually, jobFor, tradesFor } from "../support/client.ts"
import { e2eHarness, statusCounts, withSql, workers, actorsRunning } from "../support/e2e.ts"
import { NATS_TEST_URL } from "../support/nats.ts"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Resolves with the process's exit code, or with "timeout" when it has not exited after `ms`. */
const exitWithin = (exited: Promise<number | null>, ms: number) =>
  Promise.race([exited, sleep(ms).then(() => "timeout" as const)])

type Routing = { id: string; company_id_received: string; sync_status: string }

const routingsOf = async (api: ApiClient, jobIds: ReadonlyArray<string>): Promise<Array<Routing>> =>
  (await Promise.all(jobIds.map((id) => api.get(`/jobs/${id}`)))).flatMap((job) => job.routings)

/** A company on one skill (as its primary), with or without a provider association. */
const company = (api: ApiClient, skill: string, extra: Record<string, unknown> = {}) =>
  api.post("/companies", {
    name: `Trade ${skill}`,
    skills: [{ skill, level: "expert", primary: true }],
    rate_limit_per_minute: 100_000,
    ...extra
  }) as Promise<{ id: string; delivery_paused: boolean }>

describe("operations end to end (service process, real PostgreSQL and NATS)", () => {
  const { serve, setup, forget } = e2eHarness()

  it("stops gracefully on SIGTERM with deliveries in flight, and after a restart nothing is lost or delivered twice", async () => {
    const shutdownTimeoutSeconds = 5
    const { env: base, databaseUrl } = await setup(NATS_TEST_URL)
    const env = { ...base, SHUTDOWN_TIMEOUT_SECONDS: String(shutdownTimeoutSeconds) }
    const first = await serve(env)
    const skill = `hvac-${crypto.randomUUID().slice(0, 6)}`
    const { receivers, creator } = await tradesFor(first.api, skill, 3, { latency_ms: 300 })
    await actorsRunning(first.api, receivers)
    for (let n = 0; n < 60; n += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => first.api.post("/jobs", jobFor(creator, skill, n + i))))
    }
    await eventually(async () => (await first.api.get("/admin/providers/mock/leads?limit=1")).total >= 20, 15_000,
      async () => JSON.stringify(await statusCounts(databaseUrl)))

    // More jobs arriving while the signal lands: refused, cut off or accepted, whatever is in PostgreSQL must be delivered.
    const late = Array.from({ length: 10 }, (_, i) => first.api.post("/jobs", jobFor(creator, skill, 1000 + i)).catch(() => null))
    await sleep(20)
    const signalled = Date.now()
    first.service.child.kill("SIGTERM")
    const code = await exitWithin(first.service.exited, (shutdownTimeoutSeconds + 5) * 1000)
    const shutdownMs = Date.now() - signalled
    forget(first.service)
    await Promise.all(late)
    expect(code, `exit after ${shutdownMs} ms; output:\n${first.service.output()}`).toBe(0)
    expect(shutdownMs).toBeLessThan((shutdownTimeoutSeconds + 3) * 1000)

    const atExit = await statusCounts(databaseUrl)
    const total = Object.values(atExit).reduce((a, b) => a + b, 0)
    expect(total).toBeGreaterThanOrEqual(180)
    expect(atExit["synced"] ?? 0, JSON.stringify(atExit)).toBeLessThan(total)
    const leftBehind = await withSql(databaseUrl, (sql) =>
      sql<Array<{ syncing: number; recorded_unsynced: number }>>`
        select
          (select count(*)::int from job_routings r where r.sync_status = 'syncing'
             and exists (select 1 from mock_leads m where m.external_id = r.id::text)) as syncing,
          (select count(*)::int from mock_leads m join job_routings r on r.id::text = m.external_id
             where r.sync_status <> 'synced') as recorded_unsynced`)
    // Deliveries in flight (300 ms each, far below the 5 s allowed) finish and are written before the process exits.
    expect(leftBehind[0], JSON.stringify(atExit)).toEqual({ syncing: 0, recorded_unsynced: 0 })
    expect(atExit["syncing"] ?? 0, JSON.stringify(atExit)).toBe(0)

    const second = await serve(env)
    await eventually(async () => (await statusCounts(databaseUrl))["synced"] === total, 30_000,
      async () => JSON.stringify(await statusCounts(databaseUrl)))
    const leads = await second.api.get("/admin/providers/mock/leads?limit=1")
    expect(leads.total).toBe(total)
    expect(leads.duplicates).toBe(0)
  }, 90_000)

  it("starts, stops, pauses and resumes a company's actor as its configuration changes, without a restart", async () => {
    const { env } = await setup(NATS_TEST_URL)
    const { api } = await serve(env)
    const skill = `roofing-${crypto.randomUUID().slice(0, 6)}`
    const creator = await api.post("/companies", { name: "Creator", provider: { type: "mock" } })
    const trade = await company(api, skill, { delivery_concurrency: 4 })
    await actorsRunning(api, [creator.id])
    expect((await workers(api)).has(trade.id)).toBe(false)

    await api.put(`/companies/${trade.id}/provider`, { type: "mock", config: {} })
    await eventually(async () => (await workers(api)).has(trade.id), 2_000, async () => JSON.stringify(await api.get("/admin/workers")))

    await api.delete(`/companies/${trade.id}/provider`)
    await eventually(async () => !(await workers(api)).has(trade.id), 2_000, async () => JSON.stringify(await api.get("/admin/workers")))

    await api.put(`/companies/${trade.id}/provider`, { type: "mock", config: {} })
    await eventually(async () => (await workers(api)).has(trade.id), 2_000, async () => JSON.stringify(await api.get("/admin/workers")))

    const paused = await api.post(`/admin/companies/${trade.id}/pause`)
    expect(paused.delivery_paused).toBe(true)
    await eventually(async () => (await workers(api)).get(trade.id)?.state === "paused", 2_000,
      async () => JSON.stringify(await api.get("/admin/workers")))

    const jobs = await Promise.all(Array.from({ length: 3 }, (_, i) => api.post("/jobs", jobFor(creator.id, skill, i))))
    const routed = jobs.flatMap((job) => job.routings as Array<Routing>)
    expect(routed.map((r) => r.company_id_received)).toEqual([trade.id, trade.id, trade.id])
    await sleep(2_500)
    const whilePaused = await routingsOf(api, jobs.map((j) => j.id))
    expect(whilePaused.map((r) => r.sync_status), JSON.stringify(whilePaused)).toEqual(["pending", "pending", "pending"])
    expect((await api.get(`/admin/providers/mock/leads?company_id=${trade.id}`)).total).toBe(0)
    expect((await workers(api)).get(trade.id)?.state).toBe("paused")

    const resumed = await api.post(`/admin/companies/${trade.id}/resume`)
    expect(resumed.delivery_paused).toBe(false)
    await eventually(
      async () => (await routingsOf(api, jobs.map((j) => j.id))).every((r) => r.sync_status === "synced"),
      5_000,
      async () => JSON.stringify(await routingsOf(api, jobs.map((j) => j.id)))
    )
    const leads = await api.get(`/admin/providers/mock/leads?company_id=${trade.id}`)
    expect(leads.total).toBe(3)
    expect(leads.duplicates).toBe(0)
    expect((await workers(api)).get(trade.id)?.state).not.toBe("paused")
  }, 60_000)

  it("dead-letters a routing the provider keeps failing, and replaying it delivers it once", async () => {
    const { env } = await setup(NATS_TEST_URL)
    const { api } = await serve({ ...env, DELIVERY_ATTEMPTS: "2", RETRY_BASE_SECONDS: "0.2" })
    const skill = `electrical-${crypto.randomUUID().slice(0, 6)}`
    const creator = await api.post("/companies", { name: "Creator", provider: { type: "mock" } })
    const trade = await company(api, skill, { provider: { type: "mock", config: { failure_rate: 1 } } })
    await actorsRunning(api, [creator.id, trade.id])

    const job = await api.post("/jobs", jobFor(creator.id, skill, 1))
    expect(job.routings).toHaveLength(1)
    const routingId: string = job.routings[0].id
    await eventually(async () => (await api.get(`/routings/${routingId}`)).sync_status === "failed", 10_000,
      async () => JSON.stringify(await api.get(`/routings/${routingId}`)))
    const failed = await api.get(`/routings/${routingId}`)
    expect(failed.attempts_log).toHaveLength(2)

    const letters = (await api.get("/admin/dlq")).items as Array<{ id: number; routing_id: string; company_id: string; reason: string; attempts: number }>
    const letter = letters.find((l) => l.routing_id === routingId)
    expect(letter, JSON.stringify(letters)).toMatchObject({ company_id: trade.id, attempts: 2 })
    expect(letter!.reason).toMatch(/gave up after 2 attempts/)
    expect((await api.get(`/admin/providers/mock/leads?company_id=${trade.id}`)).total).toBe(0)

    await api.put(`/companies/${trade.id}/provider`, { type: "mock", config: { failure_rate: 0 } })
    const replayed = await api.post(`/admin/dlq/${letter!.id}/replay`)
    expect(replayed).toMatchObject({ id: letter!.id, routing_id: routingId })

    await eventually(async () => (await api.get(`/routings/${routingId}`)).sync_status === "synced", 5_000,
      async () => JSON.stringify(await api.get(`/routings/${routingId}`)))
    const leads = await api.get(`/admin/providers/mock/leads?company_id=${trade.id}`)
    expect(leads.total).toBe(1)
    expect(leads.duplicates).toBe(0)
    expect(leads.items[0].external_id).toBe(routingId)
    expect((await api.get("/admin/dlq")).items.some((l: { id: number }) => l.id === letter!.id)).toBe(false)

    // The dead letter is gone: replaying it again is refused and delivers nothing more.
    expect((await api.raw("POST", `/admin/dlq/${letter!.id}/replay`)).status).toBe(404)
    await sleep(500)
    expect((await api.get(`/admin/providers/mock/leads?company_id=${trade.id}`)).total).toBe(1)
    expect((await api.get(`/routings/${routingId}`)).sync_status).toBe("synced")
  }, 60_000)
})
