import { FetchHttpClient } from "@effect/platform"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Option, Schedule, TestClock } from "effect"
import { make } from "../../layers/providers/servicetitan/adapter.ts"
import { CompanyId } from "../../src/domain/ids.ts"
import type { Job } from "../../src/domain/job.ts"
import type { LeadRequest, ProviderAccount, ProviderError } from "../../src/services/Providers.ts"
import { DeliverySettings } from "../../src/services/Settings.ts"
import { type ServiceTitanFake, startServiceTitanFake } from "../fakes/servicetitan.ts"
import { makeJob, uuid } from "../support/fixtures.ts"
import { defaultDelivery } from "../support/services.ts"

const TENANT = "1234567"
const CREDENTIALS = { client_id: "cid-7f3a0c9e", client_secret: "csecret-9b1c44d2e8", app_key: "ak1.appkey-55d2f0" }
const WRONG_SECRET = "csecret-wrong-31a7"
const WRONG_APP_KEY = "ak1.wrongkey-8e41"

let fake: ServiceTitanFake
beforeAll(async () => {
  fake = await startServiceTitanFake({
    tenant: TENANT,
    bookingProvider: "77",
    clientId: CREDENTIALS.client_id,
    clientSecret: CREDENTIALS.client_secret,
    appKey: CREDENTIALS.app_key,
    maxPageSize: 20
  })
})
afterAll(() => fake.close())
beforeEach(() => {
  fake.faults.reset()
  fake.setTokenLifetime(900)
})

const TestLayer = Layer.merge(
  FetchHttpClient.layer,
  Layer.succeed(DeliverySettings, { ...defaultDelivery, providerTimeout: Duration.millis(500) })
)

const account = (config: Record<string, unknown> = {}, credentials: Record<string, string> = {}): ProviderAccount => ({
  companyId: CompanyId.make(uuid()),
  config: {
    tenant_id: TENANT,
    booking_provider: "77",
    campaign_id: 11,
    business_unit_id: 22,
    job_type_id: 33,
    api_base_url: fake.url,
    auth_base_url: fake.url,
    ...config
  },
  credentials: { ...CREDENTIALS, ...credentials }
})
const leadMode = () => {
  const { booking_provider: _, ...config } = account().config
  return { ...account(), config }
}

const requestFor = (target: ProviderAccount, job: Partial<Omit<Job, "routings">> = {}): LeadRequest => {
  const made = makeJob(CompanyId.make(uuid()), [target.companyId], job)
  return { ...target, job: made, routing: made.routings[0]! }
}

/** The failure, after checking that nothing secret shows in it. */
const failureOf = <A>(effect: Effect.Effect<A, ProviderError>) =>
  Effect.tap(Effect.flip(effect), (error) =>
    Effect.sync(() => {
      const text = `${error.message} ${JSON.stringify(error)}`
      for (const secret of [...Object.values(CREDENTIALS), WRONG_SECRET, WRONG_APP_KEY, ...fake.issuedTokens()]) {
        expect(text).not.toContain(secret)
      }
    }))

const run = <A, E>(body: Effect.Effect<A, E, Effect.Effect.Context<typeof make>>) => body.pipe(Effect.provide(TestLayer))

