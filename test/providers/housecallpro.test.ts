import { FetchHttpClient } from "@effect/platform"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Option } from "effect"
import { make } from "../../layers/providers/housecallpro/adapter.ts"
import { jobState, leadState } from "../../layers/providers/housecallpro/statuses.ts"
import { CompanyId } from "../../src/domain/ids.ts"
import type { LeadRequest, ProviderAccount, ProviderClient, ProviderError } from "../../src/services/Providers.ts"
import { DeliverySettings } from "../../src/services/Settings.ts"
import { type HousecallProFake, startHousecallProFake } from "../fakes/housecallpro.ts"
import { makeJob, makeRouting, uuid } from "../support/fixtures.ts"
import { defaultDelivery } from "../support/services.ts"

const KEY = `hcp_key_${uuid()}`
const BASIC_PLAN_KEY = `hcp_basic_${uuid()}`
const WRONG_KEY = `hcp_wrong_${uuid()}`
const ALL_KEYS = [KEY, BASIC_PLAN_KEY, WRONG_KEY]

let fake: HousecallProFake
beforeAll(async () => {
  fake = await startHousecallProFake({ apiKeys: [KEY], keysWithoutApiAccess: [BASIC_PLAN_KEY] })
})
afterAll(() => fake.close())
beforeEach(() => fake.reset())

const layer = Layer.merge(
  FetchHttpClient.layer,
  Layer.succeed(DeliverySettings, { ...defaultDelivery, providerTimeout: Duration.millis(500) })
)

/** Runs `f` with a freshly made adapter. */
const withHcp = <A, E>(f: (hcp: ProviderClient) => Effect.Effect<A, E>) => Effect.flatMap(make, f).pipe(Effect.provide(layer))

const account = (apiKey = KEY): ProviderAccount => ({
  companyId: CompanyId.make(uuid()),
  config: { api_base_url: fake.url },
  credentials: { api_key: apiKey }
})

const leadRequest = (acc = account(), homeowner: LeadRequest["job"]["homeowner"] = {
  name: "Mary Ann Smith",
  phone: "(555) 123-4567",
  email: "mary@example.com"
}): LeadRequest => {
  const job = makeJob(acc.companyId, [], {
    homeowner,
    address: { street: "12 Elm St", unit: "Apt 4", city: "Springfield", state: "IL", zipCode: "62704" },
    priority: "urgent",
    summary: "Water heater leaking"
  })
  return { ...acc, job, routing: makeRouting(job.id, acc.companyId) }
}

/** The address of `leadRequest` as Housecall Pro should receive it. */
const SENT_ADDRESS = {
  street: "12 Elm St",
  street_line_2: "Apt 4",
  city: "Springfield",
  state: "IL",
  zip: "62704",
  country: "US"
}

/** The failure of `effect`, checked to carry none of the API keys in its message or its rendering. */
const failure = <A>(effect: Effect.Effect<A, ProviderError>) =>
  Effect.flip(effect).pipe(Effect.tap((error) => {
    for (const key of ALL_KEYS) {
      expect(error.message).not.toContain(key)
      expect(String(error)).not.toContain(key)
      expect(JSON.stringify(error)).not.toContain(key)
    }
  }))

/** Creates `n` leads through the adapter; answers their ids. */
const createLeads = (hcp: ProviderClient, n: number) =>
  Effect.forEach(Array.from({ length: n }), () => Effect.map(hcp.createLead(leadRequest()), (lead) => lead.externalId))

