import { FetchHttpClient } from "@effect/platform"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Option } from "effect"
import { make } from "../../layers/providers/jobber/adapter.ts"
import { CompanyId } from "../../src/domain/ids.ts"
import { type LeadRequest, type ProviderAccount, ProviderCredentialStore, type ProviderError } from "../../src/services/Providers.ts"
import { DeliverySettings } from "../../src/services/Settings.ts"
import { type JobberFake, startJobberFake } from "../fakes/jobber.ts"
import { makeCredentialStore } from "../support/credentialStore.ts"
import { makeJob, uuid } from "../support/fixtures.ts"
import { defaultDelivery } from "../support/services.ts"

const CLIENT_ID = "jobber-app-client-id"
const CLIENT_SECRET = "jobber-app-client-secret-s3cr3t"

let fake: JobberFake
beforeAll(async () => {
  fake = await startJobberFake({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET })
})
afterAll(() => fake.close())
beforeEach(() => {
  fake.faults.reset()
  fake.seen.refreshTokensUsed.length = 0
  fake.setBudget({ currentlyAvailable: 10_000, restoreRate: 500 })
  Object.assign(fake.settings, { unauthenticatedAs: "http", refuseAllTokens: false })
})

/** An adapter with token caches of its own, as another process has. */
const adapterOn = (store: typeof ProviderCredentialStore.Service) =>
  make.pipe(
    Effect.provideService(ProviderCredentialStore, store),
    Effect.provideService(DeliverySettings, { ...defaultDelivery, providerTimeout: Duration.millis(500) }),
    Effect.provide(FetchHttpClient.layer)
  )

/**
 * A fresh adapter for a company with a fresh grant, its stored credentials and their saves, and another adapter on
 * the same store (another process).
 */
const setup = (options: { readonly storedAccessToken?: boolean; readonly failingSaves?: number } = {}) =>
  Effect.gen(function*() {
    const store = makeCredentialStore(options.failingSaves ?? 0)
    const adapter = yield* adapterOn(store.service)
    const grant = fake.grant()
    const account: ProviderAccount = {
      companyId: CompanyId.make(uuid()),
      config: { api_base_url: fake.url },
      credentials: {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        refresh_token: grant.refreshToken,
        ...(options.storedAccessToken === true ? { access_token: grant.accessToken } : {})
      }
    }
    store.stored.set(account.companyId, account.credentials!)
    /** The account with these credentials, stored as an operator would set them. */
    const setCredentials = (credentials: Readonly<Record<string, string>>): ProviderAccount => {
      store.stored.set(account.companyId, credentials)
      return { ...account, credentials }
    }
    return { adapter, other: adapterOn(store.service), saves: store.saves, stored: store.stored, grant, account, setCredentials }
  })

const leadFor = (account: ProviderAccount, overrides: Parameters<typeof makeJob>[2] = {}): LeadRequest => {
  const job = makeJob(account.companyId, [account.companyId], overrides)
  return { ...account, job, routing: job.routings[0]! }
}

/** The failure of `effect`, checked to carry none of the credentials the fake or the tests ever used. */
const failure = <A>(effect: Effect.Effect<A, ProviderError>) =>
  Effect.map(Effect.flip(effect), (error) => {
    for (const secret of [CLIENT_SECRET, ...fake.seen.issuedTokens]) expect(error.message).not.toContain(secret)
    return error
  })

