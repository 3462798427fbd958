import { HttpClientRequest } from "@effect/platform"
import { Clock, Duration, Effect, Either, Encoding, Option, Schema } from "effect"
import type { JobberCredentials } from "../../../src/domain/providerSettings.ts"
import { type ProviderAccount, ProviderCredentialStore, ProviderError } from "../../../src/services/Providers.ts"
import type { ProviderHttp } from "../http.ts"
import { type IssuedToken, makeTokenCache, withToken } from "../tokenCache.ts"

/** An access token's life when neither the answer's `expires_in` nor the token itself says (Jobber: 60 minutes). */
const ASSUMED_LIFE = Duration.minutes(60)

/** Refresh tokens remembered per company after rotation, to recognise credentials read before our last save. */
const SUPERSEDED_LIMIT = 32

const TokenAnswer = Schema.Struct({
  access_token: Schema.String,
  /** Rotated on every refresh; the one sent stops working. */
  refresh_token: Schema.optional(Schema.String),
  expires_in: Schema.optional(Schema.Number)
})

/**
 * One company's chain of refresh tokens since its credentials were last set. `generation` changes when credentials
 * arrive that are not from this chain (an operator authorised again, another replica rotated them), so access tokens
 * cached for the old chain are never used for the new one.
 */
interface Lineage {
  readonly generation: number
  readonly clientId: string
  refreshToken: string
  readonly superseded: Set<string>
  /** The stored access token, tried once before the first refresh. */
  storedAccessToken: string | undefined
}

/** When a JWT access token expires (epoch ms), from its `exp` claim; none for opaque tokens. */
const jwtExpiry = (token: string): Option.Option<number> => {
  const parts = token.split(".")
  if (parts.length !== 3) return Option.none()
  return Either.match(Encoding.decodeBase64UrlString(parts[1]!), {
    onLeft: () => Option.none(),
    onRight: (json) => {
      try {
        const exp = (JSON.parse(json) as { exp?: unknown }).exp
        return typeof exp === "number" ? Option.some(exp * 1000) : Option.none()
      } catch {
        return Option.none()
      }
    }
  })
}

/** How long an access token lives: as the answer said, else as its JWT `exp` says, else the assumed hour. */
const lifeOf = (accessToken: string, expiresIn: number | undefined, nowMs: number) =>
  expiresIn !== undefined
    ? Duration.seconds(expiresIn)
    : Option.match(jwtExpiry(accessToken), { onNone: () => ASSUMED_LIFE, onSome: (at) => Duration.millis(Math.max(0, at - nowMs)) })

const rejected = (error: ProviderError) =>
  error.status === 400 || error.status === 401
    ? new ProviderError({
      kind: "permanent",
      message: `jobber: credentials rejected (the token endpoint refused the refresh token or client, ${error.status})`,
      retryAfter: Option.none(),
      status: error.status
    })
    : error

/** What a company's errors must never carry: its client secret, refresh tokens (stored and rotated), access tokens. */
const secretsOf = (credentials: JobberCredentials, lineage: Lineage, accessToken = "") => [
  accessToken,
  credentials.client_secret,
  credentials.refresh_token,
  credentials.access_token ?? "",
  lineage.refreshToken
]

/**
 * Jobber access tokens per company: the stored one first, then ones from refreshing with the company's latest refresh
 * token. Every refresh rotates the refresh token; the new one is saved through `ProviderCredentialStore` and used from
 * then on, whatever older credentials later requests carry. Refreshes for a company are single-flight.
 */
export const makeTokens = Effect.gen(function*() {
  const cache = yield* makeTokenCache
  const store = yield* ProviderCredentialStore
  const lineages = new Map<string, Lineage>()
  let generations = 0

  const lineageOf = (companyId: string, credentials: JobberCredentials) => {
    const current = lineages.get(companyId)
    const ours = current !== undefined && current.clientId === credentials.client_id &&
      (current.refreshToken === credentials.refresh_token || current.superseded.has(credentials.refresh_token))
    if (ours) return current
    const lineage: Lineage = {
      generation: ++generations,
      clientId: credentials.client_id,
      refreshToken: credentials.refresh_token,
      superseded: new Set(),
      storedAccessToken: credentials.access_token
    }
    lineages.set(companyId, lineage)
    return lineage
  }

  const rotate = (lineage: Lineage, next: string) => {
    if (next === lineage.refreshToken) return
    lineage.superseded.add(lineage.refreshToken)
    if (lineage.superseded.size > SUPERSEDED_LIMIT) lineage.superseded.delete(lineage.superseded.values().next().value!)
    lineage.refreshToken = next
  }

  const refresh = (http: ProviderHttp, account: ProviderAccount, credentials: JobberCredentials, lineage: Lineage) =>
    Effect.gen(function*() {
      const answer = yield* http.call(
        HttpClientRequest.post("/api/oauth/token").pipe(HttpClientRequest.bodyUrlParams({
          grant_type: "refresh_token",
          client_id: credentials.client_id,
          client_secret: credentials.client_secret,
          refresh_token: lineage.refreshToken
        })),
        TokenAnswer,
        { name: "refreshToken", idempotent: true, secrets: secretsOf(credentials, lineage) }
      ).pipe(Effect.mapError(rejected))
      rotate(lineage, answer.refresh_token ?? lineage.refreshToken)
      yield* store.save(account.companyId, {
        ...account.credentials,
        access_token: answer.access_token,
        refresh_token: lineage.refreshToken
      })
      return { accessToken: answer.access_token, expiresIn: lifeOf(answer.access_token, answer.expires_in, yield* Clock.currentTimeMillis) }
    })

  const issue = (http: ProviderHttp, account: ProviderAccount, credentials: JobberCredentials, lineage: Lineage) =>
    Effect.gen(function*() {
      const stored = lineage.storedAccessToken
      lineage.storedAccessToken = undefined
      if (stored !== undefined) {
        const life = lifeOf(stored, undefined, yield* Clock.currentTimeMillis)
        if (Duration.greaterThan(life, Duration.zero)) return { accessToken: stored, expiresIn: life } satisfies IssuedToken
      }
      return yield* refresh(http, account, credentials, lineage)
    })

  return {
    /**
     * Runs `call` with the company's access token; on a 401 (or an unauthenticated GraphQL error) refreshes once and
     * tries again, and a refusal after that, or of the refresh itself, is a permanent "credentials rejected". `call`
     * is given the secrets its errors must be scrubbed of.
     */
    withAccess: <A>(
      http: ProviderHttp,
      account: ProviderAccount,
      credentials: JobberCredentials,
      call: (accessToken: string, secrets: ReadonlyArray<string>) => Effect.Effect<A, ProviderError>
    ) =>
      Effect.suspend(() => {
        const lineage = lineageOf(account.companyId, credentials)
        return withToken(
          cache,
          `${account.companyId}#${lineage.generation}`,
          issue(http, account, credentials, lineage),
          (token) => call(token, secretsOf(credentials, lineage, token))
        )
      })
  }
})

/** The per-company access tokens of one Jobber adapter. */
export type JobberTokens = Effect.Effect.Success<typeof makeTokens>
