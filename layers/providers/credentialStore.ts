import { Effect, Layer, Option } from "effect"
import type { ProviderType } from "../../src/domain/company.ts"
import { now } from "../../src/domain/time.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { ProviderCredentialStore, ProviderError } from "../../src/services/Providers.ts"
import { Secrets } from "../../src/services/Secrets.ts"

/**
 * Rotated credentials sealed (bound to the company, like those an operator sets) into the company's association, as
 * long as it is still of the provider's type.
 */
export const layer = (type: ProviderType) =>
  Layer.effect(
    ProviderCredentialStore,
    Effect.gen(function*() {
      const companies = yield* CompanyRepo
      const secrets = yield* Secrets
      return ProviderCredentialStore.of({
        save: (companyId, credentials) =>
          Effect.gen(function*() {
            const sealed = yield* secrets.seal(JSON.stringify(credentials), companyId)
            const saved = yield* companies.replaceCredentials(companyId, type, sealed, yield* now)
            if (!saved) yield* Effect.logWarning("rotated credentials not saved: the company's provider changed").pipe(
              Effect.annotateLogs({ company_id: companyId, provider: type })
            )
          }).pipe(
            Effect.mapError((error) =>
              new ProviderError({ kind: "retryable", message: `rotated credentials not saved: ${error.message}`, retryAfter: Option.none() })
            )
          )
      })
    })
  )