describe("Jobber adapter against the fake", () => {
  it.live("creates a client, its property and a request titled with the routing id; the request id is the external id", () =>
    Effect.gen(function*() {
      const { adapter, account } = yield* setup({ storedAccessToken: true })
      const request = leadFor(account, {
        homeowner: { name: "Mary Ann Smith", phone: "555-0100", email: "mary@example.com" },
        address: { street: "1 Elm St", unit: "Apt 2", city: "Springfield", state: "IL", zipCode: "62701" },
        priority: "urgent"
      })
      const { externalId } = yield* adapter.createLead(request)
      const lead = fake.requests.get(externalId)!
      expect(lead.title).toBe(`URGENT: Kitchen faucet replacement [ref ${request.routing.id}]`)
      expect(fake.clients.get(lead.clientId)).toMatchObject({
        firstName: "Mary",
        lastName: "Ann Smith",
        emails: [{ address: "mary@example.com", primary: true }],
        phones: [{ number: "555-0100", primary: true }]
      })
      expect(fake.properties.get(lead.propertyId!)).toMatchObject({
        clientId: lead.clientId,
        address: { street1: "1 Elm St", street2: "Apt 2", city: "Springfield", province: "IL", postalCode: "62701" }
      })
      expect(["ClientCreate", "PropertyCreate", "RequestCreate"].map(fake.faults.count)).toEqual([1, 1, 1])
      expect(fake.seen.versions.at(-1)).toBe("2025-01-20")
      expect(fake.faults.count("token")).toBe(0)
    }))

  it.live("maps requests and their jobs onto the common statuses, batching 25 ids per query and leaving unknown ids out", () =>
    Effect.gen(function*() {
      const { adapter, account } = yield* setup({ storedAccessToken: true })
      const withJob = (job: Parameters<JobberFake["attachJob"]>[1]) => {
        const id = fake.addRequest()
        return { id, jobId: fake.attachJob(id, job) }
      }
      const cases = {
        unscheduled: withJob({ jobStatus: "unscheduled" }),
        action_required: withJob({ jobStatus: "action_required" }),
        on_hold: withJob({ jobStatus: "on_hold" }),
        upcoming: withJob({ jobStatus: "upcoming" }),
        today: withJob({ jobStatus: "today" }),
        late: withJob({ jobStatus: "late" }),
        active: withJob({ jobStatus: "active", total: 99.5 }),
        requires_invoicing: withJob({ jobStatus: "requires_invoicing", total: 123.45, completedAt: "2026-02-03T10:00:00Z" }),
        archived_done: withJob({ jobStatus: "archived", total: 80, completedAt: "2026-02-04T10:00:00Z" }),
        archived_dropped: withJob({ jobStatus: "archived" }),
        strange: withJob({ jobStatus: "frobnicated" })
      }
      const noJob = fake.addRequest()
      const archivedNoJob = fake.addRequest()
      fake.setRequestStatus(archivedNoJob, "archived")
      const filler = Array.from({ length: 20 }, () => fake.addRequest())
      const ids = [...Object.values(cases).map((c) => c.id), noJob, archivedNoJob, ...filler, "unknown-request-id"]

      const states = yield* adapter.statuses(account, ids)
      const byId = new Map(states.map((s) => [s.externalId, s]))
      expect(fake.faults.count("RequestStates")).toBe(2)
      expect(states).toHaveLength(ids.length - 1)
      expect(byId.has("unknown-request-id")).toBe(false)
      const statusOf = (key: keyof typeof cases) => byId.get(cases[key].id)?.status
      expect(Object.keys(cases).map((key) => [key, statusOf(key as keyof typeof cases)])).toEqual([
        ["unscheduled", "pending"],
        ["action_required", "pending"],
        ["on_hold", "pending"],
        ["upcoming", "scheduled"],
        ["today", "scheduled"],
        ["late", "scheduled"],
        ["active", "scheduled"],
        ["requires_invoicing", "completed"],
        ["archived_done", "completed"],
        ["archived_dropped", "canceled"],
        ["strange", "pending"]
      ])
      expect(byId.get(cases.requires_invoicing.id)).toEqual({
        externalId: cases.requires_invoicing.id,
        status: "completed",
        jobId: Option.some(cases.requires_invoicing.jobId),
        revenueCents: Option.some(12_345),
        completedAt: Option.some(new Date("2026-02-03T10:00:00Z"))
      })
      expect(byId.get(cases.active.id)).toMatchObject({ revenueCents: Option.some(9_950), completedAt: Option.none() })
      expect(byId.get(noJob)).toMatchObject({ status: "pending", jobId: Option.none(), revenueCents: Option.none() })
      expect(byId.get(archivedNoJob)?.status).toBe("canceled")
    }))

  it.live("without an access token, refreshes once, saves the rotated refresh token, and keeps using it over stale credentials", () =>
    Effect.gen(function*() {
      const { adapter, saves, grant, account } = yield* setup()
      yield* adapter.checkCredentials(account)
      expect(fake.faults.count("token")).toBe(1)
      expect(saves).toHaveLength(1)
      const first = saves[0]!
      expect(first.companyId).toBe(account.companyId)
      expect(first.credentials).toMatchObject({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET })
      expect(first.credentials["refresh_token"]).not.toBe(grant.refreshToken)
      expect(first.credentials["access_token"]).toEqual(expect.any(String))

      fake.expireAccessTokens()
      yield* adapter.statuses(account, [fake.addRequest()])
      expect(fake.faults.count("token")).toBe(2)
      expect(fake.seen.refreshTokensUsed).toEqual([grant.refreshToken, first.credentials["refresh_token"]])
      expect(saves).toHaveLength(2)
      expect(saves[1]!.credentials["refresh_token"]).not.toBe(first.credentials["refresh_token"])
    }))

  it.live("a rotation whose save failed fails the call, and the next attempt stores and uses the rotated pair", () =>
    Effect.gen(function*() {
      const { adapter, saves, grant, account } = yield* setup({ failingSaves: 1 })
      expect(yield* failure(adapter.checkCredentials(account))).toMatchObject({ kind: "retryable", message: "store unavailable" })
      yield* adapter.checkCredentials(account)
      expect(fake.seen.refreshTokensUsed).toEqual([grant.refreshToken])
      expect(saves).toHaveLength(1)
      expect(saves[0]!.credentials["refresh_token"]).not.toBe(grant.refreshToken)
      expect(fake.faults.count("Account")).toBe(1)
    }))

  it.live("many concurrent calls share one refresh", () =>
    Effect.gen(function*() {
      const { adapter, saves, account } = yield* setup()
      const lead = fake.addRequest()
      yield* Effect.all(Array.from({ length: 12 }, () => adapter.statuses(account, [lead])), { concurrency: "unbounded" })
      expect(fake.faults.count("token")).toBe(1)
      expect(saves).toHaveLength(1)
    }))

  it.live("credentials set again by an operator (a refresh token outside the rotation) are adopted", () =>
    Effect.gen(function*() {
      const { adapter, account, setCredentials } = yield* setup()
      yield* adapter.checkCredentials(account)
      const again = fake.grant()
      yield* adapter.checkCredentials(setCredentials({ ...account.credentials, refresh_token: again.refreshToken }))
      expect(fake.seen.refreshTokensUsed.at(-1)).toBe(again.refreshToken)
    }))

  it.live("a stored JWT access token past its exp is not sent; an unauthenticated GraphQL error refreshes and retries", () =>
    Effect.gen(function*() {
      const { adapter, account } = yield* setup()
      const expired = `${Buffer.from("{}").toString("base64url")}.${Buffer.from(JSON.stringify({ exp: 1 })).toString("base64url")}.x`
      yield* adapter.checkCredentials({ ...account, credentials: { ...account.credentials, access_token: expired } })
      expect([fake.faults.count("token"), fake.faults.count("graphql")]).toEqual([1, 1])

      fake.settings.unauthenticatedAs = "graphql"
      fake.expireAccessTokens()
      expect(yield* adapter.statuses(account, [fake.addRequest()])).toHaveLength(1)
      expect([fake.faults.count("token"), fake.faults.count("graphql")]).toEqual([2, 3])
    }))

  it.live("a refused refresh, or a token refused right after a refresh, is a permanent credentials failure", () =>
    Effect.gen(function*() {
      const { adapter, account, setCredentials } = yield* setup()
      const bogus = setCredentials({ ...account.credentials, refresh_token: "not-a-refresh-token" })
      const refused = yield* failure(adapter.checkCredentials(bogus))
      expect(refused).toMatchObject({ kind: "permanent", status: 400, message: expect.stringContaining("credentials rejected") })
      const wrongSecret = setCredentials({ ...account.credentials, client_secret: "wrong-secret-value" })
      const badClient = yield* failure(adapter.createLead(leadFor(wrongSecret)))
      expect(badClient).toMatchObject({ kind: "permanent", status: 401, message: expect.stringContaining("credentials rejected") })
      expect(badClient.message).not.toContain("wrong-secret-value")

      expect(fake.faults.count("ClientCreate")).toBe(0)

      fake.settings.refuseAllTokens = true
      const rejected = yield* failure(adapter.statuses(setCredentials(account.credentials!), [fake.addRequest()]))
      expect(rejected).toMatchObject({ kind: "permanent", status: 401 })
      expect(fake.faults.count("graphql")).toBe(2)
    }))

  it.live("checkCredentials fails permanently when configuration is missing, naming the fields but not the values", () =>
    Effect.gen(function*() {
      const { adapter, account } = yield* setup()
      expect(yield* failure(adapter.checkCredentials({ ...account, credentials: null }))).toMatchObject({
        kind: "permanent",
        message: "jobber: missing configuration (credentials.client_id, credentials.client_secret, credentials.refresh_token)"
      })
      const { refresh_token: _, ...withoutRefresh } = account.credentials!
      const missing = yield* failure(adapter.checkCredentials({ ...account, credentials: withoutRefresh }))
      expect(missing.message).toBe("jobber: missing configuration (credentials.refresh_token)")
      const badVersion = yield* failure(adapter.checkCredentials({ ...account, config: { api_base_url: fake.url, graphql_version: "latest" } }))
      expect(badVersion.message).toBe("jobber: missing configuration (config.graphql_version)")
      expect(fake.faults.count("token") + fake.faults.count("graphql")).toBe(0)
    }))

  it.live("userErrors are permanent; a GraphQL validation error is permanent", () =>
    Effect.gen(function*() {
      const { adapter, account } = yield* setup({ storedAccessToken: true })
      const noName = yield* failure(adapter.createLead(leadFor(account, { homeowner: { name: "  " } })))
      expect(noName).toMatchObject({ kind: "permanent", message: expect.stringContaining("firstName: Client needs a first or last name") })
      expect(noName.outcomeUnknown).not.toBe(true)

      fake.faults.inject("RequestStates", {
        status: 200,
        body: { errors: [{ message: "Field 'frob' doesn't exist on type 'Request'", extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }] }
      })
      const invalid = yield* failure(adapter.statuses(account, [fake.addRequest()]))
      expect(invalid).toMatchObject({ kind: "permanent", message: expect.stringContaining("Field 'frob' doesn't exist") })
      expect(fake.faults.count("RequestStates")).toBe(1)
    }))

  it.live("errors carry no access token, refresh token or client secret, not even the half a 300-character cut leaves", () =>
    Effect.gen(function*() {
      const { adapter, account, grant } = yield* setup({ storedAccessToken: true })
      const refreshing = yield* setup()
      const secrets = [grant.accessToken, grant.refreshToken, CLIENT_SECRET]
      /** The error's message holds no secret, nor the first half of one. */
      const clean = (error: ProviderError) => {
        for (const secret of [...secrets, refreshing.grant.refreshToken]) {
          expect(error.message).not.toContain(secret.slice(0, Math.ceil(secret.length / 2)))
        }
        return error
      }
      // A secret whose first half ends at the detail's 300-character limit.
      const cutAt300 = (secret: string) => `${"x".repeat(300 - Math.ceil(secret.length / 2))}${secret}`

      fake.faults.inject("ClientCreate", { status: 500, body: `echo: ${secrets.join(" ")}` })
      expect(clean(yield* failure(adapter.createLead(leadFor(account))))).toMatchObject({ status: 500, message: expect.stringContaining("[redacted]") })
      for (const secret of secrets) {
        fake.faults.inject("ClientCreate", { status: 422, body: cutAt300(secret) })
        clean(yield* failure(adapter.createLead(leadFor(account))))
        fake.faults.inject("ClientCreate", { status: 200, body: { errors: [{ message: cutAt300(secret) }] } })
        clean(yield* failure(adapter.createLead(leadFor(account))))
      }

      for (const secret of [refreshing.grant.refreshToken, CLIENT_SECRET]) {
        fake.faults.inject("token", { status: 403, body: { error: "forbidden", error_description: cutAt300(secret) } })
        clean(yield* failure(refreshing.adapter.checkCredentials(refreshing.account)))
      }
    }))

  it.live("THROTTLED is rate limited with the wait its throttleStatus implies", () =>
    Effect.gen(function*() {
      const { adapter, account } = yield* setup({ storedAccessToken: true })
      fake.setBudget({ currentlyAvailable: 0, restoreRate: 5 })
      const natural = yield* failure(adapter.statuses(account, [fake.addRequest(), fake.addRequest()]))
      const cost = fake.seen.lastCost!
      const missing = cost.requestedQueryCost - cost.throttleStatus.currentlyAvailable
      expect(natural.kind).toBe("rate_limited")
      expect(natural.retryAfter).toEqual(Option.some(Duration.millis(Math.ceil((missing / 5) * 1000))))

      fake.setBudget({ currentlyAvailable: 10_000, restoreRate: 500 })
      fake.faults.inject("ClientCreate", {
        status: 200,
        body: {
          errors: [{ message: "Throttled", extensions: { code: "THROTTLED" } }],
          extensions: { cost: { requestedQueryCost: 1000, actualQueryCost: 0, throttleStatus: { maximumAvailable: 10_000, currentlyAvailable: 250, restoreRate: 500 } } }
        }
      })
      const injected = yield* failure(adapter.createLead(leadFor(account)))
      expect(injected).toMatchObject({ kind: "rate_limited", retryAfter: Option.some(Duration.millis(1500)) })
      expect(injected.outcomeUnknown).not.toBe(true)
    }))

  it.live("a retry after a later step failed reuses the client and property already made", () =>
    Effect.gen(function*() {
      const { adapter, account } = yield* setup({ storedAccessToken: true })
      const request = leadFor(account)
      fake.faults.inject("RequestCreate", { status: 500, body: "Internal Server Error" })
      expect(yield* failure(adapter.createLead(request))).toMatchObject({ kind: "retryable", status: 500 })
      const { externalId } = yield* adapter.createLead(request)
      expect(["ClientCreate", "PropertyCreate", "RequestCreate"].map(fake.faults.count)).toEqual([1, 1, 2])
      expect(fake.requests.get(externalId)?.title).toContain(request.routing.id)
    }))

  it.live("a timeout leaves the outcome unknown only when it hit requestCreate", () =>
    Effect.gen(function*() {
      const { adapter, account } = yield* setup({ storedAccessToken: true })
      fake.faults.inject("ClientCreate", { delayMs: 1_000, thenAnswer: true })
      const early = yield* failure(adapter.createLead(leadFor(account)))
      expect(early).toMatchObject({ kind: "retryable", outcomeUnknown: false })

      fake.faults.inject("RequestCreate", { delayMs: 1_000, thenAnswer: true })
      const late = yield* failure(adapter.createLead(leadFor(account)))
      expect(late).toMatchObject({ kind: "retryable", outcomeUnknown: true, message: expect.stringContaining("no answer within") })
    }))

  it.live("a refresh that got no answer is not sent again on the spot; a later attempt reads the stored credentials again and delivers", () =>
    Effect.gen(function*() {
      const { adapter, account, stored, grant } = yield* setup()
      // No answer within the adapter's 500 ms; the refresh never reached Jobber's rotation.
      fake.faults.inject("token", { delayMs: 1_000 })
      const lost = yield* failure(adapter.createLead(leadFor(account)))
      expect(lost).toMatchObject({ kind: "retryable", message: expect.stringContaining("reads the stored credentials again") })
      expect(lost.outcomeUnknown).not.toBe(true)
      expect(fake.faults.count("token")).toBe(1)
      expect(stored.get(account.companyId)).toMatchObject({ refresh_token: grant.refreshToken, refresh_unanswered_at: expect.any(String) })

      fake.faults.inject("token", { status: 503, body: "Service Unavailable" })
      expect(yield* failure(adapter.checkCredentials(account))).toMatchObject({ kind: "retryable", status: 503 })
      expect(fake.faults.count("token")).toBe(2)

      const { externalId } = yield* adapter.createLead(leadFor(account))
      expect(fake.requests.has(externalId)).toBe(true)
      expect(fake.faults.count("token")).toBe(3)
      expect(fake.seen.refreshTokensUsed).toEqual([grant.refreshToken])
      expect(stored.get(account.companyId)?.["refresh_token"]).not.toBe(grant.refreshToken)
      expect(stored.get(account.companyId)).not.toHaveProperty("refresh_unanswered_at")
    }))

  it.live("a refresh Jobber carried out but whose answer was lost ends in a clear permanent failure, asking for authorisation again", () =>
    Effect.gen(function*() {
      const { adapter, account, grant } = yield* setup()
      // Jobber rotates after the adapter gave up waiting: the new pair is lost.
      fake.faults.inject("token", { delayMs: 700, thenAnswer: true })
      expect(yield* failure(adapter.checkCredentials(account))).toMatchObject({ kind: "retryable" })
      yield* Effect.sleep("400 millis")
      expect(fake.seen.refreshTokensUsed).toEqual([grant.refreshToken])

      const refused = yield* failure(adapter.checkCredentials(account))
      expect(refused).toMatchObject({ kind: "permanent", status: 400, message: expect.stringContaining("must authorise the app again") })
      expect(fake.seen.refreshTokensUsed).toEqual([grant.refreshToken, grant.refreshToken])
    }))

  it.live("two processes sharing the stored credentials make one refresh; the second uses the token the first stored", () =>
    Effect.gen(function*() {
      const { adapter, other, account } = yield* setup()
      const second = yield* other
      fake.faults.inject("token", { delayMs: 200, thenAnswer: true })
      yield* Effect.all([adapter.checkCredentials(account), second.checkCredentials(account)], { concurrency: "unbounded" })
      expect(fake.faults.count("token")).toBe(1)
      expect(fake.faults.count("Account")).toBe(2)
    }))
})
