import { FetchHttpClient } from "@effect/platform"
import { afterAll, beforeAll, beforeEach } from "@effect/vitest"
import { Duration, Effect, Layer, Option } from "effect"
import { make as makeHousecallPro } from "../../layers/providers/housecallpro/adapter.ts"
import { make as makeJobber } from "../../layers/providers/jobber/adapter.ts"
import { make as makeMock } from "../../layers/providers/mock.ts"
import { make as makeServiceTitan } from "../../layers/providers/servicetitan/adapter.ts"
import { layerMemory as layerMockLeads } from "../../layers/storage/memory/mockLeads.ts"
import { layerStore } from "../../layers/storage/memory/store.ts"
import { CompanyId } from "../../src/domain/ids.ts"
import { type ProviderAccount, type ProviderClient, ProviderCredentialStore } from "../../src/services/Providers.ts"
import { DeliverySettings } from "../../src/services/Settings.ts"
import { type ProviderCall, providerClientContract, type ProviderFault, type ProviderUnderTest } from "../contracts/providerClient.contract.ts"
import type { Fault, Faults } from "../fakes/server.ts"
import { type HousecallProFake, startHousecallProFake } from "../fakes/housecallpro.ts"
import { type JobberFake, startJobberFake } from "../fakes/jobber.ts"
import { type ServiceTitanFake, startServiceTitanFake } from "../fakes/servicetitan.ts"
import { makeCredentialStore } from "../support/credentialStore.ts"
import { uuid } from "../support/fixtures.ts"
import { defaultDelivery } from "../support/services.ts"

/** The HTTP clients' bound on one request; a `slow` fault answers after twice that. */
const TIMEOUT = Duration.millis(500)
const RETRY_AFTER_SECONDS = 7

const httpLayer = Layer.merge(FetchHttpClient.layer, Layer.succeed(DeliverySettings, { ...defaultDelivery, providerTimeout: TIMEOUT }))

/** The fake's answers for each fault; `down` is as many 503s as a read is tried. */
const faultAnswers: Record<ProviderFault, ReadonlyArray<Fault>> = {
  rate_limited: [{ status: 429, body: { message: "Too many requests" }, headers: { "retry-after": String(RETRY_AFTER_SECONDS) } }],
  unavailable: [{ status: 503, body: { message: "Service Unavailable" } }],
  down: Array.from({ length: 3 }, () => ({ status: 503, body: { message: "Service Unavailable" } })),
  slow: [{ delayMs: Duration.toMillis(TIMEOUT) * 2, thenAnswer: true }]
}

/** Every fault, on both calls: what the HTTP providers' fakes can answer. */
const EVERY_FAULT = { create: ["rate_limited", "unavailable", "slow"], read: ["rate_limited", "unavailable", "down", "slow"] } as const

/** An HTTP provider whose fake takes faults by route: `routes` names the route of each call, `slowCreate` of a slow create. */
const overHttp = (options: {
  readonly faults: () => Faults
  readonly routes: { readonly [call in ProviderCall]: string }
  readonly slowCreate?: string
}): Pick<ProviderUnderTest, "faults" | "inject" | "calls" | "readTries" | "retryAfter"> => ({
  faults: EVERY_FAULT,
  inject: (account, call, fault) => {
    const route = call === "create" && fault === "slow" ? options.slowCreate ?? options.routes.create : options.routes[call]
    options.faults().inject(route, ...faultAnswers[fault])
    return account
  },
  calls: (call) => options.faults().count(options.routes[call]),
  readTries: faultAnswers.down.length,
  retryAfter: Duration.seconds(RETRY_AFTER_SECONDS)
})

const ST = { tenant: "1234567", clientId: "cid-contract", clientSecret: "csecret-contract-5e1", appKey: "ak1.contract-key" }
let serviceTitan: ServiceTitanFake
const HCP_KEY = `hcp_key_${uuid()}`
const HCP_WRONG_KEY = `hcp_wrong_${uuid()}`
let housecallPro: HousecallProFake
const JOBBER = { clientId: "jobber-contract-client", clientSecret: "jobber-contract-secret-9f2" }
let jobber: JobberFake

beforeAll(async () => {
  serviceTitan = await startServiceTitanFake({ ...ST, bookingProvider: "77" })
  housecallPro = await startHousecallProFake({ apiKeys: [HCP_KEY], keysWithoutApiAccess: [] })
  jobber = await startJobberFake(JOBBER)
})
afterAll(() => Promise.all([serviceTitan.close(), housecallPro.close(), jobber.close()]))
beforeEach(() => {
  serviceTitan.faults.reset()
  housecallPro.reset()
  jobber.faults.reset()
})

