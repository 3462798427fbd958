import { describe, expect, it } from "@effect/vitest"
import { type ApiClient, eventually, jobFor, tradesFor } from "../support/client.ts"
import { deliveryRunning, e2eHarness, statusCounts, withSql, workers } from "../support/e2e.ts"
import { NATS_TEST_URL } from "../support/nats.ts"
import { parsePrometheus, total } from "../support/prometheus.ts"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Resolves with the process's exit code, or with "timeout" when it has not exited after `ms`. */
const exitWithin = (exited: Promise<number | null>, ms: number) =>
  Promise.race([exited, sleep(ms).then(() => "timeout" as const)])

interface Routing {
  readonly id: string
  readonly company_id_received: string
  readonly sync_status: string
}

interface DeadLetter {
  readonly id: number
  readonly routing_id: string
  readonly company_id: string
  readonly reason: string
  readonly attempts: number
}

const routingsOf = async (api: ApiClient, jobs: ReadonlyArray<{ readonly id: string }>): Promise<Array<Routing>> =>
  (await Promise.all(jobs.map((job) => api.get(`/jobs/${job.id}`)))).flatMap((job) => job.routings)

/** What the mock provider received for one company. */
const leadsOf = (api: ApiClient, companyId: string) => api.get(`/admin/providers/mock/leads?company_id=${companyId}`)


/** A company on one skill (its primary), with or without a provider association. */
const company = (api: ApiClient, skill: string, extra: Record<string, unknown> = {}) =>
  api.post("/companies", {
    name: `Trade ${skill}`,
    skills: [{ skill, level: "expert", primary: true }],
    rate_limit_per_minute: 100_000,
    ...extra
  }) as Promise<{ id: string; delivery_paused: boolean }>

