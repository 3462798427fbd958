import { Effect, Option } from "effect"
import { Forbidden, Unauthorized } from "../src/domain/errors.ts"
import { constantTimeEqual, sha256Hex } from "../src/domain/hash.ts"
import type { Principal } from "../src/domain/principal.ts"
import { ApiKeyRepo } from "../src/services/ApiKeys.ts"
import { AdminKey } from "../src/services/Settings.ts"

/** Who a bearer key belongs to: the configured admin key, or a stored unrevoked key of an active company (else 403). */
export const authenticate = Effect.fn("Auth.authenticate")(function*(key: string) {
  const hash = yield* sha256Hex(key)
  const admin = yield* AdminKey
  if (admin.hash !== null && constantTimeEqual(admin.hash, hash)) return { role: "admin", keyId: null } satisfies Principal
  const found = yield* (yield* ApiKeyRepo).findActive(hash)
  if (Option.isNone(found)) return yield* new Unauthorized({ message: "unknown or revoked API key" })
  const { companyStatus, key: record } = found.value
  if (record.role === "admin") return { role: "admin", keyId: record.id } satisfies Principal
  if (record.companyId === null) return yield* new Unauthorized({ message: "company key without a company" })
  if (companyStatus !== "active") {
    return yield* new Forbidden({ message: `the key's company is ${companyStatus ?? "gone"}; its keys are refused` })
  }
  return { role: "company", companyId: record.companyId, keyId: record.id } satisfies Principal
})
