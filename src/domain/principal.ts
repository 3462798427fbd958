import type { ApiKeyId, CompanyId } from "./ids.ts"

/** Who is calling: the admin, a viewer (reads what the admin reads, writes nothing), or a key that acts for one company. */
export type Principal =
  | { readonly role: "admin"; readonly keyId: ApiKeyId | null }
  | { readonly role: "viewer"; readonly keyId: ApiKeyId }
  | { readonly role: "company"; readonly companyId: CompanyId; readonly keyId: ApiKeyId }

export const isAdmin = (p: Principal): p is Extract<Principal, { role: "admin" }> => p.role === "admin"

/** True when the principal reads every company's data as the admin does: the admin and a viewer. */
export const seesAll = (p: Principal): p is Exclude<Principal, { role: "company" }> => p.role !== "company"

/** True when the principal may act (write) for `companyId`: the admin, or that company's key; never a viewer. */
export const actsFor = (p: Principal, companyId: CompanyId): boolean =>
  p.role === "admin" || (p.role === "company" && p.companyId === companyId)

/** True when the principal may read `companyId`'s data: one that sees all, or that company's key. */
export const readsFor = (p: Principal, companyId: CompanyId): boolean => seesAll(p) || p.companyId === companyId

/** The scope idempotency keys live in: each API key has its own. */
export const idempotencyScope = (p: Principal): string => (p.keyId === null ? "admin" : `key:${p.keyId}`)
