import { HttpClient } from "@effect/platform"
import { Effect, Option } from "effect"
import { JobberConfig, JobberCredentials } from "../../../src/domain/providerSettings.ts"
import { type LeadRequest, type LeadState, type ProviderAccount, type ProviderClient, ProviderError } from "../../../src/services/Providers.ts"
import { DeliverySettings } from "../../../src/services/Settings.ts"
import { makeProviderHttp, type ProviderHttp } from "../http.ts"
import { decodeAccount } from "../settings.ts"
import { execute, type Operation } from "./graphql.ts"
import { accountQuery, clientCreate, created, propertyCreate, requestCreate } from "./mutations.ts"
import { requestStates, STATUS_BATCH, stateOf, unknownJobStatus } from "./statuses.ts"
import { makeTokens } from "./tokens.ts"

/** Leads whose client (and property) exist but whose request is not made yet, remembered so a retry reuses them. */
const PARTIAL_LIMIT = 1000

const settingsOf = (account: ProviderAccount) =>
  decodeAccount("jobber", { config: JobberConfig, credentials: JobberCredentials }, account)

/** An error of a step that cannot have made the lead (the client or property), so its outcome is known. */
const leadNotMade = (error: ProviderError) =>
  error.outcomeUnknown === true
    ? new ProviderError({
      kind: error.kind,
      message: error.message,
      retryAfter: error.retryAfter,
      outcomeUnknown: false,
      ...(error.status === undefined ? {} : { status: error.status })
    })
    : error

/**
 * Jobber over GraphQL. A lead is a request: `clientCreate`, then `propertyCreate`, then `requestCreate` titled with our
 * routing id; its id is the external id. The three mutations are not atomic: a client or property made by an attempt
 * that failed later is remembered (in this process) and reused by the retry; only `requestCreate` can leave the lead's
 * outcome unknown. Jobber has no lookup by our reference, so `findLead` is none. Access tokens and rotated refresh
 * tokens are kept per company (see tokens.ts).
 */
export const make = Effect.gen(function*() {
  const platformClient = yield* HttpClient.HttpClient
  const { providerTimeout } = yield* DeliverySettings
  const tokens = yield* makeTokens
  const https = new Map<string, ProviderHttp>()
  const partial = new Map<string, { clientId: string; propertyId?: string }>()

  const httpFor = (baseUrl: string) =>
    Effect.gen(function*() {
      const known = https.get(baseUrl)
      if (known !== undefined) return known
      const http = yield* makeProviderHttp({ provider: "jobber", baseUrl, timeout: providerTimeout }).pipe(
        Effect.provideService(HttpClient.HttpClient, platformClient)
      )
      https.set(baseUrl, http)
      return http
    })

  /** Runs operations for the account: its API base URL and version, its token. */
  const sessionOf = (account: ProviderAccount) =>
    Effect.gen(function*() {
      const { config, credentials } = yield* settingsOf(account)
      const http = yield* httpFor(config.api_base_url)
      return <A, I>(operation: Operation<A, I>) =>
        tokens.withAccess(http, account, credentials, (token, secrets) =>
          execute(http, { accessToken: token, version: config.graphql_version, secrets }, operation))
    })

  const remember = (key: string, step: { clientId: string; propertyId?: string }) => {
    partial.delete(key)
    partial.set(key, step)
    if (partial.size > PARTIAL_LIMIT) partial.delete(partial.keys().next().value!)
  }

  const createLead = (request: LeadRequest) =>
    Effect.gen(function*() {
      const run = yield* sessionOf(request)
      const key = `${request.companyId}:${request.routing.id}`
      const clientId = yield* Option.match(Option.fromNullable(partial.get(key)?.clientId), {
        onSome: Effect.succeed,
        onNone: () =>
          run(clientCreate(request.job)).pipe(
            Effect.flatMap(({ clientCreate: r }) => created("clientCreate", r, r?.client?.id)),
            Effect.tap((id) => Effect.sync(() => remember(key, { clientId: id }))),
            Effect.mapError(leadNotMade)
          )
      })
      const propertyId = yield* Option.match(Option.fromNullable(partial.get(key)?.propertyId), {
        onSome: Effect.succeed,
        onNone: () =>
          run(propertyCreate(clientId, request.job)).pipe(
            Effect.flatMap(({ propertyCreate: r }) => created("propertyCreate", r, r?.properties?.[0]?.id)),
            Effect.tap((id) => Effect.sync(() => remember(key, { clientId, propertyId: id }))),
            Effect.mapError(leadNotMade)
          )
      })
      const requestId = yield* run(requestCreate(clientId, propertyId, request.job, request.routing)).pipe(
        Effect.flatMap(({ requestCreate: r }) => created("requestCreate", r, r?.request?.id))
      )
      partial.delete(key)
      return { externalId: requestId }
    }).pipe(Effect.withSpan("jobber.createLead", { attributes: { "routing.id": request.routing.id } }))

  const statusBatch = (run: Effect.Effect.Success<ReturnType<typeof sessionOf>>, ids: ReadonlyArray<string>) =>
    Effect.gen(function*() {
      const data = yield* run(requestStates(ids))
      const states: Array<LeadState> = []
      for (const [index, id] of ids.entries()) {
        const node = data[`r${index}`]
        if (node === undefined || node === null) continue
        const unknown = unknownJobStatus(node)
        if (Option.isSome(unknown)) {
          yield* Effect.logWarning("jobber job status not in the mapping; reading it as pending").pipe(
            Effect.annotateLogs({ job_status: unknown.value, external_id: id })
          )
        }
        states.push(stateOf(id, node))
      }
      return states
    })

  const client: ProviderClient = {
    // A token refresh (sent once, see tokens.ts) and three mutations, then a refresh and a mutation again after a 401.
    maxCallsPerLead: 10,
    // PROVIDERS.md documents no mutation that closes a request.
    cancelLead: Option.none(),
    createLead,
    findLead: Option.none(),
    statuses: (account, externalIds) =>
      Effect.gen(function*() {
        const ids = [...new Set(externalIds)]
        if (ids.length === 0) return []
        const run = yield* sessionOf(account)
        const batches = Array.from({ length: Math.ceil(ids.length / STATUS_BATCH) }, (_, i) =>
          ids.slice(i * STATUS_BATCH, (i + 1) * STATUS_BATCH))
        return (yield* Effect.forEach(batches, (batch) => statusBatch(run, batch))).flat()
      }).pipe(Effect.withSpan("jobber.statuses", { attributes: { "leads.count": externalIds.length } })),
    checkCredentials: (account) =>
      Effect.gen(function*() {
        const run = yield* sessionOf(account)
        const { account: found } = yield* run(accountQuery)
        if (found === null) {
          return yield* new ProviderError({ kind: "permanent", message: "jobber: the token reaches no account", retryAfter: Option.none() })
        }
      }).pipe(Effect.withSpan("jobber.checkCredentials"))
  }
  return client
})
