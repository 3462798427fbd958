import { Effect, Layer, Option } from "effect"
import { ApiKeyRepo } from "../../../src/services/ApiKeys.ts"
import { MemoryStore } from "./store.ts"

export const layerApiKeys = Layer.effect(
  ApiKeyRepo,
  Effect.map(MemoryStore, (store) =>
    ApiKeyRepo.of({
      insert: (key) => Effect.sync(() => void store.state.apiKeys.set(key.id, key)),
      findActive: (keyHash) =>
        Effect.sync(() =>
          Option.fromNullable(
            Array.from(store.state.apiKeys.values()).find((k) => k.keyHash === keyHash && k.revokedAt === null)
          ).pipe(Option.map((key) => ({
            key,
            companyStatus: key.companyId === null ? null : store.state.companies.get(key.companyId)?.status ?? null
          })))
        ),
      revoke: (id, now) =>
        Effect.sync(() => {
          const key = store.state.apiKeys.get(id)
          if (key === undefined || key.revokedAt !== null) return false
          store.state.apiKeys.set(id, { ...key, revokedAt: now })
          return true
        })
    }))
)
