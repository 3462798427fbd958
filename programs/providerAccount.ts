import { Effect, Option } from "effect"
import type { CompanyId } from "../src/domain/ids.ts"
import { CompanyRepo } from "../src/services/Companies.ts"
import { type ProviderAccount, type ProviderClient, ProviderError, Providers } from "../src/services/Providers.ts"
import { Secrets } from "../src/services/Secrets.ts"

const refuse = (kind: ProviderError["kind"], message: string) => new ProviderError({ kind, message, retryAfter: Option.none() })

/**
 * The company's provider client and account (its config, and its credentials opened). Fails retryable when the company
 * has no active provider (it may get one back), permanent when its credentials cannot be opened or its type has no
 * adapter.
 */
export const providerAccountOf = Effect.fn("Providers.account")(function*(companyId: CompanyId) {
  const company = yield* (yield* CompanyRepo).get(companyId)
  const provider = Option.flatMapNullable(company, (c) => c.provider)
  if (Option.isNone(provider) || !provider.value.active) return yield* refuse("retryable", "the company has no active provider")
  const sealed = provider.value.credentials
  const credentials = sealed === null ? null : yield* (yield* Secrets).open(sealed, companyId).pipe(
    Effect.map((text) => JSON.parse(text) as Record<string, string>),
    Effect.mapError((error) => refuse("permanent", `credentials cannot be opened: ${error.message}`))
  )
  const client = (yield* Providers).forType(provider.value.type)
  if (Option.isNone(client)) return yield* refuse("permanent", `no adapter for provider type ${provider.value.type}`)
  const account: ProviderAccount = { companyId, config: provider.value.config, credentials }
  return { client: client.value as ProviderClient, account, type: provider.value.type }
})
