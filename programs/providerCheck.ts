import { Effect, Either, Option } from "effect"
import { NotFound } from "../src/domain/errors.ts"
import type { CompanyId } from "../src/domain/ids.ts"
import { CompanyRepo } from "../src/services/Companies.ts"
import { boundedBy } from "../src/services/Providers.ts"
import { DeliverySettings } from "../src/services/Settings.ts"
import { requireAdmin } from "./access.ts"
import { providerAccountOf } from "./providerAccount.ts"

/** The answer of a credentials check: accepted, or why not (never a secret). */
export type ProviderCheck = { readonly ok: true } | { readonly ok: false; readonly error: string }

/** Checks the company's provider credentials against the provider itself (admin), within the provider timeout. */
export const checkProvider = Effect.fn("Providers.check")(function*(id: CompanyId) {
  yield* requireAdmin
  const company = yield* (yield* CompanyRepo).get(id)
  if (Option.isNone(company)) return yield* new NotFound({ resource: "company", id })
  if (company.value.provider === null) return { ok: false, error: "the company has no provider association" } satisfies ProviderCheck
  const { providerTimeout } = yield* DeliverySettings
  const result = yield* providerAccountOf(id).pipe(
    Effect.flatMap(({ account, client }) => client.checkCredentials(account)),
    boundedBy(providerTimeout, { outcomeUnknown: false }),
    Effect.either
  )
  return Either.match(result, {
    onLeft: (error): ProviderCheck => ({ ok: false, error: error.message }),
    onRight: (): ProviderCheck => ({ ok: true })
  })
})
