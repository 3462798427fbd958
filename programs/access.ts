import { Effect } from "effect"
import { Forbidden } from "../src/domain/errors.ts"
import type { CompanyId } from "../src/domain/ids.ts"
import { actsFor, readsFor, seesAll } from "../src/domain/principal.ts"
import { CurrentPrincipal } from "../src/services/CurrentPrincipal.ts"

/** Fails with `Forbidden` unless the caller is the admin: for the admin's writes (a viewer is refused). */
export const requireAdmin = Effect.flatMap(CurrentPrincipal, (principal) =>
  principal.role === "admin" ? Effect.void : Effect.fail(new Forbidden({ message: "this action needs the admin key" })))

/** Fails with `Forbidden` unless the caller is the admin or a viewer: for the admin's reads. */
export const requireSeesAll = Effect.flatMap(CurrentPrincipal, (principal) =>
  seesAll(principal) ? Effect.void : Effect.fail(new Forbidden({ message: "this needs the admin or a viewer key" })))

/** Fails with `Forbidden` unless the caller is the admin or acts for `companyId` (a write for that company). */
export const requireActingFor = (companyId: CompanyId) =>
  Effect.flatMap(CurrentPrincipal, (principal) =>
    actsFor(principal, companyId)
      ? Effect.void
      : Effect.fail(new Forbidden({ message: "this key may not act for that company" })))

/** Fails with `Forbidden` unless the caller sees all or acts for `companyId` (a read of that company's data). */
export const requireReadingFor = (companyId: CompanyId) =>
  Effect.flatMap(CurrentPrincipal, (principal) =>
    readsFor(principal, companyId)
      ? Effect.void
      : Effect.fail(new Forbidden({ message: "this key may not read that company" })))
