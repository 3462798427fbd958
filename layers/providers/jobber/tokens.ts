import { HttpClientRequest } from "@effect/platform"
import { Clock, Duration, Effect, Either, Encoding, Option, Schema } from "effect"
import { JobberCredentials } from "../../../src/domain/providerSettings.ts"
import { type CredentialRefresh, type ProviderAccount, ProviderCredentialStore, ProviderError } from "../../../src/services/Providers.ts"
import type { ProviderHttp } from "../http.ts"
import { type IssuedToken, makeTokenCache, withToken } from "../tokenCache.ts"

/** An access token's life when neither the answer's `expires_in` nor the token itself says (Jobber: 60 minutes). */
const ASSUMED_LIFE = Duration.minutes(60)

/** Refresh tokens remembered per company after rotation, to recognise credentials read before our last save. */
const SUPERSEDED_LIMIT = 32

/** A stored access token is used by another process only with at least this long left. */
const REUSE_MARGIN = Duration.seconds(60)

/** Stored with a refreshed pair: when its access token expires (epoch ms), so other processes can use it. */
const EXPIRES_AT = "access_token_expires_at"

/**
 * Stored when a refresh got no answer (timeout, dropped connection, 5xx): Jobber may have rotated the refresh token,
 * and a later refusal of it then means exactly that.
 */
const UNANSWERED = "refresh_unanswered_at"

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
  /** The access token the account's credentials carry, tried once before anything else. */
  storedAccessToken: string | undefined
  /** A refreshed pair whose storing failed, with the refresh token it replaces: stored by the next refresh. */
  unsaved: { readonly from: string; readonly credentials: Readonly<Record<string, string>> } | undefined
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

const refusal = (status: number, unanswered: boolean) =>
  new ProviderError({
    kind: "permanent",
    message: unanswered
      ? `jobber: credentials rejected (${status}): the refresh token was refused after an earlier refresh with it got no ` +
        "answer, so Jobber most likely rotated it then and the new one was lost; the company must authorise the app again"
      : `jobber: credentials rejected (the token endpoint refused the refresh token or client, ${status})`,
    retryAfter: Option.none(),
    status
  })

const unanswered = (error: ProviderError) =>
  new ProviderError({
    kind: "retryable",
    message: `${error.message}; the refresh may have rotated the refresh token, so a later attempt reads the stored ` +
      "credentials again before sending it",
    retryAfter: Option.none(),
    ...(error.status === undefined ? {} : { status: error.status })
  })

/** What a company's errors must never carry: its client secret, refresh tokens (stored and rotated), access tokens. */
const secretsOf = (credentials: JobberCredentials, lineage: Lineage, accessToken = "") => [
  accessToken,
  credentials.client_secret,
  credentials.refresh_token,
  credentials.access_token ?? "",
  lineage.refreshToken
]

/** When stored credentials' access token expires (epoch ms): as stored with it, else as its JWT `exp` says. */
const storedExpiry = (credentials: Readonly<Record<string, string>>) => {
  const at = Number(credentials[EXPIRES_AT])
  return Number.isFinite(at)
    ? Option.some(at)
    : Option.flatMap(Option.fromNullable(credentials["access_token"]), jwtExpiry)
}

