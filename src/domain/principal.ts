import type { ApiKeyId, CompanyId } from "./ids.ts"

/** Who is calling: the admin, or a key that acts for one company. */
export type Principal =
  | { readonly role: "admin"; readonly keyId: ApiKeyId | null }
  | { readonly role: "company"; readonly companyId: CompanyId; readonly keyId: ApiKeyId }

export const isAdmin = (p: Principal): p is Extract<Principal, { role: "admin" }> => p.role === "admin"

/** True when the principal may act for `companyId`. */
export const actsFor = (p: Principal, companyId: CompanyId): boolean => p.role === "admin" || p.companyId === companyId

/** The scope idempotency keys live in: each API key has its own. */
export const idempotencyScope = (p: Principal): string => (p.keyId === null ? "admin" : `key:${p.keyId}`)
