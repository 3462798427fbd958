import { RateLimiter } from "@effect/experimental"
import { Duration, Effect, Option } from "effect"
import { usageWorthRecording } from "../src/domain/apiKey.ts"
import { Forbidden, RateLimited, Unauthorized } from "../src/domain/errors.ts"
import { constantTimeEqual } from "../src/domain/hash.ts"
import type { Principal } from "../src/domain/principal.ts"
import { now } from "../src/domain/time.ts"
import { ApiKeyRepo } from "../src/services/ApiKeys.ts"
import { AdminKey, HttpSettings } from "../src/services/Settings.ts"

/**
 * Who the key with this hash belongs to: the configured admin key, a stored unrevoked admin or viewer key, or a stored
 * unrevoked key of an active company.
 */
const identify = (hash: string) =>
  Effect.gen(function*() {
    const admin = yield* AdminKey
    if (admin.hash !== null && constantTimeEqual(admin.hash, hash)) return { role: "admin", keyId: null } satisfies Principal
    const keys = yield* ApiKeyRepo
    const at = yield* now
    const found = yield* keys.findActive(hash, at)
    if (Option.isNone(found)) return yield* new Unauthorized({ message: "unknown, revoked or expired API key" })
    const { companyStatus, key: record } = found.value
    if (usageWorthRecording(record, at)) yield* keys.recordUse(record.id, at)
    if (record.role === "admin") return { role: "admin", keyId: record.id } satisfies Principal
    if (record.role === "viewer") return { role: "viewer", keyId: record.id } satisfies Principal
    if (record.companyId === null) return yield* new Unauthorized({ message: "company key without a company" })
    if (companyStatus !== "active") {
      return yield* new Forbidden({ message: `the key's company is ${companyStatus ?? "gone"}; its keys are refused` })
    }
    return { role: "company", companyId: record.companyId, keyId: record.id } satisfies Principal
  })

/** Takes one of the key's requests of the minute (`API_RATE_LIMIT_PER_MINUTE`, a token bucket per key). */
const takeRequest = (principal: Principal) =>
  Effect.gen(function*() {
    const { keyRateLimitPerMinute } = yield* HttpSettings
    yield* (yield* RateLimiter.RateLimiter).consume({
      algorithm: "token-bucket",
      onExceeded: "fail",
      window: Duration.minutes(1),
      limit: keyRateLimitPerMinute,
      key: `api-key:${principal.keyId ?? "admin"}`
    }).pipe(
      // The limiter's store is in memory: only an exceeded limit can fail it.
      Effect.catchAll((error) =>
        error instanceof RateLimiter.RateLimitExceeded
          ? new RateLimited({ message: `this key may make ${keyRateLimitPerMinute} requests a minute`, retryAfter: error.retryAfter })
          : Effect.die(error)
      )
    )
  })

/**
 * The caller a key (given by its SHA-256) stands for: the admin, a viewer, or a company whose key is unrevoked, unexpired and
 * of an active company (else `403`); each request taken from the key's rate limit (else `RateLimited`).
 */
export const authenticate = Effect.fn("Auth.authenticate")(function*(keyHash: string) {
  const principal = yield* identify(keyHash)
  yield* takeRequest(principal)
  return principal
})