describe("Housecall Pro adapter", () => {
  it.live("creates a lead with exactly the mapped body and answers its id", () =>
    withHcp((hcp) =>
      Effect.gen(function*() {
        const request = leadRequest()
        const { externalId } = yield* hcp.createLead(request)
        const address = SENT_ADDRESS
        expect(fake.lead(externalId).received).toEqual({
          customer: {
            first_name: "Mary",
            last_name: "Ann Smith",
            email: "mary@example.com",
            mobile_number: "(555) 123-4567",
            addresses: [address]
          },
          address,
          lead_source: "service-integration",
          note: `Water heater leaking\nPriority: urgent\nref:${request.routing.id}`
        })
        expect(fake.faults.count("createLead")).toBe(1)
      })
    ))

  it.live("leaves out what the homeowner did not give; a one-word name is the first name", () =>
    withHcp((hcp) =>
      Effect.gen(function*() {
        const { externalId } = yield* hcp.createLead(leadRequest(account(), { name: "  Cher " }))
        expect(fake.lead(externalId).received["customer"]).toEqual({
          first_name: "Cher",
          addresses: [SENT_ADDRESS]
        })
      })
    ))

  it.live("maps leads and the jobs they became onto the common statuses, leaving unknown ids out", () =>
    withHcp((hcp) =>
      Effect.gen(function*() {
        const done = "2026-03-01T15:30:00Z"
        const jobCases = [
          { work_status: "needs scheduling", expected: "pending" },
          { work_status: "scheduled", expected: "scheduled" },
          { work_status: "in progress", expected: "in_progress" },
          { work_status: "complete unrated", expected: "completed", total_amount: 12_000 },
          { work_status: "complete rated", expected: "completed", total_amount: 45_050, completed_at: done },
          { work_status: "user canceled", expected: "canceled" },
          { work_status: "pro canceled", expected: "canceled" }
        ]
        const [open, lost, gone, ...converted] = yield* createLeads(hcp, 3 + jobCases.length)
        fake.loseLead(lost!)
        fake.deleteJob(fake.convert(gone!))
        const jobIds = converted.map((id, i) => {
          const jobId = fake.convert(id)
          const { expected: _, ...fields } = jobCases[i]!
          fake.setJob(jobId, fields)
          return jobId
        })

        const states = yield* hcp.statuses(account(), [open!, lost!, gone!, ...converted, "lead_unknown", open!])

        const asLead = (externalId: string, status: string) =>
          ({ externalId, status, jobId: Option.none(), revenueCents: Option.none(), completedAt: Option.none() })
        expect(states).toEqual([
          asLead(open!, "pending"),
          asLead(lost!, "canceled"),
          ...jobCases.map((c, i) => ({
            externalId: converted[i],
            status: c.expected,
            jobId: Option.some(jobIds[i]),
            revenueCents: Option.some(c.total_amount ?? 0),
            completedAt: c.completed_at === undefined ? Option.none() : Option.some(new Date(c.completed_at))
          }))
        ])
        expect(fake.faults.count("getLead")).toBe(3 + jobCases.length + 1)
        expect(fake.faults.count("getJob")).toBe(1 + jobCases.length)
      })
    ))

  it.live("leaves out a lead whose job has a work status it does not know", () =>
    withHcp((hcp) =>
      Effect.gen(function*() {
        const [known, odd] = yield* createLeads(hcp, 2)
        fake.setJob(fake.convert(odd!), { work_status: "on hold" })
        const states = yield* hcp.statuses(account(), [known!, odd!])
        expect(states.map((s) => [s.externalId, s.status])).toEqual([[known, "pending"]])
      })
    ))

  it("follows a won lead that names no job as pending; reads an unreadable completion time as none", () => {
    const won = leadState("lead_1", { id: "lead_1", status: "won", job_id: null })
    expect(Option.map(won, (s) => s.status)).toEqual(Option.some("pending"))
    const job = { id: "job_1", work_status: "complete rated", work_timestamps: { completed_at: "soon" }, total_amount: 99.6 }
    expect(jobState("lead_1", job)).toEqual(Option.some({
      externalId: "lead_1",
      status: "completed",
      jobId: Option.some("job_1"),
      revenueCents: Option.some(100),
      completedAt: Option.none()
    }))
  })

  it.live("reads at most five leads at a time, and nothing for an empty batch", () =>
    withHcp((hcp) =>
      Effect.gen(function*() {
        const ids = yield* createLeads(hcp, 12)
        fake.reset()
        expect(yield* hcp.statuses(account(), [])).toEqual([])
        expect(fake.faults.count("getLead")).toBe(0)
        fake.faults.inject("getLead", ...ids.map(() => ({ delayMs: 50, thenAnswer: true })))
        const states = yield* hcp.statuses(account(), ids)
        expect(states.map((s) => s.externalId)).toEqual(ids)
        expect(fake.maxConcurrentRequests()).toBeLessThanOrEqual(5)
        expect(fake.maxConcurrentRequests()).toBeGreaterThan(1)
      })
    ))

  it.live("a rejected key (401) is permanent, on every call and without a retry", () =>
    withHcp((hcp) =>
      Effect.gen(function*() {
        const held = fake.leads().length
        const errors = [
          yield* failure(hcp.createLead(leadRequest(account(WRONG_KEY)))),
          yield* failure(hcp.statuses(account(WRONG_KEY), ["lead_x"])),
          yield* failure(hcp.checkCredentials(account(WRONG_KEY)))
        ]
        for (const error of errors) expect(error).toMatchObject({ kind: "permanent", status: 401 })
        expect(errors[0]!.message).toContain("rejected the API key")
        expect([fake.faults.count("createLead"), fake.faults.count("getLead"), fake.faults.count("listJobs")]).toEqual([1, 1, 1])
        expect(fake.leads().length).toBe(held)
      })
    ))

  it.live("an account without API access (403, not on the top plan) is permanent", () =>
    withHcp((hcp) =>
      Effect.gen(function*() {
        const created = yield* failure(hcp.createLead(leadRequest(account(BASIC_PLAN_KEY))))
        expect(created).toMatchObject({ kind: "permanent", status: 403 })
        expect(created.message).toContain("top Housecall Pro plan")
        expect(yield* failure(hcp.checkCredentials(account(BASIC_PLAN_KEY)))).toMatchObject({ kind: "permanent", status: 403 })
      })
    ))

  it.live("checkCredentials succeeds with one cheap call for an accepted key", () =>
    withHcp((hcp) =>
      Effect.gen(function*() {
        yield* hcp.checkCredentials(account())
        expect(fake.faults.count("listJobs")).toBe(1)
      })
    ))

  it.live("429 without Retry-After is rate limited with no wait", () =>
    withHcp((hcp) =>
      Effect.gen(function*() {
        fake.faults.inject("getLead", { status: 429, body: { message: "Too Many Requests" } })
        const withoutWait = yield* failure(hcp.statuses(account(), ["lead_x"]))
        expect(withoutWait).toMatchObject({ kind: "rate_limited", status: 429, retryAfter: Option.none() })
        expect(fake.faults.count("getLead")).toBe(1)
      })
    ))

  it.live("a 5xx to a create leaves no lead", () =>
    withHcp((hcp) =>
      Effect.gen(function*() {
        const held = fake.leads().length
        fake.faults.inject("createLead", { status: 503, body: { message: "Service Unavailable" } })
        yield* failure(hcp.createLead(leadRequest()))
        expect([fake.faults.count("createLead"), fake.leads().length]).toEqual([1, held])
      })
    ))

  it.live("400 and 422 are permanent, with the provider's explanation and never the key", () =>
    withHcp((hcp) =>
      Effect.gen(function*() {
        fake.faults.inject(
          "createLead",
          { status: 400, body: { message: `bad header Authorization: Token ${KEY}` } },
          { status: 422, body: { message: "Validation failed", errors: { "customer.email": ["is invalid"] } } }
        )
        const bad = yield* failure(hcp.createLead(leadRequest()))
        expect(bad).toMatchObject({ kind: "permanent", status: 400 })
        expect(bad.message).toContain("[redacted]")
        const invalid = yield* failure(hcp.createLead(leadRequest()))
        expect(invalid).toMatchObject({ kind: "permanent", status: 422 })
        expect(invalid.message).toContain("customer.email")
        expect(fake.faults.count("createLead")).toBe(2)
      })
    ))

  it.live("missing or invalid settings are permanent, naming the fields and not their values, before any call", () =>
    withHcp((hcp) =>
      Effect.gen(function*() {
        const noCredentials = yield* failure(hcp.createLead({ ...leadRequest(), credentials: null }))
        expect(noCredentials).toMatchObject({ kind: "permanent" })
        expect(noCredentials.message).toContain("missing configuration (credentials.api_key)")
        const badUrl = `ftp://${KEY}.example`
        const broken = { ...account(), config: { api_base_url: badUrl }, credentials: { api_key: "" } }
        const both = yield* failure(hcp.checkCredentials(broken))
        expect(both.message).toContain("config.api_base_url")
        expect(both.message).toContain("credentials.api_key")
        expect(both.message).not.toContain(badUrl)
        expect([fake.faults.count("createLead"), fake.faults.count("listJobs")]).toEqual([0, 0])
      })
    ))
})