describe("ServiceTitan adapter", () => {
  it.live("creates a booking with exactly the mapped fields, answering its id", () =>
    run(Effect.gen(function*() {
      const client = yield* make
      const request = requestFor(account(), {
        summary: "Water heater leaking",
        address: { street: "9 Elm St", unit: "Apt 4", city: "Springfield", state: "IL", zipCode: "62701" },
        homeowner: { name: "Jane Roe", phone: "(555) 010-2000", email: "jane@example.com" },
        priority: "urgent"
      })
      const { externalId } = yield* client.createLead(request)
      const booking = fake.bookings().find((b) => String(b.id) === externalId)
      expect(booking?.received).toEqual({
        source: "service-integration",
        name: "Jane Roe",
        summary: "Water heater leaking",
        isFirstTimeClient: true,
        externalId: request.routing.id,
        address: { street: "9 Elm St", unit: "Apt 4", city: "Springfield", state: "IL", zip: "62701", country: "USA" },
        contacts: [{ type: "Phone", value: "(555) 010-2000" }, { type: "Email", value: "jane@example.com" }],
        campaignId: 11,
        businessUnitId: 22,
        jobTypeId: 33,
        priority: "Urgent"
      })
      const bare = requestFor(account(), { homeowner: { name: "Sam Poe" }, priority: "low" })
      const second = yield* client.createLead(bare)
      const received = fake.bookings().find((b) => String(b.id) === second.externalId)?.received
      expect(received).not.toHaveProperty("contacts")
      expect(received).toMatchObject({ name: "Sam Poe", priority: "Low", address: { street: "123 Main St", zip: "12345" } })
      expect(received?.["address"]).not.toHaveProperty("unit")
    })))

  it.live("cancels a booking or a CRM lead by dismissing it; a converted one is a permanent refusal", () =>
    run(Effect.gen(function*() {
      const client = yield* make
      const cancel = Option.getOrThrow(client.cancelLead)
      const booking = yield* client.createLead(requestFor(account()))
      yield* cancel(account(), booking.externalId)
      expect(fake.bookings().find((b) => String(b.id) === booking.externalId)?.status).toBe("Dismissed")
      const lead = yield* client.createLead(requestFor(leadMode()))
      yield* cancel(leadMode(), lead.externalId)
      expect(fake.leads().find((l) => String(l.id) === lead.externalId)?.status).toBe("Dismissed")
      const converted = yield* client.createLead(requestFor(account()))
      fake.convertBooking(converted.externalId)
      expect(yield* failureOf(cancel(account(), converted.externalId))).toMatchObject({ kind: "permanent", status: 409 })
      expect([fake.faults.count("dismissBooking"), fake.faults.count("dismissLead")]).toEqual([2, 1])
    })))

  it.live("without a booking provider, creates a CRM lead and answers none to a lookup", () =>
    run(Effect.gen(function*() {
      const client = yield* make
      const request = requestFor(leadMode(), { summary: "No hot water", homeowner: { name: "Ann Lee", phone: "555-0101" } })
      const { externalId } = yield* client.createLead(request)
      const lead = fake.leads().find((l) => String(l.id) === externalId)
      expect(lead?.received).toMatchObject({ campaignId: 11, businessUnitId: 22, jobTypeId: 33, priority: "Normal" })
      expect(lead?.received["summary"]).toBe(
        `No hot water\nHomeowner: Ann Lee, 555-0101\nAddress: 123 Main St, Anytown, CA 12345\nReference: ${request.routing.id}`
      )
      expect(Number.isNaN(Date.parse(String(lead?.received["followUpDate"])))).toBe(false)
      expect(yield* Option.getOrThrow(client.findLead)(request)).toEqual(Option.none())
      expect(fake.faults.count("listBookings")).toBe(0)
    })))

  it.live("maps the statuses of more than 50 bookings in batches and pages, following converted ones, on one token", () =>
    run(Effect.gen(function*() {
      const client = yield* make
      const target = account()
      const ids = yield* Effect.forEach(Array.from({ length: 55 }), () =>
        Effect.map(client.createLead(requestFor(target)), (created) => created.externalId))
      fake.setStatus(ids[0]!, "Accepted")
      fake.setStatus(ids[1]!, "Dismissed")
      const jobs = [
        fake.convertBooking(ids[2]!),
        fake.convertBooking(ids[3]!, { jobStatus: "Dispatched" }),
        fake.convertBooking(ids[4]!, { jobStatus: "Hold" }),
        fake.convertBooking(ids[5]!, { jobStatus: "InProgress", total: 80 }),
        fake.convertBooking(ids[6]!, { jobStatus: "InProgress" }),
        fake.convertBooking(ids[7]!, { jobStatus: "Canceled" })
      ]
      fake.updateJob(jobs[4]!, { jobStatus: "Completed", total: 1234.56, completedOn: "2026-02-03T10:00:00Z" })

      const states = yield* client.statuses(target, [...ids, "424242", "not-an-id"])
      const byId = new Map(states.map((s) => [s.externalId, s]))
      expect(states).toHaveLength(55)
      expect(ids.slice(0, 8).map((id) => byId.get(id)?.status)).toEqual(
        ["pending", "canceled", "scheduled", "scheduled", "scheduled", "in_progress", "completed", "canceled"]
      )
      expect(byId.get(ids[54]!)?.status).toBe("pending")
      expect(byId.get(ids[2]!)?.jobId).toEqual(Option.some(String(jobs[0])))
      expect(byId.get(ids[0]!)?.jobId).toEqual(Option.none())
      expect(byId.get(ids[5]!)?.revenueCents).toEqual(Option.some(8000))
      expect(byId.get(ids[6]!)).toEqual({
        externalId: ids[6],
        status: "completed",
        jobId: Option.some(String(jobs[4])),
        revenueCents: Option.some(123456),
        completedAt: Option.some(new Date("2026-02-03T10:00:00Z"))
      })
      expect(fake.faults.count("listBookings")).toBe(4)
      expect(fake.faults.count("listJobs")).toBe(1)
      expect(fake.faults.count("token")).toBe(1)
    })))

  it.live("follows CRM leads: open, dismissed, converted into a job", () =>
    run(Effect.gen(function*() {
      const client = yield* make
      const target = leadMode()
      const [open, dismissed, won] = yield* Effect.forEach([1, 2, 3], () =>
        Effect.map(client.createLead(requestFor(target)), (created) => created.externalId))
      fake.setStatus(dismissed!, "Dismissed")
      const jobId = fake.convertLead(won!, { jobStatus: "Completed", total: 99.5, completedOn: "2026-03-01T12:00:00Z" })
      const states = yield* client.statuses(target, [open!, dismissed!, won!])
      expect(states.map((s) => [s.externalId, s.status])).toEqual([[open, "pending"], [dismissed, "canceled"], [won, "completed"]])
      expect(states[2]).toMatchObject({ jobId: Option.some(String(jobId)), revenueCents: Option.some(9950) })
      expect(fake.faults.count("listLeads")).toBe(1)
      expect(fake.faults.count("listBookings")).toBe(0)
    })))

  it.live("asks for one token for many requests", () =>
    run(Effect.gen(function*() {
      const client = yield* make
      const target = account()
      yield* Effect.forEach(Array.from({ length: 8 }), () => client.createLead(requestFor(target)), { concurrency: 4 })
      expect(fake.faults.count("token")).toBe(1)
      expect(fake.faults.count("createBooking")).toBe(8)
    })))

  it.effect("reads expires_in and refreshes the token shortly before it runs out", () =>
    run(Effect.gen(function*() {
      fake.setTokenLifetime(120)
      const client = yield* make
      const request = requestFor(account())
      const find = Option.getOrThrow(client.findLead)
      yield* find(request)
      yield* TestClock.adjust(Duration.seconds(50))
      yield* find(request)
      expect(fake.faults.count("token")).toBe(1)
      yield* TestClock.adjust(Duration.seconds(11))
      yield* find(request)
      expect(fake.faults.count("token")).toBe(2)
      expect(fake.faults.count("listBookings")).toBe(3)
    })))

  it.live("a 401 on a cached token fetches one new token and succeeds", () =>
    run(Effect.gen(function*() {
      const client = yield* make
      const target = account()
      yield* client.createLead(requestFor(target))
      fake.expireTokens()
      const request = requestFor(target)
      const { externalId } = yield* client.createLead(request)
      expect(fake.faults.count("token")).toBe(2)
      expect(fake.faults.count("createBooking")).toBe(3)
      expect(fake.bookings().filter((b) => b.received["externalId"] === request.routing.id).map((b) => String(b.id)))
        .toEqual([externalId])
    })))

  it.live("rejected credentials are permanent failures that never show the credentials", () =>
    run(Effect.gen(function*() {
      const client = yield* make
      const badSecret = yield* failureOf(client.createLead(requestFor(account({}, { client_secret: WRONG_SECRET }))))
      expect(badSecret).toMatchObject({ kind: "permanent", status: 401 })
      expect(badSecret.message).toContain("invalid_client")
      const badClient = yield* failureOf(client.statuses(account({}, { client_id: "cid-unknown" }), ["1000"]))
      expect(badClient).toMatchObject({ kind: "permanent", status: 400 })
      expect(fake.faults.count("createBooking") + fake.faults.count("listBookings")).toBe(0)

      fake.faults.inject("token", {
        status: 400,
        body: { error: "invalid_client", error_description: `client ${CREDENTIALS.client_id} with ${CREDENTIALS.client_secret} is unknown` }
      })
      const echoed = yield* failureOf(client.checkCredentials(account()))
      expect(echoed.message).toContain("[redacted]")

      fake.faults.reset()
      const badAppKey = yield* failureOf(client.createLead(requestFor(account({}, { app_key: WRONG_APP_KEY }))))
      expect(badAppKey).toMatchObject({ kind: "permanent", status: 401 })
      expect(fake.faults.count("token")).toBe(2)
      expect(fake.faults.count("createBooking")).toBe(2)
    })))

  it.live("429 without Retry-After is rate limited with no wait", () =>
    run(Effect.gen(function*() {
      const client = yield* make
      fake.faults.inject("createBooking", { status: 429, body: { title: "Too many requests", status: 429 } })
      const without = yield* failureOf(client.createLead(requestFor(account())))
      expect(without).toMatchObject({ kind: "rate_limited", retryAfter: Option.none() })
    })))

  it.live("a create without an answer in time is retryable with an unknown outcome, and the lookup then finds it", () =>
    run(Effect.gen(function*() {
      const client = yield* make
      const request = requestFor(account())
      fake.faults.inject("createBooking", { delayMs: 700, thenAnswer: true })
      const error = yield* failureOf(client.createLead(request))
      expect(error).toMatchObject({ kind: "retryable", outcomeUnknown: true })
      const found = yield* Option.getOrThrow(client.findLead)(request).pipe(
        Effect.flatMap((option) => option),
        Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo("3 seconds")))
      )
      const booking = fake.bookings().find((b) => b.received["externalId"] === request.routing.id)
      expect(found).toEqual({ externalId: String(booking?.id) })
    })))

  it.live("validation, conflict, unknown booking provider and forbidden tenant answers are permanent", () =>
    run(Effect.gen(function*() {
      const client = yield* make
      const invalid = yield* failureOf(client.createLead(requestFor(account(), { homeowner: { name: " " } })))
      expect(invalid).toMatchObject({ kind: "permanent", status: 400 })
      expect(invalid.message).toContain("One or more validation errors occurred.")
      expect(invalid.message).toContain("The name field is required.")
      fake.faults.inject("createBooking", {
        status: 409,
        body: { type: "conflict", title: "Booking already exists", status: 409, traceId: "t-1", errors: { externalId: ["Duplicate"] } }
      })
      const conflict = yield* failureOf(client.createLead(requestFor(account())))
      expect(conflict).toMatchObject({ kind: "permanent", status: 409 })
      expect(conflict.message).toContain("Booking already exists")
      expect(conflict.message).toContain("Duplicate")
      const unknownProvider = yield* failureOf(client.createLead(requestFor(account({ booking_provider: "78" }))))
      expect(unknownProvider).toMatchObject({ kind: "permanent", status: 404 })
      const forbidden = yield* failureOf(client.statuses(account({ tenant_id: "999" }), ["1000"]))
      expect(forbidden).toMatchObject({ kind: "permanent", status: 403 })
      expect(fake.faults.count("listBookings")).toBe(1)
    })))

  it.live("checkCredentials fetches a fresh token and makes one authorized call", () =>
    run(Effect.gen(function*() {
      const client = yield* make
      const target = account()
      yield* client.createLead(requestFor(target))
      yield* client.checkCredentials(target)
      yield* client.checkCredentials(leadMode())
      expect(fake.faults.count("token")).toBe(3)
      expect(fake.faults.count("listBookings")).toBe(1)
      expect(fake.faults.count("listLeads")).toBe(1)
      const badSecret = yield* failureOf(client.checkCredentials(account({}, { client_secret: WRONG_SECRET })))
      expect(badSecret).toMatchObject({ kind: "permanent", status: 401 })
      expect(badSecret.message).toContain("rejected the credentials")
      const badAppKey = yield* failureOf(client.checkCredentials(account({}, { app_key: WRONG_APP_KEY })))
      expect(badAppKey).toMatchObject({ kind: "permanent", status: 401 })
      fake.faults.inject("token", { status: 503 }, { status: 503 }, { status: 503 })
      expect(yield* failureOf(client.checkCredentials(target))).toMatchObject({ kind: "retryable", status: 503 })
    })))

  it.live("missing configuration is permanent, names the fields and shows no values", () =>
    run(Effect.gen(function*() {
      const client = yield* make
      const { campaign_id: _, ...config } = account().config
      const { app_key: __, ...credentials } = CREDENTIALS
      const error = yield* failureOf(client.createLead(requestFor({ ...account(), config, credentials })))
      expect(error.kind).toBe("permanent")
      expect(error.message).toContain("missing configuration")
      expect(error.message).toContain("config.campaign_id")
      expect(error.message).toContain("credentials.app_key")
      const none = yield* failureOf(client.checkCredentials({ ...account(), credentials: null }))
      expect(none.message).toContain("credentials.client_secret")
      expect(fake.faults.count("token")).toBe(0)
    })))
})