/**
 * Jobber access tokens per company: the one the account carries first, then ones refreshed with the company's stored
 * refresh token. Jobber rotates the refresh token on every refresh and the one sent stops working, so refreshes run
 * through `ProviderCredentialStore.refresh`: one at a time per company across processes, each reading the credentials
 * stored by the one before (whose fresh access token it uses rather than refreshing again), and the rotated pair is
 * stored before its access token is used.
 *
 * A refresh is sent once, never retried on the spot. When it gets no answer, Jobber may or may not have rotated: the
 * call fails as retryable and the credentials are marked. A later attempt reads them again under the lock; if another
 * process stored a new pair it uses that, else it sends the stored refresh token again. That is safe: nobody holds a
 * newer token (it would be stored), so at worst Jobber refuses a token it already rotated, and the company is then
 * reported as needing to authorise the app again; at best (the refresh never reached Jobber) delivery goes on.
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
      storedAccessToken: credentials.access_token,
      unsaved: undefined
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

  /** The stored access token when it is not the one replaced and lives long enough to be worth using. */
  const reusable = (credentials: Readonly<Record<string, string>>, stale: string | undefined, nowMs: number) =>
    Option.flatMap(storedExpiry(credentials), (expiresAt) => {
      const accessToken = credentials["access_token"]
      return accessToken !== undefined && accessToken !== stale && expiresAt - nowMs > Duration.toMillis(REUSE_MARGIN)
        ? Option.some<IssuedToken>({ accessToken, expiresIn: Duration.millis(expiresAt - nowMs) })
        : Option.none()
    })

  /**
   * A refresh holding the company's lock, given what is stored now (or the pair this process could not store, when it
   * replaces what is stored): the stored access token while it is fresh, else one refreshed with the stored token.
   */
  const refreshStored = (
    http: ProviderHttp,
    lineage: Lineage,
    stale: string | undefined,
    found: Option.Option<Readonly<Record<string, string>>>
  ): Effect.Effect<CredentialRefresh<IssuedToken>> =>
    Effect.gen(function*() {
      const fail = (error: ProviderError, store = Option.none<Readonly<Record<string, string>>>()) => ({ store, outcome: Either.left(error) })
      if (Option.isNone(found)) {
        return fail(new ProviderError({ kind: "permanent", message: "jobber: the company's provider is no longer Jobber", retryAfter: Option.none() }))
      }
      const unsaved = lineage.unsaved
      const stored = unsaved !== undefined && unsaved.from === found.value["refresh_token"] ? unsaved.credentials : found.value
      const credentials = Schema.decodeUnknownOption(JobberCredentials)(stored)
      if (Option.isNone(credentials)) {
        return fail(new ProviderError({ kind: "permanent", message: "jobber: the stored credentials are incomplete", retryAfter: Option.none() }))
      }
      const nowMs = yield* Clock.currentTimeMillis
      const current = reusable(stored, stale, nowMs)
      if (Option.isSome(current)) {
        rotate(lineage, credentials.value.refresh_token)
        return { store: stored === found.value ? Option.none() : Option.some(stored), outcome: Either.right(current.value) }
      }
      const answer = yield* Effect.either(refreshWith(http, credentials.value, lineage))
      if (Either.isLeft(answer)) {
        const error = answer.left
        if (error.status === 400 || error.status === 401) return fail(refusal(error.status, stored[UNANSWERED] !== undefined))
        const sentWithoutAnswer = error.status === undefined || error.status >= 500
        return sentWithoutAnswer
          ? fail(unanswered(error), Option.some({ ...stored, [UNANSWERED]: new Date(nowMs).toISOString() }))
          : fail(error)
      }
      const { access_token, expires_in, refresh_token } = answer.right
      const life = lifeOf(access_token, expires_in, nowMs)
      const { [UNANSWERED]: _, ...rest } = stored
      const next = {
        ...rest,
        access_token,
        refresh_token: refresh_token ?? credentials.value.refresh_token,
        [EXPIRES_AT]: String(nowMs + Duration.toMillis(life))
      }
      rotate(lineage, next.refresh_token)
      lineage.unsaved = { from: credentials.value.refresh_token, credentials: next }
      return { store: Option.some(next), outcome: Either.right({ accessToken: access_token, expiresIn: life }) }
    })

  // Sent once (not `idempotent`): a refresh token may work only once.
  const refreshWith = (http: ProviderHttp, credentials: JobberCredentials, lineage: Lineage) =>
    http.call(
      HttpClientRequest.post("/api/oauth/token").pipe(HttpClientRequest.bodyUrlParams({
        grant_type: "refresh_token",
        client_id: credentials.client_id,
        client_secret: credentials.client_secret,
        refresh_token: credentials.refresh_token
      })),
      TokenAnswer,
      { name: "refreshToken", idempotent: false, secrets: secretsOf(credentials, lineage) }
    )

  const issue = (http: ProviderHttp, account: ProviderAccount, lineage: Lineage) => (stale: string | undefined) =>
    Effect.gen(function*() {
      const carried = lineage.storedAccessToken
      lineage.storedAccessToken = undefined
      if (carried !== undefined && carried !== stale) {
        const life = lifeOf(carried, undefined, yield* Clock.currentTimeMillis)
        if (Duration.greaterThan(life, Duration.zero)) return { accessToken: carried, expiresIn: life } satisfies IssuedToken
      }
      const issued = yield* store.refresh(account.companyId, (found) => refreshStored(http, lineage, stale, found))
      lineage.unsaved = undefined
      return issued
    })

  return {
    /**
     * Runs `call` with the company's access token; on a 401 (or an unauthenticated GraphQL error) gets another once
     * and tries again, and a refusal after that, or of the refresh itself, is a permanent "credentials rejected".
     * `call` is given the secrets its errors must be scrubbed of.
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
          issue(http, account, lineage),
          (token) => call(token, secretsOf(credentials, lineage, token))
        )
      })
  }
})

/** The per-company access tokens of one Jobber adapter. */
export type JobberTokens = Effect.Effect.Success<typeof makeTokens>
