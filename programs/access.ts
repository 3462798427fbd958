import { Effect } from "effect"
import { Forbidden } from "../src/domain/errors.ts"
import type { CompanyId } from "../src/domain/ids.ts"
import { actsFor } from "../src/domain/principal.ts"
import { CurrentPrincipal } from "../src/services/CurrentPrincipal.ts"

/** Fails with `Forbidden` unless the caller is the admin. */
export const requireAdmin = Effect.flatMap(CurrentPrincipal, (principal) =>
  principal.role === "admin" ? Effect.void : Effect.fail(new Forbidden({ message: "this action needs the admin key" })))

/** Fails with `Forbidden` unless the caller is the admin or acts for `companyId`. */
export const requireActingFor = (companyId: CompanyId) =>
  Effect.flatMap(CurrentPrincipal, (principal) =>
    actsFor(principal, companyId)
      ? Effect.void
      : Effect.fail(new Forbidden({ message: "this key may not act for that company" })))
