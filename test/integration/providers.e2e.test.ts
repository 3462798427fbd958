import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type HousecallProFake, startHousecallProFake } from "../fakes/housecallpro.ts"
import { type JobberFake, startJobberFake } from "../fakes/jobber.ts"
import { type ServiceTitanFake, startServiceTitanFake } from "../fakes/servicetitan.ts"
import { type ApiClient, eventually, jobFor } from "../support/client.ts"
import { deliveryRunning, e2eHarness, statusCounts } from "../support/e2e.ts"
import { NATS_TEST_URL } from "../support/nats.ts"

const st = { tenant: "4242", bookingProvider: "77", clientId: "st-client-id-e2e", clientSecret: "st-secret-9f8e7d", appKey: "st-app-key-5c4b3a" }
const hcpKey = "hcp-api-key-1a2b3c4d"
const jobberClient = { clientId: "jobber-client-id-e2e", clientSecret: "jobber-secret-6e5d4c" }

interface Routing {
  readonly id: string
  readonly sync_status: string
  readonly external_id: string | null
  readonly attempts_log: ReadonlyArray<{ readonly outcome: string; readonly error: string | null }>
}

/** A company on one skill of its own, with a provider, taking as many calls a minute as it likes. */
const tradeOn = (api: ApiClient, skill: string, provider: unknown) =>
  api.post("/companies", {
    name: `Trade ${skill}`,
    skills: [{ skill, level: "expert", primary: true }],
    rate_limit_per_minute: 100_000,
    provider
  }) as Promise<{ id: string }>

