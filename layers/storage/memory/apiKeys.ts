import { Effect, Option } from "effect"
import { LAST_USED_GRANULARITY_MS } from "../../../src/domain/apiKey.ts"
import { ApiKeyRepo } from "../../../src/services/ApiKeys.ts"
import { isAfter, newestFirst, repository } from "./store.ts"

/** API keys in the memory store; what the PostgreSQL layer does. */
export const layerMemory = repository(ApiKeyRepo, (store) =>
  ApiKeyRepo.of({
    insert: (key) => Effect.sync(() => void store.state.apiKeys.set(key.id, key)),
    findActive: (keyHash, now) =>
      Effect.sync(() =>
        Option.fromNullable(
          Array.from(store.state.apiKeys.values()).find((k) =>
            k.keyHash === keyHash && k.revokedAt === null && (k.expiresAt === null || k.expiresAt > now)
          )
        ).pipe(Option.map((key) => ({
          key,
          companyStatus: key.companyId === null ? null : store.state.companies.get(key.companyId)?.status ?? null
        })))
      ),
    recordUse: (id, now) =>
      Effect.sync(() => {
        const key = store.state.apiKeys.get(id)
        if (key === undefined) return
        if (key.lastUsedAt !== null && now.getTime() - key.lastUsedAt.getTime() < LAST_USED_GRANULARITY_MS) return
        store.state.apiKeys.set(id, { ...key, lastUsedAt: now })
      }),
    list: ({ after, limit }) =>
      Effect.sync(() => Array.from(store.state.apiKeys.values()).filter((k) => isAfter(k, after)).sort(newestFirst).slice(0, limit)),
    revoke: (id, now) =>
      Effect.sync(() => {
        const key = store.state.apiKeys.get(id)
        if (key === undefined || key.revokedAt !== null) return false
        store.state.apiKeys.set(id, { ...key, revokedAt: now })
        return true
      })
  }))
