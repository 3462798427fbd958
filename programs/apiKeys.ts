import { Effect } from "effect"
import { type ApiKey, type ApiKeyRole, displayPrefix, generateApiKey } from "../src/domain/apiKey.ts"
import { InvalidReference, NotFound } from "../src/domain/errors.ts"
import { sha256Hex } from "../src/domain/hash.ts"
import { ApiKeyId, type CompanyId, newId } from "../src/domain/ids.ts"
import { type PageQuery, readPage } from "../src/domain/page.ts"
import { now } from "../src/domain/time.ts"
import { ApiKeyRepo } from "../src/services/ApiKeys.ts"
import { CompanyRepo } from "../src/services/Companies.ts"
import { requireAdmin, requireSeesAll } from "./access.ts"

export interface NewApiKey {
  readonly role: ApiKeyRole
  readonly companyId: CompanyId | null
  readonly name: string
  /** From then on the key is refused; null: it does not expire. */
  readonly expiresAt: Date | null
}

/** Issues a key. The key itself is answered this once; only its hash is stored. */
export const createApiKey = Effect.fn("ApiKeys.create")(function*(input: NewApiKey) {
  yield* requireAdmin
  if (input.companyId !== null && !(yield* (yield* CompanyRepo).exists(input.companyId))) {
    return yield* new InvalidReference({
      message: "unknown company",
      details: [{ path: "company_id", message: "no company with this id" }]
    })
  }
  const at = yield* now
  if (input.expiresAt !== null && input.expiresAt <= at) {
    return yield* new InvalidReference({
      message: "the key would be expired already",
      details: [{ path: "expires_at", message: "must be in the future" }]
    })
  }
  const key = yield* generateApiKey
  const record: ApiKey = {
    id: yield* newId(ApiKeyId),
    role: input.role,
    companyId: input.companyId,
    name: input.name,
    keyHash: yield* sha256Hex(key),
    prefix: displayPrefix(key),
    createdAt: at,
    revokedAt: null,
    lastUsedAt: null,
    expiresAt: input.expiresAt
  }
  yield* (yield* ApiKeyRepo).insert(record)
  yield* Effect.logInfo("api key created").pipe(
    Effect.annotateLogs({ api_key_id: record.id, role: record.role, prefix: record.prefix })
  )
  return { record, key }
})

/** A page of keys, newest first, revoked ones included: what they are and when they were last used, never the key. */
export const listApiKeys = Effect.fn("ApiKeys.list")(function*(query: PageQuery) {
  yield* requireSeesAll
  return yield* readPage((yield* ApiKeyRepo).list, query)
})

/** Revokes a key at once. */
export const revokeApiKey = Effect.fn("ApiKeys.revoke")(function*(id: ApiKeyId) {
  yield* requireAdmin
  if (!(yield* (yield* ApiKeyRepo).revoke(id, yield* now))) return yield* new NotFound({ resource: "api key", id })
  yield* Effect.logInfo("api key revoked").pipe(Effect.annotateLogs({ api_key_id: id }))
})
