import { Effect } from "effect"
import { type ApiKey, type ApiKeyRole, displayPrefix, generateApiKey } from "../src/domain/apiKey.ts"
import { InvalidReference, NotFound } from "../src/domain/errors.ts"
import { sha256Hex } from "../src/domain/hash.ts"
import { ApiKeyId, type CompanyId, newId } from "../src/domain/ids.ts"
import { now } from "../src/domain/time.ts"
import { ApiKeyRepo } from "../src/services/ApiKeys.ts"
import { CompanyRepo } from "../src/services/Companies.ts"
import { requireAdmin } from "./access.ts"

export interface NewApiKey {
  readonly role: ApiKeyRole
  readonly companyId: CompanyId | null
  readonly name: string
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
  const key = yield* generateApiKey
  const record: ApiKey = {
    id: yield* newId(ApiKeyId),
    role: input.role,
    companyId: input.companyId,
    name: input.name,
    keyHash: yield* sha256Hex(key),
    prefix: displayPrefix(key),
    createdAt: yield* now,
    revokedAt: null
  }
  yield* (yield* ApiKeyRepo).insert(record)
  yield* Effect.logInfo("api key created").pipe(
    Effect.annotateLogs({ api_key_id: record.id, role: record.role, prefix: record.prefix })
  )
  return { record, key }
})

/** Revokes a key at once. */
export const revokeApiKey = Effect.fn("ApiKeys.revoke")(function*(id: ApiKeyId) {
  yield* requireAdmin
  if (!(yield* (yield* ApiKeyRepo).revoke(id, yield* now))) return yield* new NotFound({ resource: "api key", id })
  yield* Effect.logInfo("api key revoked").pipe(Effect.annotateLogs({ api_key_id: id }))
})
