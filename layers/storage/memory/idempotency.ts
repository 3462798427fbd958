import { Effect, Layer } from "effect"
import { IdempotencyRepo } from "../../../src/services/Idempotency.ts"
import { MemoryStore } from "./store.ts"

const idempotencyKey = (scope: string, key: string) => `${scope}\u0000${key}`

export const layerIdempotency = Layer.effect(
  IdempotencyRepo,
  Effect.map(MemoryStore, (store) =>
    IdempotencyRepo.of({
      claim: (claim) =>
        Effect.sync(() => {
          const id = idempotencyKey(claim.scope, claim.key)
          const existing = store.state.idempotency.get(id)
          if (existing === undefined || existing.createdAt < claim.expiresBefore) {
            store.state.idempotency.set(id, { requestHash: claim.requestHash, response: null, createdAt: claim.now })
            return { _tag: "Claimed" } as const
          }
          return existing.requestHash === claim.requestHash
            ? { _tag: "Replay", response: existing.response } as const
            : { _tag: "Mismatch" } as const
        }),
      complete: (scope, key, response) =>
        Effect.sync(() => {
          const existing = store.state.idempotency.get(idempotencyKey(scope, key))
          if (existing !== undefined) existing.response = structuredClone(response)
        })
    }))
)