const serviceTitanAccount = (credentials: Record<string, string> = {}): ProviderAccount => ({
  companyId: CompanyId.make(uuid()),
  config: {
    tenant_id: ST.tenant,
    booking_provider: "77",
    campaign_id: 11,
    business_unit_id: 22,
    job_type_id: 33,
    api_base_url: serviceTitan.url,
    auth_base_url: serviceTitan.url
  },
  credentials: { client_id: ST.clientId, client_secret: ST.clientSecret, app_key: ST.appKey, ...credentials }
})

providerClientContract("ServiceTitan (fake)", {
  make: Effect.map(Effect.provide(makeServiceTitan, httpLayer), (client) => ({
    client,
    account: serviceTitanAccount(),
    refused: Option.some(() => serviceTitanAccount({ client_secret: "csecret-wrong" }))
  })),
  findsLeads: true,
  takesCredentials: true,
  ...overHttp({ faults: () => serviceTitan.faults, routes: { create: "createBooking", read: "listBookings" } }),
  unknownId: "424242",
  secrets: () => [ST.clientSecret, ST.appKey, "csecret-wrong", ...serviceTitan.issuedTokens()]
})

const housecallProAccount = (apiKey = HCP_KEY): ProviderAccount => ({
  companyId: CompanyId.make(uuid()),
  config: { api_base_url: housecallPro.url },
  credentials: { api_key: apiKey }
})

providerClientContract("Housecall Pro (fake)", {
  make: Effect.map(Effect.provide(makeHousecallPro, httpLayer), (client) => ({
    client,
    account: housecallProAccount(),
    refused: Option.some(() => housecallProAccount(HCP_WRONG_KEY))
  })),
  findsLeads: false,
  takesCredentials: true,
  ...overHttp({ faults: () => housecallPro.faults, routes: { create: "createLead", read: "getLead" } }),
  unknownId: "lead_unknown",
  secrets: () => [HCP_KEY, HCP_WRONG_KEY]
})

providerClientContract("Jobber (fake)", {
  make: Effect.gen(function*() {
    const store = makeCredentialStore(0)
    const client = yield* makeJobber.pipe(Effect.provideService(ProviderCredentialStore, store.service), Effect.provide(httpLayer))
    const credentials = { client_id: JOBBER.clientId, client_secret: JOBBER.clientSecret, refresh_token: jobber.grant().refreshToken }
    const account: ProviderAccount = { companyId: CompanyId.make(uuid()), config: { api_base_url: jobber.url }, credentials }
    store.stored.set(account.companyId, credentials)
    const refused = () => {
      const wrong = { ...credentials, client_secret: "jobber-wrong-secret" }
      store.stored.set(account.companyId, wrong)
      return { ...account, credentials: wrong }
    }
    return { client, account, refused: Option.some(refused) }
  }),
  findsLeads: false,
  takesCredentials: true,
  // Faults on the GraphQL endpoint, whatever the operation; a create is cut off where its outcome is unknown.
  ...overHttp({ faults: () => jobber.faults, routes: { create: "graphql", read: "graphql" }, slowCreate: "RequestCreate" }),
  unknownId: "unknown-request-id",
  secrets: () => [JOBBER.clientSecret, "jobber-wrong-secret", ...jobber.seen.issuedTokens]
})

/** The mock's settings for each fault it can answer: it fails at a rate, and only its creates are rate limited. */
const mockConfigs: Partial<Record<ProviderFault, Record<string, number>>> = {
  rate_limited: { rate_limited_rate: 1 },
  unavailable: { failure_rate: 1 },
  down: { failure_rate: 1 }
}
const mockCalls: Record<ProviderCall, number> = { create: 0, read: 0 }

/** The mock client, counting the calls it is asked: the mock provider is the client itself. */
const countingMock = (client: ProviderClient): ProviderClient => ({
  ...client,
  createLead: (request) => Effect.suspend(() => (mockCalls.create++, client.createLead(request))),
  statuses: (account, ids) => Effect.suspend(() => (mockCalls.read++, client.statuses(account, ids)))
})

providerClientContract("mock", {
  make: makeMock.pipe(
    Effect.map((client) => ({
      client: countingMock(client),
      account: { companyId: CompanyId.make(uuid()), config: {}, credentials: null },
      refused: Option.none()
    })),
    Effect.provide(layerMockLeads.pipe(Layer.provide(layerStore)))
  ),
  findsLeads: true,
  takesCredentials: false,
  faults: { create: ["rate_limited", "unavailable"], read: ["down"] },
  inject: (account, _call, fault) => ({ ...account, config: { ...account.config, ...mockConfigs[fault] } }),
  calls: (call) => mockCalls[call],
  readTries: 1,
  retryAfter: Duration.seconds(1),
  unknownId: "mock-unknown",
  secrets: () => []
})
