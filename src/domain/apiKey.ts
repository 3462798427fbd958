import { Effect, Schema } from "effect"
import { toBase64Url } from "./base64.ts"
import { ApiKeyId, CompanyId } from "./ids.ts"

/** `admin`: everything; `viewer`: every read the admin may make, no writes; `company`: acts for one company. */
export const ApiKeyRole = Schema.Literal("admin", "viewer", "company")
export type ApiKeyRole = typeof ApiKeyRole.Type

/** A stored API key: only the hash of the key is kept. */
export const ApiKey = Schema.Struct({
  id: ApiKeyId,
  role: ApiKeyRole,
  companyId: Schema.NullOr(CompanyId),
  name: Schema.String,
  keyHash: Schema.String,
  prefix: Schema.String,
  createdAt: Schema.DateFromSelf,
  revokedAt: Schema.NullOr(Schema.DateFromSelf),
  /** When the key was last accepted, to the minute (see `LAST_USED_GRANULARITY_MS`). */
  lastUsedAt: Schema.NullOr(Schema.DateFromSelf),
  /** From then on the key is refused (401); null: it does not expire. */
  expiresAt: Schema.NullOr(Schema.DateFromSelf)
})
export type ApiKey = typeof ApiKey.Type

/** A key's `lastUsedAt` is written at most this often: a write per request would cost more than it tells. */
export const LAST_USED_GRANULARITY_MS = 60_000

/** True when a use of the key at `now` is worth recording: never recorded, or last recorded a minute or more ago. */
export const usageWorthRecording = (key: ApiKey, now: Date) =>
  key.lastUsedAt === null || now.getTime() - key.lastUsedAt.getTime() >= LAST_USED_GRANULARITY_MS

/** Keys read `si_` followed by 43 base64url characters (32 random bytes). */
export const API_KEY_PREFIX = "si_"

/** A new random key. */
export const newApiKey = (): string => API_KEY_PREFIX + toBase64Url(crypto.getRandomValues(new Uint8Array(32)))

export const generateApiKey: Effect.Effect<string> = Effect.sync(newApiKey)

/** The part of a key safe to show and log: enough to tell keys apart, useless to an attacker. */
export const displayPrefix = (key: string): string => key.slice(0, API_KEY_PREFIX.length + 6)
