import { Effect, Layer, Option, Schema } from "effect"
import type { ProviderType } from "../../src/domain/company.ts"
import { now } from "../../src/domain/time.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { ProviderCredentialStore, ProviderError } from "../../src/services/Providers.ts"
import { SecretError, Secrets } from "../../src/services/Secrets.ts"

const Credentials = Schema.parseJson(Schema.Record({ key: Schema.String, value: Schema.String }))

// The parse error would quote the credentials.
const decodeStored = (json: string) =>
  Schema.decode(Credentials)(json).pipe(Effect.mapError(() => new SecretError({ message: "stored credentials are not a JSON object of strings" })))

/**
 * Credentials refreshed under the company's credentials lock (CompanyRepo.rotateCredentials: a row lock in
 * PostgreSQL, so across replicas) and sealed, bound to the company like those an operator sets, into its association
 * as long as it is still of the provider's type.
 */
export const layer = (type: ProviderType) =>
  Layer.effect(
    ProviderCredentialStore,
    Effect.gen(function*() {
      const companies = yield* CompanyRepo
      const secrets = yield* Secrets
      return ProviderCredentialStore.of({
        refresh: (companyId, refresh) =>
          companies.rotateCredentials(companyId, type, (sealed) =>
            Effect.gen(function*() {
              const stored = Option.isNone(sealed)
                ? Option.none()
                : Option.some(yield* Effect.flatMap(secrets.open(sealed.value, companyId), decodeStored))
              const { outcome, store } = yield* refresh(stored)
              const replace = Option.isNone(store)
                ? Option.none()
                : Option.some({ credentials: yield* secrets.seal(JSON.stringify(store.value), companyId), now: yield* now })
              return { replace, result: outcome }
            })).pipe(
              Effect.mapError((error) =>
                new ProviderError({
                  kind: "retryable",
                  message: `credentials not read or stored: ${error.message}`,
                  retryAfter: Option.none()
                })
              ),
              Effect.flatMap((outcome) => outcome)
            )
      })
    })
  )
