import { HttpClientRequest } from "@effect/platform"
import { Chunk, Duration, Effect, Option, Schema } from "effect"
import { ServiceTitanConfig, ServiceTitanCredentials } from "../../../src/domain/providerSettings.ts"
import { type ProviderAccount, ProviderError } from "../../../src/services/Providers.ts"
import { DeliverySettings } from "../../../src/services/Settings.ts"
import { type CallOptions, makeProviderHttp } from "../http.ts"
import { decodeAccount } from "../settings.ts"
import { type IssuedToken as CachedToken, makeTokenCache, withToken } from "../tokenCache.ts"
import { IssuedToken, Page } from "./schemas.ts"

/** The provider's name in messages and spans. */
export const PROVIDER = "servicetitan"

/** Most ids ServiceTitan takes in one `ids=` filter, and the page size asked for. */
export const BATCH = 50

/** A bound on the pages read for one filter, so an answer that always says `hasMore` cannot loop forever. */
const MAX_PAGES = 100

/** A company's ServiceTitan account, decoded. */
export interface Settings {
  readonly config: ServiceTitanConfig
  readonly credentials: ServiceTitanCredentials
}

/** The account's ServiceTitan config and credentials, decoded at the boundary. */
export const decodeSettings = (account: ProviderAccount): Effect.Effect<Settings, ProviderError> =>
  decodeAccount(PROVIDER, { config: ServiceTitanConfig, credentials: ServiceTitanCredentials }, account)

/** A path under the account's tenant on the API host. */
export const tenantUrl = (settings: Settings, area: "crm" | "jpm", path: string) =>
  `${settings.config.api_base_url}/${area}/v2/tenant/${encodeURIComponent(settings.config.tenant_id)}${path}`

/** Where the account's bookings are: under its booking provider. */
export const bookingsUrl = (settings: Settings, bookingProvider: string) =>
  tenantUrl(settings, "crm", `/booking-provider/${encodeURIComponent(bookingProvider)}/bookings`)

/** Tokens are per client of a tenant, on one auth host. */
const tokenKey = (settings: Settings) =>
  JSON.stringify([settings.config.auth_base_url, settings.config.tenant_id, settings.credentials.client_id])

/**
 * ServiceTitan's authorized HTTP: each account's client-credentials token fetched once and reused until shortly before
 * it expires (refreshed once on a 401), and every call sent with the app key and the token.
 */
export const makeApi = Effect.gen(function*() {
  const { providerTimeout } = yield* DeliverySettings
  const http = yield* makeProviderHttp({ provider: PROVIDER, baseUrl: "", timeout: providerTimeout })
  const tokens = yield* makeTokenCache

  const issue = (settings: Settings): Effect.Effect<CachedToken, ProviderError> =>
    http.call(
      HttpClientRequest.post(`${settings.config.auth_base_url}/connect/token`).pipe(
        HttpClientRequest.bodyUrlParams({
          grant_type: "client_credentials",
          client_id: settings.credentials.client_id,
          client_secret: settings.credentials.client_secret
        })
      ),
      IssuedToken,
      { name: "issueToken", idempotent: true, secrets: [settings.credentials.client_id, settings.credentials.client_secret] }
    ).pipe(Effect.map((token) => ({ accessToken: token.access_token, expiresIn: Duration.seconds(token.expires_in) })))

  const authorized = <A, I>(
    settings: Settings,
    accessToken: string,
    request: HttpClientRequest.HttpClientRequest,
    schema: Schema.Schema<A, I>,
    options: CallOptions
  ) =>
    http.call(
      request.pipe(
        HttpClientRequest.setHeader("ST-App-Key", settings.credentials.app_key),
        HttpClientRequest.bearerToken(accessToken)
      ),
      schema,
      { ...options, secrets: [...Object.values(settings.credentials), accessToken] }
    )

  const call = <A, I>(settings: Settings, request: HttpClientRequest.HttpClientRequest, schema: Schema.Schema<A, I>, options: CallOptions) =>
    withToken(tokens, tokenKey(settings), () => issue(settings), (token) => authorized(settings, token, request, schema, options))

  return {
    /** Sends the request with the account's cached token and app key, and decodes the answer with `schema`. */
    call,
    /** Like `call`, with a token fetched now rather than the cached one (checking credentials). */
    callFresh: <A, I>(settings: Settings, request: HttpClientRequest.HttpClientRequest, schema: Schema.Schema<A, I>, options: CallOptions) =>
      Effect.flatMap(issue(settings), (token) => authorized(settings, token.accessToken, request, schema, options)),
    /**
     * Every item the list at `url` has for these ids, `BATCH` ids per filter, each filter read page by page while the
     * answer says `hasMore`.
     */
    listByIds: <A, I>(settings: Settings, url: string, item: Schema.Schema<A, I>, name: string, ids: ReadonlyArray<string>) =>
      Effect.forEach(Chunk.chunksOf(Chunk.fromIterable(ids), BATCH), (batch) =>
        Effect.iterate(
          { page: 1, items: [] as ReadonlyArray<A>, more: true },
          {
            while: (state) => state.more && state.page <= MAX_PAGES,
            body: (state) =>
              Effect.map(
                call(settings, HttpClientRequest.get(url).pipe(HttpClientRequest.setUrlParams({
                  ids: Chunk.join(batch, ","),
                  page: String(state.page),
                  pageSize: String(BATCH)
                })), Page(item), { name, idempotent: true }),
                (answer) => ({ page: state.page + 1, items: [...state.items, ...answer.data], more: answer.hasMore && answer.data.length > 0 })
              )
          }
        )).pipe(Effect.map((states) => states.flatMap((state) => state.items)))
  }
})

/** Messages for the credentials probe: a refusal reads as a rejection of the credentials, never showing them. */
export const asCredentialsCheck = (error: ProviderError) =>
  error.status === 401 || error.status === 403
    ? new ProviderError({
      kind: "permanent",
      message: `${PROVIDER} rejected the credentials (${error.message})`,
      retryAfter: Option.none(),
      status: error.status
    })
    : error