describe("real provider adapters end to end (service process against fake provider APIs, real PostgreSQL and NATS)", () => {
  const { serve, setup, forget } = e2eHarness()
  let titan: ServiceTitanFake
  let hcp: HousecallProFake
  let jobber: JobberFake
  beforeAll(async () => {
    ;[titan, hcp, jobber] = await Promise.all([
      startServiceTitanFake(st),
      startHousecallProFake({ apiKeys: [hcpKey] }),
      startJobberFake(jobberClient)
    ])
  })
  afterAll(() => Promise.all([titan.close(), hcp.close(), jobber.close()]))

  const titanProvider = () => ({
    type: "servicetitan",
    config: {
      tenant_id: st.tenant,
      booking_provider: st.bookingProvider,
      campaign_id: 9,
      business_unit_id: 5,
      job_type_id: 7,
      api_base_url: titan.url,
      auth_base_url: titan.url
    },
    credentials: { client_id: st.clientId, client_secret: st.clientSecret, app_key: st.appKey }
  })

  it("delivers each provider's leads once through failures at first, checks credentials, and never shows a credential", async () => {
    const { env, databaseUrl } = await setup(NATS_TEST_URL)
    const { api, service } = await serve({ ...env, LOG_LEVEL: "debug", RETRY_BASE_SECONDS: "0.2" })
    const grant = jobber.grant()
    jobber.expireAccessTokens()
    const secrets = [st.clientSecret, st.appKey, hcpKey, jobberClient.clientSecret, grant.accessToken, grant.refreshToken]
    const answers: Array<unknown> = []
    const seen = <A>(answer: A) => {
      answers.push(answer)
      return answer
    }

    const suffix = crypto.randomUUID().slice(0, 6)
    const skills = { servicetitan: `hvac-${suffix}`, housecallpro: `plumbing-${suffix}`, jobber: `roofing-${suffix}` }
    const companies = {
      servicetitan: seen(await tradeOn(api, skills.servicetitan, titanProvider())),
      housecallpro: seen(await tradeOn(api, skills.housecallpro, {
        type: "housecallpro",
        config: { api_base_url: hcp.url },
        credentials: { api_key: hcpKey }
      })),
      jobber: seen(await tradeOn(api, skills.jobber, {
        type: "jobber",
        config: { api_base_url: jobber.url },
        credentials: {
          client_id: jobberClient.clientId,
          client_secret: jobberClient.clientSecret,
          access_token: grant.accessToken,
          refresh_token: grant.refreshToken
        }
      }))
    }
    const creator = await api.post("/companies", { name: "Creator", provider: { type: "mock" } })
    await deliveryRunning(api)

    for (const [type, company] of Object.entries(companies)) {
      expect(seen(await api.post(`/companies/${company.id}/provider/test`)), type).toEqual({ ok: true })
    }

    // Each provider fails its first creates, then recovers.
    titan.faults.inject("createBooking", { status: 503 }, { status: 500, body: { title: "Internal error" } })
    hcp.faults.inject("createLead", { status: 502 }, { status: 503 })
    jobber.faults.inject("RequestCreate", { status: 503 })

    const jobs: Array<{ id: string; routings: Array<{ id: string; company_id_received: string }> }> = []
    for (const skill of Object.values(skills)) {
      for (let i = 0; i < 4; i++) jobs.push(await api.post("/jobs", jobFor(creator.id, skill, i)))
    }
    expect(jobs.every((job) => job.routings.length === 1)).toBe(true)
    await eventually(async () => (await statusCounts(databaseUrl))["synced"] === 12, 30_000,
      async () => JSON.stringify(await statusCounts(databaseUrl)))

    const routings: Array<Routing & { company_id_received: string }> = await Promise.all(
      jobs.flatMap((job) => job.routings).map((r) => api.get(`/routings/${r.id}`))
    )
    answers.push(routings)
    const byCompany = (id: string) => routings.filter((r) => r.company_id_received === id)
    // Exactly one lead per routing at each provider, under the id the service stored.
    const titanBookings = titan.bookings()
    expect(titanBookings.map((b) => b.received["externalId"]).sort()).toEqual(byCompany(companies.servicetitan.id).map((r) => r.id).sort())
    expect(byCompany(companies.servicetitan.id).map((r) => r.external_id).sort())
      .toEqual(titanBookings.map((b) => String(b.id)).sort())
    expect(hcp.leads().map((l) => l.id).sort()).toEqual(byCompany(companies.housecallpro.id).map((r) => r.external_id).sort())
    expect([...jobber.requests.keys()].sort()).toEqual(byCompany(companies.jobber.id).map((r) => r.external_id).sort())
    expect(routings.flatMap((r) => r.attempts_log.map((a) => a.outcome)).filter((o) => o === "retryable")).toHaveLength(5)

    // A delivered routing is canceled at the provider where its API can (ServiceTitan dismisses the booking), else
    // here only, with a note; both recorded as an attempt.
    const titanRouting = byCompany(companies.servicetitan.id)[0]!
    const titanCanceled: Routing = seen(await api.post(`/routings/${titanRouting.id}/cancel`))
    expect(titanCanceled.sync_status).toBe("canceled")
    expect(titanCanceled.attempts_log.at(-1)).toMatchObject({ outcome: "canceled_at_provider", error: null })
    expect(titanBookings.find((b) => String(b.id) === titanRouting.external_id)?.status).toBe("Dismissed")
    const hcpCanceled: Routing = seen(await api.post(`/routings/${byCompany(companies.housecallpro.id)[0]!.id}/cancel`))
    expect(hcpCanceled.attempts_log.at(-1)).toMatchObject({ outcome: "canceled_locally", error: expect.stringContaining("canceled here only") })

    // A rejected credential is reported without being echoed.
    await api.put(`/companies/${companies.servicetitan.id}/provider`, {
      ...titanProvider(),
      credentials: { client_id: st.clientId, client_secret: "wrong-secret-0000", app_key: st.appKey }
    })
    const refused = seen(await api.post(`/companies/${companies.servicetitan.id}/provider/test`))
    expect(refused).toMatchObject({ ok: false, error: expect.stringContaining("rejected") })
    answers.push(
      await api.get(`/companies/${companies.jobber.id}`),
      await api.get("/admin/workers"),
      await api.get("/admin/dlq"),
      await api.get(`/jobs/${jobs[0]!.id}`)
    )

    await service.stop()
    forget(service)

    // Jobber's access token was expired from the start, so the service refreshed it, and Jobber rotated the refresh
    // token. With every access token expired again, a new process can only deliver if it stored the rotated one.
    expect(jobber.seen.refreshTokensUsed).toEqual([grant.refreshToken])
    jobber.expireAccessTokens()
    const restarted = await serve({ ...env, LOG_LEVEL: "debug" })
    const late = await restarted.api.post("/jobs", jobFor(creator.id, skills.jobber, 99))
    await eventually(async () => (await restarted.api.get(`/routings/${late.routings[0].id}`)).sync_status === "synced", 30_000,
      async () => JSON.stringify(await restarted.api.get(`/routings/${late.routings[0].id}`)))
    expect(jobber.seen.refreshTokensUsed).toHaveLength(2)
    expect(jobber.seen.refreshTokensUsed[1]).not.toBe(grant.refreshToken)
    secrets.push(...jobber.seen.issuedTokens)
    await restarted.service.stop()
    forget(restarted.service)

    // The logs of the failed attempts are JSON lines that lead to their trace, with the routing and company.
    const failures = service.output().split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line))
      .filter((line) => line.message === "delivery failed; will retry")
    expect(failures).toHaveLength(5)
    for (const line of failures) {
      expect(line).toMatchObject({
        level: "warn",
        trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
        routing_id: expect.any(String),
        time: expect.any(String)
      })
    }

    const everything = `${service.output()}\n${restarted.service.output()}\n${JSON.stringify(answers)}`
    expect(everything).toContain(companies.jobber.id)
    for (const secret of [...secrets, "wrong-secret-0000"]) expect(everything).not.toContain(secret)
  }, 120_000)

  it("a crash between ServiceTitan's answer and the service's write leads to a lookup, not a second booking", async () => {
    const { env } = await setup(NATS_TEST_URL)
    const crashEnv = { ...env, PROVIDER_TIMEOUT_SECONDS: "1" }
    const first = await serve(crashEnv)
    const skill = `electrical-${crypto.randomUUID().slice(0, 6)}`
    await tradeOn(first.api, skill, titanProvider())
    const creator = await first.api.post("/companies", { name: "Creator", provider: { type: "mock" } })
    await deliveryRunning(first.api)
    const before = titan.bookings().length
    const createsBefore = titan.faults.count("createBooking")

    // The booking is made 2 s into the call: the service is killed while it waits for the answer.
    titan.faults.inject("createBooking", { delayMs: 2_000, thenAnswer: true })
    const job = await first.api.post("/jobs", jobFor(creator.id, skill, 0))
    await eventually(async () => titan.faults.count("createBooking") > createsBefore, 10_000, async () => "no create call")
    first.service.child.kill("SIGKILL")
    await first.service.exited
    forget(first.service)
    await eventually(async () => titan.bookings().length === before + 1, 10_000, async () => "the fake made no booking")

    const second = await serve(crashEnv)
    const routingId = job.routings[0].id
    await eventually(async () => (await second.api.get(`/routings/${routingId}`)).sync_status === "synced", 60_000,
      async () => JSON.stringify(await second.api.get(`/routings/${routingId}`)))
    const routing: Routing = await second.api.get(`/routings/${routingId}`)
    expect(routing.attempts_log.at(-1)?.outcome).toBe("found")
    expect(titan.bookings().filter((b) => b.received["externalId"] === routingId)).toHaveLength(1)
    expect(routing.external_id).toBe(String(titan.bookings().find((b) => b.received["externalId"] === routingId)!.id))
  }, 120_000)

  it("follows a ServiceTitan lead from synced to completed with revenue by polling", async () => {
    const { env } = await setup(NATS_TEST_URL)
    const { api } = await serve({ ...env, POLL_INTERVAL_SECONDS: "1" })
    const skill = `hvac-poll-${crypto.randomUUID().slice(0, 6)}`
    await tradeOn(api, skill, titanProvider())
    const creator = await api.post("/companies", { name: "Creator", provider: { type: "mock" } })
    await deliveryRunning(api)
    const job = await api.post("/jobs", jobFor(creator.id, skill, 0))
    const routingId = job.routings[0].id
    const routing = () => api.get(`/routings/${routingId}`) as Promise<Routing & { external_status: string | null; revenue: number | null; completed_at: string | null }>
    await eventually(async () => (await routing()).sync_status === "synced", 20_000, async () => JSON.stringify(await routing()))

    const bookingId = (await routing()).external_id!
    titan.convertBooking(bookingId, { jobStatus: "InProgress" })
    await eventually(async () => (await routing()).external_status === "in_progress", 20_000, async () => JSON.stringify(await routing()))
    expect((await api.get(`/jobs/${job.id}`)).status).toBe("in_progress")

    const jobId = titan.bookings().find((b) => String(b.id) === bookingId)!.jobId!
    titan.updateJob(jobId, { jobStatus: "Completed", total: 250.5, completedOn: "2026-11-28T10:00:00Z" })
    await eventually(async () => (await routing()).external_status === "completed", 20_000, async () => JSON.stringify(await routing()))
    expect(await routing()).toMatchObject({ revenue: 250.5, completed_at: "2026-11-28T10:00:00.000Z" })
    expect((await api.get(`/jobs/${job.id}`)).status).toBe("completed")
  }, 90_000)
})
