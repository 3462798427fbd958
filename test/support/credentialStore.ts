import { Effect, Option } from "effect"
import { makeKeyedLock } from "../../src/KeyedLock.ts"
import { ProviderCredentialStore, ProviderError } from "../../src/services/Providers.ts"

/**
 * A credential store as the memory layer keeps one: per company, the stored credentials, read and replaced one refresh
 * at a time. Each replacement is recorded in `saves`; the first `failingSaves` fail.
 */
export const makeCredentialStore = (failingSaves: number) => {
  const stored = new Map<string, Readonly<Record<string, string>>>()
  const saves: Array<{ companyId: string; credentials: Readonly<Record<string, string>> }> = []
  const locks = makeKeyedLock()
  const service: typeof ProviderCredentialStore.Service = {
    refresh: (companyId, refresh) =>
      locks.withLock(companyId)(Effect.gen(function*() {
        const { outcome, store } = yield* refresh(Option.fromNullable(stored.get(companyId)))
        if (Option.isSome(store)) {
          if (failingSaves-- > 0) return yield* new ProviderError({ kind: "retryable", message: "store unavailable", retryAfter: Option.none() })
          stored.set(companyId, store.value)
          saves.push({ companyId, credentials: store.value })
        }
        return yield* outcome
      }))
  }
  return { stored, saves, service }
}