describe("operations end to end (service process, real PostgreSQL and NATS)", () => {
  const { serve, setup, forget } = e2eHarness()

  /**
   * One service for the tests that need no process of their own, started by the first that asks: two delivery attempts
   * 0.2 s apart, so a routing the provider keeps failing is dead-lettered within a second.
   */
  let shared: ReturnType<typeof serve> | undefined
  const sharedService = () =>
    (shared ??= setup(NATS_TEST_URL).then(({ env }) => serve({ ...env, DELIVERY_ATTEMPTS: "2", RETRY_BASE_SECONDS: "0.2" })))

  it("stops gracefully on SIGTERM with deliveries in flight; after a restart nothing is lost or delivered twice", async () => {
    const shutdownTimeoutSeconds = 5
    const { env: base, databaseUrl } = await setup(NATS_TEST_URL)
    const env = { ...base, SHUTDOWN_TIMEOUT_SECONDS: String(shutdownTimeoutSeconds) }
    const first = await serve(env)
    const skill = `hvac-${crypto.randomUUID().slice(0, 6)}`
    const { creator } = await tradesFor(first.api, skill, 3, { latency_ms: 300 })
    await deliveryRunning(first.api)
    for (let n = 0; n < 40; n += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => first.api.post("/jobs", jobFor(creator, skill, n + i))))
    }
    await eventually(async () => (await first.api.get("/admin/providers/mock/leads?limit=1")).total >= 20, 15_000,
      async () => JSON.stringify(await statusCounts(databaseUrl)))

    // Jobs arriving as the signal lands: refused, cut off or accepted, whatever reached PostgreSQL must be delivered.
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
    expect(total).toBeGreaterThanOrEqual(120)
    const [leftBehind] = await withSql(databaseUrl, (sql) =>
      sql<Array<{ syncing_recorded: number; recorded_unsynced: number }>>`
        select
          (select count(*)::int from job_routings r where r.sync_status = 'syncing'
             and exists (select 1 from mock_leads m where m.external_id = r.id::text)) as syncing_recorded,
          (select count(*)::int from mock_leads m join job_routings r on r.id::text = m.external_id
             where r.sync_status <> 'synced') as recorded_unsynced`)
    // Deliveries in flight (300 ms each, far below the 5 s allowed) finish and are written before the process exits.
    expect(leftBehind, JSON.stringify(atExit)).toEqual({ syncing_recorded: 0, recorded_unsynced: 0 })
    expect(atExit["syncing"] ?? 0, JSON.stringify(atExit)).toBe(0)
    // "On SIGTERM the service stops taking requests, stops pulling, lets deliveries in flight finish": each of the 3 × 4
    // workers holds at most one message when the signal lands, so at most 12 leads may be recorded after it.
    const [afterSignal] = await withSql(databaseUrl, (sql) =>
      sql<Array<{ n: number }>>`select count(*)::int as n from mock_leads where received_at > ${new Date(signalled)}`)
    expect(afterSignal!.n, "leads recorded after SIGTERM").toBeLessThanOrEqual(3 * 4)
    expect(atExit["synced"] ?? 0, `something left for the restart to deliver: ${JSON.stringify(atExit)}`).toBeLessThan(total)

    const second = await serve(env)
    await eventually(async () => (await statusCounts(databaseUrl))["synced"] === total, 30_000,
      async () => JSON.stringify(await statusCounts(databaseUrl)))
    const leads = await second.api.get("/admin/providers/mock/leads?limit=1")
    expect(leads.total).toBe(total)
    expect(leads.duplicates).toBe(0)
  }, 90_000)

  it("makes a company's actor with its first work; after a pause answers no provider call starts, and a resume delivers the rest once", async () => {
    const { api } = await sharedService()
    const skill = `roofing-${crypto.randomUUID().slice(0, 6)}`
    const creator = await api.post("/companies", { name: "Creator", provider: { type: "mock" } })
    const trade = await company(api, skill, { delivery_concurrency: 4, provider: { type: "mock", config: {} } })
    await deliveryRunning(api)
    expect((await workers(api)).has(trade.id)).toBe(false)

    const before = await Promise.all(Array.from({ length: 4 }, (_, i) => api.post("/jobs", jobFor(creator.id, skill, i))))
    await eventually(async () => (await leadsOf(api, trade.id)).total === 4, 5_000,
      async () => JSON.stringify(await routingsOf(api, before)))
    expect((await workers(api)).has(trade.id)).toBe(true)

    const paused = await api.post(`/admin/companies/${trade.id}/pause`)
    expect(paused.delivery_paused).toBe(true)

    const jobs = await Promise.all(Array.from({ length: 4 }, (_, i) => api.post("/jobs", jobFor(creator.id, skill, 100 + i))))
    expect((await routingsOf(api, jobs)).map((r) => r.company_id_received)).toEqual(jobs.map(() => trade.id))
    await sleep(2_000)
    const delivered = (await routingsOf(api, jobs)).filter((r) => r.sync_status === "synced").map((r) => r.id)
    expect(delivered, "routings delivered after the pause answered").toEqual([])
    expect((await leadsOf(api, trade.id)).total, "leads received, 4 of them before the pause").toBe(4)
    expect((await workers(api)).get(trade.id)?.state).toBe("paused")

    const resumed = await api.post(`/admin/companies/${trade.id}/resume`)
    expect(resumed.delivery_paused).toBe(false)
    await eventually(async () => (await routingsOf(api, jobs)).every((r) => r.sync_status === "synced"), 5_000,
      async () => JSON.stringify(await routingsOf(api, jobs)))
    const leads = await leadsOf(api, trade.id)
    expect(leads.total).toBe(8)
    expect(leads.duplicates).toBe(0)
    expect((await workers(api)).get(trade.id)?.state).not.toBe("paused")
  }, 60_000)

  it("dead-letters a routing the provider keeps failing, and replaying the dead letter delivers it once", async () => {
    const { api, url } = await sharedService()
    const scrape = async () => parsePrometheus(await (await fetch(`${url}/metrics`)).text())
    const before = await scrape()
    const skill = `electrical-${crypto.randomUUID().slice(0, 6)}`
    const creator = await api.post("/companies", { name: "Creator", provider: { type: "mock" } })
    const trade = await company(api, skill, { provider: { type: "mock", config: { failure_rate: 1 } } })
    await deliveryRunning(api)

    const job = await api.post("/jobs", jobFor(creator.id, skill, 1))
    expect(job.routings).toHaveLength(1)
    const routingId: string = job.routings[0].id
    const routing = () => api.get(`/routings/${routingId}`)
    await eventually(async () => (await routing()).sync_status === "failed", 10_000, async () => JSON.stringify(await routing()))
    expect((await routing()).attempts_log).toHaveLength(2)

    const letters: Array<DeadLetter> = (await api.get("/admin/dlq")).items
    const letter = letters.find((l) => l.routing_id === routingId)
    expect(letter, JSON.stringify(letters)).toMatchObject({ company_id: trade.id, attempts: 2 })
    expect(letter!.reason).toMatch(/gave up after 2 attempts/)
    expect((await leadsOf(api, trade.id)).total).toBe(0)

    await api.put(`/companies/${trade.id}/provider`, { type: "mock", config: { failure_rate: 0 } })
    expect(await api.post(`/admin/dlq/${letter!.id}/replay`)).toMatchObject({ id: letter!.id, routing_id: routingId })
    await eventually(async () => (await routing()).sync_status === "synced", 5_000, async () => JSON.stringify(await routing()))
    const leads = await leadsOf(api, trade.id)
    expect(leads).toMatchObject({ total: 1, duplicates: 0 })
    expect(leads.items[0].external_id).toBe(routingId)
    expect((await api.get("/admin/dlq")).items.map((l: DeadLetter) => l.id)).not.toContain(letter!.id)

    // "Replay ... and remove the dead letter": replaying it again is refused and delivers nothing more.
    expect((await api.raw("POST", `/admin/dlq/${letter!.id}/replay`)).status).toBe(404)
    await sleep(500)
    expect((await leadsOf(api, trade.id)).total).toBe(1)
    expect((await routing()).sync_status).toBe("synced")

    // The metrics moved with it: two failed attempts (one retry, then dead-lettered), one delivery with its latency.
    const after = await scrape()
    const moved = (name: string, labels: Record<string, string> = {}) => total(after, name, labels) - total(before, name, labels)
    expect(moved("si_jobs_created_total")).toBe(1)
    expect(moved("si_delivery_attempts_total", { provider: "mock", outcome: "retrying" })).toBe(1)
    expect(moved("si_delivery_attempts_total", { provider: "mock", outcome: "dead_lettered" })).toBe(1)
    expect(moved("si_delivery_attempts_total", { provider: "mock", outcome: "synced" })).toBe(1)
    expect(moved("si_delivery_latency_seconds_count")).toBe(1)
    expect(moved("si_provider_call_duration_seconds_count", { provider: "mock" })).toBe(3)
    expect(total(after, "si_delivery_latency_seconds_bucket", { le: "+Inf" })).toBe(total(after, "si_delivery_latency_seconds_count"))
    expect(moved("si_http_requests_total", { method: "POST", route: "/jobs", status: "201" })).toBe(1)
    expect(after.some((s) => s.name === "si_http_requests_total" && s.labels["route"] === "/routings/:id")).toBe(true)
    expect(after.every((s) => !Object.values(s.labels).includes(routingId))).toBe(true)
    expect(total(after, "si_circuit_state", { company_id: trade.id, state: "closed" })).toBe(1)
    expect(total(after, "si_actors")).toBeGreaterThanOrEqual(1)
  }, 60_000)
})