describe("Housecall Pro fake", () => {
  const request = (path: string, init: RequestInit = {}) =>
    fetch(`${fake.url}${path}`, { ...init, headers: { authorization: `Token ${KEY}`, "content-type": "application/json" } })

  it("refuses a lead without a customer (422) and a body that is not JSON (400)", async () => {
    const missing = await request("/leads", { method: "POST", body: JSON.stringify({ note: "x" }) })
    expect(missing.status).toBe(422)
    expect((await request("/leads", { method: "POST", body: "not json" })).status).toBe(400)
    expect(fake.leads().some((lead) => lead.received["note"] === "x")).toBe(false)
  })

  it("converts a lead into a job and pages jobs, at most 200 a page", async () => {
    const created = await request("/leads", { method: "POST", body: JSON.stringify({ customer: { first_name: "A" } }) })
    expect(created.status).toBe(201)
    const lead = await created.json()
    const job = await (await request(`/leads/${lead.id}/convert`, { method: "POST" })).json()
    expect(job).toMatchObject({ work_status: "needs scheduling", total_amount: 0, work_timestamps: { completed_at: null } })
    expect(await (await request(`/leads/${lead.id}`)).json()).toMatchObject({ status: "won", job_id: job.id })
    const page = await (await request("/jobs?page=1&page_size=1")).json()
    expect(page).toMatchObject({ page: 1, page_size: 1, jobs: [expect.objectContaining({ id: expect.any(String) })] })
    expect(page.total_pages).toBe(page.total_items)
    expect((await request("/jobs?page=1&page_size=201")).status).toBe(400)
    expect((await fetch(`${fake.url}/jobs/${job.id}`)).status).toBe(401)
  })
})
