import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Array as Arr, Effect, Option, Schema } from "effect"
import { HousecallProConfig, HousecallProCredentials } from "../../../src/domain/providerSettings.ts"
import { type LeadState, type ProviderAccount, type ProviderClient, ProviderError } from "../../../src/services/Providers.ts"
import { DeliverySettings } from "../../../src/services/Settings.ts"
import { type CallOptions, makeProviderHttp, type ProviderHttp } from "../http.ts"
import { decodeAccount } from "../settings.ts"
import { CreatedLead, Job, JobsPage, Lead, leadBody } from "./schemas.ts"
import { convertedJobId, jobState, leadState } from "./statuses.ts"

const PROVIDER = "housecallpro"

/** Per-lead status reads in flight at once within one batch (Housecall Pro has no batch read). */
const STATUS_CONCURRENCY = 5

/** One company's way in: its HTTP pipeline (on its base URL) and its API key. */
interface Session {
  readonly http: ProviderHttp
  readonly apiKey: string
}

/** The account's config and API key, decoded at the boundary. */
const settingsOf = (account: ProviderAccount) =>
  decodeAccount(PROVIDER, { config: HousecallProConfig, credentials: HousecallProCredentials }, account).pipe(
    Effect.map(({ config, credentials }) => ({ baseUrl: config.api_base_url, apiKey: credentials.api_key }))
  )

/**
 * The error as the service should read it: an API key refused (401) or an account without API access (403, the API is
 * only on the top plan) said plainly (the pipeline has already struck the key out of any message that echoed it).
 */
const explain = (error: ProviderError): ProviderError => {
  const message = error.status === 401
    ? `${PROVIDER} rejected the API key (401 Unauthorized)`
    : error.status === 403
    ? `${PROVIDER} refused API access (403 Forbidden): the API is only on the company's top Housecall Pro plan`
    : error.message
  return message === error.message ? error : new ProviderError({
    kind: error.kind,
    message,
    retryAfter: error.retryAfter,
    ...(error.outcomeUnknown !== undefined ? { outcomeUnknown: error.outcomeUnknown } : {}),
    ...(error.status !== undefined ? { status: error.status } : {})
  })
}

/** Sends an authorized request through the session's pipeline. */
const call = <A, I>(
  session: Session,
  request: HttpClientRequest.HttpClientRequest,
  schema: Schema.Schema<A, I>,
  options: CallOptions
) =>
  session.http.call(
    HttpClientRequest.setHeader(request, "authorization", `Token ${session.apiKey}`),
    schema,
    { ...options, secrets: [session.apiKey] }
  ).pipe(Effect.mapError(explain))

/** A read whose 404 means "not there": none. */
const readOrNone = <A, I>(session: Session, path: string, schema: Schema.Schema<A, I>, name: string) =>
  call(session, HttpClientRequest.get(path), schema, { name, idempotent: true }).pipe(
    Effect.map(Option.some),
    Effect.catchIf((error) => error.status === 404, () => Effect.succeedNone)
  )

/** A state we could not place on the common set is left out (as an unknown id would be), with a warning. */
const known = (state: Option.Option<LeadState>, externalId: string, what: string, value: string) =>
  Option.isSome(state)
    ? Effect.succeed(state)
    : Effect.logWarning(`${PROVIDER}: unknown ${what}; lead left out of the batch`).pipe(
      Effect.annotateLogs({ lead_id: externalId, [what.replace(" ", "_")]: value }),
      Effect.as(state)
    )

/** One lead's state: the lead itself, or once it was won, the job it became. None when either is gone (404). */
const stateOf = (session: Session, externalId: string) =>
  Effect.gen(function*() {
    const lead = yield* readOrNone(session, `/leads/${encodeURIComponent(externalId)}`, Lead, "getLead")
    if (Option.isNone(lead)) return Option.none<LeadState>()
    const jobId = convertedJobId(lead.value)
    if (Option.isNone(jobId)) return yield* known(leadState(externalId, lead.value), externalId, "lead status", lead.value.status)
    const job = yield* readOrNone(session, `/jobs/${encodeURIComponent(jobId.value)}`, Job, "getJob")
    if (Option.isNone(job)) return Option.none<LeadState>()
    return yield* known(jobState(externalId, job.value), externalId, "work status", job.value.work_status)
  })

/**
 * The Housecall Pro adapter: leads created with `POST /leads` (our routing id in the note as `ref:<id>`), authorized by
 * the company's API key (`Authorization: Token <key>`); statuses read lead by lead, then through the job a won lead
 * became; no lookup by our reference, since the API documents none. Rejected keys (401) and accounts without API access
 * (403) are permanent failures.
 */
export const make = Effect.gen(function*() {
  const platformClient = yield* HttpClient.HttpClient
  const { providerTimeout } = yield* DeliverySettings

  const sessionOf = (account: ProviderAccount) =>
    Effect.flatMap(settingsOf(account), ({ apiKey, baseUrl }) =>
      makeProviderHttp({ provider: PROVIDER, baseUrl, timeout: providerTimeout }).pipe(
        Effect.provideService(HttpClient.HttpClient, platformClient),
        Effect.map((http): Session => ({ http, apiKey }))
      ))

  const client: ProviderClient = {
    // One create call, not retried inside.
    maxCallsPerLead: 1,
    // PROVIDERS.md documents no way to cancel or lose a lead through the API.
    cancelLead: Option.none(),
    createLead: (request) =>
      Effect.flatMap(sessionOf(request), (session) =>
        call(
          session,
          HttpClientRequest.post("/leads").pipe(HttpClientRequest.bodyUnsafeJson(leadBody(request))),
          CreatedLead,
          { name: "createLead", idempotent: false }
        )).pipe(Effect.map((lead) => ({ externalId: lead.id }))),

    findLead: Option.none(),

    statuses: (account, externalIds) =>
      externalIds.length === 0 ? Effect.succeed([]) : Effect.flatMap(sessionOf(account), (session) =>
        Effect.forEach(Arr.dedupe(externalIds), (externalId) => stateOf(session, externalId), {
          concurrency: STATUS_CONCURRENCY
        }).pipe(Effect.map(Arr.getSomes))),

    checkCredentials: (account) =>
      Effect.flatMap(sessionOf(account), (session) =>
        call(
          session,
          HttpClientRequest.get("/jobs").pipe(HttpClientRequest.setUrlParams({ page: "1", page_size: "1" })),
          JobsPage,
          { name: "checkCredentials", idempotent: true }
        )).pipe(Effect.asVoid)
  }
  return client
})
