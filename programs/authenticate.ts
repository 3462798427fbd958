import { Effect, Option } from "effect"
import { usageWorthRecording } from "../src/domain/apiKey.ts"
import { Forbidden, Unauthorized } from "../src/domain/errors.ts"
import { constantTimeEqual, sha256Hex } from "../src/domain/hash.ts"
import type { Principal } from "../src/domain/principal.ts"
import { now } from "../src/domain/time.ts"
import { ApiKeyRepo } from "../src/services/ApiKeys.ts"
import { AdminKey } from "../src/services/Settings.ts"

/** Who a bearer key belongs to: the configured admin key, or a stored unrevoked key of an active company (else 403). */
export const authenticate = Effect.fn("Auth.authenticate")(function*(key: string) {
  const hash = yield* sha256Hex(key)
  const admin = yield* AdminKey
  if (admin.hash !== null && constantTimeEqual(admin.hash, hash)) return { role: "admin", keyId: null } satisfies Principal
  const keys = yield* ApiKeyRepo
  const at = yield* now
  const found = yield* keys.findActive(hash, at)
  if (Option.isNone(found)) return yield* new Unauthorized({ message: "unknown, revoked or expired API key" })
  const { companyStatus, key: record } = found.value
  if (usageWorthRecording(record, at)) yield* keys.recordUse(record.id, at)
  if (record.role === "admin") return { role: "admin", keyId: record.id } satisfies Principal
  if (record.companyId === null) return yield* new Unauthorized({ message: "company key without a company" })
  if (companyStatus !== "active") {
    return yield* new Forbidden({ message: `the key's company is ${companyStatus ?? "gone"}; its keys are refused` })
  }
  return { role: "company", companyId: record.companyId, keyId: record.id } satisfies Principal
})
